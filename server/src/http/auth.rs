//! Who is asking, and may they: operators' logins, API tokens, CSRF, roles.
//!
//! Every route but the login page, `/healthz`, the browser's static files and the stations'
//! sockets needs a signed-in principal:
//! - the dashboard signs in at `/login` and gets a session cookie (`HttpOnly`,
//!   `SameSite=Strict`, `Secure` over TLS);
//! - scripts send `Authorization: Bearer <token>` (tokens made by an admin, scoped by role).
//!
//! A state-changing request (anything but GET, HEAD, OPTIONS) made with the cookie must carry
//! the session's CSRF token in `X-CSRF-Token` (the dashboard's pages add it to every request
//! they send, server functions included), and an `Origin`, if sent, must be this server.
//! Bearer requests carry no ambient credential and need neither.
//!
//! REST routes need a permission by method and path ([`needed`]); server functions check
//! their own (`app::api`).

use super::{ApiError, AppState};
use crate::tls::Peer;
use axum::Form;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use engine::operators::Role;
use engine::operators::{LoginRefused, Permission, Principal, SESSION_LIFETIME, Via};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "centrale_session";
/// The header that repeats the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Paths anyone may fetch: the login page and what it needs. (`/logout` checks its own form's
/// CSRF token: a plain HTML form cannot send a header.)
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/logout" | "/healthz" | "/favicon.ico" | "/favicon.svg"
    ) || path.starts_with("/pkg/")
}

/// What a REST route needs: reading for GET, operating for changes, administering for users,
/// tokens, the audit log, webhooks and stations' security.
pub fn needed(method: &Method, path: &str) -> Permission {
    let admin = path.starts_with("/api/users")
        || path.starts_with("/api/tokens")
        || path.starts_with("/api/audit-log")
        || path.starts_with("/api/webhooks")
        || (path.starts_with("/api/stations/") && path.ends_with("/security"));
    if admin {
        Permission::Administer
    } else if is_safe(method) {
        Permission::Read
    } else {
        Permission::Operate
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Compares secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Whether an `Origin` header, if any, names this server (the `Host` it was reached at).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The principal behind a request's bearer token or session cookie.
async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
    let engine = &state.engine;
    let found = if let Some(token) = bearer(headers) {
        engine.api_token(token).await
    } else if let Some(token) = cookie(headers, SESSION_COOKIE) {
        engine.session(token).await
    } else {
        return Ok(None);
    };
    found.map_err(|e| {
        tracing::error!(error = %e, "could not check credentials");
        ApiError::Unavailable("cannot check credentials now; retry".to_owned())
    })
}

/// The middleware in front of the dashboard and the API.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if is_public(&path) {
        return next.run(request).await;
    }
    // Machines (API clients, server functions, a metrics scraper) are told 401, people are
    // sent to sign in.
    let api = path.starts_with("/api/") || path.starts_with("/_app/") || path == "/metrics";
    let who = match principal(&state, request.headers()).await {
        Ok(who) => who,
        Err(e) => return e.into_response(),
    };
    let Some(who) = who else {
        if api || !is_safe(request.method()) {
            let mut response = ApiError::Unauthorized(
                "sign in first: a session cookie from /login or an Authorization: Bearer token"
                    .to_owned(),
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"Centrale\""),
            );
            return response;
        }
        let next_page = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        return Redirect::to(&format!("/login?next={}", percent_encode(&next_page)))
            .into_response();
    };
    // A cookie rides along with any request the browser makes, so a change made with one must
    // prove it comes from this server's own page.
    if let (false, Via::Session { csrf_token }) = (is_safe(request.method()), &who.via) {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        let valid = sent.is_some_and(|t| same_secret(t, csrf_token));
        if !valid || !same_origin(request.headers()) {
            tracing::warn!(user = %who.username, %path, "request refused: missing or wrong CSRF token or origin");
            return ApiError::Forbidden(
                "missing or wrong CSRF token (X-CSRF-Token), or a request from another site"
                    .to_owned(),
            )
            .into_response();
        }
    }
    if path.starts_with("/api/") {
        let permission = needed(request.method(), &path);
        if !who.may(permission) {
            return forbidden(&who, permission).into_response();
        }
    }
    request.extensions_mut().insert(who);
    next.run(request).await
}

/// The 403 for a principal whose role does not allow `permission`.
pub fn forbidden(who: &Principal, permission: Permission) -> ApiError {
    let what = match permission {
        Permission::Read => "read this",
        Permission::Operate => "change anything",
        Permission::Administer => {
            "administer (users, tokens, audit log, webhooks, station security)"
        }
    };
    ApiError::Forbidden(format!(
        "{} is a {}: that role may not {what}",
        who.username, who.role
    ))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in: a path on this server, never another site.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/",
    }
}

/// The sign-in form.
#[derive(Deserialize, ToSchema)]
pub struct LoginForm {
    username: String,
    password: String,
    /// The page to go to after (a path on this server).
    next: Option<String>,
}

/// Who the credentials belong to.
#[derive(Serialize, ToSchema)]
pub struct Me {
    username: String,
    role: Role,
}

