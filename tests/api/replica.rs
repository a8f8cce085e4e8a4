//! The read replica (`HUIMIN_DATABASE_READ_URL`) with a real PostgreSQL streaming replica: a
//! private primary (`initdb`) and a replica of it (`pg_basebackup`), each on a free port.
//!
//! - lists are served by the replica: while its replay is paused, a caller who has not written
//!   does not see a new consultation, its author does (read after own write: the primary), and
//!   once replay resumes everybody does;
//! - when the replica stops, lists still answer, promptly, from the primary;
//! - when it is back, lists are served by it again, without a restart.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use huimin::db::{self, DbUrl, PoolSettings};

use crate::consultations::body as consultation;
use crate::helpers::{audit_keys, in_ci, report, spawn_app_with_pool, TestApp};
use crate::private_postgres::PrivatePostgres;

/// Who writes (and reads its own writes), and who only reads.
const AUTHOR: &str = "staff.longgang";
const READER: &str = "admin";

/// The reads that go to the replica: lists, the board, statistics and exports.
const REPLICA_READS: &[&str] = &[
    "/api/v1/units",
    "/api/v1/staff",
    "/api/v1/duty-shifts",
    "/api/v1/consultations",
    "/api/v1/aid-applications",
    "/api/v1/follow-ups",
    "/api/v1/activities",
    "/api/v1/monthly-reports",
    "/api/v1/inspections",
    "/api/v1/recognitions",
    "/api/v1/duty/today",
    "/board/today",
    "/api/v1/duty-shifts.ics",
    "/api/v1/stats/targets",
    "/api/v1/stats/targets/export?format=xlsx",
    "/api/v1/stats/consultations?from=2023-01-01&to=2023-12-31&group_by=unit",
    "/api/v1/stats/consultations/export?format=csv&from=2023-01-01&to=2023-12-31&group_by=topic",
    "/api/v1/stats/aid?from=2023-01-01&to=2023-12-31&group_by=state",
    "/api/v1/stats/aid/export?format=xlsx&from=2023-01-01&to=2023-12-31&group_by=unit",
    "/api/v1/consultations/export?format=csv",
    "/api/v1/consultations/export?format=xlsx",
    "/api/v1/aid-applications/export?format=csv",
    "/api/v1/aid-applications/export?format=xlsx",
];

#[derive(diesel::QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    flag: bool,
}

fn ask(conn: &mut PgConnection, sql: &str) -> bool {
    diesel::sql_query(sql)
        .get_result::<Flag>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .flag
}

