//! Station certificates: Centrale as the certificate authority that signs the CSRs stations
//! send (SignCertificate), then installs the result on them (CertificateSigned), so a station
//! can move to security profile 3 with a certificate whose CN is its identity.

use crate::Engine;
use protocol::StationId;
use protocol::v16::CentralRequest;
use protocol::v16::messages::CertificateSignedRequest;
use rcgen::{CertificateSigningRequestParams, DnType, DnValue, Issuer, KeyPair};
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// The CA that signs station certificates: its certificate and key, from PEM.
pub struct StationCa {
    issuer: Issuer<'static, KeyPair>,
    /// The CA's own certificate, sent after the station's in the chain.
    ca_pem: String,
    validity: Duration,
}

impl fmt::Debug for StationCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StationCa")
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

/// Why a CSR is not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    #[error("not a PEM certificate signing request with a valid signature")]
    Unreadable,
    #[error("the CSR's common name is {found:?}, not the station's identity")]
    WrongName { found: Option<String> },
    #[error("signing failed: {0}")]
    Signing(String),
}

impl StationCa {
    /// Loads the CA certificate and its private key (PEM); certificates it signs are valid for
    /// `validity`.
    pub fn from_pem(cert: &str, key: &str, validity: Duration) -> Result<StationCa, String> {
        let key = KeyPair::from_pem(key).map_err(|e| format!("the CA key: {e}"))?;
        let issuer =
            Issuer::from_ca_cert_pem(cert, key).map_err(|e| format!("the CA certificate: {e}"))?;
        Ok(StationCa {
            issuer,
            ca_pem: cert.trim().to_owned(),
            validity,
        })
    }

    /// Signs `csr` (PEM) for `station`: its subject CN must be the station id. Answers the PEM
    /// chain: the station's certificate, then the CA's.
    pub fn sign(&self, station: &StationId, csr: &str) -> Result<String, CsrError> {
        let mut request =
            CertificateSigningRequestParams::from_pem(csr).map_err(|_| CsrError::Unreadable)?;
        let name = request
            .params
            .distinguished_name
            .get(&DnType::CommonName)
            .and_then(dn_text);
        if name.as_deref() != Some(station.as_str()) {
            return Err(CsrError::WrongName { found: name });
        }
        let now = OffsetDateTime::now_utc();
        request.params.not_before = now - time::Duration::minutes(5);
        request.params.not_after = now + self.validity;
        request.params.is_ca = rcgen::IsCa::ExplicitNoCa;
        request.params.use_authority_key_identifier_extension = true;
        request.params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = request
            .signed_by(&self.issuer)
            .map_err(|e| CsrError::Signing(e.to_string()))?;
        Ok(format!("{}\n{}\n", cert.pem().trim(), self.ca_pem))
    }
}

fn dn_text(value: &DnValue) -> Option<String> {
    match value {
        DnValue::Utf8String(s) => Some(s.clone()),
        DnValue::PrintableString(s) => Some(s.as_str().to_owned()),
        DnValue::Ia5String(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

impl Engine {
    /// Signs a station's CSR with the station CA: the chain to send it, or `None` (no CA
    /// configured, or a CSR that is refused: kept as a security event).
    pub(crate) async fn sign_csr(
        &self,
        station: &StationId,
        csr: &str,
    ) -> Option<protocol::types::CiString<10000>> {
        let Some(ca) = self.inner.config.station_ca.clone() else {
            tracing::info!(
                "SignCertificate refused: no station CA is configured (--station-ca-cert)"
            );
            return None;
        };
        let signed = ca.sign(station, csr).and_then(|chain| {
            // 10 000 characters is what the message allows: a chain of a few certificates.
            protocol::types::CiString::<10000>::parse(chain)
                .map_err(|e| CsrError::Signing(format!("the chain is too long: {e}")))
        });
        let chain = match signed {
            Ok(chain) => chain,
            Err(e) => {
                tracing::warn!(error = %e, "SignCertificate refused");
                if let Err(e) = self
                    .central_security_event(station, "InvalidCsr", &e.to_string())
                    .await
                {
                    tracing::warn!(error = %e, "could not keep a security event");
                }
                return None;
            }
        };
        Some(chain)
    }

    /// SignCertificate: whether the CSR is taken. A taken one is signed and sent back to the
    /// station with CertificateSigned once this answer is out.
    pub async fn sign_certificate(&self, station: &StationId, csr: &str) -> bool {
        let Some(chain) = self.sign_csr(station, csr).await else {
            return false;
        };
        let engine = self.clone();
        let station = station.clone();
        // Queued behind the answer to SignCertificate, which the session sends first.
        self.spawn(async move {
            let request = CentralRequest::CertificateSigned(CertificateSignedRequest {
                certificate_chain: chain,
            });
            match engine.call("centrale", &station, request).await {
                Ok(answer) => tracing::info!(station_id = %station, ?answer, "station certificate sent"),
                Err(e) => {
                    tracing::warn!(station_id = %station, error = %e, "could not send the station certificate");
                }
            }
        });
        true
    }
}
