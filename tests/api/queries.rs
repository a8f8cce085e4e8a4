//! Query strings and conditional reads: undeclared query parameters are refused by name,
//! `updated_after` fetches only what changed, and `If-None-Match` answers 304.

use actix_web::http::{header, Method};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::aid::{application, id_number, submit};
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp, TestResponse};

backend_tests!(
    an_undeclared_query_parameter_is_a_400_naming_it,
    updated_after_lists_only_what_changed_later,
    if_none_match_answers_304_with_the_current_etag,
);

async fn an_undeclared_query_parameter_is_a_400_naming_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff_id = app.get("/api/v1/staff?limit=1", "admin").await.json()["items"][0]["id"]
        .as_i64()
        .expect("a seeded staff member");
    let cases = [
        (
            "/api/v1/consultations?limit=5&updated_since=2024-01-01",
            "updated_since",
        ),
        ("/api/v1/aid-applications?since=1", "since"),
        (
            &format!("/api/v1/staff/{staff_id}?fields=name") as &str,
            "fields",
        ),
        ("/api/v1/consultations/export?format=csv&sort=asc", "sort"),
        ("/api/v1/me?verbose", "verbose"),
    ];
    for (path, name) in cases {
        let p = app.get(path, "admin").await.assert_problem(400);
        assert_eq!(
            p["detail"],
            format!("unknown query parameter `{name}`"),
            "{path}"
        );
    }
    // The public board and its feed too, without a token.
    let board = app
        .call(app.req(Method::GET, "/board/today?date=2023-03-07&days=7", None))
        .await
        .assert_problem(400);
    assert_eq!(board["detail"], "unknown query parameter `days`");
    // Declared parameters still work, percent-encoded names included.
    for path in [
        "/board/today?date=2023-03-07",
        "/api/v1/duty-shifts.ics?from=2023-03-01&to=2023-03-31",
        "/api/v1/calendar?year=2023",
    ] {
        let res = app.call(app.req(Method::GET, path, None)).await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    let res = app.get("/api/v1/consultations?%6Cimit=5", "admin").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

/// An RFC 3339 time a query string carries as is.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The ids of every page of `path` (which has a query string), one row per page.
async fn ids(app: &TestApp, path: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut next = format!("{path}&limit=1");
    loop {
        let res = app.get(&next, "admin").await;
        assert_eq!(
            res.status,
            200,
            "{next}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let page = res.json();
        ids.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|r| r["id"].as_i64()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&limit=1&cursor={cursor}"),
            None => return ids,
        }
    }
}

async fn id_of(res: TestResponse) -> (i64, i64) {
    assert!(
        res.status.is_success(),
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    let v = res.json();
    (
        v["id"].as_i64().expect("id"),
        v["version"].as_i64().expect("version"),
    )
}

/// A write with `If-Match`.
async fn change(app: &TestApp, method: Method, path: &str, version: i64, body: Value) {
    let res = app
        .call(
            app.req(method, path, Some("admin"))
                .insert_header((header::IF_MATCH, format!("\"{version}\"")))
                .set_json(body),
        )
        .await;
    assert_eq!(
        res.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&res.body)
    );
}

async fn updated_after_lists_only_what_changed_later(backend: Backend) {
    // Arrange: two records of each kind written at t0 (seeded ones are older still), one of
    // each changed at t0 + 2 minutes.
    let app = spawn_app(backend).await;
    let t0 = Utc::now() + Duration::minutes(2);
    app.state.clock.set(t0);
    let unit = app.unit_id("140521-SFS-LG");
    let consultation = |question: &str| {
        json!({"unit_id": unit, "received_at": "2023-03-07T09:40:00+08:00", "channel": "walk_in",
            "site": "fixed_station", "person": {"phone": "13812345678"}, "topics": ["other"],
            "question": question, "answer": "可协商。", "outcome": "answered", "callback_consent": true})
    };
    let mut consultations = Vec::new();
    for q in ["甲", "乙"] {
        consultations.push(
            id_of(
                app.post("/api/v1/consultations", "admin", &consultation(q))
                    .await,
            )
            .await,
        );
    }
    let mut applications = Vec::new();
    for seq in 1..=2 {
        let body = application(
            unit,
            &id_number("1990-01-01", seq),
            "2023-03-07T09:00:00+08:00",
        );
        let a = submit(&app, "admin", &body).await;
        applications.push((a["id"].as_i64().unwrap(), a["version"].as_i64().unwrap()));
    }
    let plan = app
        .post("/api/v1/follow-ups/plan", "admin", &json!({"unit_id": unit, "from": "2023-03-01", "to": "2023-03-31", "share_percent": 100, "due_on": "2023-03-25"}))
        .await;
    assert_eq!(plan.status, 200, "{}", String::from_utf8_lossy(&plan.body));
    let follow_ups: Vec<(i64, i64)> = app
        .get(&format!("/api/v1/follow-ups?unit_id={unit}"), "admin")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_i64().unwrap(), f["version"].as_i64().unwrap()))
        .collect();
    assert!(follow_ups.len() >= 2, "planning made {follow_ups:?}");
    let people: Vec<(i64, i64)> = app
        .get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["version"].as_i64().unwrap()))
        .collect();
    assert!(people.len() >= 2);
    let mut shifts = Vec::new();
    for date in ["2023-04-04", "2023-04-05"] {
        shifts.push(id_of(app.post("/api/v1/duty-shifts", "admin", &json!({"unit_id": unit, "date": date, "period": "morning", "kind": "station_duty", "staff_ids": [people[0].0]})).await).await);
    }

    app.state.clock.set(t0 + Duration::minutes(2));
    let (c, v) = consultations[1];
    change(
        &app,
        Method::PUT,
        &format!("/api/v1/consultations/{c}"),
        v,
        consultation("乙，补充"),
    )
    .await;
    let (a, v) = applications[1];
    change(
        &app,
        Method::POST,
        &format!("/api/v1/aid-applications/{a}/green-channel"),
        v,
        json!({"green_channel": true, "reason": "独居老人"}),
    )
    .await;
    let (f, v) = follow_ups[1];
    change(
        &app,
        Method::PATCH,
        &format!("/api/v1/follow-ups/{f}"),
        v,
        json!({"due_on": "2023-03-28"}),
    )
    .await;
    let (s, v) = people[1];
    change(
        &app,
        Method::PATCH,
        &format!("/api/v1/staff/{s}"),
        v,
        json!({"title": "调解员"}),
    )
    .await;
    let (d, v) = shifts[1];
    change(
        &app,
        Method::PATCH,
        &format!("/api/v1/duty-shifts/{d}"),
        v,
        json!({"period": "afternoon"}),
    )
    .await;

    // Act and assert: after t0 + 1 minute, each list holds the changed record only, across
    // pages and with another filter; after t0 - 1 minute, both.
    let mid = rfc3339(t0 + Duration::minutes(1));
    let before = rfc3339(t0 - Duration::minutes(1));
    let lists = [
        ("/api/v1/consultations", consultations),
        ("/api/v1/aid-applications", applications),
        ("/api/v1/follow-ups", follow_ups[..2].to_vec()),
        ("/api/v1/duty-shifts", shifts),
    ];
    for (list, records) in &lists {
        let got = ids(&app, &format!("{list}?unit_id={unit}&updated_after={mid}")).await;
        assert_eq!(got, vec![records[1].0], "{list} after {mid}");
        let got = ids(
            &app,
            &format!("{list}?unit_id={unit}&updated_after={before}"),
        )
        .await;
        assert!(
            got.contains(&records[0].0) && got.contains(&records[1].0),
            "{list} after {before}: {got:?}"
        );
    }
    let got = ids(
        &app,
        &format!("/api/v1/staff?unit_id={unit}&updated_after={mid}"),
    )
    .await;
    assert_eq!(got, vec![people[1].0], "staff after {mid}");
    // Seeded staff were written before t0, so even an earlier time leaves them out.
    let got = ids(
        &app,
        &format!("/api/v1/staff?unit_id={unit}&updated_after={before}"),
    )
    .await;
    assert_eq!(got, vec![people[1].0], "staff after {before}");
    // An offset other than Z, percent-encoded, reads the same instant.
    let east = (t0 + Duration::minutes(1))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339_opts(SecondsFormat::Micros, true)
        .replace('+', "%2B");
    let got = ids(
        &app,
        &format!("/api/v1/staff?unit_id={unit}&updated_after={east}"),
    )
    .await;
    assert_eq!(got, vec![people[1].0]);
    // Not a time: 400.
    app.get("/api/v1/staff?updated_after=yesterday", "admin")
        .await
        .assert_problem(400);
}