fn connect(url: &str) -> PgConnection {
    PgConnection::establish(url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Waits until the replica has replayed everything the primary has written so far.
fn wait_until_caught_up(primary: &str, replica: &str) {
    let lsn: String = {
        #[derive(diesel::QueryableByName)]
        struct Lsn {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lsn: String,
        }
        diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
            .get_result::<Lsn>(&mut connect(primary))
            .expect("primary LSN")
            .lsn
    };
    let mut replica = connect(replica);
    let deadline = Instant::now() + Duration::from_secs(60);
    let sql = format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn AS flag");
    while !ask(&mut replica, &sql) {
        assert!(Instant::now() < deadline, "the replica did not catch up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The ids of the consultations `user` lists (first page, newest first), and how long it took.
async fn listed(app: &TestApp, user: &str) -> (Vec<i64>, Duration) {
    let started = Instant::now();
    let res = app.get("/api/v1/consultations?limit=200", user).await;
    let took = started.elapsed();
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let ids = res.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    (ids, took)
}

async fn register(app: &TestApp, question: &str) -> i64 {
    let unit = app.unit_id("140521-SFS-LG");
    let res = app
        .post(
            "/api/v1/consultations",
            AUTHOR,
            &consultation(unit, question),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().expect("id")
}

#[actix_web::test]
async fn lists_are_served_by_the_replica_and_go_on_when_it_stops() {
    let Some(primary) = PrivatePostgres::init() else {
        assert!(
            !in_ci(),
            "PostgreSQL server binaries (initdb) are not installed"
        );
        eprintln!("no PostgreSQL server binaries: replica test not run");
        return;
    };
    primary.start();
    connect(&primary.url("postgres"))
        .batch_execute("CREATE DATABASE huimin")
        .expect("create database");
    let replica = PrivatePostgres::replica_of(&primary);
    replica.start();
    let (primary_url, replica_url) = (primary.url("huimin"), replica.url("huimin"));

    // The service: migrations and demo data on the primary, which stream to the replica.
    let settings = PoolSettings {
        max_size: 4,
        timeout: Duration::from_secs(4),
    };
    let url = DbUrl::Postgres(primary_url.clone());
    let pool = huimin::store::open(&url, &settings, &Default::default()).expect("primary");
    {
        let mut conn = pool.get().expect("connection");
        huimin::store::seed::seed_demo(&mut conn, &audit_keys()).expect("seed");
    }
    let replica_pool =
        db::build_replica_pool(&DbUrl::Postgres(replica_url.clone()), &settings).expect("replica");
    let app = spawn_app_with_pool(url, pool.with_replica(replica_pool)).await;
    // Tokens (their sessions are rows of the primary) before the replica is paused.
    app.token_of(AUTHOR);
    app.token_of(READER);
    let earlier = register(&app, "早先的咨询：复制前已有").await;
    wait_until_caught_up(&primary_url, &replica_url);
    assert!(listed(&app, READER).await.0.contains(&earlier));
    // Every read that may go to the replica works on a hot standby (none writes, none locks).
    for path in REPLICA_READS {
        let res = app.get(path, READER).await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }

    // Replay paused: the replica serves what it had.
    let mut standby = connect(&replica_url);
    standby
        .batch_execute("SELECT pg_wal_replay_pause()")
        .expect("pause replay");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ask(
        &mut standby,
        "SELECT pg_get_wal_replay_pause_state() = 'paused' AS flag",
    ) {
        assert!(Instant::now() < deadline, "replay did not pause");
        std::thread::sleep(Duration::from_millis(20));
    }
    let new = register(&app, "复制暂停期间登记的咨询").await;
    let (reader_sees, _) = listed(&app, READER).await;
    assert!(
        !reader_sees.contains(&new) && reader_sees.contains(&earlier),
        "a caller who has not written reads the paused replica: {reader_sees:?}"
    );
    let (author_sees, _) = listed(&app, AUTHOR).await;
    assert!(
        author_sees.contains(&new),
        "the author reads its own write from the primary: {author_sees:?}"
    );
    // A single record is read from the primary, by anyone.
    let one = app
        .get(&format!("/api/v1/consultations/{new}"), READER)
        .await;
    assert_eq!(one.status, 200, "{}", String::from_utf8_lossy(&one.body));

    // Replay resumed: the replica catches up, and the reader sees the new consultation.
    standby
        .batch_execute("SELECT pg_wal_replay_resume()")
        .expect("resume replay");
    drop(standby);
    wait_until_caught_up(&primary_url, &replica_url);
    assert!(listed(&app, READER).await.0.contains(&new));

    // The replica stops: lists answer from the primary, promptly.
    replica.stop_immediately();
    let mut took = Vec::new();
    for _ in 0..5 {
        let (ids, t) = listed(&app, READER).await;
        assert!(ids.contains(&new), "the primary answers: {ids:?}");
        took.push(t);
    }
    let first = took[0];
    let slowest_after = took[1..].iter().max().copied().unwrap_or_default();
    report(&format!(
        "replica: lists while the replica is down: first {} ms (finds it gone), then at most {} ms",
        first.as_millis(),
        slowest_after.as_millis()
    ));
    assert!(
        first < Duration::from_secs(3),
        "the first read after the replica stopped took {first:?}"
    );
    assert!(
        slowest_after < Duration::from_millis(1000),
        "reads wait for a replica known to be away: {took:?}"
    );
    // Readiness is about the primary only.
    let ready = app
        .call(actix_web::test::TestRequest::get().uri("/health/ready"))
        .await;
    assert_eq!(ready.status, 200);

    // The replica returns: reads go back to it without a restart (its replay paused again, a
    // new consultation stays out of the reader's list once the replica serves it).
    replica.start();
    let mut standby = connect(&replica_url);
    standby
        .batch_execute("SELECT pg_wal_replay_pause()")
        .expect("pause replay");
    let later = register(&app, "副本恢复后登记的咨询").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (ids, _) = listed(&app, READER).await;
        if !ids.contains(&later) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "reads did not return to the replica after it came back"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    standby
        .batch_execute("SELECT pg_wal_replay_resume()")
        .expect("resume replay");
}
