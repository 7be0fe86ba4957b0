//! TLS as OCPP asks a central system (2.0.1 A00.FR.313, .318-.320; the same for 1.6): an RSA
//! and an ECDSA certificate side by side, the four required TLS 1.2 suites each negotiated by a
//! client restricted to it, nothing below TLS 1.2 and no weak suite; client certificates of
//! both key types for security profile 3. The client is `openssl s_client` (Debian's
//! `openssl`, installed by the test command).

use crate::helpers::TestApp;
use crate::security::{Pki, set_security, tls_app};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// Runs `openssl ARGS` to completion; panics with its output if it fails.
async fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().await.unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed RSA certificate for 127.0.0.1: its PEM chain and key.
async fn rsa_server_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("rsa.pem"), dir.join("rsa.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=centrale",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ])
    .await;
    (cert, key)
}

/// What `openssl s_client` negotiates with the TLS listener when it offers only `cipher` over
/// `version` (`-tls1_2`, ...): the suite, or `None` when the handshake is refused.
async fn negotiated(addr: &str, version: &str, cipher: &str) -> Option<String> {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", addr, version, "-cipher", cipher])
        .stdin(Stdio::null())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), out)
        .await
        .expect("s_client ends")
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let suite = text
        .lines()
        .find_map(|l| l.split_once("Cipher is ").map(|(_, c)| c.trim().to_owned()))?;
    (suite != "(NONE)" && out.status.success()).then_some(suite)
}

/// A server on TLS with an ECDSA certificate (from `pki`) and an RSA one.
async fn two_certificates(pki: &Pki) -> TestApp {
    let rsa = rsa_server_certificate(&pki.dir).await;
    tls_app(pki, move |c| {
        c.tls_second_cert = Some(rsa.0);
        c.tls_second_key = Some(rsa.1);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a00_fr_318_each_required_suite_is_negotiated_and_weak_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let app = two_certificates(&pki).await;
    let addr = app.server.tls_addr().unwrap().to_string();
    // A00.FR.318: the four suites, each alone; the RSA ones need the RSA certificate.
    for suite in [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    ] {
        assert_eq!(
            negotiated(&addr, "-tls1_2", suite).await.as_deref(),
            Some(suite),
            "{suite}"
        );
    }
    // A00.FR.313 / .320: no TLS below 1.2, no weak suite.
    assert_eq!(negotiated(&addr, "-tls1_1", "ALL:@SECLEVEL=0").await, None);
    for weak in ["AES128-SHA", "DES-CBC3-SHA", "ECDHE-RSA-AES128-SHA"] {
        assert_eq!(negotiated(&addr, "-tls1_2", weak).await, None, "{weak}");
    }
}

/// Sends a WebSocket upgrade for `station` through `openssl s_client` with the client
/// certificate `cert`/`key`; answers the HTTP status line.
async fn upgrade_with_certificate(addr: &str, station: &str, cert: &Path, key: &Path) -> String {
    let mut child = Command::new("openssl")
        .args(["s_client", "-quiet", "-ign_eof", "-connect", addr, "-cert"])
        .arg(cert)
        .arg("-key")
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let request = format!(
        "GET /ocpp/{station} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n"
    );
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let status = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("HTTP/1.1 ") {
                return line;
            }
        }
        String::new()
    })
    .await
    .expect("an answer");
    let _ = child.kill().await;
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_3_takes_client_certificates_of_both_key_types() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let app = two_certificates(&pki).await;
    let addr = app.server.tls_addr().unwrap().to_string();
    for id in ["CS-RSA", "CS-EC"] {
        let (status, _) = set_security(&app, id, json!({"securityProfile": 3})).await;
        assert_eq!(status, 200);
    }
    // An RSA key, its CSR signed by the (ECDSA) station CA.
    let (rsa_key, csr, rsa_cert) = (
        pki.dir.join("cs-rsa.key"),
        pki.dir.join("cs-rsa.csr"),
        pki.dir.join("cs-rsa.pem"),
    );
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=CS-RSA",
        "-keyout",
        rsa_key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ])
    .await;
    openssl(&[
        "x509",
        "-req",
        "-days",
        "30",
        "-in",
        csr.to_str().unwrap(),
        "-CA",
        pki.ca().to_str().unwrap(),
        "-CAkey",
        pki.ca_key().to_str().unwrap(),
        "-CAcreateserial",
        "-out",
        rsa_cert.to_str().unwrap(),
    ])
    .await;
    let (ec_cert, ec_key) = pki.issue("CS-EC", &[]);
    let rsa = upgrade_with_certificate(&addr, "CS-RSA", &rsa_cert, &rsa_key).await;
    assert!(rsa.starts_with("HTTP/1.1 101"), "{rsa}");
    let ec = upgrade_with_certificate(&addr, "CS-EC", &ec_cert, &ec_key).await;
    assert!(ec.starts_with("HTTP/1.1 101"), "{ec}");
    // Another station's certificate is no way in.
    let other = upgrade_with_certificate(&addr, "CS-EC", &rsa_cert, &rsa_key).await;
    assert!(other.starts_with("HTTP/1.1 401"), "{other}");
}
