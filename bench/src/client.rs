//! The load generator's side: stations that say exactly what a scenario needs, and a small
//! HTTP/1.1 client for the REST API and the event stream.

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use simulator::connect::Io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A bench station's WebSocket, over TCP or TLS.
type Socket = WebSocketStream<Box<dyn Io>>;

/// How long any single answer may take before the scenario counts an error.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// One station connection of the load generator.
pub struct BenchStation {
    socket: Socket,
    next: u64,
}

/// The OCPP version a bench station speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ocpp {
    V16,
    V201,
}

impl Ocpp {
    pub fn subprotocol(self) -> &'static str {
        match self {
            Ocpp::V16 => "ocpp1.6",
            Ocpp::V201 => "ocpp2.0.1",
        }
    }

    /// As a table shows it.
    pub fn name(self) -> &'static str {
        match self {
            Ocpp::V16 => "1.6",
            Ocpp::V201 => "2.0.1",
        }
    }

    pub fn boot(self) -> Value {
        match self {
            Ocpp::V16 => payloads::boot(),
            Ocpp::V201 => payloads::boot_v201(),
        }
    }
}

impl BenchStation {
    /// Opens `{base}/{id}` with the `ocpp1.6` subprotocol and small buffers (thousands of these
    /// live in one process).
    pub async fn connect(base: &str, id: &str) -> anyhow::Result<BenchStation> {
        BenchStation::connect_as(base, id, Ocpp::V16).await
    }

    /// [`BenchStation::connect`] speaking `version`.
    pub async fn connect_as(base: &str, id: &str, version: Ocpp) -> anyhow::Result<BenchStation> {
        BenchStation::connect_over(base, None, id, version).await
    }

