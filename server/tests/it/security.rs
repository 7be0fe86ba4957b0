//! Station security profiles 1-3: Basic auth, TLS, client certificates, no downgrade; each
//! refusal answered 401 and kept as a security event.

use crate::helpers::TestApp;
use engine::model::RegistrationPolicy;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use serde_json::{Value, json};
use simulator::{Reply, Security, SimError, Station};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_tungstenite::tungstenite;

pub(crate) const PASSWORD: &str = "s3cret-station-key-01";

/// A CA, the server's certificate (for 127.0.0.1 and localhost) and station certificates, as
/// PEM files in a folder.
pub(crate) struct Pki {
    pub(crate) dir: PathBuf,
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    pub(crate) fn new(dir: &Path, name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} CA"));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let key_pem = key.serialize_pem();
        let ca = CertifiedIssuer::self_signed(params, key).unwrap();
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("ca.key"), key_pem).unwrap();
        Pki { dir, ca }
    }

    pub(crate) fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub(crate) fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    /// Issues a certificate; answers the paths of its PEM chain and key.
    pub(crate) fn issue(&self, common_name: &str, names: &[&str]) -> (PathBuf, PathBuf) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let (cert_path, key_path) = (
            self.dir.join(format!("{common_name}.pem")),
            self.dir.join(format!("{common_name}.key")),
        );
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    }
}

/// A server with a `wss://` listener whose client certificates come from `pki`'s CA.
pub(crate) async fn tls_app(pki: &Pki, adjust: impl FnOnce(&mut server::Config)) -> TestApp {
    let (cert, key) = pki.issue("centrale", &["127.0.0.1", "localhost"]);
    let client_ca = pki.ca();
    TestApp::spawn_with(move |c| {
        c.registration = RegistrationPolicy::Open;
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.tls_client_ca = Some(client_ca);
        adjust(c);
    })
    .await
}

pub(crate) fn wss_base(app: &TestApp) -> String {
    let addr = app.server.tls_addr().expect("a TLS listener");
    format!("wss://{addr}/ocpp")
}

pub(crate) fn tls(
    pki: &Pki,
    client: Option<(PathBuf, PathBuf)>,
) -> Option<Arc<rustls::ClientConfig>> {
    let client = client.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
    Some(simulator::tls_config(&pki.ca(), client).unwrap())
}

pub(crate) fn password(p: &str) -> Security {
    Security {
        password: Some(p.to_owned()),
        tls: None,
    }
}

/// The HTTP status a refused upgrade was answered with.
pub(crate) fn refused(result: Result<Station, SimError>) -> u16 {
    match result {
        Err(SimError::WebSocket(tungstenite::Error::Http(response))) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, the station got in"),
    }
}

pub(crate) async fn boots_accepted(station: &mut Station) {
    let reply = station
        .call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await
        .unwrap();
    let Reply::Result(answer) = reply else {
        panic!("{reply:?}");
    };
    assert_eq!(answer["status"], "Accepted");
}

pub(crate) async fn set_security(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    let response = app
        .request(
            "PUT",
            &format!("/api/stations/{id}/security"),
            Some(&body.to_string()),
        )
        .await;
    (response.status, response.json())
}

