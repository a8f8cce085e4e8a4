//! `spawn_app()`: the real application over a fresh database of its own, driven in-process with
//! real HTTP requests and real tokens. SQLite always; PostgreSQL when `HUIMIN_TEST_POSTGRES_URL`
//! names a server (each test then gets a database of its own, dropped afterwards).

use std::collections::HashMap;
use std::time::Duration;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_service::ServiceExt;
use actix_web::body::{self, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::TestRequest;
use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

use huimin::api::AppState;
use huimin::auth::JwtKeys;
use huimin::db::{self, DbPool, DbUrl, PoolSettings};

/// The demo password of every seeded account.
pub const PASSWORD: &str = huimin::store::seed::DEMO_PASSWORD;
/// The secret the test app signs tokens with.
pub const SECRET: &str = "test-secret-test-secret-test-secret!";
/// The audit key of the test app (the trail's MAC secret).
pub const AUDIT_KEY: &str = "test-audit-key-test-audit-key-test-audit!";
/// The request body limit of the test app.
pub const MAX_BODY: usize = 64 * 1024;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the server named by `HUIMIN_TEST_POSTGRES_URL`.
    Postgres,
}

/// Declares, for each named async test function taking a `Backend`, one test per backend.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[actix_web::test]
                async fn postgres() {
                    if $crate::helpers::postgres_url().is_none() {
                        eprintln!("HUIMIN_TEST_POSTGRES_URL is not set: PostgreSQL variant not run");
                        return;
                    }
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// The PostgreSQL server for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("HUIMIN_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Whether the tests run in CI (`CI` set), where a test that cannot run must fail, not skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `target/test-artifacts/`: screenshots and the reliability report (CI prints it).
pub fn artifacts() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// Prints a measured result and appends it to `target/test-artifacts/reliability.txt`, which
/// `.ci/run` prints after the tests (a passing test's output is otherwise not shown).
pub fn report(line: &str) {
    use std::io::Write;
    println!("{line}");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(artifacts().join("reliability.txt"));
    if let Ok(mut file) = file {
        let _ = writeln!(file, "{line}");
    }
}

/// A database that disappears with the test.
pub enum TestDb {
    /// The folder holding the SQLite file.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A database on a server the test runs and removes itself.
    Managed,
    /// A PostgreSQL database to drop.
    Postgres {
        /// The server's maintenance URL.
        admin_url: String,
        /// The database's name.
        name: String,
    },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates an empty database of the backend and returns its URL.
pub fn fresh_database(backend: Backend) -> (DbUrl, TestDb) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("huimin.db");
            (
                DbUrl::Sqlite(path.to_string_lossy().into_owned()),
                TestDb::Sqlite(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_url().expect("HUIMIN_TEST_POSTGRES_URL");
            let name = format!("huimin_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            let url = with_database(&admin_url, &name);
            (DbUrl::Postgres(url), TestDb::Postgres { admin_url, name })
        }
    }
}

/// The app as a boxed service.
pub type Svc = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// The application under test.
pub struct TestApp {
    svc: Svc,
    /// The pool the app uses (for counting rows).
    pub pool: DbPool,
    /// The backend.
    #[allow(dead_code)]
    pub backend: Backend,
    /// The token keys the app trusts.
    pub keys: JwtKeys,
    /// The app's shared state (its clock can be fixed).
    pub state: web::Data<AppState>,
    /// The database's URL (for a second instance over the same database).
    pub url: DbUrl,
    tokens: std::cell::RefCell<HashMap<String, String>>,
    _db: TestDb,
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: header::HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn assert_problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "problem content type"
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(
            p["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:huimin:problem:")),
            "{p}"
        );
        assert!(p["title"].is_string(), "{p}");
        assert!(p["detail"].is_string(), "{p}");
        assert_eq!(
            p["instance"].as_str(),
            self.header("x-request-id").as_deref(),
            "instance is the request id"
        );
        p
    }
}

/// The audit keys of the test app.
pub fn audit_keys() -> huimin::store::audit::AuditKeys {
    huimin::store::audit::AuditKeys::new(AUDIT_KEY.as_bytes(), &[]).expect("audit keys")
}

