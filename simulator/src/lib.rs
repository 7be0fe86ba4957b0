//! Charge point simulator: OCPP-J stations for tests, demos and load, against Centrale or any
//! other central system.
//!
//! - [`Station`]: one station's raw connection: it offers a subprotocol, sends CALLs and waits for
//!   their answers, and keeps what the central system sends on its own. Tests use it to say
//!   exactly what a station says.
//! - [`charger::Charger`]: a station that behaves like a real one (boot, heartbeats, charging
//!   sessions, answers to every central-system call, reconnects). The `centrale-sim` binary runs
//!   many of them.

pub mod charger;
pub mod connect;

pub use connect::{Security, tls_config};

use futures_util::{SinkExt, StreamExt};
use protocol::{Frame, MessageId};
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;
use thiserror::Error;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

/// How long [`Station::call`] waits for an answer by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What can go wrong talking to a central system.
#[derive(Debug, Error)]
pub enum SimError {
    #[error("WebSocket: {0}")]
    WebSocket(#[from] tungstenite::Error),
    #[error("bad URL or header: {0}")]
    Request(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the central system closed the connection{}", .0.as_ref().map(|c| format!(" ({} {})", c.code, c.reason)).unwrap_or_default())]
    Closed(Option<CloseFrame>),
    #[error("the central system sent a frame that is not OCPP-J: {0}")]
    BadFrame(String),
    #[error("TLS: {0}")]
    Tls(String),
}

/// The answer to a CALL.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// CALLRESULT payload.
    Result(Value),
    /// CALLERROR code and description.
    Error { code: String, description: String },
}

/// One station's OCPP-J connection.
pub struct Station {
    socket: connect::Socket,
    protocol: Option<String>,
    next_id: u64,
    /// CALLs the central system sent, not yet taken by the caller.
    inbox: VecDeque<Frame>,
}

impl Station {
    /// Connects to `{base}/{id}` (e.g. `ws://127.0.0.1:8080/ocpp` and `CP-1`) offering `ocpp1.6`.
    pub async fn connect(base: &str, id: &str) -> Result<Station, SimError> {
        Station::connect_url(&station_url(base, id), &["ocpp1.6"]).await
    }

    /// Connects to `{base}/{id}` offering `ocpp1.6`, proving its identity as `security` says
    /// (Basic auth, TLS with or without a client certificate).
    pub async fn connect_with(
        base: &str,
        id: &str,
        security: &Security,
    ) -> Result<Station, SimError> {
        Station::open(&station_url(base, id), id, &["ocpp1.6"], security).await
    }

    /// Connects to `{base}/{id}` offering `ocpp2.0.1`.
    pub async fn connect_v201(base: &str, id: &str) -> Result<Station, SimError> {
        Station::connect_url(&station_url(base, id), &["ocpp2.0.1"]).await
    }

    /// Connects to `{base}/{id}` offering the given subprotocols, proving its identity as
    /// `security` says.
    pub async fn connect_offering(
        base: &str,
        id: &str,
        protocols: &[&str],
        security: &Security,
    ) -> Result<Station, SimError> {
        Station::open(&station_url(base, id), id, protocols, security).await
    }

    /// Connects to a full URL offering the given subprotocols (in order of preference).
    pub async fn connect_url(url: &str, protocols: &[&str]) -> Result<Station, SimError> {
        Station::open(url, "", protocols, &Security::default()).await
    }

    async fn open(
        url: &str,
        id: &str,
        protocols: &[&str],
        security: &Security,
    ) -> Result<Station, SimError> {
        let (socket, response) = connect::open(url, id, protocols, security).await?;
        let protocol = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Station {
            socket,
            protocol,
            next_id: 1,
            inbox: VecDeque::new(),
        })
    }

    /// The subprotocol the central system chose, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Sends a CALL and waits (up to [`DEFAULT_TIMEOUT`]) for its answer. CALLs the central
    /// system sends meanwhile are kept for [`Station::next_call`].
    pub async fn call(&mut self, action: &str, payload: Value) -> Result<Reply, SimError> {
        let id = self.next_message_id();
        let frame = Frame::call(id.clone(), action, &payload)
            .map_err(|e| SimError::Request(e.to_string()))?;
        self.send_text(&frame.to_text()).await?;
        self.answer_to(&id, DEFAULT_TIMEOUT).await
    }

    /// Sends any text as it is: for malformed frames.
    pub async fn send_text(&mut self, text: &str) -> Result<(), SimError> {
        self.socket.send(Message::text(text)).await?;
        Ok(())
    }

    /// Waits for the next frame from the central system, whatever it is.
    pub async fn next_frame(&mut self, within: Duration) -> Result<Value, SimError> {
        let text = self.next_text(within).await?;
        serde_json::from_str(&text).map_err(|_| SimError::BadFrame(text))
    }

