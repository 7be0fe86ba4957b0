//! Operators: roles through the API and server functions, login sessions, CSRF, API tokens, the
//! audit log.

use crate::helpers::{ADMIN, HttpResponse, TestApp, http_with};
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

/// Requests signed with a bearer token, or with nothing.
struct Client<'a> {
    app: &'a TestApp,
    headers: String,
}

impl<'a> Client<'a> {
    fn bearer(app: &'a TestApp, token: &str) -> Client<'a> {
        Client {
            app,
            headers: format!("Authorization: Bearer {token}\r\n"),
        }
    }

    fn anonymous(app: &'a TestApp) -> Client<'a> {
        Client {
            app,
            headers: String::new(),
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> HttpResponse {
        let body = body.map(|b| b.to_string());
        http_with(
            &self.app.server.addr().to_string(),
            &self.headers,
            method,
            path,
            body.as_deref(),
        )
        .await
    }
}

/// Adds a user with `role` and answers a token of theirs with that role.
async fn user_with_token(app: &TestApp, name: &str, role: &str) -> String {
    let admin = Client::bearer(app, &app.token);
    let made = admin
        .send(
            "POST",
            "/api/users",
            Some(
                json!({"username": name, "password": format!("{name}-password-123"), "role": role}),
            ),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = admin
        .send(
            "POST",
            "/api/tokens",
            Some(json!({"name": "tests", "role": role, "username": name})),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    token.json()["token"].as_str().unwrap().to_owned()
}

fn header<'r>(response: &'r HttpResponse, name: &str) -> Option<&'r str> {
    response.headers.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_may_do_what_it_should_and_nothing_more() {
    let app = TestApp::spawn().await;
    let viewer = user_with_token(&app, "vera", "viewer").await;
    let operator = user_with_token(&app, "otto", "operator").await;
    let (viewer, operator, admin, nobody) = (
        Client::bearer(&app, &viewer),
        Client::bearer(&app, &operator),
        Client::bearer(&app, &app.token),
        Client::anonymous(&app),
    );
    let tag = || Some(json!({"status": "Accepted"}));
    let security = || Some(json!({"securityProfile": 1}));
    let command = || Some(json!({"type": "Soft"}));

    // (method, path, body, viewer, operator, admin)
    type Case = (
        &'static str,
        &'static str,
        fn() -> Option<Value>,
        u16,
        u16,
        u16,
    );
    let cases: [Case; 8] = [
        ("GET", "/api/stations", || None, 200, 200, 200),
        ("GET", "/api/transactions", || None, 200, 200, 200),
        ("PUT", "/api/id-tags/TAG-1", tag, 403, 200, 200),
        (
            "POST",
            "/api/stations/CP-X/commands/Reset",
            command,
            403,
            404,
            404,
        ),
        (
            "PUT",
            "/api/stations/CP-S/security",
            security,
            403,
            403,
            200,
        ),
        ("GET", "/api/users", || None, 403, 403, 200),
        ("GET", "/api/tokens", || None, 403, 403, 200),
        ("GET", "/api/audit-log", || None, 403, 403, 200),
    ];
    for (method, path, body, as_viewer, as_operator, as_admin) in cases {
        for (who, client, expected) in [
            ("viewer", &viewer, as_viewer),
            ("operator", &operator, as_operator),
            ("admin", &admin, as_admin),
        ] {
            let got = client.send(method, path, body()).await;
            assert!(
                got.status == expected || (expected == 200 && got.status == 201),
                "{who} {method} {path}: {} {}",
                got.status,
                got.body
            );
            if expected == 403 {
                assert!(got.body.contains("may not"), "{}", got.body);
            }
        }
        let anonymous = nobody.send(method, path, body()).await;
        assert_eq!(anonymous.status, 401, "{method} {path}");
        assert!(header(&anonymous, "www-authenticate").is_some());
    }
    // The viewer's refused PUT changed nothing.
    let tags = admin.send("GET", "/api/id-tags", None).await.json();
    assert_eq!(tags.as_array().unwrap().len(), 1, "{tags}");

    // Pages need a sign-in too; the login page does not.
    let page = nobody.send("GET", "/stations?q=1", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        header(&page, "location"),
        Some("/login?next=/stations%3Fq%3D1")
    );
    assert_eq!(nobody.send("GET", "/login", None).await.status, 200);
    assert_eq!(nobody.send("GET", "/healthz", None).await.status, 200);

    // Tokens: never above their user; revoked ones stop working; unknown ones never work.
    let above = admin
        .send(
            "POST",
            "/api/tokens",
            Some(json!({"name": "x", "role": "admin", "username": "vera"})),
        )
        .await;
    assert_eq!(above.status, 400, "{}", above.body);
    let tokens = admin.send("GET", "/api/tokens", None).await.json();
    let vera_token = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["username"] == "vera")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(
        !tokens.to_string().contains("cnt_"),
        "tokens are never listed: {tokens}"
    );
    let revoked = admin
        .send("DELETE", &format!("/api/tokens/{vera_token}"), None)
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(viewer.send("GET", "/api/stations", None).await.status, 401);
    let forged = Client::bearer(&app, "cnt_not-a-real-token-at-all-000000");
    assert_eq!(forged.send("GET", "/api/stations", None).await.status, 401);

    // A demoted user's token loses the rights at once.
    let demoted = admin
        .send("PATCH", "/api/users/otto", Some(json!({"role": "viewer"})))
        .await;
    assert_eq!(demoted.status, 204);
    assert_eq!(
        operator
            .send("PUT", "/api/id-tags/TAG-2", tag())
            .await
            .status,
        403
    );
    // The last admin stays.
    let last = admin.send("DELETE", "/api/users/admin", None).await;
    assert_eq!(last.status, 409, "{}", last.body);
}

/// Signs in through the login form; answers the session cookie.
async fn sign_in(app: &TestApp, user: &str, password: &str) -> HttpResponse {
    let body = format!("username={user}&password={password}&next=%2Fstations");
    http_with(
        &app.server.addr().to_string(),
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "POST",
        "/login",
        Some(&body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_session_is_a_strict_cookie_and_changes_need_its_csrf_token() {
    let app = TestApp::spawn().await;
    let addr = app.server.addr().to_string();

    let failed = sign_in(&app, ADMIN.0, "wrong-password").await;
    assert_eq!(failed.status, 303);
    assert_eq!(
        header(&failed, "location"),
        Some("/login?failed=1&next=/stations")
    );
    assert!(header(&failed, "set-cookie").is_none());

    let signed_in = sign_in(&app, ADMIN.0, ADMIN.1).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(header(&signed_in, "location"), Some("/stations"));
    let set_cookie = header(&signed_in, "set-cookie").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let with_cookie = format!("Cookie: {cookie}\r\n");

    // The page carries the session's CSRF token for its own requests.
    let page = http_with(&addr, &with_cookie, "GET", "/stations", None).await;
    assert_eq!(page.status, 200);
    let csrf = page
        .body
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf-token meta tag")
        .to_owned();
    assert_eq!(csrf.len(), 32);

    let put = |headers: String| {
        let addr = addr.clone();
        async move {
            http_with(
                &addr,
                &headers,
                "PUT",
                "/api/id-tags/CSRF-TAG",
                Some(r#"{"status":"Accepted"}"#),
            )
            .await
        }
    };
    let missing = put(with_cookie.clone()).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    assert!(missing.body.contains("CSRF"), "{}", missing.body);
    let wrong = put(format!("{with_cookie}X-CSRF-Token: {}\r\n", "x".repeat(32))).await;
    assert_eq!(wrong.status, 403);
    let other_site = put(format!(
        "{with_cookie}X-CSRF-Token: {csrf}\r\nOrigin: http://evil.example\r\n"
    ))
    .await;
    assert_eq!(other_site.status, 403);
    // Nothing was saved by the refused requests.
    let tags = app.get("/api/id-tags").await.json();
    assert_eq!(tags, json!([]));

    let right = put(format!(
        "{with_cookie}X-CSRF-Token: {csrf}\r\nOrigin: http://{addr}\r\n"
    ))
    .await;
    assert!(right.status == 200 || right.status == 201, "{}", right.body);

    // Server functions are state-changing requests like any other.
    let path = <app::api::DeleteIdTag as ServerFn>::PATH;
    let form =
        |headers: &str| format!("{headers}Content-Type: application/x-www-form-urlencoded\r\n");
    let refused = http_with(
        &addr,
        &form(&with_cookie),
        "POST",
        path,
        Some("id_tag=CSRF-TAG"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        app.get("/api/id-tags")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let allowed = http_with(
        &addr,
        &form(&format!("{with_cookie}X-CSRF-Token: {csrf}\r\n")),
        "POST",
        path,
        Some("id_tag=CSRF-TAG"),
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(app.get("/api/id-tags").await.json(), json!([]));

    // Signing out ends the session.
    let out = http_with(
        &addr,
        &form(&with_cookie),
        "POST",
        "/logout",
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(out.status, 303);
    assert!(header(&out, "set-cookie").unwrap().contains("Max-Age=0"));
    let after = http_with(&addr, &with_cookie, "GET", "/api/me", None).await;
    assert_eq!(after.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_says_who_sent_each_command_and_viewers_send_none() {
    let app = TestApp::spawn_with(|c| {
        c.registration = engine::model::RegistrationPolicy::Open;
    })
    .await;
    let operator = user_with_token(&app, "otto", "operator").await;
    let viewer = user_with_token(&app, "vera", "viewer").await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-AUDIT")
        .await
        .unwrap();
    app.wait_connected(1).await;

    let addr = app.server.addr().to_string();
    let sent = tokio::spawn({
        let headers = format!("Authorization: Bearer {operator}\r\n");
        let addr = addr.clone();
        async move {
            http_with(
                &addr,
                &headers,
                "POST",
                "/api/stations/CP-AUDIT/commands/Reset",
                Some(r#"{"type":"Soft"}"#),
            )
            .await
        }
    });
    let call = station.next_call(Duration::from_secs(5)).await.unwrap();
    station
        .answer(&call, json!({"status": "Accepted"}))
        .await
        .unwrap();
    assert_eq!(sent.await.unwrap().status, 200);

    // A viewer's server function call is refused before anything is sent.
    let path = <app::api::SendCommand as ServerFn>::PATH;
    let refused = http_with(
        &addr,
        &format!(
            "Authorization: Bearer {viewer}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        "POST",
        path,
        Some("station_id=CP-AUDIT&action=Reset&payload=%7B%22type%22%3A%22Hard%22%7D"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(station.next_call(Duration::from_millis(300)).await.is_err());

    // A station's new password (an admin's business) reaches the station, and no log.
    let secret = "super-secret-key-0001";
    let sent = tokio::spawn({
        let headers = app.auth_header();
        let addr = addr.clone();
        let body = json!({"key": "AuthorizationKey", "value": secret}).to_string();
        async move {
            http_with(
                &addr,
                &headers,
                "POST",
                "/api/stations/CP-AUDIT/commands/ChangeConfiguration",
                Some(&body),
            )
            .await
        }
    });
    let call = station.next_call(Duration::from_secs(5)).await.unwrap();
    let protocol::Frame::Call { payload, .. } = &call else {
        panic!("{call:?}");
    };
    assert!(payload.get().contains(secret), "the station gets it");
    station
        .answer(&call, json!({"status": "Accepted"}))
        .await
        .unwrap();
    assert_eq!(sent.await.unwrap().status, 200);
    let mut logged = String::new();
    for _ in 0..100 {
        logged = app.get("/api/messages?station=CP-AUDIT").await.body;
        if logged.contains("ChangeConfiguration") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(logged.contains("(hidden)"), "{logged}");
    assert!(!logged.contains(secret), "{logged}");

    let log = app.get("/api/audit-log").await.json();
    assert!(!log.to_string().contains(secret), "{log}");
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["payload"]["value"], "(hidden)");
    let entry = &entries[1];
    assert!(
        entry["actor"].as_str().unwrap().starts_with("otto (token "),
        "{entry}"
    );
    assert_eq!(entry["stationId"], "CP-AUDIT");
    assert_eq!(entry["action"], "Reset");
    assert_eq!(entry["payload"], json!({"type": "Soft"}));
    assert_eq!(entry["outcome"], "Answered {\"status\":\"Accepted\"}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_lock_the_name_for_a_while() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        let failed = sign_in(&app, ADMIN.0, "wrong-password").await;
        assert_eq!(
            header(&failed, "location"),
            Some("/login?failed=1&next=/stations")
        );
    }
    let locked = sign_in(&app, ADMIN.0, "wrong-password").await;
    assert_eq!(
        header(&locked, "location"),
        Some("/login?wait=15&next=/stations")
    );
    // Locked: even the right password waits; other users do not.
    let right = sign_in(&app, ADMIN.0, ADMIN.1).await;
    assert!(header(&right, "set-cookie").is_none());
    assert!(
        header(&right, "location")
            .unwrap()
            .starts_with("/login?wait=")
    );
    let page = Client::anonymous(&app)
        .send("GET", "/login?wait=15&next=/stations", None)
        .await;
    assert!(
        page.body
            .contains("Too many failed attempts: try again in 15 s.")
    );
    let other = user_with_token(&app, "otto", "operator").await;
    assert!(!other.is_empty());
    let otto = sign_in(&app, "otto", "otto-password-123").await;
    assert!(header(&otto, "set-cookie").is_some());
}
