use engine::operators::Role;
use server::{Config, Server};
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server of the test's own, on a fresh database in a temporary folder, with an admin whose
/// API token its requests carry.
pub struct TestApp {
    pub server: Server,
    pub dir: TempDir,
    /// The test's own database (see [`fresh_database`]).
    pub database: String,
    /// An admin's API token (`Authorization: Bearer`).
    pub token: String,
}

/// The test admin's name and password.
pub const ADMIN: (&str, &str) = ("admin", "test-admin-password");

/// Makes the test admin (if missing) and an API token of `role` for them.
pub async fn admin_token(server: &Server, role: Role) -> String {
    let engine = server.engine();
    let _ = engine
        .add_user(ADMIN.0, ADMIN.1, Role::Admin)
        .await
        .unwrap();
    engine
        .add_api_token(ADMIN.0, &format!("tests ({role})"), role)
        .await
        .unwrap()
        .unwrap()
        .1
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = fresh_database(dir.path()).await;
        TestApp::start_on(dir, database, adjust).await
    }

    /// A server on `database`, with `dir` as its folder.
    async fn start_on(dir: TempDir, database: String, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = config_on(&database);
        adjust(&mut config);
        let server = Server::start(config).await.expect("server starts");
        let token = admin_token(&server, Role::Admin).await;
        TestApp {
            server,
            dir,
            database,
            token,
        }
    }

    /// Another node of a cluster: a server on `database` (PostgreSQL), with its own folder
    /// and token; `adjust` changes its configuration first.
    pub async fn join(database: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::start_on(dir, database.to_owned(), adjust).await
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            server,
            dir,
            database,
            token,
        } = self;
        server.stop().await.expect("clean stop");
        let server = Server::start(config_on(&database))
            .await
            .expect("server starts");
        TestApp {
            server,
            dir,
            database,
            token,
        }
    }

    /// The header line that signs a raw request in as the test admin.
    pub fn auth_header(&self) -> String {
        format!("Authorization: Bearer {}\r\n", self.token)
    }

    pub fn database_url(&self) -> String {
        self.database.clone()
    }

    /// `ws://ADDR/ocpp`, the base stations connect under.
    pub fn ocpp_base(&self) -> String {
        format!("ws://{}/ocpp", self.server.addr())
    }

    pub async fn get(&self, path: &str) -> HttpResponse {
        self.request("GET", path, None).await
    }

    /// Waits until the engine counts `n` connected stations (sessions register asynchronously).
    pub async fn wait_connected(&self, n: usize) {
        self.wait_connected_within(n, Duration::from_secs(2)).await;
    }

    /// Waits until the database counts `n` stations online: a session leaves the registry
    /// first, then writes its end (so `wait_connected` may return before this holds).
    pub async fn wait_online_in_database(&self, n: u64) {
        for _ in 0..200 {
            if self.get("/api/fleet").await.json()["online"] == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} stations online in the database");
    }

    /// [`TestApp::wait_connected`] with a longer patience.
    pub async fn wait_connected_within(&self, n: usize, within: Duration) {
        let rounds = within.as_millis() / 10;
        for _ in 0..rounds {
            if self.server.engine().connected_stations().len() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "expected {n} connected stations, have {:?}",
            self.server.engine().connected_stations()
        );
    }
}

/// A `centrale` process, killed (SIGKILL) when dropped: a failing test leaves none behind.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new PostgreSQL database
/// when `CENTRALE_TEST_POSTGRES` names a server (`make test` runs the suite both ways).
pub async fn fresh_database(dir: &std::path::Path) -> String {
    engine::store::testing::fresh_database(dir)
        .await
        .expect("a fresh test database")
}

fn config_on(database: &str) -> Config {
    Config::new("127.0.0.1:0".parse().expect("addr"), database)
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

/// A plain HTTP/1.1 GET with `Connection: close`, read to the end.
pub async fn http_get(addr: &str, path: &str) -> HttpResponse {
    http(addr, "GET", path, None).await
}

impl HttpResponse {
    /// The value of header `name` (any case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

impl TestApp {
    /// Any request with an optional JSON body.
    pub async fn request(&self, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
        let headers = self.auth_header();
        http_with(
            &self.server.addr().to_string(),
            &headers,
            method,
            path,
            body,
        )
        .await
    }
}

/// A plain HTTP/1.1 request with `Connection: close`, read to the end.
pub async fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
    http_with(addr, "", method, path, body).await
}

/// [`http`] with more header lines (each ending in CRLF).
pub async fn http_with(
    addr: &str,
    headers: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = body.unwrap_or("");
    let content_type = if headers.to_ascii_lowercase().contains("content-type:") {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\
         {content_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
    match read {
        Ok(done) => {
            done.expect("read");
        }
        Err(_) => panic!(
            "GET {path}: no complete response within 10 s; received so far: {:?}",
            String::from_utf8_lossy(&raw)
        ),
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    HttpResponse {
        status,
        headers: head.to_owned(),
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

/// The payload of a `Transfer-Encoding: chunked` body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// The text of the element with `data-testid="{testid}"` in server-rendered HTML.
pub fn test_id_text<'a>(html: &'a str, testid: &str) -> Option<&'a str> {
    let at = html.find(&format!("data-testid=\"{testid}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(&rest[start..start + end])
}

/// Reads an open HTTP response stream until `needle` appears; returns what was read.
pub async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    String::from_utf8_lossy(&read_until_bytes(stream, needle.as_bytes()).await).into_owned()
}

/// Reads a stream until `needle` appears; returns the bytes read.
pub async fn read_until_bytes(stream: &mut TcpStream, needle: &[u8]) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{:?} not seen in: {}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(&seen)
                )
            })
            .expect("read");
        assert!(
            n > 0,
            "stream ended before the awaited text: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(needle.len()).any(|w| w == needle) {
            return seen;
        }
    }
}