/// Signs in: a session cookie and back to the page asked for.
///
/// A failed attempt goes back to the login page with `failed=1`; too many lock the user
/// out for a while (`wait=seconds`). Must come from this server's own page (`Origin`).
#[utoipa::path(post, path = "/login", tag = "Service", security(()),
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed in (cookie set), or sent back to the login page",
            headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 403, description = "Not sent from this server's login page", body = super::openapi::ErrorBody),
        (status = 422, description = "A field of the form is missing (named)", content_type = "text/plain", body = String)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return ApiError::Forbidden("sign in from this server's own login page".to_owned())
            .into_response();
    }
    let next_page = local_path(form.next.as_deref()).to_owned();
    let login = match state.engine.login(&form.username, &form.password).await {
        Ok(login) => login,
        Err(e) => {
            tracing::error!(error = %e, "could not check a login");
            return ApiError::Unavailable("cannot sign in now; retry".to_owned()).into_response();
        }
    };
    let login = match login {
        Ok(login) => login,
        Err(LoginRefused::Wrong) => {
            tracing::warn!(user = %form.username, peer = %peer.addr, "login failed");
            return Redirect::to(&format!(
                "/login?failed=1&next={}",
                percent_encode(&next_page)
            ))
            .into_response();
        }
        Err(LoginRefused::Locked(wait)) => {
            let wait = wait.as_secs().max(1);
            tracing::warn!(user = %form.username, peer = %peer.addr, wait, "login refused: too many failures");
            return Redirect::to(&format!(
                "/login?wait={wait}&next={}",
                percent_encode(&next_page)
            ))
            .into_response();
        }
    };
    tracing::info!(user = %form.username, role = %login.principal.role, peer = %peer.addr, "signed in");
    let secure = if peer.tls { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        login.token,
        SESSION_LIFETIME.as_secs()
    );
    let mut response = Redirect::to(&next_page).into_response();
    if let Ok(value) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Set after a failed attempt.
    failed: Option<String>,
    /// Seconds to wait after too many failed attempts.
    wait: Option<u64>,
    /// The page to go to after signing in.
    next: Option<String>,
}

/// The sign-in page.
///
/// A plain page (no script, no event stream): it works before anything else loads and shows
/// nothing of the fleet.
#[utoipa::path(get, path = "/login", tag = "Service", security(()), params(LoginQuery),
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub async fn login_page(Query(query): Query<LoginQuery>) -> Response {
    let next_page = html_escape(local_path(query.next.as_deref()));
    let failed = match (query.failed.is_some(), query.wait) {
        (_, Some(wait)) => format!(
            r#"<p class="error" role="alert" data-testid="login-failed">Too many failed attempts: try again in {wait} s.</p>"#
        ),
        (true, None) => {
            r#"<p class="error" role="alert" data-testid="login-failed">Wrong user name or password.</p>"#
                .to_owned()
        }
        (false, None) => String::new(),
    };
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="color-scheme" content="light dark" />
<title>Sign in · Centrale</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml" />
<link rel="stylesheet" href="/pkg/{css}.css" />
</head>
<body>
<main class="login">
<form class="card login-form" method="post" action="/login">
<h1>Centrale</h1>
<p class="muted">Sign in to manage the charging stations.</p>
{failed}
<label>User name <input name="username" autocomplete="username" required autofocus /></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
<input type="hidden" name="next" value="{next_page}" />
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>"#,
        css = app::OUTPUT_NAME,
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The sign-out form.
#[derive(Deserialize, ToSchema)]
pub struct LogoutForm {
    csrf: String,
}

/// Signs out: ends the session.
///
/// A form post carrying the session's CSRF token as `csrf`.
#[utoipa::path(post, path = "/logout", tag = "Service", security(()),
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed out, to the login page", headers(("Location" = String))),
        (status = 403, description = "A wrong CSRF token for the session", body = super::openapi::ErrorBody),
        (status = 422, description = "The form's `csrf` field is missing", content_type = "text/plain", body = String)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        match state.engine.session(token).await {
            Ok(Some(Principal {
                via: Via::Session { csrf_token },
                ..
            })) if same_secret(&form.csrf, &csrf_token) => {
                if let Err(e) = state.engine.logout(token).await {
                    tracing::error!(error = %e, "could not end a session");
                    return ApiError::Unavailable("cannot sign out now; retry".to_owned())
                        .into_response();
                }
            }
            Ok(Some(_)) => {
                return ApiError::Forbidden("missing or wrong CSRF token".to_owned())
                    .into_response();
            }
            _ => {}
        }
    }
    let mut response = Redirect::to("/login").into_response();
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = header::HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Who the credentials belong to (scripts use it to test a token).
#[utoipa::path(get, path = "/me", tag = "Operators",
    responses((status = 200, description = "The user and role", body = Me)))]
pub async fn me(request: Request) -> Result<Response, ApiError> {
    let who = request
        .extensions()
        .get::<Principal>()
        .ok_or_else(|| ApiError::Unauthorized("sign in first".to_owned()))?;
    Ok(axum::Json(Me {
        username: who.username.clone(),
        role: who.role,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/stations?x=1")), "/stations?x=1");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn permissions_follow_method_and_path() {
        assert_eq!(needed(&Method::GET, "/api/stations"), Permission::Read);
        assert_eq!(
            needed(&Method::POST, "/api/stations/CP/commands/Reset"),
            Permission::Operate
        );
        assert_eq!(needed(&Method::PUT, "/api/id-tags/T"), Permission::Operate);
        assert_eq!(
            needed(&Method::PUT, "/api/stations/CP/security"),
            Permission::Administer
        );
        assert_eq!(needed(&Method::GET, "/api/users"), Permission::Administer);
        assert_eq!(
            needed(&Method::GET, "/api/audit-log"),
            Permission::Administer
        );
    }

    #[test]
    fn cookies_and_origins_are_read_exactly() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; centrale_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "centrale"), None);
        headers.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&headers));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }
}