/// The keys the test app trusts by default.
pub fn test_keys() -> JwtKeys {
    JwtKeys::new(SECRET.as_bytes(), "huimin".into(), "huimin-api".into(), 600).expect("keys")
}

/// Starts the app on a fresh database of `backend`, seeded with the demo data.
/// The metrics token of the test apps.
pub const METRICS_TOKEN: &str = "metrics-token-of-the-tests";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with_keys(backend, test_keys()).await
}

/// Starts the app with other token keys (e.g. trusting an external identity provider).
pub async fn spawn_app_with_keys(backend: Backend, keys: JwtKeys) -> TestApp {
    let (url, db) = fresh_database(backend);
    let pool = open_pool(&url);
    {
        let mut conn = pool.get().expect("connection");
        huimin::store::seed::seed_demo(&mut conn, &audit_keys()).expect("seed");
    }
    assemble(backend, keys, url, pool, db).await
}

/// Starts the app over a database that already holds what the test needs (e.g. the living
/// demo's year), with the default keys.
pub async fn spawn_app_over(backend: Backend, url: DbUrl, db: TestDb) -> TestApp {
    let pool = open_pool(&url);
    assemble(backend, test_keys(), url, pool, db).await
}

/// Starts the app over a pool the test built (e.g. with a read replica beside it) on a database
/// the test runs itself, with the default keys.
pub async fn spawn_app_with_pool(url: DbUrl, pool: DbPool) -> TestApp {
    assemble(Backend::Postgres, test_keys(), url, pool, TestDb::Managed).await
}

fn open_pool(url: &DbUrl) -> DbPool {
    let settings = PoolSettings {
        max_size: 4,
        timeout: Duration::from_secs(10),
    };
    huimin::store::open(url, &settings, &Default::default()).expect("database")
}

async fn assemble(
    backend: Backend,
    keys: JwtKeys,
    url: DbUrl,
    pool: DbPool,
    db: TestDb,
) -> TestApp {
    let mut state = AppState::new(pool.clone(), audit_keys()).expect("state");
    state.metrics_token = Some(huimin::config::MetricsToken::new(METRICS_TOKEN));
    let state = web::Data::new(state);
    let svc = init(state.clone(), keys.clone()).await;
    TestApp {
        svc,
        pool,
        backend,
        keys,
        state,
        url,
        tokens: Default::default(),
        _db: db,
    }
}

async fn init(state: web::Data<AppState>, keys: JwtKeys) -> Svc {
    let app = huimin::build_app(state, web::Data::new(keys), MAX_BODY);
    let svc = actix_web::test::init_service(app).await;
    boxed::service(svc.map(|res: ServiceResponse<_>| res.map_into_boxed_body()))
}

/// The app over a database that cannot be reached (a closed port, a folder that does not exist),
/// with a short connection timeout.
pub async fn spawn_app_without_database(backend: Backend) -> (Svc, DbPool) {
    let url = match backend {
        Backend::Sqlite => DbUrl::Sqlite("/nonexistent-folder/huimin.db".into()),
        Backend::Postgres => DbUrl::Postgres("postgres://postgres@127.0.0.1:1/huimin".into()),
    };
    let pool = db::build_pool(
        &url,
        &PoolSettings {
            max_size: 2,
            timeout: Duration::from_secs(1),
        },
    );
    let state = web::Data::new(AppState::new(pool.clone(), audit_keys()).expect("state"));
    (init(state, test_keys()).await, pool)
}

