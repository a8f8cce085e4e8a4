//! Follow-up visits: created when aid cases close and by fair planning; attempts; satisfaction.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::aid::{application, at, id_number, ok_step, submit};
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    closing_an_aid_case_creates_exactly_one_follow_up,
    planning_twice_creates_no_duplicates_and_three_failures_make_unreachable,
    nineteen_of_twenty_reached_is_95_percent_and_meets_the_target,
    the_due_list_is_scoped_ordered_and_masks_phones,
);

async fn consultation(app: &TestApp, unit: i64, user: &str, phone: &str, consent: bool) -> i64 {
    let res = app
        .post("/api/v1/consultations", user, &json!({
            "unit_id": unit, "received_at": "2023-03-06T09:00:00+08:00", "channel": "walk_in", "site": "fixed_station",
            "person": {"phone": phone}, "topics": ["other"], "question": "咨询", "outcome": "answered", "callback_consent": consent
        }))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

async fn attempt(app: &TestApp, id: i64, version: i64, body: Value) -> Value {
    let res = app
        .call(
            app.req(
                Method::POST,
                &format!("/api/v1/follow-ups/{id}/attempts"),
                Some("admin"),
            )
            .insert_header((header::IF_MATCH, format!("\"{version}\"")))
            .set_json(body),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn plan(app: &TestApp, unit: i64, share: u32) -> Value {
    let res = app
        .post("/api/v1/follow-ups/plan", "admin", &json!({"unit_id": unit, "from": "2023-03-01", "to": "2023-03-31", "share_percent": share, "due_on": "2023-03-25"}))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn closing_an_aid_case_creates_exactly_one_follow_up(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 201),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let lawyer = app
        .get(
            &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-GGFLFW")),
            "admin",
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let mut v = 1;
    for (action, body) in [
        ("accept", json!({})),
        ("approve", json!({})),
        ("assign", json!({"provider_staff_id": lawyer})),
        ("sign_agreement", json!({})),
        ("start", json!({})),
        (
            "close",
            json!({"outcome": "mediation", "documents": ["调解书"]}),
        ),
    ] {
        v = ok_step(&app, "aid.officer", id, action, v, body).await["version"]
            .as_i64()
            .unwrap();
    }
    let list = app
        .get(
            &format!("/api/v1/follow-ups?subject_kind=aid_application&subject_id={id}"),
            "aid.officer",
        )
        .await
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["unit_id"],
        app.unit_id("140521-FLYZ"),
        "the centre calls back"
    );
    assert_eq!(
        items[0]["due_on"], "2023-03-08",
        "the configured 7 days after closing"
    );
    assert_eq!(
        items[0]["subject_href"],
        format!("/api/v1/aid-applications/{id}")
    );
    // The trail records the closing before the follow-up it caused, in the same write.
    let event = |query: String, action: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/audit-events?{query}"), "admin")
                .await
                .json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["action"] == action)
                .unwrap_or_else(|| panic!("no {action} event for {query}"))
                .clone()
        }
    };
    let close = event(format!("entity=aid_application&entity_id={id}"), "close").await;
    let follow_up = items[0]["id"].as_i64().unwrap();
    let created = event(format!("entity=follow_up&entity_id={follow_up}"), "create").await;
    assert_eq!(close["request_id"], created["request_id"], "one write");
    assert!(
        close["id"].as_i64() < created["id"].as_i64(),
        "the closing comes first: {close} {created}"
    );
}

async fn planning_twice_creates_no_duplicates_and_three_failures_make_unreachable(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-20T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    for i in 0..10 {
        consultation(
            &app,
            lg,
            "staff.longgang",
            &format!("139000000{i:02}"),
            i % 5 != 0,
        )
        .await;
    }
    let first = plan(&app, lg, 50).await;
    assert_eq!(
        first["candidates"], 8,
        "only those who agreed to be called back"
    );
    assert_eq!(first["sampled"], 4);
    assert_eq!(first["created"].as_array().map(Vec::len), Some(4));
    let again = plan(&app, lg, 50).await;
    assert_eq!(again["created"], json!([]), "no duplicates");
    let all = app
        .get("/api/v1/follow-ups?subject_kind=consultation", "admin")
        .await
        .json();
    assert_eq!(all["items"].as_array().map(Vec::len), Some(4));

    let id = first["created"][0]["id"].as_i64().unwrap();
    let mut f = Value::Null;
    for v in 1..=3 {
        f = attempt(
            &app,
            id,
            v,
            json!({"reached": false, "note": format!("第{v}次未接通")}),
        )
        .await;
    }
    assert_eq!(f["status"], "unreachable");
    assert_eq!(f["failed_attempts"], 3);
    assert_eq!(f["attempts"].as_array().map(Vec::len), Some(3));
    let closed = app
        .call(
            app.req(
                Method::POST,
                &format!("/api/v1/follow-ups/{id}/attempts"),
                Some("admin"),
            )
            .set_json(json!({"reached": true, "satisfaction": "satisfied"})),
        )
        .await;
    closed.assert_problem(409);
    app.call(
        app.req(
            Method::POST,
            &format!("/api/v1/follow-ups/{}/attempts", first["created"][1]["id"]),
            Some("admin"),
        )
        .set_json(json!({"reached": true})),
    )
    .await
    .assert_problem(422);
}

