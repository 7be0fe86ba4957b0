//! The per-station message rate limit.

use tokio::time::Instant;

/// A station's message rate limit: a token bucket of `burst` messages refilled at `rate` per
/// second.
#[derive(Debug)]
pub(super) struct Throttle {
    pub(super) rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
    /// Whether this session went over the rate already (it is reported once).
    exceeded: bool,
}

impl Throttle {
    pub(super) fn new(limit: crate::RateLimit) -> Throttle {
        Throttle {
            rate: limit.per_second,
            burst: limit.burst,
            tokens: limit.burst,
            at: Instant::now(),
            exceeded: false,
        }
    }

    /// When the next message may be read, if not now.
    pub(super) fn wait(&mut self) -> Option<Instant> {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        (self.tokens < 1.0)
            .then(|| now + std::time::Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
    }

    /// Counts a message read; true the first time the bucket runs dry in this session.
    pub(super) fn take(&mut self) -> bool {
        self.tokens -= 1.0;
        let first = self.tokens < 1.0 && !self.exceeded;
        self.exceeded |= first;
        first
    }
}
