//! Outreach and training activities: recorded, listed with filters and paging, changed with
//! If-Match, deleted with a trace, kept to the caller's subtree, refused when invalid.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    activities_are_recorded_read_changed_and_deleted_with_a_trace,
    lists_filter_by_kind_topic_staff_and_dates_and_page,
    another_county_and_another_township_are_out_of_reach,
    invalid_activities_are_refused_with_every_field_named,
    the_demo_year_writes_activities_and_reports,
);

/// The staff ids of a unit (by code).
pub async fn staff_of(app: &TestApp, code: &str) -> Vec<i64> {
    let unit = app.unit_id(code);
    app.get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json()["items"]
        .as_array()
        .expect("staff")
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect()
}

/// A valid activity of a unit on a day.
pub fn activity(unit: i64, date: &str, staff: &[i64]) -> Value {
    json!({
        "unit_id": unit, "kind": "themed_tour", "title": "“法律服务村村行”入户宣讲",
        "date": date, "place": "龙港镇东关村", "topics": ["land_rights", "support_maintenance"],
        "audience": "村民", "audience_size": 65, "materials_count": 120, "staff_ids": staff,
        "notes": "发放惠民工程服务卡"
    })
}

/// Records an activity as `user`; the body of the 201.
pub async fn record(app: &TestApp, user: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/activities", user, body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

async fn activities_are_recorded_read_changed_and_deleted_with_a_trace(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let staff = staff_of(&app, "140521-SFS-LG").await;
    let body = activity(lg, "2023-03-07", &staff[..1]);

    // Recorded once per idempotency key.
    let send = || {
        app.call(
            app.req(Method::POST, "/api/v1/activities", Some("staff.longgang"))
                .insert_header(("Idempotency-Key", "activity-0001"))
                .set_json(&body),
        )
    };
    let first = send().await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let a = first.json();
    let again = send().await;
    assert_eq!(again.json()["id"], a["id"]);
    assert_eq!(a["kind"], "themed_tour");
    assert_eq!(a["topics"], json!(["land_rights", "support_maintenance"]));
    assert_eq!(a["staff_ids"], json!([staff[0]]));
    assert_eq!(a["audience_size"], 65);
    assert_eq!(a["version"], 1);
    let id = a["id"].as_i64().expect("id");
    let path = format!("/api/v1/activities/{id}");
    let read = app.get(&path, "auditor").await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(read.json()["place"], "龙港镇东关村");

    // Changed with If-Match; a stale one is a 412.
    let patch = |tag: &str, body: Value| {
        app.call(
            app.req(Method::PATCH, &path, Some("staff.longgang"))
                .insert_header((header::IF_MATCH, tag.to_owned()))
                .set_json(body),
        )
    };
    let changed = patch(
        "\"1\"",
        json!({"audience_size": 72, "notes": null, "staff_ids": staff}),
    )
    .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let changed = changed.json();
    assert_eq!(changed["audience_size"], 72);
    assert_eq!(changed["notes"], Value::Null);
    assert_eq!(changed["title"], a["title"]);
    assert_eq!(changed["version"], 2);
    patch("\"1\"", json!({"audience_size": 1}))
        .await
        .assert_problem(412);

    // Deleted with If-Match; the trail keeps every step, and the feed carries them.
    let deleted = app
        .call(
            app.req(Method::DELETE, &path, Some("staff.longgang"))
                .insert_header((header::IF_MATCH, "\"2\"")),
        )
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&path, "admin").await.assert_problem(404);
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=activity&entity_id={id}"),
            "auditor",
        )
        .await
        .json();
    let mut actions: Vec<&str> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, vec!["create", "delete", "update"]);
    crate::changes::settled(&app).await;
    let (feed, _) = crate::changes::all_items(&app, "admin", "&types=activity").await;
    let steps: Vec<(i64, String, bool)> = feed
        .iter()
        .filter(|c| c["resource_id"] == id)
        .map(|c| {
            (
                c["resource_id"].as_i64().unwrap_or(0),
                c["action"].as_str().unwrap_or("").to_owned(),
                c["data"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (id, "create".to_owned(), false),
            (id, "update".to_owned(), false),
            (id, "delete".to_owned(), true)
        ]
    );
    let created = feed
        .iter()
        .find(|c| c["resource_id"] == id && c["action"] == "create")
        .expect("create");
    assert_eq!(created["data"]["kind"], "themed_tour");
    assert_eq!(created["data"]["topics"], a["topics"]);
}

async fn lists_filter_by_kind_topic_staff_and_dates_and_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let lg_staff = staff_of(&app, "140521-SFS-LG").await;
    let zc_staff = staff_of(&app, "140521-SFS-ZC").await;
    let tour = record(&app, "admin", &activity(lg, "2023-03-07", &lg_staff[..1])).await;
    let mut b = activity(lg, "2023-03-20", &lg_staff[1..2]);
    b["kind"] = json!("mobile_station");
    b["topics"] = json!(["social_security"]);
    let market = record(&app, "admin", &b).await;
    let mut b = activity(zc, "2023-04-02", &zc_staff[..1]);
    b["kind"] = json!("training");
    b["topics"] = json!(["rules_standards", "mass_work"]);
    let training = record(&app, "admin", &b).await;
    let id = |v: &Value| v["id"].as_i64().expect("id");

    let list = |q: String| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/activities?{q}"), "admin").await;
            assert_eq!(
                res.status,
                200,
                "{q}: {}",
                String::from_utf8_lossy(&res.body)
            );
            ids(&res.json())
        }
    };
    assert_eq!(
        list(String::new()).await,
        vec![id(&tour), id(&market), id(&training)]
    );
    assert_eq!(list("kind=mobile_station".into()).await, vec![id(&market)]);
    assert_eq!(list("topic=mass_work".into()).await, vec![id(&training)]);
    assert_eq!(
        list(format!("staff_id={}", lg_staff[1])).await,
        vec![id(&market)]
    );
    assert_eq!(
        list("from=2023-03-08&to=2023-04-02".into()).await,
        vec![id(&market), id(&training)]
    );
    assert_eq!(list(format!("unit_id={zc}")).await, vec![id(&training)]);
    let later = list("updated_after=2999-01-01T00:00:00Z".into()).await;
    assert!(later.is_empty());

    // Pages of one, in (date, id) order, end to end.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/activities?limit=1&cursor={c}"),
            None => "/api/v1/activities?limit=1".to_owned(),
        };
        let page = app.get(&q, "admin").await.json();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec![id(&tour), id(&market), id(&training)]);
}

