//! Opening a station's WebSocket: `ws://` or `wss://` (rustls, optionally with a client
//! certificate), with HTTP Basic credentials and the offered subprotocols.

use crate::SimError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A byte stream a WebSocket runs on: TCP, or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A station's open WebSocket.
pub type Socket = WebSocketStream<Box<dyn Io>>;

/// How a station proves who it is (OCPP security profiles 1-3).
#[derive(Clone, Default)]
pub struct Security {
    /// HTTP Basic auth password (profiles 1 and 2); the user is the station id.
    pub password: Option<String>,
    /// TLS settings for `wss://` URLs (trusted CA, client certificate for profile 3).
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// TLS settings that trust the CA certificates in `ca` (PEM) and, for security profile 3,
/// present the certificate chain and key in `client` (PEM files).
pub fn tls_config(
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<Arc<rustls::ClientConfig>, SimError> {
    let tls = |what: &str, e: &dyn std::fmt::Display| SimError::Tls(format!("{what}: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| tls("CA file", &e))? {
        let cert = cert.map_err(|e| tls("CA file", &e))?;
        roots.add(cert).map_err(|e| tls("CA certificate", &e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls("TLS versions", &e))?
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(|e| tls("client certificate", &e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| tls("client certificate", &e))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| tls("client key", &e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| tls("client certificate", &e))?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Opens `url` as station `id`, offering `protocols`; answers the socket and the HTTP response.
/// A refused upgrade (401, 404, ...) is `SimError::WebSocket(Http(response))`.
pub async fn open(
    url: &str,
    id: &str,
    protocols: &[&str],
    security: &Security,
) -> Result<(Socket, Response), SimError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| SimError::Request(e.to_string()))?;
    if !protocols.is_empty() {
        let offered = HeaderValue::from_str(&protocols.join(", "))
            .map_err(|e| SimError::Request(e.to_string()))?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", offered);
    }
    if let Some(password) = &security.password {
        let credentials = crate::base64(format!("{id}:{password}").as_bytes());
        let value = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|e| SimError::Request(e.to_string()))?;
        request.headers_mut().insert("Authorization", value);
    }
    let uri = request.uri().clone();
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        other => {
            return Err(SimError::Request(format!(
                "unsupported URL scheme {other:?}: use ws:// or wss://"
            )));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| SimError::Request(format!("no host in {url}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| SimError::WebSocket(e.into()))?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = if secure {
        let config = security.tls.clone().ok_or_else(|| {
            SimError::Tls("a wss:// URL needs TLS settings (a CA to trust)".to_owned())
        })?;
        let name = ServerName::try_from(host.clone())
            .map_err(|e| SimError::Tls(format!("server name {host:?}: {e}")))?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| SimError::Tls(e.to_string()))?;
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    Ok(tokio_tungstenite::client_async(request, io).await?)
}