/// Sends a request to a bare service and reads the whole response.
pub async fn call_service(svc: &Svc, req: TestRequest) -> TestResponse {
    let res = actix_web::test::call_service(svc, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = body::to_bytes(res.into_body())
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    TestResponse {
        status,
        headers,
        body,
    }
}

impl TestApp {
    /// Serves the same app and database over real HTTP on a free port of 127.0.0.1, in a
    /// thread of its own (for tools that speak HTTP, such as a browser). Stops with the handle.
    pub fn serve_http(&self) -> (std::net::SocketAddr, actix_web::dev::ServerHandle) {
        let pool = self.pool.clone();
        let keys = self.keys.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let state = web::Data::new(AppState::new(pool, audit_keys()).expect("state"));
                let keys = web::Data::new(keys);
                let server = actix_web::HttpServer::new(move || {
                    huimin::build_app(state.clone(), keys.clone(), MAX_BODY)
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("bind");
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).expect("send");
                server.await.expect("server");
            })
        });
        rx.recv().expect("server started")
    }

    /// Another instance of the service over the same database: its own pool, state and cache,
    /// the same keys.
    pub async fn second_instance(&self) -> Svc {
        let pool = db::build_pool(
            &self.url,
            &PoolSettings {
                max_size: 4,
                timeout: Duration::from_secs(10),
            },
        );
        let state = web::Data::new(AppState::new(pool, audit_keys()).expect("state"));
        init(state, self.keys.clone()).await
    }

    /// Sends a request and reads the whole response.
    pub async fn call(&self, req: TestRequest) -> TestResponse {
        call_service(&self.svc, req).await
    }

    /// A request with the method and path, authorised as `user` when given.
    pub fn req(&self, method: Method, path: &str, user: Option<&str>) -> TestRequest {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(user) = user {
            req = req.insert_header((
                header::AUTHORIZATION,
                format!("Bearer {}", self.token_of(user)),
            ));
        }
        req
    }

    /// GET as `user`.
    pub async fn get(&self, path: &str, user: &str) -> TestResponse {
        self.call(self.req(Method::GET, path, Some(user))).await
    }

    /// A JSON request as `user`.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        user: &str,
        body: &Value,
    ) -> TestResponse {
        self.call(self.req(method, path, Some(user)).set_json(body))
            .await
    }

    /// POST JSON as `user`.
    pub async fn post(&self, path: &str, user: &str, body: &Value) -> TestResponse {
        self.send_json(Method::POST, path, user, body).await
    }

    /// Logs in through the API.
    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.call(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .set_json(serde_json::json!({"username": username, "password": password})),
        )
        .await
    }

    /// A token for a demo account, issued with the app's own keys for a session opened
    /// directly in the database (login is tested separately; this leaves the trail alone).
    pub fn token_of(&self, username: &str) -> String {
        if let Some(t) = self.tokens.borrow().get(username) {
            return t.clone();
        }
        let token = self.fresh_token_of(username);
        self.tokens
            .borrow_mut()
            .insert(username.to_owned(), token.clone());
        token
    }

    /// A new token (and session) for an account, not remembered.
    pub fn fresh_token_of(&self, username: &str) -> String {
        use diesel::prelude::*;
        use huimin::db::schema::sessions;
        let mut conn = self.pool.get().expect("connection");
        let row = huimin::store::users::by_username(&mut conn, username)
            .expect("query")
            .unwrap_or_else(|| panic!("no account {username}"));
        let now = chrono::Utc::now();
        let session_id: i64 = diesel::insert_into(sessions::table)
            .values((
                sessions::user_id.eq(row.id),
                sessions::created_at.eq(now.naive_utc()),
                sessions::expires_at
                    .eq(now.naive_utc() + chrono::TimeDelta::seconds(self.keys.ttl_secs)),
            ))
            .returning(sessions::id)
            .get_result::<i64>(&mut **conn)
            .expect("session");
        self.keys
            .issue(
                &huimin::auth::Grant {
                    account_id: row.id,
                    username: &row.username,
                    role: row.role,
                    unit_id: row.unit_id,
                    session_id,
                    token_version: row.token_version,
                },
                now.timestamp(),
            )
            .expect("token")
    }

    /// Every item of a list as `user` reads it, page by page (200 a page); each page must
    /// answer 200.
    pub async fn every_item(&self, path: &str, user: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit=200");
        let mut out = Vec::new();
        loop {
            let res = self.get(&url, user).await;
            assert_eq!(
                res.status,
                200,
                "{url}: {}",
                String::from_utf8_lossy(&res.body)
            );
            let page = res.json();
            out.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => url = format!("{path}{sep}limit=200&cursor={c}"),
                None => return out,
            }
        }
    }

    /// The id of the unit with this code.
    pub fn unit_id(&self, code: &str) -> i64 {
        let mut conn = self.pool.get().expect("connection");
        huimin::store::units::by_code(&mut conn, code)
            .expect("query")
            .expect("unit")
            .id
    }

    /// Row counts of every table, to show that a refused request changed nothing. The trail's
    /// events of logins, failed logins, delays and logouts are left out: a refused login is
    /// recorded by design (and counted in `login_throttles`, which is not listed).
    pub fn row_counts(&self) -> Vec<(&'static str, i64)> {
        use diesel::prelude::*;
        use huimin::db::schema::*;
        let mut conn = self.pool.get().expect("connection");
        let c: &mut huimin::db::DbConnection = &mut conn;
        macro_rules! counts {
            ($($t:ident),*) => {
                vec![$((stringify!($t), $t::table.count().get_result::<i64>(c).expect("count"))),*]
            };
        }
        let mut all = counts!(
            units,
            unit_targets,
            users,
            audit_events,
            audit_chains,
            idempotency_keys,
            staff,
            duty_shifts,
            duty_shift_staff,
            calendar_days,
            consultations,
            aid_applications,
            aid_applicants,
            aid_hardship_verifications,
            follow_ups,
            follow_up_attempts,
            activities,
            monthly_reports,
            monthly_report_revisions,
            inspections,
            inspection_units,
            inspection_checks,
            recognitions,
            aid_steps,
            aid_papers
        );
        let session_events = audit_events::table
            .filter(audit_events::action.eq_any([
                "login",
                "login_failed",
                "login_throttled",
                "logout",
            ]))
            .count()
            .get_result::<i64>(c)
            .expect("count");
        for (table, n) in &mut all {
            if *table == "audit_events" {
                *n -= session_events;
            }
        }
        all
    }
}

