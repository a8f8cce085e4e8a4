//! The change feed: a consumer polling with its cursor while writers of two counties commit in
//! any order gets exactly the trail's resource events, once each, in an order consistent with
//! each resource's versions (also across two instances); masked as reads mask; scoped.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::audit::tamper::second_county;
use crate::backend_tests;
use crate::consultations::body as consultation;
use crate::helpers::{call_service, spawn_app, Backend, Svc, TestApp, TestResponse};

backend_tests!(
    a_polling_consumer_gets_every_event_of_concurrent_writers_once,
    a_polling_consumer_gets_every_event_of_two_instances_once,
    feed_items_are_masked_as_reads_are,
    the_feed_is_scoped_and_readable_by_feed_roles_only,
    the_feed_holds_the_applications_a_centre_reads,
);

/// Writers, and writes (a create and a correction) per writer.
const WRITERS: usize = 8;
const ROUNDS: usize = 6;

/// One event as the consumer received it.
#[derive(Debug, Clone)]
struct Seen {
    id: i64,
    resource: String,
    resource_id: Option<i64>,
    version: Option<i64>,
}

/// The trail's events that the feed carries, by id: (resource, resource id).
fn trail_resource_events(app: &TestApp) -> BTreeMap<i64, (String, Option<i64>)> {
    use huimin::db::schema::audit_events;
    let mut conn = app.pool.get().expect("connection");
    let rows: Vec<(i64, String, String, Option<i64>)> = audit_events::table
        .select((
            audit_events::id,
            audit_events::entity,
            audit_events::action,
            audit_events::entity_id,
        ))
        .load(&mut **conn)
        .expect("trail");
    rows.into_iter()
        .filter_map(|(id, entity, action, entity_id)| {
            huimin::store::changes::resource_of(&entity, &action)
                .map(|r| (id, (r.to_owned(), entity_id)))
        })
        .collect()
}

/// A reader of the feed on one or more instances, remembering its cursor.
struct Consumer<'a> {
    app: &'a TestApp,
    user: &'static str,
    after: RefCell<Option<String>>,
    seen: RefCell<Vec<Seen>>,
    polls: Cell<usize>,
}

impl<'a> Consumer<'a> {
    fn new(app: &'a TestApp, user: &'static str) -> Self {
        Consumer {
            app,
            user,
            after: RefCell::new(None),
            seen: RefCell::new(Vec::new()),
            polls: Cell::new(0),
        }
    }

    /// Reads one page (on `svc` when given) and answers how many events it had.
    async fn poll(&self, svc: Option<&Svc>) -> usize {
        let path = match self.after.borrow().as_deref() {
            Some(a) => format!("/api/v1/changes?limit=37&after={a}"),
            None => "/api/v1/changes?limit=37".to_owned(),
        };
        let req = self.app.req(Method::GET, &path, Some(self.user));
        let res: TestResponse = match svc {
            Some(svc) => call_service(svc, req).await,
            None => self.app.call(req).await,
        };
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let page = res.json();
        let items = page["items"].as_array().expect("items").clone();
        for item in &items {
            self.seen.borrow_mut().push(Seen {
                id: item["id"].as_i64().expect("id"),
                resource: item["type"].as_str().expect("type").to_owned(),
                resource_id: item["resource_id"].as_i64(),
                version: item["data"]["version"].as_i64(),
            });
        }
        let next = page["next"].as_str().expect("next").to_owned();
        if let Some(last) = items.last() {
            assert_eq!(last["cursor"].as_str(), Some(next.as_str()));
        }
        *self.after.borrow_mut() = Some(next);
        self.polls.set(self.polls.get() + 1);
        items.len()
    }
}

