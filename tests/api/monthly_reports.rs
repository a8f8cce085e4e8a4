//! Monthly reports: the period's edges, the due minute, the three sections, resubmissions and
//! their history, who has reported, and scope.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use huimin::domain::roles::Role;
use huimin::domain::units::UnitKind;

use crate::aid::at;
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    consultations_and_activities_on_each_edge_land_in_the_documented_period,
    submitted_at_16_00_59_is_on_time_and_at_16_01_00_late,
    missing_sections_are_named_in_one_422,
    a_resubmission_keeps_the_earlier_version,
    the_status_lists_submitted_late_missing_and_not_due_units,
    reports_stay_in_their_subtree,
);

/// The second county (阳城县) with its admin `admin.other` and one judicial office; the office's
/// id.
pub async fn other_county(app: &TestApp) -> i64 {
    let county = {
        let mut conn = app.pool.get().expect("connection");
        let actor = huimin::store::Actor::system("report-test", &crate::helpers::audit_keys());
        huimin::store::audit::write(&mut conn, &actor, |tx, log| {
            let county = huimin::store::units::insert_unchecked(
                tx,
                log,
                None,
                UnitKind::CountyBureau,
                "140522",
                "阳城县司法局",
                None,
                None,
            )?;
            huimin::store::users::insert(
                tx,
                log,
                "admin.other",
                "x",
                "阳城县司法局 管理员",
                Role::Admin,
                county.id,
            )?;
            Ok(county.id)
        })
        .expect("second county")
    };
    let res = app
        .post(
            "/api/v1/units",
            "admin.other",
            &json!({"parent_id": county, "kind": "judicial_office", "code": "140522-SFS-1", "name": "凤城镇司法所"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().expect("id")
}

fn entry(title: &str) -> Value {
    json!([{"title": title, "content": format!("{title}：具体做法与成效。")}])
}

/// A complete report of a unit for a period.
pub fn report(unit: i64, period: &str) -> Value {
    json!({
        "unit_id": unit, "period": period,
        "highlights": entry("“半天值班+半天进村”常态化"),
        "typical_cases": entry("赡养纠纷调解"),
        "activity_briefs": entry("集会日流动服务")
    })
}

async fn submit(app: &TestApp, user: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/monthly-reports", user, body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn draft(app: &TestApp, unit: i64, period: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/monthly-reports/draft?unit_id={unit}&period={period}"),
            "staff.longgang",
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn consultation_at(app: &TestApp, unit: i64, received_at: &str, channel: &str) {
    let mut b = crate::consultations::body(unit, "子女不履行赡养义务怎么办？");
    b["received_at"] = json!(received_at);
    b["channel"] = json!(channel);
    let res = app
        .post("/api/v1/consultations", "staff.longgang", &b)
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

async fn consultations_and_activities_on_each_edge_land_in_the_documented_period(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2026-11-20T09:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    // The last second of 10-10 closes period 2026-10; midnight of 10-11 opens 2026-11.
    consultation_at(&app, lg, "2026-10-10T23:59:59+08:00", "walk_in").await;
    consultation_at(&app, lg, "2026-10-11T00:00:00+08:00", "phone").await;
    consultation_at(&app, lg, "2026-10-11T00:00:01+08:00", "phone").await;
    // And 11-10 closes 2026-11.
    consultation_at(&app, lg, "2026-11-10T23:59:59+08:00", "online").await;
    consultation_at(&app, lg, "2026-11-11T00:00:00+08:00", "online").await;
    let staff = crate::activities::staff_of(&app, "140521-SFS-LG").await;
    for day in ["2026-10-10", "2026-10-11"] {
        crate::activities::record(
            &app,
            "staff.longgang",
            &crate::activities::activity(lg, day, &staff[..1]),
        )
        .await;
    }

    let october = draft(&app, lg, "2026-10").await;
    assert_eq!(october["period_from"], "2026-09-11");
    assert_eq!(october["period_to"], "2026-10-10");
    assert_eq!(october["due_at"], "2026-10-10T16:00:00+08:00");
    assert_eq!(october["must_report"], true);
    assert_eq!(october["figures"]["consultations"]["total"], 1);
    assert_eq!(
        october["figures"]["consultations"]["by_channel"],
        json!([{"channel": "walk_in", "count": 1}])
    );
    assert_eq!(october["figures"]["activities"]["total"], 1);

    let november = draft(&app, lg, "2026-11").await;
    assert_eq!(november["period_from"], "2026-10-11");
    assert_eq!(november["period_to"], "2026-11-10");
    let c = &november["figures"]["consultations"];
    assert_eq!(c["total"], 3);
    assert_eq!(c["matters"], 3);
    assert_eq!(
        c["by_channel"],
        json!([{"channel": "online", "count": 1}, {"channel": "phone", "count": 2}])
    );
    assert_eq!(
        c["by_outcome"],
        json!([{"outcome": "answered", "count": 3}])
    );
    let a = &november["figures"]["activities"];
    assert_eq!(a["total"], 1);
    assert_eq!(a["audience"], 65);
    assert_eq!(
        a["by_kind"],
        json!([{"kind": "themed_tour", "count": 1, "audience": 65, "materials": 120}])
    );
    // The county's draft covers its subtree: the same figures.
    let county = app
        .get(
            &format!(
                "/api/v1/monthly-reports/draft?unit_id={}&period=2026-11",
                app.unit_id("140521")
            ),
            "admin",
        )
        .await
        .json();
    assert_eq!(county["figures"], november["figures"]);
    assert_eq!(county["must_report"], false);
    // December's holds the one after the edge.
    assert_eq!(
        draft(&app, lg, "2026-12").await["figures"]["consultations"]["total"],
        1
    );
    // A malformed period is a 400.
    app.get(
        &format!("/api/v1/monthly-reports/draft?unit_id={lg}&period=2026-13"),
        "admin",
    )
    .await
    .assert_problem(400);
}

async fn submitted_at_16_00_59_is_on_time_and_at_16_01_00_late(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    app.state.clock.set(at("2026-11-10T16:00:59+08:00"));
    let on_time = submit(&app, "staff.longgang", &report(lg, "2026-11")).await;
    assert_eq!(on_time["late"], false);
    assert_eq!(on_time["status"], "submitted");
    assert_eq!(on_time["latest"]["late"], false);
    assert_eq!(on_time["due_at"], "2026-11-10T16:00:00+08:00");
    assert_eq!(on_time["first_submitted_at"], "2026-11-10T16:00:59+08:00");
    app.state.clock.set(at("2026-11-10T16:01:00+08:00"));
    let late = submit(&app, "admin", &report(zc, "2026-11")).await;
    assert_eq!(late["late"], true);
    assert_eq!(late["status"], "late");
    // The list filters by lateness.
    let list = app
        .get("/api/v1/monthly-reports?late=true", "auditor")
        .await
        .json();
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, vec![&late["id"]]);
    assert!(list["items"][0].get("history").is_none());
}

async fn missing_sections_are_named_in_one_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let before = app.row_counts();
    let p = app
        .post(
            "/api/v1/monthly-reports",
            "staff.longgang",
            &json!({"unit_id": lg, "period": "2026-11", "highlights": [], "activity_briefs": entry("简报")}),
        )
        .await
        .assert_problem(422);
    let errors: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            ("highlights", "missing_section"),
            ("typical_cases", "missing_section")
        ]
    );
    // All three, and a malformed period, in one answer.
    let p = app
        .post(
            "/api/v1/monthly-reports",
            "staff.longgang",
            &json!({"unit_id": lg, "period": "2026-13"}),
        )
        .await
        .assert_problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        vec!["activity_briefs", "highlights", "period", "typical_cases"]
    );
    // An empty entry is refused on its field.
    let mut b = report(lg, "2026-11");
    b["typical_cases"] = json!([{"title": "", "content": "内容"}]);
    let p = app
        .post("/api/v1/monthly-reports", "staff.longgang", &b)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "typical_cases[0].title");
    // Units that do not report: the legal aid centre.
    let p = app
        .post(
            "/api/v1/monthly-reports",
            "admin",
            &report(app.unit_id("140521-FLYZ"), "2026-11"),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    assert_eq!(p["errors"][0]["code"], "not_reporting");
    assert_eq!(app.row_counts(), before);
}

