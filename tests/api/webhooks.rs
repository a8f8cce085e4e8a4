//! Webhooks: a receiver on 127.0.0.1 gets each change once, signed, across a restart of the
//! service and with two instances sharing the work; retries back off; deliveries are logged and
//! sent again on request; targets are `https` or loopback only.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::Method;
use actix_web::web;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};

use huimin::api::AppState;
use huimin::db::{self, PoolSettings};
use huimin::webhooks::{round, Round, Worker, WorkerSettings};

use crate::backend_tests;
use crate::changes::settled;
use crate::consultations::body as consultation;
use crate::helpers::{audit_keys, spawn_app, Backend, TestApp};

backend_tests!(
    a_receiver_gets_each_change_once_across_a_restart_and_two_instances,
    failed_deliveries_back_off_are_logged_and_sent_again_on_request,
    only_https_or_loopback_targets_and_only_subscribers,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

/// A webhook receiver on 127.0.0.1: answers `fail_first` requests with 500, then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/hooks/huimin",
            listener.local_addr().expect("addr")
        );
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        std::thread::spawn(move || {
            let mut answered = 0usize;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut headers = BTreeMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).ok();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.trim_end().split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    }
                }
                let len: usize = headers
                    .get("content-length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; len];
                reader.read_exact(&mut body).ok();
                answered += 1;
                let status = if answered <= fail_first {
                    "500 Internal Server Error"
                } else {
                    seen.lock().expect("got").push(Received {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    "200 OK"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("got").clone()
    }
}

/// Checks a delivery's Standard Webhooks signature with the secret, independently of the
/// service's own code, and answers its change.
fn verified(r: &Received, secret: &str) -> Value {
    let id = &r.headers["webhook-id"];
    let ts = &r.headers["webhook-timestamp"];
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = hmac::Hmac::<sha2_mac::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let sigs = &r.headers["webhook-signature"];
    assert!(
        sigs.split(' ').any(|s| s == expected),
        "signature {sigs} is not {expected}"
    );
    let change: Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(id, &format!("evt_{}", change["id"]));
    change
}

/// Another instance's state over the same database (a restarted service, or a second one).
fn instance(app: &TestApp) -> web::Data<AppState> {
    let pool = db::build_pool(
        &app.url,
        &PoolSettings {
            max_size: 4,
            timeout: Duration::from_secs(10),
        },
    );
    web::Data::new(AppState::new(pool, audit_keys()).expect("state"))
}

fn quick() -> WorkerSettings {
    WorkerSettings {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
        loopback_only: true,
    }
}

/// Rounds until one does nothing.
async fn drain(state: &AppState) -> Round {
    let mut total = Round::default();
    loop {
        let r = round(state, &quick()).await.expect("round");
        if r == Round::default() {
            return total;
        }
        total.queued += r.queued;
        total.delivered += r.delivered;
        total.failed += r.failed;
    }
}

async fn subscribe(app: &TestApp, user: &str, url: &str) -> Value {
    let res = app
        .post(
            "/api/v1/webhooks",
            user,
            &json!({"url": url, "types": ["consultation"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn register(app: &TestApp, n: usize, tag: &str) {
    let lg = app.unit_id("140521-SFS-LG");
    for i in 0..n {
        let res = app
            .post(
                "/api/v1/consultations",
                "staff.longgang",
                &consultation(lg, &format!("推送{tag}第{i}条")),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    settled(app).await;
}

/// The consultation changes of the feed, as admin reads them.
async fn feed_ids(app: &TestApp) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut path = "/api/v1/changes?types=consultation&limit=200".to_owned();
    loop {
        let page = app.get(&path, "admin").await.json();
        let items = page["items"].as_array().expect("items");
        if items.is_empty() {
            return ids;
        }
        ids.extend(items.iter().map(|i| i["id"].as_i64().expect("id")));
        path = format!(
            "/api/v1/changes?types=consultation&limit=200&after={}",
            page["next"].as_str().expect("next")
        );
    }
}

async fn a_receiver_gets_each_change_once_across_a_restart_and_two_instances(backend: Backend) {
    let app = spawn_app(backend).await;
    let receiver = Receiver::start(0);
    settled(&app).await;
    let before: BTreeSet<i64> = feed_ids(&app).await.into_iter().collect();
    let hook = subscribe(&app, "admin", &receiver.url).await;
    let secret = hook["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));

    // The worker of the first instance, on its clock, then stopped (a restart).
    register(&app, 4, "一").await;
    let worker = Worker::spawn(app.state.clone(), quick());
    for _ in 0..3000 {
        if receiver.received().len() >= 4 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    worker.stop().await;
    assert_eq!(receiver.received().len(), 4);

    // Changes while no instance runs; a new instance picks them up.
    register(&app, 3, "二").await;
    let restarted = instance(&app);
    drain(&restarted).await;
    assert_eq!(receiver.received().len(), 7);

    // Two instances racing over the same queue.
    register(&app, 8, "三").await;
    let (a, b) = (instance(&app), instance(&app));
    let (ra, rb) = futures_util::future::join(drain(&a), drain(&b)).await;
    assert_eq!(ra.delivered + rb.delivered, 8, "{ra:?} {rb:?}");

    let expected: Vec<i64> = feed_ids(&app)
        .await
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    assert_eq!(expected.len(), 15);
    let got = receiver.received();
    let mut ids = BTreeSet::new();
    for r in &got {
        let change = verified(r, &secret);
        assert_eq!(change["type"], "consultation");
        assert!(
            ids.insert(change["id"].as_i64().expect("id")),
            "sent twice: {change}"
        );
    }
    assert_eq!(ids, expected.into_iter().collect::<BTreeSet<_>>());
}

async fn failed_deliveries_back_off_are_logged_and_sent_again_on_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let receiver = Receiver::start(1);
    let hook = subscribe(&app, "integration", &receiver.url).await;
    let id = hook["id"].as_i64().expect("id");
    register(&app, 1, "重试").await;
    let t0 = chrono::Utc::now();
    app.state.clock.set(t0);
    let first = round(&app.state, &quick()).await.expect("round");
    assert_eq!((first.queued, first.delivered, first.failed), (1, 0, 1));
    // Not due again yet: nothing is sent.
    assert_eq!(drain(&app.state).await, Round::default());
    let log = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), "integration")
        .await
        .json();
    let d = &log["items"][0];
    assert_eq!(d["state"], "pending");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["last_status"], 500);
    // After the backoff it goes out.
    app.state.clock.set(t0 + chrono::Duration::seconds(6));
    assert_eq!(drain(&app.state).await.delivered, 1);
    let log = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), "integration")
        .await
        .json();
    let d = log["items"][0].clone();
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"], 2);
    let change = verified(
        &receiver.received()[0],
        hook["secret"].as_str().expect("secret"),
    );
    assert_eq!(change["data"]["version"], 1);
    // Sent again on request, with the same webhook-id.
    let res = app
        .post(
            &format!("/api/v1/webhooks/{id}/deliveries/{}/redeliver", d["id"]),
            "integration",
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 202, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(drain(&app.state).await.delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
}

async fn only_https_or_loopback_targets_and_only_subscribers(backend: Backend) {
    let app = spawn_app(backend).await;
    for url in [
        "http://example.org/hook",
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "https://user:pw@example.org/hook",
        "not a url",
    ] {
        app.post("/api/v1/webhooks", "admin", &json!({"url": url}))
            .await
            .assert_problem(422);
    }
    app.post(
        "/api/v1/webhooks",
        "admin",
        &json!({"url": "https://example.org/hook", "types": ["gossip"]}),
    )
    .await
    .assert_problem(422);
    for url in [
        "https://platform.example.org/hook",
        "http://127.0.0.1:9/hook",
        "http://[::1]:9/hook",
        "http://localhost:9/hook",
    ] {
        subscribe(&app, "admin", url).await;
    }
    for user in ["auditor", "staff.longgang", "aid.officer", "lawyer"] {
        app.post(
            "/api/v1/webhooks",
            user,
            &json!({"url": "https://example.org/hook"}),
        )
        .await
        .assert_problem(403);
    }
    let list = app.get("/api/v1/webhooks", "admin").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(4));
    assert!(list["items"][0].get("secret").is_none());
    // Pausing and deleting.
    let id = list["items"][0]["id"].as_i64().expect("id");
    let res = app
        .call(
            app.req(
                Method::PATCH,
                &format!("/api/v1/webhooks/{id}"),
                Some("admin"),
            )
            .insert_header(("If-Match", "\"1\""))
            .set_json(json!({"active": false})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["active"], false);
    let res = app
        .call(app.req(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some("admin"),
        ))
        .await;
    assert_eq!(res.status, 204);
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), "admin")
        .await
        .assert_problem(404);
}

/// A delivery queued directly in the database for a subscription (for the access test).
pub(crate) fn queued_delivery(app: &TestApp, webhook: i64) -> i64 {
    use diesel::prelude::*;
    use huimin::db::schema::webhook_deliveries as d;
    let mut conn = app.pool.get().expect("connection");
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(d::table)
        .values((
            d::webhook_id.eq(webhook),
            d::event_id.eq(1_i64),
            d::body.eq("{}"),
            d::state.eq("failed"),
            d::attempts.eq(3),
            d::next_attempt_at.eq(now),
            d::retry_until.eq(now),
            d::created_at.eq(now),
        ))
        .returning(d::id)
        .get_result(&mut **conn)
        .expect("delivery")
}