async fn another_county_and_another_township_are_out_of_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let lg_staff = staff_of(&app, "140521-SFS-LG").await;
    let zc_staff = staff_of(&app, "140521-SFS-ZC").await;
    let theirs = record(&app, "admin", &activity(zc, "2023-03-07", &zc_staff[..1])).await;
    let path = format!("/api/v1/activities/{}", theirs["id"]);
    // Another township: invisible to the 龙港镇 office, in reads, lists, changes and deletion.
    app.get(&path, "staff.longgang").await.assert_problem(404);
    let list = app.get("/api/v1/activities", "staff.longgang").await.json();
    assert!(!ids(&list).contains(&theirs["id"].as_i64().unwrap_or(0)));
    app.call(
        app.req(Method::PATCH, &path, Some("staff.longgang"))
            .insert_header((header::IF_MATCH, "\"1\""))
            .set_json(json!({"audience_size": 1})),
    )
    .await
    .assert_problem(404);
    app.call(
        app.req(Method::DELETE, &path, Some("staff.longgang"))
            .insert_header((header::IF_MATCH, "\"1\"")),
    )
    .await
    .assert_problem(404);
    // Naming its unit or its staff in a body is a 422 on that field.
    let p = app
        .post(
            "/api/v1/activities",
            "staff.longgang",
            &activity(zc, "2023-03-07", &[]),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    let p = app
        .post(
            "/api/v1/activities",
            "staff.longgang",
            &activity(lg, "2023-03-07", &zc_staff[..1]),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "staff_ids");
    // Another county sees none of this county's activities.
    crate::monthly_reports::other_county(&app).await;
    let ours = record(&app, "admin", &activity(lg, "2023-03-08", &lg_staff[..1])).await;
    let list = app.get("/api/v1/activities", "admin.other").await.json();
    assert!(ids(&list).is_empty(), "{list}");
    app.get(&format!("/api/v1/activities/{}", ours["id"]), "admin.other")
        .await
        .assert_problem(404);
    // Providers read; they do not record.
    app.post(
        "/api/v1/activities",
        "lawyer",
        &activity(app.unit_id("140521-GGFLFW"), "2023-03-07", &[]),
    )
    .await
    .assert_problem(403);
}

