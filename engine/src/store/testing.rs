//! Fresh databases for tests, on SQLite or on the PostgreSQL server [`POSTGRES_ENV`] names.
//! Used by the engine's and the server's tests; nothing in Centrale itself calls it.

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

/// The environment variable that runs the tests on PostgreSQL: the URL of a role that may
/// create roles and databases (`make test` starts a throwaway cluster and sets it).
pub const POSTGRES_ENV: &str = "CENTRALE_TEST_POSTGRES";

/// The role the tests' databases belong to: no superuser, it only owns its databases, as an
/// operator's would.
const APP_ROLE: (&str, &str) = ("centrale_test_app", "centrale-test-app-password");

/// The admin URL of the PostgreSQL server the tests run on, if they do.
pub fn postgres_admin() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

/// [`postgres_admin`], or none with a line on stderr saying why a test does not run here.
pub fn postgres_or_say_why() -> Option<String> {
    let admin = postgres_admin();
    if admin.is_none() {
        eprintln!("not run here: set {POSTGRES_ENV} (make test does)");
    }
    admin
}

/// A fresh, empty database for one test: a SQLite file in `dir`, or, when [`POSTGRES_ENV`] is
/// set, a new database on that server.
pub async fn fresh_database(dir: &std::path::Path) -> Result<String, sqlx::Error> {
    match postgres_admin() {
        None => Ok(format!("sqlite://{}", dir.join("centrale.db").display())),
        Some(admin) => fresh_postgres_database(&admin).await,
    }
}

/// A new, empty PostgreSQL database owned by a role that is no superuser; its URL.
pub async fn fresh_postgres_database(admin: &str) -> Result<String, sqlx::Error> {
    let options = PgConnectOptions::from_str(admin)?;
    let mut conn = options.connect().await?;
    let (user, password) = APP_ROLE;
    // Tests run in parallel: the role may be made by another at the same moment.
    sqlx::raw_sql(&format!(
        "DO $$ BEGIN CREATE ROLE {user} LOGIN PASSWORD '{password}'; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .execute(&mut conn)
    .await?;
    let name = format!("centrale_test_{}", unique_suffix());
    sqlx::raw_sql(&format!("CREATE DATABASE {name} OWNER {user}"))
        .execute(&mut conn)
        .await?;
    Ok(format!(
        "postgres://{user}:{password}@{}:{}/{name}",
        options.get_host(),
        options.get_port()
    ))
}

/// A name no other test has: process id, time and a counter.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
