//! TLS for the `wss://` rows: a throwaway CA and a server certificate for 127.0.0.1, as PEM
//! files Centrale's `--tls-cert` / `--tls-key` read, and the client settings that trust the CA.

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::sync::Arc;

/// A CA and a server certificate issued by it, in a temporary folder.
pub struct Tls {
    dir: tempfile::TempDir,
    client: Arc<rustls::ClientConfig>,
}

impl Tls {
    pub fn new() -> anyhow::Result<Tls> {
        let dir = tempfile::tempdir()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        let key = KeyPair::generate()?;
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &ca)?;
        std::fs::write(dir.path().join("ca.pem"), ca.pem())?;
        std::fs::write(dir.path().join("server.pem"), server.pem())?;
        std::fs::write(dir.path().join("server.key"), key.serialize_pem())?;
        let client = simulator::tls_config(&dir.path().join("ca.pem"), None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Tls { dir, client })
    }

    /// Centrale's arguments for a TLS listener on `listen` with the server certificate.
    pub fn server_args(&self, listen: &str) -> Vec<String> {
        let path = |name: &str| self.dir.path().join(name).display().to_string();
        vec![
            "--tls-cert".to_owned(),
            path("server.pem"),
            "--tls-key".to_owned(),
            path("server.key"),
            "--tls-listen".to_owned(),
            listen.to_owned(),
        ]
    }

    /// Client settings that trust the CA.
    pub fn client(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.client)
    }
}

/// A loopback port free right now (the TLS listener's address must be known in advance).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(listener.local_addr()?.port())
}