async fn nineteen_of_twenty_reached_is_95_percent_and_meets_the_target(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-20T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    for i in 0..22 {
        consultation(&app, lg, "staff.longgang", &format!("1390000{i:04}"), true).await;
    }
    let planned = plan(&app, lg, 100).await;
    let ids: Vec<i64> = planned["created"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 22);
    for (n, id) in ids.iter().enumerate() {
        match n {
            0..=18 => {
                let answer = ["very_satisfied", "satisfied", "basically_satisfied"][n % 3];
                attempt(
                    &app,
                    *id,
                    1,
                    json!({"reached": true, "satisfaction": answer}),
                )
                .await;
            }
            19 => {
                attempt(&app, *id, 1, json!({"reached": true, "satisfaction": "unsatisfied", "problem": "答复不及时", "rectification_due": "2023-03-31"})).await;
            }
            _ => {
                for v in 1..=3 {
                    attempt(&app, *id, v, json!({"reached": false})).await;
                }
            }
        }
    }
    let report = app
        .get(
            &format!("/api/v1/follow-ups/satisfaction?from=2023-03-01&to=2023-03-31&unit_id={lg}"),
            "admin",
        )
        .await;
    assert_eq!(
        report.status,
        200,
        "{}",
        String::from_utf8_lossy(&report.body)
    );
    let unit = report.json()["units"][0].clone();
    assert_eq!(unit["name"], "龙港镇司法所");
    assert_eq!(unit["reached"], 20);
    assert_eq!(unit["satisfied"], 19);
    assert_eq!(unit["unsatisfied"], 1);
    assert_eq!(unit["unreachable"], 2, "reported, not in the rate");
    assert_eq!(unit["rate_percent"], 95.0);
    assert_eq!(unit["target_percent"], 95.0);
    assert_eq!(unit["meets_target"], true);
    // The answer shows on the consultation it belongs to.
    let subject = planned["created"][0]["subject_id"].as_i64().unwrap();
    let c = app
        .get(&format!("/api/v1/consultations/{subject}"), "admin")
        .await
        .json();
    assert_eq!(c["follow_up"]["status"], "done");
    assert!(c["follow_up"]["satisfaction"].is_string());
}

async fn the_due_list_is_scoped_ordered_and_masks_phones(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-20T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    consultation(&app, lg, "staff.longgang", "13811112222", true).await;
    consultation(&app, lg, "staff.longgang", "13811113333", true).await;
    consultation(&app, zc, "admin", "13811114444", true).await;
    plan(&app, 1, 100).await;
    // Move one follow-up's due day earlier: it is then overdue and first.
    let lg_list = app
        .get("/api/v1/follow-ups/due", "staff.longgang")
        .await
        .json();
    let items = lg_list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "a township sees its own only");
    let second = items[1]["id"].as_i64().unwrap();
    // The township's staff member links to the account and will call.
    let me = app
        .get("/api/v1/users?role=unit_staff", "admin")
        .await
        .json()["items"][0]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    let caller = app
        .get(&format!("/api/v1/staff?unit_id={lg}"), "admin")
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.link_staff(&me, caller).await;
    let moved = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/follow-ups/{second}"),
            "admin",
            &json!({"due_on": "2023-03-10", "staff_id": caller}),
        )
        .await;
    assert_eq!(
        moved.status,
        200,
        "{}",
        String::from_utf8_lossy(&moved.body)
    );
    let list = app
        .get("/api/v1/follow-ups/due", "staff.longgang")
        .await
        .json();
    let first = &list["items"][0];
    assert_eq!(first["id"], second, "overdue first");
    assert_eq!(first["overdue"], true);
    assert_eq!(
        first["contact_phone"], "13811113333",
        "the caller sees the number"
    );
    assert_eq!(
        list["items"][1]["contact_phone"], "138****2222",
        "not assigned to this caller: masked"
    );
    let audited = app.get("/api/v1/follow-ups/due", "auditor").await.json();
    assert_eq!(audited["items"].as_array().map(Vec::len), Some(3));
    for item in audited["items"].as_array().unwrap() {
        assert!(
            item["contact_phone"].as_str().unwrap().contains("****"),
            "{item}"
        );
    }
    app.post(
        "/api/v1/follow-ups/plan",
        "auditor",
        &json!({"unit_id": lg, "from": "2023-03-01", "to": "2023-03-31"}),
    )
    .await
    .assert_problem(403);
}
