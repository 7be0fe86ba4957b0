//! `GET /api/events`: the engine's events as server-sent events, one `event:` name per kind.

use super::AppState;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// The name of the event telling a client it fell behind and must refetch its snapshot.
const RESYNC: &str = "resync";

pub async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let receiver = state.engine.subscribe();
    let shutdown = state.engine.shutdown_token();
    let events = futures_util::stream::unfold(
        (receiver, shutdown),
        |(mut receiver, shutdown)| async move {
            let next = tokio::select! {
                () = shutdown.cancelled() => return None,
                next = receiver.recv() => next,
            };
            let sse = match next {
                Ok(event) => match serde_json::to_string(&event) {
                    Ok(json) => SseEvent::default().event(event.kind()).data(json),
                    Err(e) => {
                        tracing::error!(error = %e, "event not serialisable");
                        SseEvent::default().event(RESYNC).data("{}")
                    }
                },
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "event subscriber lagged");
                    SseEvent::default()
                        .event(RESYNC)
                        .data(format!("{{\"missed\":{missed}}}"))
                }
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(sse), (receiver, shutdown)))
        },
    );
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