/// Checks what the consumers saw against the trail: every resource event once, and each
/// resource's versions rising.
fn check_against_trail(app: &TestApp, consumers: &[&Consumer<'_>]) {
    let trail = trail_resource_events(app);
    let mut all = BTreeSet::new();
    for c in consumers {
        let seen = c.seen.borrow();
        let mut versions: BTreeMap<(String, Option<i64>), i64> = BTreeMap::new();
        for s in seen.iter() {
            assert!(all.insert(s.id), "event {} delivered twice", s.id);
            let (resource, id) = trail
                .get(&s.id)
                .unwrap_or_else(|| panic!("event {} is not a resource event of the trail", s.id));
            assert_eq!((resource, id), (&s.resource, &s.resource_id));
            if let Some(v) = s.version {
                let key = (s.resource.clone(), s.resource_id);
                if let Some(before) = versions.insert(key.clone(), v) {
                    assert!(before <= v, "{key:?}: version {v} after {before}");
                }
            }
        }
    }
    let missing: Vec<_> = trail.keys().filter(|id| !all.contains(id)).collect();
    assert!(missing.is_empty(), "events never delivered: {missing:?}");
}

/// Writer `w`: creates consultations and corrects each once, on `svc` (or the app), as an
/// account of the first county (even writers) or the second (odd writers).
async fn write(app: &TestApp, svc: Option<&Svc>, w: usize, units: (i64, i64)) {
    let (user, unit) = if w.is_multiple_of(2) {
        ("staff.longgang", units.0)
    } else {
        ("admin.fc", units.1)
    };
    let send = |req: TestRequest| async move {
        match svc {
            Some(svc) => call_service(svc, req).await,
            None => app.call(req).await,
        }
    };
    for n in 0..ROUNDS {
        let body = consultation(unit, &format!("变更订阅第{w}写者第{n}条"));
        let res = send(
            app.req(Method::POST, "/api/v1/consultations", Some(user))
                .set_json(&body),
        )
        .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        let id = res.json()["id"].as_i64().expect("id");
        let fixed = consultation(unit, &format!("变更订阅第{w}写者第{n}条（更正）"));
        let res = send(
            app.req(
                Method::PUT,
                &format!("/api/v1/consultations/{id}"),
                Some(user),
            )
            .insert_header((header::IF_MATCH, "\"1\""))
            .set_json(&fixed),
        )
        .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
}

/// Polls with both consumers while `writers` run, then until they caught up with the trail.
async fn consume_while(
    app: &TestApp,
    consumers: &[&Consumer<'_>],
    svcs: &[Option<&Svc>],
    writers: impl std::future::Future<Output = ()>,
) {
    let done = Cell::new(false);
    let writing = async {
        writers.await;
        done.set(true);
    };
    let polling = async {
        let mut turn = 0usize;
        while !done.get() {
            for c in consumers {
                c.poll(svcs[turn % svcs.len()]).await;
                turn += 1;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    futures_util::future::join(writing, polling).await;
    // Everything is committed now; a transaction of another test on the same server may still
    // hold the feed back for a moment, so poll until the consumers have as many events as the
    // trail (bounded, so that a feed that loses events fails instead of hanging).
    let expected = trail_resource_events(app).len();
    for round in 0..2000 {
        let got: usize = consumers.iter().map(|c| c.seen.borrow().len()).sum();
        if got >= expected {
            break;
        }
        let mut fetched = 0;
        for c in consumers {
            fetched += c.poll(svcs[round % svcs.len()]).await;
        }
        if fetched == 0 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    // One more page each: nothing beyond the trail.
    for c in consumers {
        assert_eq!(c.poll(None).await, 0, "events beyond the trail");
    }
}

async fn a_polling_consumer_gets_every_event_of_concurrent_writers_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_yangcheng, fengcheng) = second_county(&app);
    let units = (app.unit_id("140521-SFS-LG"), fengcheng);
    // One consumer per county: each county's admin reads its own subtree.
    let first = Consumer::new(&app, "admin");
    let second = Consumer::new(&app, "admin.yc");
    let writers = join_all((0..WRITERS).map(|w| write(&app, None, w, units)));
    consume_while(&app, &[&first, &second], &[None], async {
        writers.await;
    })
    .await;
    check_against_trail(&app, &[&first, &second]);
    assert!(first.polls.get() + second.polls.get() > 2);
    // Each saw only its own county.
    let lg_events = first.seen.borrow().len();
    assert!(lg_events > WRITERS / 2 * ROUNDS * 2, "{lg_events}");
}

async fn a_polling_consumer_gets_every_event_of_two_instances_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.second_instance().await;
    let (_yangcheng, fengcheng) = second_county(&app);
    let units = (app.unit_id("140521-SFS-LG"), fengcheng);
    let first = Consumer::new(&app, "admin");
    let second = Consumer::new(&app, "admin.yc");
    let writers = join_all((0..WRITERS).map(|w| {
        let svc = if w % 4 < 2 { Some(&other) } else { None };
        write(&app, svc, w, units)
    }));
    consume_while(&app, &[&first, &second], &[None, Some(&other)], async {
        writers.await;
    })
    .await;
    check_against_trail(&app, &[&first, &second]);
}

/// Waits until every change written so far is settled in the feed: on PostgreSQL, until no
/// transaction older than the last change runs (a test of another database on the same server
/// may hold the feed back for a moment).
pub(crate) async fn settled(app: &TestApp) {
    use diesel::sql_types::Bool;
    #[derive(QueryableByName)]
    struct Settled {
        #[diesel(sql_type = Bool)]
        settled: bool,
    }
    if app.backend != Backend::Postgres {
        return;
    }
    for _ in 0..2000 {
        let mut conn = app.pool.get().expect("connection");
        let s: Settled = diesel::sql_query(
            "SELECT COALESCE(MAX(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS settled FROM change_snapshots",
        )
        .get_result(&mut **conn)
        .expect("settled");
        if s.settled {
            return;
        }
        drop(conn);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the feed never settled");
}

/// Every item of the feed as `user` reads it (`query`: more parameters), and where it ends.
pub(crate) async fn all_items(app: &TestApp, user: &str, query: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut path = format!("/api/v1/changes?limit=200{query}");
    loop {
        let page = app.get(&path, user).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        let got = page["items"].as_array().expect("items").clone();
        let next = page["next"].as_str().expect("next").to_owned();
        if got.is_empty() {
            return (items, next);
        }
        items.extend(got);
        path = format!("/api/v1/changes?limit=200{query}&after={next}");
    }
}

/// The feed items of one consultation, as `user` reads them.
async fn feed_items_of(app: &TestApp, user: &str, id: i64) -> Vec<Value> {
    let mut after: Option<String> = None;
    let mut out = Vec::new();
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/changes?types=consultation&limit=200&after={a}"),
            None => "/api/v1/changes?types=consultation&limit=200".into(),
        };
        let page = app.get(&path, user).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        let items = page["items"].as_array().expect("items").clone();
        if items.is_empty() {
            return out;
        }
        for item in items {
            assert_eq!(item["type"], "consultation");
            if item["resource_id"] == id {
                out.push(item);
            }
        }
        after = page["next"].as_str().map(str::to_owned);
    }
}

async fn feed_items_are_masked_as_reads_are(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let mut body = consultation(lg, "赡养费怎么算？");
    body["person"] =
        json!({"name": "李秀英", "id_number": "11010519491231002X", "phone": "13812345678"});
    let res = app
        .post("/api/v1/consultations", "staff.longgang", &body)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().expect("id");
    settled(&app).await;
    for user in ["admin", "auditor", "integration"] {
        let items = feed_items_of(&app, user, id).await;
        assert_eq!(items.len(), 1, "{user}: {items:?}");
        let item = &items[0];
        assert_eq!(item["action"], "create");
        assert_eq!(item["actor"], "staff.longgang");
        let read = app
            .get(&format!("/api/v1/consultations/{id}"), user)
            .await
            .json();
        assert_eq!(item["data"]["person"], read["person"], "{user}");
        assert_eq!(item["data"]["version"], read["version"]);
        let phone = item["data"]["person"]["phone"].as_str().expect("phone");
        if user == "admin" {
            assert_eq!(phone, "13812345678");
            assert_eq!(item["data"]["person"]["id_number"], "11010519491231002X");
            assert_eq!(item["data"]["person"]["birth_date"], "1949-12-31");
        } else {
            assert_eq!(phone, "138****5678", "{user}");
            assert_eq!(item["data"]["person"]["name"], "李**");
            assert!(item["data"]["person"]
                .get("birth_date")
                .is_none_or(Value::is_null));
        }
    }
}

async fn the_feed_is_scoped_and_readable_by_feed_roles_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (yangcheng, fengcheng) = second_county(&app);
    let res = app
        .post(
            "/api/v1/consultations",
            "admin.fc",
            &consultation(fengcheng, "凤城镇的咨询"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    settled(&app).await;
    let units_of = |user: &'static str| {
        let app = &app;
        async move {
            all_items(app, user, "")
                .await
                .0
                .iter()
                .map(|i| i["unit_id"].as_i64().expect("unit"))
                .collect::<BTreeSet<i64>>()
        }
    };
    // The township's admin sees its own unit only; the county's admin its county.
    assert_eq!(units_of("admin.fc").await, BTreeSet::from([fengcheng]));
    assert_eq!(
        units_of("admin.yc").await,
        BTreeSet::from([yangcheng, fengcheng])
    );
    assert!(!units_of("admin").await.contains(&fengcheng));
    // Accounts are in the feed for admins only.
    let types = |user: &'static str| {
        let app = &app;
        async move {
            all_items(app, user, "")
                .await
                .0
                .iter()
                .map(|i| i["type"].as_str().expect("type").to_owned())
                .collect::<BTreeSet<String>>()
        }
    };
    assert!(types("admin").await.contains("user"));
    assert!(!types("integration").await.contains("user"));
    assert!(!types("auditor").await.contains("user"));
    // Other roles may not read it.
    for user in ["staff.longgang", "aid.officer", "lawyer"] {
        app.get("/api/v1/changes", user).await.assert_problem(403);
    }
    // An unknown kind, or an altered cursor, is a 400.
    app.get("/api/v1/changes?types=consultation,gossip", "admin")
        .await
        .assert_problem(400);
    app.get("/api/v1/changes?after=AAAA", "admin")
        .await
        .assert_problem(400);
}

/// An account of a legal aid centre reads the applications the centre handles, wherever they
/// were received; its feed holds the same applications, and no others.
async fn the_feed_holds_the_applications_a_centre_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let centre = app.unit_id("140521-FLYZ");
    let township = app.unit_id("140521-SFS-LG");
    let res = app
        .post(
            "/api/v1/users",
            "admin",
            &json!({"username": "integration.centre", "password": "feed test passphrase",
                    "display_name": "援助中心对接", "role": "integration", "unit_id": centre}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let received = crate::aid::submit(
        &app,
        "staff.longgang",
        &crate::aid::application(
            township,
            &crate::aid::id_number("19500101", 17),
            "2026-11-02T09:00:00+08:00",
        ),
    )
    .await;
    let id = received["id"].as_i64().expect("id");
    settled(&app).await;
    let listed = app
        .get("/api/v1/aid-applications?limit=200", "integration.centre")
        .await;
    assert_eq!(listed.status, 200);
    let listed: BTreeSet<i64> = listed.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect();
    assert!(listed.contains(&id), "{listed:?}");
    let fed: BTreeSet<i64> = all_items(&app, "integration.centre", "&types=aid_application")
        .await
        .0
        .iter()
        .map(|i| i["resource_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(fed, listed);
}
