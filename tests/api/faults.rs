//! Faults, start-up and shutdown, with the real `huimin` binary as a separate process:
//! - a private PostgreSQL server (its own `initdb`, its own port) stopped in the middle of a write
//!   load and started again: every acknowledged create is present, the service answers 503
//!   problem+json within its configured timeout while the database is away, and serves again
//!   soon after it returns, without a restart;
//! - SIGTERM while a request is in flight: the request completes, then the process exits cleanly;
//! - a second instance starting while another holds the migration lock waits, then starts.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;

use huimin::db::DbUrl;

use crate::backend_tests;
use crate::consultations::body as consultation;
use crate::helpers::{fresh_database, in_ci, postgres_url, report, Backend};
use crate::private_postgres::PrivatePostgres;
use crate::process::{database_url, http, Service};

backend_tests!(
    sigterm_drains_the_request_in_flight_then_exits,
    a_write_lock_held_elsewhere_is_a_503_after_the_timeout_and_reads_go_on,
);

/// What one write request of the load saw.
#[derive(Debug, Clone)]
struct Outcome {
    started: Instant,
    took: Duration,
    status: u16,
    /// The id of the created consultation (201 only).
    id: Option<i64>,
    /// A 503 that was a proper problem+json.
    problem: bool,
    /// A transport error (the service dropped the connection), or the body of an answer that
    /// is neither a 201 nor a 503.
    transport: Option<String>,
}