async fn a_resubmission_keeps_the_earlier_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2026-11-09T10:00:00+08:00"));
    consultation_at(&app, lg, "2026-11-02T10:00:00+08:00", "walk_in").await;
    let first = submit(&app, "staff.longgang", &report(lg, "2026-11")).await;
    assert_eq!(first["revisions"], 1);
    assert_eq!(first["history"], json!([]));
    assert_eq!(first["latest"]["figures"]["consultations"]["total"], 1);
    // Idempotent: the same key and body replay the first answer.
    let replay = |key: &'static str, body: Value| {
        app.call(
            app.req(
                Method::POST,
                "/api/v1/monthly-reports",
                Some("staff.longgang"),
            )
            .insert_header(("Idempotency-Key", key))
            .set_json(body),
        )
    };
    // A consultation registered late, then a correction after the due time.
    consultation_at(&app, lg, "2026-11-08T15:00:00+08:00", "phone").await;
    app.state.clock.set(at("2026-11-12T09:00:00+08:00"));
    let mut corrected = report(lg, "2026-11");
    corrected["typical_cases"] = entry("补充：劳动报酬纠纷");
    let second = replay("report-0002", corrected.clone()).await;
    assert_eq!(
        second.status,
        201,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    let second = second.json();
    let again = replay("report-0002", corrected).await.json();
    assert_eq!(again["revisions"], 2, "a replay adds no revision");
    assert_eq!(second["revisions"], 2);
    assert_eq!(second["id"], first["id"]);
    assert_eq!(
        second["late"], false,
        "the report was first submitted on time"
    );
    assert_eq!(second["latest"]["late"], true);
    assert_eq!(second["latest"]["revision"], 2);
    assert_eq!(second["latest"]["figures"]["consultations"]["total"], 2);
    assert_eq!(
        second["latest"]["typical_cases"][0]["title"],
        "补充：劳动报酬纠纷"
    );

    let path = format!("/api/v1/monthly-reports/{}", first["id"]);
    let read = app.get(&path, "auditor").await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));
    let read = read.json();
    let history = read["history"].as_array().expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["revision"], 1);
    assert_eq!(history[0]["late"], false);
    assert_eq!(history[0]["figures"]["consultations"]["total"], 1);
    assert_eq!(history[0]["typical_cases"][0]["title"], "赡养纠纷调解");
    // The trail has the submission and the resubmission.
    let trail = app
        .get(
            &format!(
                "/api/v1/audit-events?entity=monthly_report&entity_id={}",
                first["id"]
            ),
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
    assert_eq!(actions, vec!["resubmit", "submit"]);
    let list = app
        .get(
            &format!("/api/v1/monthly-reports?period=2026-11&unit_id={lg}"),
            "admin",
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["latest"]["revision"], 2);
}

