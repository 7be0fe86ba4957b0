//! A station's queue of calls toward it: bounded, any number of senders (API handlers,
//! forwarded calls, the engine's own), one receiver (the station's session).
//!
//! Every connected station has one, nearly always empty. tokio's `mpsc` costs about 1 KiB per
//! channel before the first message (its shared state is cache-padded and it allocates its
//! first block of 32 slots at once; heap profile, BENCHMARKS "third step"); this one is a
//! mutex, a `VecDeque` that allocates on the first call and a `Notify`, about 100 bytes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// A queue holding at most `capacity` calls.
pub(crate) fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            capacity,
            closed: false,
            senders: 1,
        }),
        ready: Notify::new(),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared },
    )
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Told on each call queued and when the last sender goes; holds one wake-up when the
    /// receiver is not waiting yet, so none is lost between its look and its wait.
    ready: Notify,
}

struct State<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// The receiver closed the queue or is gone: nothing more is taken.
    closed: bool,
    senders: usize,
}

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        // Each critical section is one push, pop or flag: a panic elsewhere cannot have left
        // the queue half-changed, so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a call was not queued; the call comes back with it.
#[derive(Debug)]
pub(crate) enum TrySendError<T> {
    Full(T),
    Closed(T),
}

pub(crate) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Queues `item` unless the queue is full or its receiver closed it.
    pub(crate) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        {
            let mut state = self.shared.state();
            if state.closed {
                return Err(TrySendError::Closed(item));
            }
            if state.items.len() >= state.capacity {
                return Err(TrySendError::Full(item));
            }
            state.items.push_back(item);
        }
        self.shared.ready.notify_one();
        Ok(())
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.state();
        f.debug_struct("Sender")
            .field("queued", &state.items.len())
            .field("closed", &state.closed)
            .finish()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state().senders += 1;
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let last = {
            let mut state = self.shared.state();
            state.senders -= 1;
            state.senders == 0
        };
        if last {
            self.shared.ready.notify_one();
        }
    }
}

pub(crate) struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Receiver<T> {
    /// The next call; `None` once the queue is closed and empty, or empty with no sender left.
    /// Cancel-safe: dropped before it completes, it has taken nothing.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        loop {
            {
                let mut state = self.shared.state();
                if let Some(item) = state.items.pop_front() {
                    return Some(item);
                }
                if state.closed || state.senders == 0 {
                    return None;
                }
            }
            self.shared.ready.notified().await;
        }
    }

    /// The next call already queued, if any.
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        self.shared.state().items.pop_front()
    }

    /// Refuses further calls; those already queued can still be taken.
    pub(crate) fn close(&mut self) {
        self.shared.state().closed = true;
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let left = {
            let mut state = self.shared.state();
            state.closed = true;
            std::mem::take(&mut state.items)
        };
        // Dropped outside the lock: a call's drop answers its caller.
        drop(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn calls_come_out_in_order_and_a_full_queue_refuses_more() {
        let (tx, mut rx) = channel(2);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        assert_eq!(rx.recv().await, Some(1));
        tx.try_send(3).unwrap();
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.try_recv(), Some(3));
        assert_eq!(rx.try_recv(), None);
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_call_sent_from_another_task() {
        let (tx, mut rx) = channel(4);
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.try_send("call").unwrap();
            tx
        });
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got.unwrap(), Some("call"));
        drop(sender.await.unwrap());
    }

    #[tokio::test]
    async fn closing_refuses_new_calls_and_keeps_those_queued() {
        let (tx, mut rx) = channel(4);
        tx.try_send(1).unwrap();
        rx.close();
        assert!(matches!(tx.try_send(2), Err(TrySendError::Closed(2))));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    }

    #[tokio::test]
    async fn the_receiver_ends_when_the_last_sender_goes() {
        let (tx, mut rx) = channel::<u8>(4);
        let other = tx.clone();
        drop(tx);
        let waiting = tokio::spawn(async move { rx.recv().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "one sender is left");
        drop(other);
        let got = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert_eq!(got.unwrap().unwrap(), None);
    }

    #[tokio::test]
    async fn a_dropped_receiver_refuses_calls_and_drops_those_queued() {
        let (tx, rx) = channel(4);
        let queued = Arc::new(());
        tx.try_send(Arc::clone(&queued)).unwrap();
        drop(rx);
        assert_eq!(Arc::strong_count(&queued), 1, "the queued call was dropped");
        assert!(matches!(tx.try_send(queued), Err(TrySendError::Closed(_))));
    }

    #[tokio::test]
    async fn a_receive_given_up_takes_nothing() {
        let (tx, mut rx) = channel(4);
        let gave_up = tokio::time::timeout(Duration::from_millis(10), rx.recv()).await;
        assert!(gave_up.is_err());
        tx.try_send(7).unwrap();
        assert_eq!(rx.recv().await, Some(7));
    }

    #[test]
    fn an_empty_queue_is_small() {
        // What an idle station pays for its queue: the shared state, no slots yet.
        let (tx, _rx) = channel::<Box<u64>>(64);
        assert!(
            std::mem::size_of_val(&*tx.shared) <= 128,
            "{} bytes",
            std::mem::size_of_val(&*tx.shared)
        );
    }
}