#[test]
fn a_database_outage_loses_no_acknowledged_write_and_heals_without_a_restart() {
    let Some(pg) = PrivatePostgres::init() else {
        assert!(
            !in_ci(),
            "PostgreSQL server binaries (initdb) are not installed"
        );
        eprintln!("no PostgreSQL server binaries: fault test not run");
        return;
    };
    pg.start();
    {
        let mut admin = diesel::PgConnection::establish(&pg.url("postgres")).expect("connect");
        admin
            .batch_execute("CREATE DATABASE huimin")
            .expect("create database");
    }
    let timeout = Duration::from_secs(2);
    let mut svc = Service::spawn(
        &pg.url("huimin"),
        &[
            ("HUIMIN_DB_TIMEOUT_SECONDS", "2"),
            ("HUIMIN_DB_POOL_SIZE", "4"),
        ],
    );
    svc.wait_ready();
    let token = Arc::new(svc.token("staff.longgang"));
    let me = http(svc.addr, "GET", "/api/v1/me", Some(&token), None, &[]).expect("me");
    let unit = me.json()["unit_id"].as_i64().expect("unit id");

    let outcomes = Arc::new(Mutex::new(Vec::<Outcome>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..24)
        .map(|w| {
            let (token, outcomes, stop, addr) =
                (token.clone(), outcomes.clone(), stop.clone(), svc.addr);
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let key = format!("fault-{w}-{n}");
                    let body = consultation(unit, &format!("故障演练第{w}组第{n}条"));
                    let started = Instant::now();
                    let r = http(
                        addr,
                        "POST",
                        "/api/v1/consultations",
                        Some(&token),
                        Some(&body),
                        &[("Idempotency-Key", &key)],
                    );
                    let took = started.elapsed();
                    let outcome = match r {
                        Ok(r) => Outcome {
                            started,
                            took,
                            status: r.status,
                            id: (r.status == 201).then(|| r.json()["id"].as_i64()).flatten(),
                            problem: r.is_problem(503),
                            transport: (r.status != 201 && r.status != 503)
                                .then(|| String::from_utf8_lossy(&r.body).into_owned()),
                        },
                        Err(e) => Outcome {
                            started,
                            took,
                            status: 0,
                            id: None,
                            problem: false,
                            transport: Some(e.to_string()),
                        },
                    };
                    outcomes.lock().expect("outcomes").push(outcome);
                }
            })
        })
        .collect();

    let wait_for = |what: &str, limit: Duration, cond: &dyn Fn(&[Outcome]) -> bool| {
        let deadline = Instant::now() + limit;
        while !cond(&outcomes.lock().expect("outcomes")) {
            if Instant::now() >= deadline {
                let seen = outcomes.lock().expect("outcomes");
                let mut statuses: Vec<u16> = seen.iter().map(|o| o.status).collect();
                statuses.dedup();
                panic!(
                    "timed out waiting for {what}; statuses seen: {statuses:?}\n{}",
                    svc.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    // Load with the database up.
    wait_for("20 acknowledged writes", Duration::from_secs(60), &|o| {
        o.iter().filter(|o| o.status == 201).count() >= 20
    });
    let down_at = Instant::now();
    pg.stop_immediately();
    // The database is away: wait for several answers to requests sent after it went.
    wait_for(
        "503s while the database is down",
        Duration::from_secs(60),
        &|o| {
            o.iter()
                .filter(|o| o.started > down_at + Duration::from_millis(200) && o.status == 503)
                .count()
                >= 8
        },
    );
    let ready_while_down = http(svc.addr, "GET", "/health/ready", None, None, &[]).expect("ready");
    pg.start();
    let up_at = Instant::now();
    wait_for(
        "a 201 after the database returned",
        Duration::from_secs(60),
        &|o| o.iter().any(|o| o.started >= up_at && o.status == 201),
    );
    // A little more load on the healed service.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().expect("writer");
    }
    let ready_after = http(svc.addr, "GET", "/health/ready", None, None, &[]).expect("ready");
    let outcomes = outcomes.lock().expect("outcomes").clone();

    // Every acknowledged create is stored.
    let acknowledged: Vec<i64> = outcomes.iter().filter_map(|o| o.id).collect();
    let stored: Vec<i64> = {
        use diesel::prelude::*;
        use huimin::db::schema::consultations;
        let mut conn = diesel::PgConnection::establish(&pg.url("huimin")).expect("connect");
        consultations::table
            .select(consultations::id)
            .load(&mut conn)
            .expect("ids")
    };
    let missing: Vec<&i64> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    let recovered_at = outcomes
        .iter()
        .filter(|o| o.started >= up_at && o.status == 201)
        .map(|o| o.started + o.took)
        .min()
        .expect("a 201 after the return");
    let unavailable: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 503).collect();
    let slowest_503 = unavailable.iter().map(|o| o.took).max().unwrap_or_default();
    let mut took: Vec<Duration> = unavailable.iter().map(|o| o.took).collect();
    took.sort();
    let median_503 = took.get(took.len() / 2).copied().unwrap_or_default();
    let recovery = recovered_at.saturating_duration_since(up_at);
    report(&format!(
        "fault test: {} requests; acknowledged (201) = {}, present afterwards = {} of them \
         ({} rows stored in all, {} missing); 503 answers = {} (median {:?}, slowest {:?}, \
         configured timeout {:?}); outage {:?}; first 201 {:?} after the database returned",
        outcomes.len(),
        acknowledged.len(),
        acknowledged.len() - missing.len(),
        stored.len(),
        missing.len(),
        unavailable.len(),
        median_503,
        slowest_503,
        timeout,
        up_at.duration_since(down_at),
        recovery,
    ));

    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let others: Vec<String> = outcomes
        .iter()
        .filter(|o| o.status != 201 && !(o.status == 503 && o.problem))
        .map(|o| format!("{} after {:?} {:?}", o.status, o.took, o.transport))
        .collect();
    assert!(
        others.is_empty(),
        "answers other than 201 or a 503 problem: {others:?}\n{}",
        svc.log_text()
    );
    assert!(
        ready_while_down.is_problem(503),
        "readiness while down: {ready_while_down:?}"
    );
    assert_eq!(ready_after.status, 200);
    // No hang: a 503 comes within the configured timeout (plus scheduling slack on a shared
    // machine), not after a client gives up.
    assert!(
        slowest_503 < timeout + Duration::from_millis(1500),
        "slowest 503 took {slowest_503:?}"
    );
    assert!(
        recovery < Duration::from_secs(5),
        "serving again took {recovery:?}"
    );
    // The process was never restarted.
    assert!(svc.child.try_wait().expect("try_wait").is_none());
}

/// Holds the database's write lock from outside the service, so that a write request waits.
enum WriteLock {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl WriteLock {
    fn take(url: &DbUrl) -> WriteLock {
        match url {
            DbUrl::Postgres(u) => {
                let mut c = diesel::PgConnection::establish(u).expect("connect");
                // Every chain's head, those not yet written included.
                c.batch_execute("BEGIN; LOCK TABLE audit_chains IN EXCLUSIVE MODE;")
                    .expect("lock the chain heads");
                WriteLock::Postgres(c)
            }
            DbUrl::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path).expect("open");
                c.batch_execute("PRAGMA busy_timeout = 30000; BEGIN IMMEDIATE;")
                    .expect("take the write lock");
                WriteLock::Sqlite(c)
            }
        }
    }

    fn release(self) {
        match self {
            WriteLock::Postgres(mut c) => c.batch_execute("ROLLBACK").expect("rollback"),
            WriteLock::Sqlite(mut c) => c.batch_execute("ROLLBACK").expect("rollback"),
        }
    }
}