async fn if_none_match_answers_304_with_the_current_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff_id = app.get("/api/v1/staff?limit=1", "admin").await.json()["items"][0]["id"]
        .as_i64()
        .expect("a seeded staff member");
    let unit = app.unit_id("140521-SFS-LG");
    let consultation = app
        .post(
            "/api/v1/consultations",
            "admin",
            &crate::consultations::body(unit, "问"),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    for path in [
        format!("/api/v1/staff/{staff_id}"),
        format!("/api/v1/consultations/{consultation}"),
    ] {
        let full = app.get(&path, "admin").await;
        assert_eq!(full.status, 200);
        let etag = full.header("etag").expect("an ETag");
        let conditional = |tag: String| {
            app.call(
                app.req(Method::GET, &path, Some("admin"))
                    .insert_header((header::IF_NONE_MATCH, tag)),
            )
        };
        for tag in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"0\", {etag}"),
            "*".into(),
        ] {
            let res = conditional(tag.clone()).await;
            assert_eq!(res.status, 304, "{path} with {tag}");
            assert!(res.body.is_empty(), "a 304 has no body");
            assert_eq!(res.header("etag").as_deref(), Some(etag.as_str()));
        }
        let stale = conditional("\"0\"".into()).await;
        assert_eq!(stale.status, 200, "{path} with a stale tag");
        assert_eq!(stale.json(), full.json());
    }
    // A write with a matching If-None-Match is not turned into a 304.
    let current = app.get(&format!("/api/v1/staff/{staff_id}"), "admin").await;
    let etag = current.header("etag").unwrap();
    let res = app
        .call(
            app.req(
                Method::PATCH,
                &format!("/api/v1/staff/{staff_id}"),
                Some("admin"),
            )
            .insert_header((header::IF_MATCH, etag.clone()))
            .insert_header((header::IF_NONE_MATCH, etag))
            .set_json(json!({"title": "调解员"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}