/// The security events Centrale recorded for `id`, oldest first: (type, tech info).
pub(crate) async fn central_events(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let events = app
        .get(&format!("/api/security-events?station={id}"))
        .await
        .json();
    let mut found: Vec<(String, String)> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "central")
        .map(|e| {
            (
                e["eventType"].as_str().unwrap().to_owned(),
                e["techInfo"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    found.reverse();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_1_needs_the_right_password_and_logs_each_refusal() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let base = app.ocpp_base();

    // The whitepaper's 16-40 characters: a short password changes nothing.
    let (status, body) = set_security(
        &app,
        "CP-1",
        json!({"securityProfile": 1, "password": "too-short"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("16 to 40"),
        "{body}"
    );
    assert_eq!(app.get("/api/stations/CP-1").await.status, 404);

    let (status, body) = set_security(
        &app,
        "CP-1",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"securityProfile": 1, "hasPassword": true}));

    assert_eq!(refused(Station::connect(&base, "CP-1").await), 401);
    assert_eq!(
        refused(Station::connect_with(&base, "CP-1", &password("wrong-password-0000")).await),
        401
    );
    let mut station = Station::connect_with(&base, "CP-1", &password(PASSWORD))
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    // Reconnecting with the remembered password, and the cache does not outlive a change.
    station.close().await.unwrap();
    let again = Station::connect_with(&base, "CP-1", &password(PASSWORD))
        .await
        .unwrap();
    again.close().await.unwrap();
    let new_password = "another-station-key-02";
    let (status, _) = set_security(
        &app,
        "CP-1",
        json!({"securityProfile": 1, "password": new_password}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        refused(Station::connect_with(&base, "CP-1", &password(PASSWORD)).await),
        401
    );
    Station::connect_with(&base, "CP-1", &password(new_password))
        .await
        .unwrap()
        .close()
        .await
        .unwrap();

    let events = central_events(&app, "CP-1").await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["InvalidStationCredentials"; 3], "{events:?}");
    assert!(events[0].1.contains("no credentials"), "{events:?}");
    assert!(events[1].1.contains("wrong user or password"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_made_when_none_is_given_and_the_minimum_profile_holds_for_all() {
    let app = TestApp::spawn_with(|c| {
        c.registration = RegistrationPolicy::Open;
        c.security_profile = engine::security::SecurityProfile::Basic;
    })
    .await;
    let base = app.ocpp_base();
    // With a minimum of 1, an unknown station without credentials is refused.
    assert_eq!(refused(Station::connect(&base, "CP-NEW").await), 401);

    let (status, body) = set_security(&app, "CP-2", json!({"securityProfile": 1})).await;
    assert_eq!(status, 200, "{body}");
    let made = body["password"].as_str().expect("a generated password");
    assert!((16..=40).contains(&made.len()), "{made}");
    let mut station = Station::connect_with(&base, "CP-2", &password(made))
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    // The password is shown once: setting the profile again keeps it and shows none.
    let (_, body) = set_security(&app, "CP-2", json!({"securityProfile": 1})).await;
    assert_eq!(body, json!({"securityProfile": 1, "hasPassword": true}));
    // One station's password opens no other.
    assert_eq!(
        refused(Station::connect_with(&base, "CP-NEW", &password(made)).await),
        401
    );

    let (status, body) = set_security(&app, "CP-2", json!({"securityProfile": 4})).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_2_is_tls_with_a_password_and_refuses_a_plain_connection() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let app = tls_app(&pki, |_| {}).await;
    let (status, _) = set_security(
        &app,
        "CP-TLS",
        json!({"securityProfile": 2, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);

    // The right password over plain ws:// is a downgrade.
    assert_eq!(
        refused(Station::connect_with(&app.ocpp_base(), "CP-TLS", &password(PASSWORD)).await),
        401
    );
    let secure = |p: &str| Security {
        password: Some(p.to_owned()),
        tls: tls(&pki, None),
    };
    assert_eq!(
        refused(
            Station::connect_with(&wss_base(&app), "CP-TLS", &secure("wrong-password-0000")).await
        ),
        401
    );
    let mut station = Station::connect_with(&wss_base(&app), "CP-TLS", &secure(PASSWORD))
        .await
        .unwrap();
    assert_eq!(station.protocol(), Some("ocpp1.6"));
    boots_accepted(&mut station).await;
    let connections = app.get("/connect").await.json();
    assert!(
        connections[0]["session"]
            .as_str()
            .unwrap()
            .starts_with("wss://"),
        "{connections}"
    );

    let events = central_events(&app, "CP-TLS").await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["SecurityProfileDowngrade", "InvalidStationCredentials"],
        "{events:?}"
    );
    assert!(
        events[0].1.contains("profile 1, below the required 2"),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_3_takes_a_certificate_of_the_station_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let rogue = Pki::new(dir.path(), "rogue");
    let app = tls_app(&pki, |_| {}).await;
    let (status, _) = set_security(&app, "CP-3", json!({"securityProfile": 3})).await;
    assert_eq!(status, 200);
    let with_cert = |cert| Security {
        password: None,
        tls: tls(&pki, Some(cert)),
    };

    let mut station =
        Station::connect_with(&wss_base(&app), "CP-3", &with_cert(pki.issue("CP-3", &[])))
            .await
            .unwrap();
    boots_accepted(&mut station).await;

    // Another station's certificate, from the right CA.
    assert_eq!(
        refused(
            Station::connect_with(&wss_base(&app), "CP-3", &with_cert(pki.issue("CP-9", &[])))
                .await
        ),
        401
    );
    // A certificate from another CA does not get through the TLS handshake.
    let forged = Security {
        password: None,
        tls: tls(&pki, Some(rogue.issue("CP-3", &[]))),
    };
    match Station::connect_with(&wss_base(&app), "CP-3", &forged).await {
        Err(SimError::Tls(_) | SimError::WebSocket(_)) => {}
        Err(e) => panic!("expected a TLS failure, got {e}"),
        Ok(_) => panic!("a certificate from another CA got in"),
    }
    // TLS and no certificate: below profile 3 even with a password.
    let (status, _) = set_security(
        &app,
        "CP-3",
        json!({"securityProfile": 3, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let without = Security {
        password: Some(PASSWORD.to_owned()),
        tls: tls(&pki, None),
    };
    assert_eq!(
        refused(Station::connect_with(&wss_base(&app), "CP-3", &without).await),
        401
    );

    let events = central_events(&app, "CP-3").await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["InvalidStationCertificate", "SecurityProfileDowngrade"],
        "{events:?}"
    );
    assert!(events[0].1.contains("CP-9"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_gets_its_certificate_from_a_csr_and_then_connects_with_profile_3() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let (ca, ca_key) = (pki.ca(), pki.ca_key());
    let app = tls_app(&pki, move |c| {
        c.station_ca_cert = Some(ca);
        c.station_ca_key = Some(ca_key);
    })
    .await;
    let (status, _) = set_security(
        &app,
        "CP-CSR",
        json!({"securityProfile": 2, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let profile_2 = Security {
        password: Some(PASSWORD.to_owned()),
        tls: tls(&pki, None),
    };
    let mut station = Station::connect_with(&wss_base(&app), "CP-CSR", &profile_2)
        .await
        .unwrap();
    boots_accepted(&mut station).await;

    let csr_for = |name: &str| {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Charging Co");
        let csr = params.serialize_request(&key).unwrap().pem().unwrap();
        (csr, key)
    };
    // A CSR for another identity is refused and kept as a security event.
    let (wrong, _) = csr_for("CP-OTHER");
    let Reply::Result(refused) = station
        .call("SignCertificate", json!({"csr": wrong}))
        .await
        .unwrap()
    else {
        panic!("no answer");
    };
    assert_eq!(refused["status"], "Rejected");

    let (csr, key) = csr_for("CP-CSR");
    let Reply::Result(taken) = station
        .call("SignCertificate", json!({"csr": csr}))
        .await
        .unwrap()
    else {
        panic!("no answer");
    };
    assert_eq!(taken["status"], "Accepted");
    let call = station
        .next_call(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let protocol::Frame::Call {
        action, payload, ..
    } = &call
    else {
        panic!("{call:?}");
    };
    assert_eq!(action, "CertificateSigned");
    let chain: Value = serde_json::from_str(payload.get()).unwrap();
    let chain = chain["certificateChain"].as_str().unwrap().to_owned();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2, "{chain}");
    station
        .answer(&call, json!({"status": "Accepted"}))
        .await
        .unwrap();
    station.close().await.unwrap();

    // Installed, the certificate lets the station in at profile 3, without a password.
    let (cert_path, key_path) = (dir.path().join("cp-csr.pem"), dir.path().join("cp-csr.key"));
    std::fs::write(&cert_path, &chain).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let (status, _) = set_security(&app, "CP-CSR", json!({"securityProfile": 3})).await;
    assert_eq!(status, 200);
    let profile_3 = Security {
        password: None,
        tls: tls(&pki, Some((cert_path, key_path))),
    };
    let mut station = Station::connect_with(&wss_base(&app), "CP-CSR", &profile_3)
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    let audit = app.get("/api/audit-log").await.json();
    assert_eq!(audit[0]["action"], "CertificateSigned", "{audit}");
    assert_eq!(audit[0]["actor"], "centrale", "{audit}");
    let events = central_events(&app, "CP-CSR").await;
    assert_eq!(events[0].0, "InvalidCsr", "{events:?}");
    assert!(events[0].1.contains("CP-OTHER"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_authorization_key_the_station_accepts_is_its_password_and_only_admins_send_one() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let base = app.ocpp_base();
    let (status, _) = set_security(
        &app,
        "CP-ROT",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let mut station = Station::connect_with(&base, "CP-ROT", &password(PASSWORD))
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    let new_password = "rotated-station-key-99";
    let change = |value: &str| json!({"key": "AuthorizationKey", "value": value}).to_string();
    let path = "/api/stations/CP-ROT/commands/ChangeConfiguration";

    // Operators may send commands, but not a station's password.
    let admin = app.token.clone();
    let operator = {
        let made = app
            .request(
                "POST",
                "/api/users",
                Some(r#"{"username":"otto","password":"operator-password-1","role":"operator"}"#),
            )
            .await;
        assert_eq!(made.status, 201);
        app.request(
            "POST",
            "/api/tokens",
            Some(r#"{"name":"t","role":"operator","username":"otto"}"#),
        )
        .await
        .json()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let addr = app.server.addr().to_string();
    let send = |token: String, body: String| {
        let addr = addr.clone();
        async move {
            crate::helpers::http_with(
                &addr,
                &format!("Authorization: Bearer {token}\r\n"),
                "POST",
                path,
                Some(&body),
            )
            .await
        }
    };
    assert_eq!(send(operator, change(new_password)).await.status, 403);
    // A password the rules refuse is not sent.
    let short = send(admin.clone(), change("short")).await;
    assert_eq!(short.status, 400, "{}", short.body);
    assert!(short.body.contains("16 to 40"), "{}", short.body);

    let sent = tokio::spawn(send(admin, change(new_password)));
    let call = station
        .next_call(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    station
        .answer(&call, json!({"status": "Accepted"}))
        .await
        .unwrap();
    assert_eq!(sent.await.unwrap().status, 200);
    station.close().await.unwrap();

    assert_eq!(
        refused(Station::connect_with(&base, "CP-ROT", &password(PASSWORD)).await),
        401
    );
    Station::connect_with(&base, "CP-ROT", &password(new_password))
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    // Write-only: not kept in the configuration Centrale shows.
    let configuration = app.get("/api/stations/CP-ROT/configuration").await.body;
    assert!(!configuration.contains(new_password), "{configuration}");
    let events = central_events(&app, "CP-ROT").await;
    assert_eq!(events[0].0, "StationPasswordChanged", "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_guessing_passwords_is_locked_out_for_a_while() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let base = app.ocpp_base();
    let (status, _) = set_security(
        &app,
        "CP-GUESS",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    for n in 0..5 {
        let guess = format!("guessed-password-{n:04}");
        assert_eq!(
            refused(Station::connect_with(&base, "CP-GUESS", &password(&guess)).await),
            401
        );
    }
    // Locked: the right password is not even checked, and the attempts are not written.
    assert_eq!(
        refused(Station::connect_with(&base, "CP-GUESS", &password(PASSWORD)).await),
        401
    );
    let events = central_events(&app, "CP-GUESS").await;
    assert_eq!(events.len(), 5, "{events:?}");
    // Other stations are not affected.
    let (status, _) = set_security(
        &app,
        "CP-OK",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    Station::connect_with(&base, "CP-OK", &password(PASSWORD))
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
}