async fn sigterm_drains_the_request_in_flight_then_exits(backend: Backend) {
    let (url, _db) = fresh_database(backend);
    let mut svc = Service::spawn(&database_url(&url), &[("HUIMIN_DB_TIMEOUT_SECONDS", "30")]);
    svc.wait_ready();
    let token = svc.token("admin");
    let lg = longgang(&svc, &token);

    let lock = WriteLock::take(&url);
    let addr = svc.addr;
    let in_flight = std::thread::spawn(move || {
        http(
            addr,
            "POST",
            "/api/v1/units",
            Some(&token),
            Some(
                &json!({"parent_id": lg, "kind": "village_workstation", "code": "V-DRAIN", "name": "排空测试村工作站"}),
            ),
            &[],
        )
    });
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        !in_flight.is_finished(),
        "the write should wait for the lock"
    );
    let signalled = Instant::now();
    svc.signal("TERM");
    // The process drains: it keeps running while the request is in flight …
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        svc.child.try_wait().expect("try_wait").is_none(),
        "exited with a request in flight:\n{}",
        svc.log_text()
    );
    // … and takes no new requests.
    let refused = http(svc.addr, "GET", "/health/live", None, None, &[]);
    assert!(refused.is_err(), "a new request was served after SIGTERM");
    lock.release();
    let reply = in_flight
        .join()
        .expect("thread")
        .expect("the in-flight request");
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let status = svc
        .wait_exit(Duration::from_secs(30))
        .expect("huimin did not exit after draining");
    report(&format!(
        "SIGTERM ({backend:?}): the request in flight answered {} and the process exited ({status}) {:?} after the signal",
        reply.status,
        signalled.elapsed()
    ));
    assert!(
        status.success(),
        "exit status {status}:\n{}",
        svc.log_text()
    );
    // The drained write is stored.
    let mut conn = url.connect(Duration::from_secs(5)).expect("connect");
    let stored = huimin::store::units::by_code(&mut conn, "V-DRAIN").expect("query");
    assert!(stored.is_some(), "the drained write is not stored");
}

/// The id of 龙港镇司法所, looked up through the API.
fn longgang(svc: &Service, token: &str) -> i64 {
    let r = http(
        svc.addr,
        "GET",
        "/api/v1/units?q=%E9%BE%99%E6%B8%AF",
        Some(token),
        None,
        &[],
    )
    .expect("units");
    r.json()["items"][0]["id"].as_i64().expect("a unit")
}

