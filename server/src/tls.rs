//! The `wss://` listener (security profiles 2 and 3): OpenSSL, with optional client
//! certificates verified against a CA.
//!
//! OCPP asks a central system to offer TLS 1.2 with TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM and
//! TLS_RSA_WITH_AES_128/256_GCM, with an ECDSA and an RSA certificate, since a station may
//! support only the RSA suites (2.0.1 A00.FR.318, A00.FR.319); rustls has no static-RSA key
//! exchange, so this listener uses OpenSSL (Debian's libssl). It serves one or two certificates
//! (one per key type), TLS 1.2 and 1.3 only, and no weak suite (A00.FR.313, A00.FR.320).
//!
//! Handshakes run in their own tasks, with a deadline, so a slow or silent client never holds up
//! the others; finished connections are handed to axum through [`TlsListener`]. Each carries a
//! [`Peer`]: whether it is TLS and the common name of the client certificate it showed, which
//! the station endpoint matches against the station id.

use anyhow::Context;
use openssl::nid::Nid;
use openssl::ssl::{
    AlpnError, Ssl, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion,
    select_next_proto,
};
use openssl::x509::{X509, X509Name};
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_openssl::SslStream;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
/// Handshaken connections waiting for axum to take them.
const READY_QUEUE: usize = 1024;

/// The TLS 1.2 suites offered: OCPP's four (A00.FR.318), and ECDHE with an RSA certificate.
/// All AEAD, all at least 128-bit; TLS 1.3 keeps OpenSSL's own (AES-GCM, ChaCha20-Poly1305).
pub const TLS12_SUITES: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-GCM-SHA384";

/// Who is at the other end of an HTTP connection, as the transport knows it.
#[derive(Debug, Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    pub tls: bool,
    /// The subject CN of the client certificate, verified against `--tls-client-ca`.
    pub certificate_cn: Option<String>,
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TcpListener>) -> Peer {
        Peer {
            addr: *stream.remote_addr(),
            tls: false,
            certificate_cn: None,
        }
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Peer {
        stream.remote_addr().clone()
    }
}

/// Builds the server's TLS settings from PEM files: one certificate chain and key per key type
/// (an ECDSA and an RSA one serve every station; one of either works), and the CA that issues
/// station certificates (profile 3; without it no client certificate is asked for).
pub fn server_config(
    certificates: &[(&Path, &Path)],
    client_ca: Option<&Path>,
) -> anyhow::Result<Arc<SslAcceptor>> {
    let mut builder =
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).context("TLS settings")?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_2))
        .context("TLS versions")?;
    builder
        .set_cipher_list(TLS12_SUITES)
        .context("TLS 1.2 suites")?;
    for (cert, key) in certificates {
        // Each pair fills the slot of its key type: an RSA and an ECDSA certificate side by side.
        builder
            .set_certificate_chain_file(cert)
            .with_context(|| format!("cannot use the certificate {}", cert.display()))?;
        builder
            .set_private_key_file(key, SslFiletype::PEM)
            .with_context(|| format!("cannot use the private key {}", key.display()))?;
        builder.check_private_key().with_context(|| {
            format!("the certificate {} does not match its key", cert.display())
        })?;
    }
    if let Some(ca) = client_ca {
        builder
            .set_ca_file(ca)
            .with_context(|| format!("cannot read the client CA {}", ca.display()))?;
        let names = X509Name::load_client_ca_file(ca)
            .with_context(|| format!("cannot read the client CA {}", ca.display()))?;
        builder.set_client_ca_list(names);
        // Stations of profile 2 have no certificate: one is checked when shown, and which
        // stations need one is the station endpoint's decision.
        builder.set_verify(SslVerifyMode::PEER);
    }
    // WebSocket upgrades are HTTP/1.1.
    builder.set_alpn_select_callback(|_, offered| {
        select_next_proto(b"\x08http/1.1", offered).ok_or(AlpnError::NOACK)
    });
    Ok(Arc::new(builder.build()))
}

/// Accepts TCP connections and hands on those whose TLS handshake succeeded.
pub struct TlsListener {
    ready: mpsc::Receiver<(SslStream<TcpStream>, Peer)>,
    local: SocketAddr,
}

/// Finishes the TLS handshake of an accepted connection; its peer as the station endpoint
/// sees it.
async fn handshake(
    acceptor: &SslAcceptor,
    stream: TcpStream,
    addr: SocketAddr,
) -> anyhow::Result<(SslStream<TcpStream>, Peer)> {
    let ssl = Ssl::new(acceptor.context())?;
    let mut stream = SslStream::new(ssl, stream)?;
    Pin::new(&mut stream).accept().await?;
    let certificate_cn = stream
        .ssl()
        .peer_certificate()
        .and_then(|cert| common_name(&cert));
    let peer = Peer {
        addr,
        tls: true,
        certificate_cn,
    };
    Ok((stream, peer))
}

impl TlsListener {
    pub fn new(tcp: TcpListener, acceptor: Arc<SslAcceptor>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = tokio::select! {
                    () = tx.closed() => return,
                    accepted = tcp.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            // Out of file descriptors, most likely: wait, as axum does.
                            tracing::warn!(error = %e, "TLS listener: accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                let acceptor = Arc::clone(&acceptor);
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let done = tokio::time::timeout(
                        HANDSHAKE_DEADLINE,
                        handshake(&acceptor, stream, addr),
                    )
                    .await;
                    match done {
                        Ok(Ok(accepted)) => {
                            let _ = tx.send(accepted).await;
                        }
                        Ok(Err(e)) => {
                            tracing::info!(peer = %addr, error = %e, "TLS handshake failed");
                        }
                        Err(_) => tracing::info!(peer = %addr, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = SslStream<TcpStream>;
    type Addr = Peer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(next) => next,
            // The accepting task ends only when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(Peer {
            addr: self.local,
            tls: true,
            certificate_cn: None,
        })
    }
}

/// The subject common name of a certificate.
pub fn common_name(cert: &X509) -> Option<String> {
    let entry = cert.subject_name().entries_by_nid(Nid::COMMONNAME).next()?;
    entry.data().to_string().ok()
}
