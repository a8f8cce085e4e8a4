//! Races: many writers on one database (on SQLite, one file shared by two instances of the
//! service) never see "database is locked" or any error, and racing updates with `If-Match`
//! lose no update silently.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use actix_web::http::{header, Method};
use futures_util::future::join_all;
use serde_json::json;

use crate::backend_tests;
use crate::consultations::body as consultation;
use crate::helpers::{fresh_database, report, spawn_app, Backend, SECRET};
use crate::process::{database_url, http, Service};

backend_tests!(
    two_instances_with_many_writers_on_one_database_answer_every_write,
    racing_updates_with_if_match_lose_no_update,
    a_writer_outside_the_chain_is_not_overwritten,
);

/// Writer threads per instance, and creates per thread.
const THREADS: usize = 8;
const CREATES: usize = 12;

async fn two_instances_with_many_writers_on_one_database_answer_every_write(backend: Backend) {
    let (url, _db) = fresh_database(backend);
    let url = database_url(&url);
    // One secret, so that a token works on both instances.
    let env = [("HUIMIN_JWT_SECRET", SECRET), ("HUIMIN_DB_POOL_SIZE", "8")];
    let mut first = Service::spawn(&url, &env);
    first.wait_ready();
    let mut second = Service::spawn(&url, &env);
    second.wait_ready();
    let token = Arc::new(first.token("staff.longgang"));
    let me = http(first.addr, "GET", "/api/v1/me", Some(&token), None, &[]).expect("me");
    let unit = me.json()["unit_id"].as_i64().expect("unit id");

    let answers = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..2 * THREADS)
        .map(|t| {
            let addr = if t % 2 == 0 { first.addr } else { second.addr };
            let (token, answers) = (token.clone(), answers.clone());
            std::thread::spawn(move || {
                for n in 0..CREATES {
                    let body = consultation(unit, &format!("并发写入第{t}线第{n}条"));
                    let r = http(
                        addr,
                        "POST",
                        "/api/v1/consultations",
                        Some(&token),
                        Some(&body),
                        &[],
                    )
                    .expect("an answer");
                    let id = r.json()["id"].as_i64();
                    answers.lock().expect("answers").push((
                        r.status,
                        id,
                        String::from_utf8_lossy(&r.body).into_owned(),
                    ));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let answers = answers.lock().expect("answers").clone();
    let failed: Vec<&(u16, Option<i64>, String)> =
        answers.iter().filter(|(s, _, _)| *s != 201).collect();
    let ids: BTreeSet<i64> = answers.iter().filter_map(|(_, id, _)| *id).collect();
    assert!(failed.is_empty(), "writes that failed: {failed:?}");
    assert_eq!(ids.len(), 2 * THREADS * CREATES, "distinct ids");
    for svc in [&first, &second] {
        let log = svc.log_text();
        assert!(
            !log.to_ascii_lowercase().contains("locked"),
            "the log mentions a locked database:\n{log}"
        );
    }
    // Every write is stored once, and the audit chain has no fork.
    let admin = first.token("admin");
    // A cursor of one instance is good on the other (they share the secret).
    let listed = http(
        first.addr,
        "GET",
        "/api/v1/consultations?limit=1",
        Some(&admin),
        None,
        &[],
    )
    .expect("list");
    assert_eq!(listed.status, 200);
    let cursor = listed.json()["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = http(
        second.addr,
        "GET",
        &format!("/api/v1/consultations?limit=1&cursor={cursor}"),
        Some(&admin),
        None,
        &[],
    )
    .expect("list");
    assert_eq!(next.status, 200, "{}", String::from_utf8_lossy(&next.body));
    let verify = http(
        first.addr,
        "GET",
        "/api/v1/audit-events/verify",
        Some(&admin),
        None,
        &[],
    )
    .expect("verify")
    .json();
    assert_eq!(verify["intact"], true, "{verify}");
    let mut conn = huimin::db::DbUrl::parse(&url)
        .expect("url")
        .connect(std::time::Duration::from_secs(5))
        .expect("connect");
    use diesel::prelude::*;
    use huimin::db::schema::consultations;
    let stored: Vec<i64> = consultations::table
        .select(consultations::id)
        .load(&mut conn)
        .expect("ids");
    assert!(ids.iter().all(|id| stored.contains(id)), "a 201 not stored");
    report(&format!(
        "many writers ({backend:?}): 2 instances × {THREADS} writers × {CREATES} creates on one database: {} answered 201, {} otherwise; no \"database is locked\"; audit chain intact",
        answers.len() - failed.len(),
        failed.len()
    ));
}

async fn racing_updates_with_if_match_lose_no_update(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-DS");
    let path = format!("/api/v1/units/{id}");
    let writers = 10;
    let patch = |tag: String, i: usize| {
        let req = app
            .req(Method::PATCH, &path, Some("admin"))
            .insert_header((header::IF_MATCH, tag))
            .set_json(json!({"opening_hours": format!("周一至周五 第{i}版")}));
        app.call(req)
    };

    // Everyone read version 1 and writes at once: exactly one wins, the others get 412 with the
    // current ETag, and nothing of theirs is stored.
    let first = join_all((0..writers).map(|i| patch("\"1\"".into(), i))).await;
    let winners: Vec<usize> = (0..writers).filter(|i| first[*i].status == 200).collect();
    assert_eq!(winners.len(), 1, "exactly one of the racing writes wins");
    for r in first.iter().filter(|r| r.status != 200) {
        let p = r.assert_problem(412);
        assert_eq!(p["current_version"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    }

    // The losers re-read and retry until their change is in: every change lands, one by one.
    let (app, path, patch) = (&app, &path, &patch);
    let retry = |i: usize| async move {
        for _ in 0..(4 * writers) {
            let current = app.get(path, "admin").await;
            let tag = current.header("etag").expect("etag");
            let r = patch(tag, i).await;
            if r.status == 200 {
                return;
            }
            r.assert_problem(412);
        }
        panic!("writer {i} never got its change in");
    };
    join_all(
        (0..writers)
            .filter(|i| !winners.contains(i))
            .map(retry)
            .collect::<Vec<_>>(),
    )
    .await;

    let unit = app.get(path, "admin").await.json();
    assert_eq!(
        unit["version"],
        1 + writers as i64,
        "one version per change"
    );
    // The trail holds every change, each made on top of the one before.
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=unit&entity_id={id}&limit=100"),
            "admin",
        )
        .await
        .json();
    let updates: Vec<&serde_json::Value> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "update")
        .collect();
    assert_eq!(updates.len(), writers);
    let versions: BTreeSet<i64> = updates
        .iter()
        .map(|e| {
            assert_eq!(
                e["after"]["version"],
                e["before"]["version"].as_i64().expect("v") + 1
            );
            e["after"]["version"].as_i64().expect("version")
        })
        .collect();
    assert_eq!(versions, (2..=1 + writers as i64).collect());
    let hours: BTreeSet<String> = updates
        .iter()
        .map(|e| {
            e["after"]["opening_hours"]
                .as_str()
                .expect("hours")
                .to_owned()
        })
        .collect();
    assert_eq!(
        hours.len(),
        writers,
        "every writer's change is in the trail"
    );
    report(&format!(
        "If-Match race ({backend:?}): {writers} writers on version 1: 1 answered 200, {} answered 412; after retrying, version {} holds all {writers} changes, each in the trail",
        writers - 1,
        1 + writers
    ));
}

/// A change by a writer that does not share the caller's chain lock (another county's chain, or
/// a transaction from outside the service) is never overwritten by a change that read the row
/// before it: the later writer waits for the row and answers 409 or 412, not 200.
async fn a_writer_outside_the_chain_is_not_overwritten(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-DS");
    let path = format!("/api/v1/units/{id}");
    let tag = app.get(&path, "admin").await.header("etag").expect("etag");
    let huimin::db::DbUrl::Postgres(url) = &app.url else {
        // SQLite runs one write at a time: no writer can slip in between.
        return;
    };
    let mut other = diesel::PgConnection::establish(url).expect("connect");
    other
        .batch_execute(&format!(
            "BEGIN; UPDATE units SET opening_hours = '另一写入', version = version + 1 WHERE id = {id};"
        ))
        .expect("the other writer's change");
    let commit = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(600));
        other.batch_execute("COMMIT").expect("commit");
    });
    let res = app
        .call(
            app.req(Method::PATCH, &path, Some("admin"))
                .insert_header((header::IF_MATCH, tag))
                .set_json(json!({"opening_hours": "本请求的写入"})),
        )
        .await;
    commit.join().expect("commit thread");
    assert!(
        res.status == 409 || res.status == 412,
        "a change that read the row before another writer's must not overwrite it: {} {}",
        res.status,
        String::from_utf8_lossy(&res.body)
    );
    let now = app.get(&path, "admin").await.json();
    assert_eq!(now["opening_hours"], "另一写入");
    assert_eq!(now["version"], 2);
}