async fn a_write_lock_held_elsewhere_is_a_503_after_the_timeout_and_reads_go_on(backend: Backend) {
    let (url, _db) = fresh_database(backend);
    let mut svc = Service::spawn(&database_url(&url), &[("HUIMIN_DB_TIMEOUT_SECONDS", "1")]);
    svc.wait_ready();
    let token = svc.token("admin");
    let lg = longgang(&svc, &token);
    let unit = |code: &str| json!({"parent_id": lg, "kind": "village_workstation", "code": code, "name": "锁等待测试村工作站"});

    // Another session holds the write lock (a stuck transaction, a maintenance job).
    let lock = WriteLock::take(&url);
    let asked = Instant::now();
    let refused = http(
        svc.addr,
        "POST",
        "/api/v1/units",
        Some(&token),
        Some(&unit("V-LOCKED")),
        &[],
    )
    .expect("an answer");
    let took = asked.elapsed();
    assert!(
        refused.is_problem(503),
        "{} {}",
        refused.status,
        String::from_utf8_lossy(&refused.body)
    );
    assert!(refused.headers.contains("retry-after: 5"));
    // Reads go on meanwhile.
    let read = http(
        svc.addr,
        "GET",
        "/api/v1/units?limit=5",
        Some(&token),
        None,
        &[],
    )
    .expect("an answer");
    assert_eq!(read.status, 200);
    lock.release();
    let stored = http(
        svc.addr,
        "POST",
        "/api/v1/units",
        Some(&token),
        Some(&unit("V-AFTER")),
        &[],
    )
    .expect("an answer");
    assert_eq!(stored.status, 201);
    report(&format!(
        "lock held elsewhere ({backend:?}): a write answered 503 after {took:?} (timeout 1 s); \
         reads answered 200 meanwhile; the next write after the release answered 201"
    ));
    assert!(took < Duration::from_secs(4), "the write waited {took:?}");
    // Nothing of the refused write is stored.
    let mut conn = url.connect(Duration::from_secs(5)).expect("connect");
    assert!(huimin::store::units::by_code(&mut conn, "V-LOCKED")
        .expect("query")
        .is_none());
}

#[test]
fn a_second_instance_waits_for_the_migration_lock() {
    if postgres_url().is_none() {
        eprintln!("HUIMIN_TEST_POSTGRES_URL is not set: migration lock test not run");
        return;
    }
    let (url, _db) = fresh_database(Backend::Postgres);
    let DbUrl::Postgres(pg_url) = &url else {
        unreachable!("a PostgreSQL URL")
    };
    // Another instance is migrating: it holds the lock.
    let mut holder = diesel::PgConnection::establish(pg_url).expect("connect");
    holder
        .batch_execute(&format!(
            "SELECT pg_advisory_lock({})",
            huimin::db::MIGRATION_LOCK_KEY
        ))
        .expect("lock");
    let mut second = Service::spawn(pg_url, &[]);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        second.child.try_wait().expect("try_wait").is_none(),
        "the second instance failed instead of waiting:\n{}",
        second.log_text()
    );
    {
        use diesel::prelude::*;
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()",
        )
        .get_result(&mut holder)
        .expect("pg_locks");
        assert_eq!(
            waiting.n, 1,
            "the second instance should wait on the migration lock"
        );
    }
    let released = Instant::now();
    holder
        .batch_execute(&format!(
            "SELECT pg_advisory_unlock({})",
            huimin::db::MIGRATION_LOCK_KEY
        ))
        .expect("unlock");
    second.wait_ready();
    report(&format!(
        "migration lock: the second instance waited, then was ready {:?} after the lock was released",
        released.elapsed()
    ));

    // Two instances migrating one empty database at once both succeed.
    let (url, _db2) = fresh_database(Backend::Postgres);
    let migrate = || {
        Command::new(env!("CARGO_BIN_EXE_huimin"))
            .arg("migrate")
            .env("DATABASE_URL", database_url(&url))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start huimin migrate")
    };
    let (a, b) = (migrate(), migrate());
    for child in [a, b] {
        let out = child.wait_with_output().expect("migrate");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut conn = url.connect(Duration::from_secs(5)).expect("connect");
    let units = huimin::store::units::by_code(&mut conn, "none").expect("the schema is there");
    assert!(units.is_none());
}