    /// [`BenchStation::connect_as`], over TLS with `tls` when `base` is a `wss://` URL.
    pub async fn connect_over(
        base: &str,
        tls: Option<&Arc<rustls::ClientConfig>>,
        id: &str,
        version: Ocpp,
    ) -> anyhow::Result<BenchStation> {
        let mut request = format!("{base}/{id}").into_client_request()?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(version.subprotocol()),
        );
        let host = request.uri().host().context("no host")?.to_owned();
        let port = request.uri().port_u16().context("no port")?;
        let tcp = TcpStream::connect((host.as_str(), port)).await?;
        tcp.set_nodelay(true)?;
        let io: Box<dyn Io> = match tls {
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(host)?;
                let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
                Box::new(connector.connect(name, tcp).await?)
            }
            None => Box::new(tcp),
        };
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (socket, _) =
            tokio_tungstenite::client_async_with_config(request, io, Some(config)).await?;
        Ok(BenchStation { socket, next: 1 })
    }

    /// Sends a CALL and waits for its answer (answering any CALL of the central system with
    /// `{"status":"Accepted"}` meanwhile). Returns the result payload.
    pub async fn call(&mut self, action: &str, payload: &Value) -> anyhow::Result<Value> {
        let id = self.next;
        self.next += 1;
        let text = format!(r#"[2,"{id}","{action}",{payload}]"#);
        self.socket.send(Message::text(text)).await?;
        let id = id.to_string();
        loop {
            let frame = self.next_frame().await?;
            match frame.first().and_then(Value::as_u64) {
                Some(2) => self.accept(&frame).await?,
                Some(3) if frame.get(1).and_then(Value::as_str) == Some(id.as_str()) => {
                    return Ok(frame.get(2).cloned().unwrap_or(Value::Null));
                }
                Some(4) if frame.get(1).and_then(Value::as_str) == Some(id.as_str()) => {
                    bail!("{action} answered with an error: {frame:?}")
                }
                _ => {}
            }
        }
    }

    /// Serves the central system's calls (answering Accepted) until the connection closes.
    pub async fn serve(mut self) -> anyhow::Result<()> {
        loop {
            let frame = self.next_frame().await?;
            if frame.first().and_then(Value::as_u64) == Some(2) {
                self.accept(&frame).await?;
            }
        }
    }

    async fn accept(&mut self, call: &[Value]) -> anyhow::Result<()> {
        let id = call.get(1).and_then(Value::as_str).unwrap_or("-1");
        let answer = format!(r#"[3,"{id}",{{"status":"Accepted"}}]"#);
        self.socket.send(Message::text(answer)).await?;
        Ok(())
    }

    async fn next_frame(&mut self) -> anyhow::Result<Vec<Value>> {
        loop {
            let message = tokio::time::timeout(ANSWER_TIMEOUT, self.socket.next())
                .await
                .context("no answer in time")?
                .context("connection closed")??;
            match message {
                Message::Text(text) => return Ok(serde_json::from_str(text.as_str())?),
                Message::Close(_) => bail!("connection closed"),
                _ => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// The payloads the scenarios send.
pub mod payloads {
    use serde_json::{Value, json};

    pub fn boot() -> Value {
        json!({"chargePointVendor": "Bench", "chargePointModel": "centrale-bench"})
    }

    pub fn heartbeat() -> Value {
        json!({})
    }

    pub fn status(connector: u32, status: &str, info: &str) -> Value {
        json!({"connectorId": connector, "errorCode": "NoError", "status": status, "info": info})
    }

    pub fn start(connector: u32) -> Value {
        json!({"connectorId": connector, "idTag": "BENCH", "meterStart": 0, "timestamp": "2026-11-24T10:00:00Z"})
    }

    pub fn boot_v201() -> Value {
        json!({"reason": "PowerUp", "chargingStation": {"vendorName": "Bench", "model": "centrale-bench"}})
    }

    /// A 2.0.1 transaction's Started event, on EVSE 1.
    pub fn started_v201(transaction: &str) -> Value {
        json!({"eventType": "Started", "timestamp": "2026-11-24T10:00:00Z", "triggerReason": "Authorized",
            "seqNo": 0, "transactionInfo": {"transactionId": transaction, "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1}, "idToken": {"idToken": "BENCH", "type": "ISO14443"}})
    }

    /// A 2.0.1 TransactionEvent Updated with the same 10 sampled values as [`meter_values`].
    pub fn updated_v201(transaction: &str, n: u64) -> Value {
        let v = |value: f64, measurand: &str, unit: &str| json!({"value": value, "measurand": measurand, "unitOfMeasure": {"unit": unit}});
        let p = |value: f64, measurand: &str, unit: &str, phase: &str| json!({"value": value, "measurand": measurand, "unitOfMeasure": {"unit": unit}, "phase": phase});
        json!({"eventType": "Updated", "timestamp": "2026-11-24T10:00:00Z", "triggerReason": "MeterValuePeriodic",
        "seqNo": n, "transactionInfo": {"transactionId": transaction, "chargingState": "Charging"},
        "meterValue": [{"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [
            v((n * 30) as f64, "Energy.Active.Import.Register", "Wh"),
            v(11000.0, "Power.Active.Import", "W"),
            p(16.0, "Current.Import", "A", "L1"),
            p(16.1, "Current.Import", "A", "L2"),
            p(15.9, "Current.Import", "A", "L3"),
            p(230.1, "Voltage", "V", "L1-N"),
            p(229.8, "Voltage", "V", "L2-N"),
            p(231.0, "Voltage", "V", "L3-N"),
            json!({"value": 49.98, "measurand": "Frequency"}),
            json!({"value": 31.5, "measurand": "Power.Factor"})
        ]}]})
    }

    /// MeterValues with 10 sampled values: energy, power, current and voltage on three phases.
    pub fn meter_values(transaction_id: i64, n: u64) -> Value {
        let wh = (n * 30).to_string();
        let phase = |measurand: &str, unit: &str, value: &str, phase: &str| json!({"value": value, "measurand": measurand, "unit": unit, "phase": phase});
        json!({"connectorId": 1, "transactionId": transaction_id, "meterValue": [{
        "timestamp": "2026-11-24T10:00:00Z",
        "sampledValue": [
            {"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
            phase("Current.Import", "A", "16.0", "L1"),
            phase("Current.Import", "A", "16.1", "L2"),
            phase("Current.Import", "A", "15.9", "L3"),
            phase("Voltage", "V", "230.1", "L1-N"),
            phase("Voltage", "V", "229.8", "L2-N"),
            phase("Voltage", "V", "231.0", "L3-N"),
            {"value": "49.98", "measurand": "Frequency"},
            {"value": "31.5", "measurand": "Temperature", "unit": "Celsius"}
        ]}]})
    }
}

/// A keep-alive HTTP/1.1 connection for JSON requests.
pub struct Http {
    stream: TcpStream,
    host: String,
    /// Header lines every request carries (credentials).
    auth: String,
    buffer: Vec<u8>,
}

impl Http {
    /// Connects to `addr`; each request carries the header lines `auth` (e.g. a bearer token).
    pub async fn connect(addr: &str, auth: &str) -> anyhow::Result<Http> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Http {
            stream,
            host: addr.to_owned(),
            auth: auth.to_owned(),
            buffer: Vec::with_capacity(4096),
        })
    }

    /// POSTs JSON and returns the status and body.
    pub async fn post(&mut self, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            self.auth,
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await?;
        self.read_response().await
    }

    /// GETs a path and returns the status and body.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<(u16, String)> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
            self.host, self.auth
        );
        self.stream.write_all(request.as_bytes()).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> anyhow::Result<(u16, String)> {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .context("no status")?;
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .context("no content-length")?;
                let total = end + 4 + length;
                while self.buffer.len() < total {
                    self.fill().await?;
                }
                let body = String::from_utf8_lossy(&self.buffer[end + 4..total]).into_owned();
                self.buffer.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(ANSWER_TIMEOUT, self.stream.read(&mut chunk))
            .await
            .context("no HTTP answer in time")??;
        if n == 0 {
            bail!("HTTP connection closed");
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// An `/api/events` subscriber that reads every event and reports when each marker arrives.
pub struct EventReader {
    stream: TcpStream,
}

impl EventReader {
    /// Subscribes to `/api/events{query}`, signed in with the header lines `auth`.
    pub async fn open(addr: &str, auth: &str, query: &str) -> anyhow::Result<EventReader> {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET /api/events{query} HTTP/1.1\r\nHost: {addr}\r\n{auth}Accept: text/event-stream\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        Ok(EventReader { stream })
    }

    /// Reads until `count` events carrying `marker` followed by a number arrived; returns the
    /// instant each number was first seen.
    pub async fn collect(
        mut self,
        marker: &str,
        count: usize,
    ) -> anyhow::Result<Vec<(u64, Instant)>> {
        let mut seen = Vec::with_capacity(count);
        let mut text = String::new();
        let mut chunk = vec![0u8; 64 * 1024];
        while seen.len() < count {
            let n = tokio::time::timeout(ANSWER_TIMEOUT, self.stream.read(&mut chunk))
                .await
                .context("no event in time")??;
            if n == 0 {
                bail!("event stream closed");
            }
            let at = Instant::now();
            text.push_str(&String::from_utf8_lossy(&chunk[..n]));
            while let Some(i) = text.find(marker) {
                let rest = &text[i + marker.len()..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if digits.len() == rest.len() {
                    break; // the number may continue in the next read
                }
                if let Ok(number) = digits.parse() {
                    seen.push((number, at));
                }
                text.drain(..i + marker.len() + digits.len());
            }
        }
        Ok(seen)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