async fn invalid_activities_are_refused_with_every_field_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let before = app.row_counts();
    let mut b = activity(lg, "2023-03-07", &[]);
    b["kind"] = json!("party");
    app.post("/api/v1/activities", "admin", &b)
        .await
        .assert_problem(422);
    let mut b = activity(lg, "2023-03-07", &[]);
    b["topics"] = json!([]);
    b["audience_size"] = json!(-1);
    b["title"] = json!("");
    b["materials_count"] = json!(2_000_000);
    let p = app
        .post("/api/v1/activities", "admin", &b)
        .await
        .assert_problem(422);
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort_unstable();
    // An empty title is both too short and blank.
    fields.dedup();
    assert_eq!(
        fields,
        vec!["audience_size", "materials_count", "title", "topics"]
    );
    // Not after today (China).
    app.state
        .clock
        .set(crate::aid::at("2023-03-07T23:30:00+08:00"));
    let p = app
        .post(
            "/api/v1/activities",
            "admin",
            &activity(lg, "2023-03-08", &[]),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "date");
    assert_eq!(p["errors"][0]["code"], "future");
    app.post(
        "/api/v1/activities",
        "admin",
        &activity(lg, "2023-03-07", &[]),
    )
    .await;
    assert_eq!(
        app.row_counts()
            .iter()
            .find(|(t, _)| *t == "activities")
            .map(|(_, n)| *n),
        before
            .iter()
            .find(|(t, _)| *t == "activities")
            .map(|(_, n)| *n + 1)
    );
}

async fn the_demo_year_writes_activities_and_reports(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let actor = huimin::store::Actor::system("demo-year", &crate::helpers::audit_keys());
    let (activities, reports) = {
        let mut conn = app.pool.get().expect("connection");
        let a = huimin::store::activities::seed_demo_year(&mut conn, &actor, today)
            .expect("activities");
        let r = huimin::store::monthly_reports::seed_demo_year(&mut conn, &actor, today)
            .expect("reports");
        (a, r)
    };
    // Twelve offices about every two weeks, and the bureau's training each month.
    assert!(activities > 12 * 20, "{activities} activities");
    assert!(reports > 100, "{reports} report revisions");
    let page = app
        .get(
            "/api/v1/activities?from=2025-12-01&to=2026-11-30&limit=200",
            "auditor",
        )
        .await
        .json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(200));
    let training = app
        .get("/api/v1/activities?kind=training&limit=200", "auditor")
        .await
        .json();
    assert_eq!(training["items"].as_array().map(Vec::len), Some(12));
    // The last period due (2026-11): on time, late and missing units, and a resubmission.
    let status = app
        .get("/api/v1/monthly-reports/status?period=2026-11", "auditor")
        .await
        .json();
    let n = |k: &str| status[k].as_u64().unwrap_or(0);
    assert_eq!(n("submitted") + n("late") + n("missing"), 13, "{status}");
    let mut late = 0;
    let mut missing = 0;
    let mut revised = 0;
    for month in 1..=11 {
        let s = app
            .get(
                &format!("/api/v1/monthly-reports/status?period=2026-{month:02}"),
                "auditor",
            )
            .await
            .json();
        late += s["late"].as_u64().unwrap_or(0);
        missing += s["missing"].as_u64().unwrap_or(0);
        revised += s["items"]
            .as_array()
            .map(|items| items.iter().filter(|i| i["revisions"] == 2).count())
            .unwrap_or(0);
    }
    assert!(
        late > 0 && missing > 0 && revised > 0,
        "{late} late, {missing} missing, {revised} revised"
    );
    // The seeding is deterministic: a second database holds the same rows.
    let again = spawn_app(backend).await;
    let mut conn = again.pool.get().expect("connection");
    assert_eq!(
        huimin::store::activities::seed_demo_year(&mut conn, &actor, today).expect("again"),
        activities
    );
    assert_eq!(
        huimin::store::monthly_reports::seed_demo_year(&mut conn, &actor, today).expect("again"),
        reports
    );
}