    /// Waits for the next CALL from the central system.
    pub async fn next_call(&mut self, within: Duration) -> Result<Frame, SimError> {
        if let Some(call) = self.inbox.pop_front() {
            return Ok(call);
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let text = self.next_text(left).await?;
            match Frame::parse(&text) {
                Ok(call @ Frame::Call { .. }) => return Ok(call),
                Ok(_) => continue,
                Err(_) => return Err(SimError::BadFrame(text)),
            }
        }
    }

    /// Answers a CALL of the central system with a CALLRESULT.
    pub async fn answer(&mut self, call: &Frame, payload: Value) -> Result<(), SimError> {
        let frame = Frame::call_result(call.id().clone(), &payload)
            .map_err(|e| SimError::Request(e.to_string()))?;
        self.send_text(&frame.to_text()).await
    }

    /// Answers a CALL of the central system with a CALLERROR.
    pub async fn answer_error(
        &mut self,
        call: &Frame,
        code: &str,
        description: &str,
    ) -> Result<(), SimError> {
        let text = serde_json::json!([4, call.id().as_str(), code, description, {}]).to_string();
        self.send_text(&text).await
    }

    /// Waits for the connection to be closed by the central system; returns its close frame.
    pub async fn closed(&mut self, within: Duration) -> Result<Option<CloseFrame>, SimError> {
        match self.next_text(within).await {
            Err(SimError::Closed(frame)) => Ok(frame),
            Err(e) => Err(e),
            Ok(text) => Err(SimError::BadFrame(format!("expected a close, got {text}"))),
        }
    }

    /// Closes the connection normally.
    pub async fn close(mut self) -> Result<(), SimError> {
        self.socket.close(None).await?;
        // Drain until the central system's close arrives.
        while let Some(Ok(_)) = self.socket.next().await {}
        Ok(())
    }

    fn next_message_id(&mut self) -> MessageId {
        let n = self.next_id;
        self.next_id += 1;
        // A short decimal id is always within the 36-character limit.
        MessageId::parse(n.to_string()).unwrap_or_else(|_| unreachable!("decimal ids are valid"))
    }

    async fn answer_to(&mut self, id: &MessageId, within: Duration) -> Result<Reply, SimError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let text = self.next_text(left).await?;
            match Frame::parse(&text) {
                Ok(Frame::CallResult { id: got, payload }) if &got == id => {
                    let value = serde_json::from_str(payload.get())
                        .map_err(|_| SimError::BadFrame(text.clone()))?;
                    return Ok(Reply::Result(value));
                }
                Ok(Frame::CallError {
                    id: got,
                    code,
                    description,
                    ..
                }) if &got == id => {
                    return Ok(Reply::Error { code, description });
                }
                Ok(call @ Frame::Call { .. }) => self.inbox.push_back(call),
                Ok(_) => continue,
                Err(_) => return Err(SimError::BadFrame(text)),
            }
        }
    }

    async fn next_text(&mut self, within: Duration) -> Result<String, SimError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| SimError::Timeout(within))?;
            match next {
                Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
                Some(Ok(Message::Close(frame))) => return Err(SimError::Closed(frame)),
                Some(Ok(_)) => continue,
                Some(Err(tungstenite::Error::ConnectionClosed)) | None => {
                    return Err(SimError::Closed(None));
                }
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }
}

/// `{base}/{id}` with the id percent-encoded as a path segment.
/// Standard base64 with padding (RFC 4648), for HTTP Basic credentials.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn station_url(base: &str, id: &str) -> String {
    let mut url = base.trim_end_matches('/').to_owned();
    url.push('/');
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_urls_encode_the_identity() {
        assert_eq!(station_url("ws://h/ocpp/", "CP-1"), "ws://h/ocpp/CP-1");
        assert_eq!(
            station_url("ws://h/ocpp", "a b/é"),
            "ws://h/ocpp/a%20b%2F%C3%A9"
        );
    }

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"CP-1:secret"), "Q1AtMTpzZWNyZXQ=");
    }

    #[test]
    fn station_randomness_is_seeded_and_plausible() {
        use crate::charger::Rng;
        let mut a = Rng::for_station(7, "SIM-0001", 1);
        let mut b = Rng::for_station(7, "SIM-0001", 1);
        let mut c = Rng::for_station(7, "SIM-0002", 1);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(xs, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(xs, (0..4).map(|_| c.next_u64()).collect::<Vec<_>>());
        let mean = std::time::Duration::from_secs(100);
        let n = 20_000;
        let total: f64 = (0..n).map(|_| a.exponential(mean).as_secs_f64()).sum();
        let average = total / f64::from(n);
        assert!((90.0..110.0).contains(&average), "{average}");
    }
}