/// The demo account of the first role the access table admits to an operation (and step): who
/// takes a step of the aid workflow when a test only needs it taken.
pub fn demo_user_for(operation_id: &str, action: Option<&str>) -> &'static str {
    use huimin::domain::codes::CodeTable;
    let action = action.map(|a| {
        huimin::domain::aid::AidAction::ALL
            .iter()
            .copied()
            .find(|x| x.code() == a)
            .unwrap_or_else(|| panic!("no step {a}"))
    });
    let rule = huimin::domain::access::rule(operation_id, action)
        .unwrap_or_else(|| panic!("no row for {operation_id} {action:?}"));
    let role = rule.roles[0];
    huimin::store::seed::DEMO_ACCOUNTS
        .iter()
        .find(|a| a.2 == role)
        .map(|a| a.0)
        .unwrap_or_else(|| panic!("no demo account of role {role}"))
}

/// The demo account that takes a step of the aid workflow.
pub fn stepper(action: &str) -> &'static str {
    demo_user_for("act_on_aid_application", Some(action))
}

impl TestApp {
    /// The account id of a user.
    pub fn account_id(&self, username: &str) -> i64 {
        let mut conn = self.pool.get().expect("connection");
        huimin::store::users::by_username(&mut conn, username)
            .expect("query")
            .unwrap_or_else(|| panic!("no account {username}"))
            .id
    }

    /// Links an account to a staff record through the API (`PATCH /users/{id}
    /// {"staff_id": …}`, as an admin): a provider then reaches what is assigned to that record.
    pub async fn link_staff(&self, username: &str, staff_id: i64) {
        let res = self.link_staff_response(username, staff_id).await;
        assert_eq!(
            res.status,
            200,
            "linking {username} to staff {staff_id}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }

    /// Links an account to a staff record if the API allows it; answers whether it did.
    pub async fn try_link_staff(&self, username: &str, staff_id: i64) -> bool {
        let res = self.link_staff_response(username, staff_id).await;
        if res.status != 200 {
            eprintln!(
                "cannot link {username} to a staff record: {}",
                String::from_utf8_lossy(&res.body)
            );
        }
        res.status == 200
    }

    async fn link_staff_response(&self, username: &str, staff_id: i64) -> TestResponse {
        // The link ends the account's tokens: the next request of `username` logs in anew.
        self.tokens.borrow_mut().remove(username);
        self.send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", self.account_id(username)),
            "admin",
            &serde_json::json!({ "staff_id": staff_id }),
        )
        .await
    }
}
