//! The test's webhook receiver: a real HTTP server on loopback that keeps what it is sent,
//! and checks signatures as a receiver would (with the `hmac` crate, independently of the
//! server's code).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// With this status at once.
    Answer(u16),
    /// Never (until the sender gives up).
    Hang,
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

#[derive(Debug)]
struct Inbox {
    mode: Mutex<Mode>,
    got: Mutex<Vec<Got>>,
}

/// An HTTP server on loopback that keeps every POST it gets, and answers as its mode says.
pub struct Receiver {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on `addr` (port 0: any).
    pub async fn start(addr: SocketAddr, mode: Mode) -> Receiver {
        let inbox = Arc::new(Inbox {
            mode: Mutex::new(mode),
            got: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let kept = inbox.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let inbox = kept.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let body = String::from_utf8_lossy(&body).into_owned();
                inbox.got.lock().unwrap().push(Got { headers, body });
                let mode = *inbox.mode.lock().unwrap();
                match mode {
                    Mode::Answer(status) => StatusCode::from_u16(status).unwrap(),
                    Mode::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        StatusCode::OK
                    }
                }
            }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver serves");
        });
        Receiver { addr, inbox, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks/centrale", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inbox.mode.lock().unwrap() = mode;
    }

    pub fn got(&self) -> Vec<Got> {
        self.inbox.got.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until `done` holds for what arrived.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let rounds = within.as_millis() / 20;
        for _ in 0..rounds {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let got = self.got();
        panic!(
            "the receiver did not get what was expected; it got {} requests: {:#?}",
            got.len(),
            got.iter().map(|g| g.body.clone()).collect::<Vec<_>>()
        );
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address nothing listens on (for now).
pub async fn free_address() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("address")
}

/// Checks a delivery's `Centrale-Signature` (`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`)
/// with `secret`, as a receiver would.
pub fn signed_with(got: &Got, secret: &str) -> bool {
    let header = got.header("centrale-signature");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.{}", got.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let fresh = t.parse::<i64>().is_ok_and(|t| (now - t).abs() < 300);
    fresh && expected == v1
}
