//! Recognitions: model stations (units) and pioneer posts (people) per year; once a year per
//! unit or person and kind; scope; the demo's.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::aid::at;
use crate::audit::tamper::second_county;
use crate::backend_tests;
use crate::helpers::{audit_keys, spawn_app, Backend, TestApp, TestResponse};

backend_tests!(
    recognitions_are_recorded_listed_and_changed,
    invalid_recognitions_are_422s_and_twins_409s,
    recognitions_are_read_in_the_subtree_and_written_by_admins,
    the_demo_recognises_three_stations_and_pioneer_posts,
);

fn ok(res: &TestResponse, status: u16) -> Value {
    assert_eq!(
        res.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

fn station(unit: i64, year: i32, on: &str) -> Value {
    json!({"unit_id": unit, "year": year, "kind": "model_station", "reason": "值班制度落实到位",
           "recognised_on": on, "recognised_by": "沁水县司法局"})
}

async fn first_staff(app: &TestApp, unit: i64) -> i64 {
    app.get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("a staff member")
}

async fn patch(app: &TestApp, user: &str, id: i64, version: i64, body: &Value) -> TestResponse {
    app.call(
        app.req(
            Method::PATCH,
            &format!("/api/v1/recognitions/{id}"),
            Some(user),
        )
        .insert_header((header::IF_MATCH, format!("\"{version}\"")))
        .set_json(body),
    )
    .await
}

async fn recognitions_are_recorded_listed_and_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2024-03-01T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let jf = app.unit_id("140521-SFS-JF");
    let person = first_staff(&app, jf).await;
    let send = |body: &Value| {
        app.req(Method::POST, "/api/v1/recognitions", Some("admin"))
            .insert_header(("Idempotency-Key", "rec-1"))
            .set_json(body)
    };
    let first = app.call(send(&station(lg, 2023, "2023-12-28"))).await;
    let st = ok(&first, 201);
    let id = st["id"].as_i64().unwrap();
    assert_eq!(
        first.header("location").as_deref(),
        Some(format!("/api/v1/recognitions/{id}").as_str())
    );
    let replay = app.call(send(&station(lg, 2023, "2023-12-28"))).await;
    assert_eq!(ok(&replay, 201)["id"], id);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    let post = ok(
        &app.post(
            "/api/v1/recognitions",
            "admin",
            &json!({"unit_id": jf, "staff_id": person, "year": 2024, "kind": "pioneer_post",
                    "reason": "集会日流动站点坚守岗位", "recognised_on": "2024-02-20",
                    "recognised_by": "县局月例会"}),
        )
        .await,
        201,
    );
    assert_eq!(post["staff_id"], person);

    // Read, list by year, kind and unit.
    let read = app
        .get(&format!("/api/v1/recognitions/{id}"), "auditor")
        .await;
    assert_eq!(ok(&read, 200)["kind"], "model_station");
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    let all = ok(&app.get("/api/v1/recognitions", "auditor").await, 200);
    assert_eq!(ids(&all), vec![post["id"].as_i64().unwrap(), id]);
    // A lawyer of the county centre reads the centre's, not a township's.
    app.get(&format!("/api/v1/recognitions/{id}"), "lawyer")
        .await
        .assert_problem(404);
    let in_2023 = ok(
        &app.get("/api/v1/recognitions?year=2023", "auditor").await,
        200,
    );
    assert_eq!(ids(&in_2023), vec![id]);
    let posts = ok(
        &app.get("/api/v1/recognitions?kind=pioneer_post", "auditor")
            .await,
        200,
    );
    assert_eq!(ids(&posts), vec![post["id"].as_i64().unwrap()]);
    let of_lg = ok(
        &app.get(&format!("/api/v1/recognitions?unit_id={lg}"), "auditor")
            .await,
        200,
    );
    assert_eq!(ids(&of_lg), vec![id]);

    // Changed with If-Match; audited; in the feed.
    patch(&app, "admin", id, 9, &json!({"reason": "改"}))
        .await
        .assert_problem(412);
    let changed = ok(
        &patch(
            &app,
            "admin",
            id,
            1,
            &json!({"reason": "值班制度落实到位，回访满意度100%"}),
        )
        .await,
        200,
    );
    assert_eq!(changed["version"], 2);
    let trail = ok(
        &app.get(
            &format!("/api/v1/audit-events?entity=recognition&entity_id={id}"),
            "auditor",
        )
        .await,
        200,
    );
    assert_eq!(trail["items"].as_array().expect("events").len(), 2);
    crate::changes::settled(&app).await;
    let (feed, _) = crate::changes::all_items(&app, "auditor", "&types=recognition").await;
    assert_eq!(feed.len(), 3);
    assert_eq!(
        feed[2]["data"]["reason"],
        "值班制度落实到位，回访满意度100%"
    );

    // A year outside 2000..=2100 names no year of the programme: 400, in either language.
    app.get("/api/v1/recognitions?year=1999", "auditor")
        .await
        .assert_problem(400);

    // The person moves to another unit: the 2024 record stays theirs and stays editable, as long
    // as the change names no other unit or person.
    let post_id = post["id"].as_i64().unwrap();
    let staff = app.get(&format!("/api/v1/staff/{person}"), "admin").await;
    let moved = app
        .call(
            app.req(
                Method::PATCH,
                &format!("/api/v1/staff/{person}"),
                Some("admin"),
            )
            .insert_header((header::IF_MATCH, staff.header("etag").expect("etag")))
            .set_json(json!({"unit_id": lg})),
        )
        .await;
    ok(&moved, 200);
    let kept = ok(
        &patch(
            &app,
            "admin",
            post_id,
            1,
            &json!({"reason": "集会日流动站点坚守岗位，群众满意"}),
        )
        .await,
        200,
    );
    assert_eq!(
        (kept["unit_id"].as_i64(), kept["staff_id"].as_i64()),
        (Some(jf), Some(person))
    );
    // A change that names the person with a unit they are not of is refused.
    let zc = app.unit_id("140521-SFS-ZC");
    patch(
        &app,
        "admin",
        post_id,
        2,
        &json!({"unit_id": zc, "reason": "再改"}),
    )
    .await
    .assert_problem(422);
}

async fn invalid_recognitions_are_422s_and_twins_409s(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2024-03-01T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let jf = app.unit_id("140521-SFS-JF");
    let person = first_staff(&app, jf).await;
    let fields = |p: &Value| -> Vec<(String, String)> {
        p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or("").to_owned(),
                    e["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    let refused = |body: Value| {
        let app = &app;
        async move {
            fields(
                &app.post("/api/v1/recognitions", "admin", &body)
                    .await
                    .assert_problem(422),
            )
        }
    };
    // A bureau is no station; a station names no person.
    assert_eq!(
        refused(station(county, 2023, "2023-12-28")).await,
        vec![pair("unit_id", "invalid")]
    );
    let mut named = station(jf, 2023, "2023-12-28");
    named["staff_id"] = json!(person);
    assert_eq!(refused(named).await, vec![pair("staff_id", "unexpected")]);
    // A post is a person, of the unit named.
    let mut post = station(jf, 2023, "2023-12-28");
    post["kind"] = json!("pioneer_post");
    assert_eq!(
        refused(post.clone()).await,
        vec![pair("staff_id", "required")]
    );
    post["staff_id"] = json!(person);
    post["unit_id"] = json!(lg);
    assert_eq!(refused(post).await, vec![pair("staff_id", "mismatch")]);
    // Years and days.
    assert_eq!(
        refused(station(lg, 2021, "2023-01-15")).await,
        vec![pair("recognised_on", "mismatch")]
    );
    assert_eq!(
        refused(station(lg, 2024, "2024-03-02")).await,
        vec![pair("recognised_on", "future")]
    );
    assert_eq!(
        refused(station(lg, 2018, "2018-12-28")).await,
        vec![pair("year", "range")]
    );
    let mut blank = station(lg, 2023, "2023-12-28");
    blank["reason"] = json!("  ");
    app.post("/api/v1/recognitions", "admin", &blank)
        .await
        .assert_problem(422);
    let mut unknown = station(lg, 2023, "2023-12-28");
    unknown["kind"] = json!("hero");
    app.post("/api/v1/recognitions", "admin", &unknown)
        .await
        .assert_problem(422);
    // Once a year per unit and kind: a twin is a 409, another year is not; a change into a
    // twin is a 409 too.
    ok(
        &app.post(
            "/api/v1/recognitions",
            "admin",
            &station(lg, 2023, "2023-12-28"),
        )
        .await,
        201,
    );
    app.post(
        "/api/v1/recognitions",
        "admin",
        &station(lg, 2023, "2024-01-10"),
    )
    .await
    .assert_problem(409);
    let other = ok(
        &app.post(
            "/api/v1/recognitions",
            "admin",
            &station(lg, 2022, "2022-12-28"),
        )
        .await,
        201,
    );
    patch(
        &app,
        "admin",
        other["id"].as_i64().unwrap(),
        1,
        &json!({"year": 2023, "recognised_on": "2023-12-29"}),
    )
    .await
    .assert_problem(409);
}

async fn recognitions_are_read_in_the_subtree_and_written_by_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2024-03-01T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let of_lg = ok(
        &app.post(
            "/api/v1/recognitions",
            "admin",
            &station(lg, 2023, "2023-12-28"),
        )
        .await,
        201,
    );
    let of_zc = ok(
        &app.post(
            "/api/v1/recognitions",
            "admin",
            &station(zc, 2023, "2023-12-28"),
        )
        .await,
        201,
    );
    let (lid, zid) = (of_lg["id"].as_i64().unwrap(), of_zc["id"].as_i64().unwrap());
    // The township's staff read their own office's, not the neighbour's.
    let mine = ok(
        &app.get("/api/v1/recognitions", "staff.longgang").await,
        200,
    );
    assert_eq!(ids(&mine), vec![lid]);
    app.get(&format!("/api/v1/recognitions/{zid}"), "staff.longgang")
        .await
        .assert_problem(404);
    for user in ["auditor", "integration"] {
        let all = ok(&app.get("/api/v1/recognitions", user).await, 200);
        assert_eq!(ids(&all), vec![zid, lid], "{user}");
    }
    // Only admins write.
    for user in [
        "auditor",
        "staff.longgang",
        "aid.officer",
        "lawyer",
        "integration",
    ] {
        app.post(
            "/api/v1/recognitions",
            user,
            &station(lg, 2022, "2022-12-28"),
        )
        .await
        .assert_problem(403);
        patch(&app, user, lid, 1, &json!({"reason": "改"}))
            .await
            .assert_problem(403);
    }
    // Another county names nothing of this one.
    second_county(&app);
    assert!(ids(&ok(&app.get("/api/v1/recognitions", "admin.yc").await, 200)).is_empty());
    patch(&app, "admin.yc", lid, 1, &json!({"reason": "改"}))
        .await
        .assert_problem(404);
    let p = app
        .post(
            "/api/v1/recognitions",
            "admin.yc",
            &station(lg, 2022, "2022-12-28"),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
}

async fn the_demo_recognises_three_stations_and_pioneer_posts(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = chrono::NaiveDate::from_ymd_opt(2023, 11, 20).expect("day");
    app.state.clock.set(at("2023-11-20T10:00:00+08:00"));
    let made = {
        let mut conn = app.pool.get().expect("connection");
        let actor = huimin::store::Actor::system("demo", &audit_keys());
        huimin::store::audit::write(&mut conn, &actor, |tx, log| {
            huimin::store::recognitions::seed_demo_year(tx, log, today)
        })
        .expect("demo recognitions")
    };
    assert_eq!(
        made, 7,
        "three stations and three posts of 2022, a post of 2023"
    );
    let stations = ok(
        &app.get(
            "/api/v1/recognitions?year=2022&kind=model_station",
            "auditor",
        )
        .await,
        200,
    );
    assert_eq!(ids(&stations).len(), 3);
    let this_year = ok(
        &app.get("/api/v1/recognitions?year=2023", "auditor").await,
        200,
    );
    assert_eq!(this_year["items"][0]["kind"], "pioneer_post");
    assert_eq!(this_year["items"][0]["recognised_on"], "2023-07-01");
    assert!(this_year["items"][0]["staff_id"].is_i64());
}