async fn the_status_lists_submitted_late_missing_and_not_due_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let status = |user: &'static str, q: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/monthly-reports/status?{q}"), user)
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    app.state.clock.set(at("2026-11-10T15:00:00+08:00"));
    submit(&app, "staff.longgang", &report(lg, "2026-11")).await;
    // Before the due minute: one submitted, twelve not yet due.
    let s = status("auditor", "period=2026-11").await;
    assert_eq!(
        (&s["submitted"], &s["late"], &s["missing"], &s["not_due"]),
        (&json!(1), &json!(0), &json!(0), &json!(12))
    );
    let kinds: std::collections::BTreeSet<&str> = s["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["unit_kind"].as_str())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        vec!["judicial_office", "public_legal_service_centre"]
    );
    // After it: a late one, and the rest missing.
    app.state.clock.set(at("2026-11-10T16:01:00+08:00"));
    submit(&app, "admin", &report(zc, "2026-11")).await;
    let s = status("admin", "period=2026-11").await;
    assert_eq!(
        (&s["submitted"], &s["late"], &s["missing"], &s["not_due"]),
        (&json!(1), &json!(1), &json!(11), &json!(0))
    );
    let of = |unit: i64| {
        s["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["unit_id"] == unit))
            .map(|i| i["status"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(of(lg).as_deref(), Some("submitted"));
    assert_eq!(of(zc).as_deref(), Some("late"));
    assert_eq!(of(app.unit_id("140521-SFS-TW")).as_deref(), Some("missing"));
    assert_eq!(
        of(app.unit_id("140521-FLYZ")),
        None,
        "the aid centre does not report"
    );
    // A township's staff see their own office only.
    let own = status("staff.longgang", "period=2026-11").await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["submitted"], 1);
    // Narrowed to a unit.
    let narrowed = app
        .get(
            &format!("/api/v1/monthly-reports/status?period=2026-11&unit_id={zc}"),
            "admin",
        )
        .await
        .json();
    assert_eq!(narrowed["late"], 1);
    assert_eq!(narrowed["items"].as_array().map(Vec::len), Some(1));
}

async fn reports_stay_in_their_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let theirs = other_county(&app).await;
    let ours = submit(&app, "staff.longgang", &report(lg, "2026-11")).await;
    // Another township: a body naming it is a 422, a query naming it a 404.
    let p = app
        .post(
            "/api/v1/monthly-reports",
            "staff.longgang",
            &report(zc, "2026-11"),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    app.get(
        &format!("/api/v1/monthly-reports/draft?unit_id={zc}&period=2026-11"),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
    // Another county: the report and its list are out of reach; its status lists its own office.
    let path = format!("/api/v1/monthly-reports/{}", ours["id"]);
    app.get(&path, "admin.other").await.assert_problem(404);
    let list = app
        .get("/api/v1/monthly-reports", "admin.other")
        .await
        .json();
    assert_eq!(list["items"], json!([]));
    let s = app
        .get(
            "/api/v1/monthly-reports/status?period=2026-11",
            "admin.other",
        )
        .await
        .json();
    assert_eq!(s["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(s["items"][0]["unit_id"], theirs);
    // Roles: auditors read (aid officers only their centre's subtree); they and providers do
    // not submit.
    assert_eq!(app.get(&path, "auditor").await.status, 200);
    app.get(&path, "aid.officer").await.assert_problem(404);
    app.get(&path, "lawyer").await.assert_problem(403);
    for user in ["auditor", "aid.officer", "lawyer", "integration"] {
        app.post("/api/v1/monthly-reports", user, &report(lg, "2026-11"))
            .await
            .assert_problem(403);
    }
    // A report is not changed or deleted: submissions only add.
    let res = app
        .call(
            app.req(Method::DELETE, &path, Some("admin"))
                .insert_header((header::IF_MATCH, "\"1\"")),
        )
        .await;
    assert_eq!(res.status, 405);
}
