//! Repeated CALLs answered again without executing them twice.

/// The answers to a session's latest CALLs: the same CALL sent again (same message id, action
/// and payload: a station that missed our answer retransmits) gets the same answer without
/// being executed again. A reused id with other content is a new CALL.
///
/// A station has one CALL outstanding at a time, so only its latest few can be retransmitted:
/// a handful of answers are kept, with a 64-bit hash of each CALL rather than its text.
#[derive(Debug, Default)]
pub(super) struct RecentAnswers(std::collections::VecDeque<(u64, u8, String)>);

impl RecentAnswers {
    /// How many answers a session keeps.
    const KEEP: usize = 8;

    fn hash(call: &str) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(call)
    }

    /// The answer to `call` (its message type, 3 or 4, and its text), if it is a recent one.
    pub(super) fn get(&self, call: &str) -> Option<(u8, &str)> {
        let hash = Self::hash(call);
        self.0
            .iter()
            .find(|(h, _, _)| *h == hash)
            .map(|(_, kind, reply)| (*kind, reply.as_str()))
    }

    pub(super) fn remember(&mut self, call: &str, kind: u8, reply: &str) {
        if self.0.len() == Self::KEEP {
            self.0.pop_front();
        }
        self.0.push_back((Self::hash(call), kind, reply.to_owned()));
    }
}
