//! Compliance with the supervision minimums per month and quarter, and the demo year.

use serde_json::{json, Value};

use super::{checklist, create, ids, ok, spot_check};
use crate::aid::at;
use crate::backend_tests;
use crate::helpers::{audit_keys, spawn_app, Backend, TestApp};

backend_tests!(
    three_spot_checks_make_a_short_month_and_no_on_site_inspection_a_short_quarter,
    the_demo_year_has_a_short_month_a_short_quarter_and_overdue_rectifications,
);

/// The compliance of the county in 2023 as `today` sees it.
async fn compliance(app: &TestApp, query: &str) -> Value {
    ok(
        &app.get(&format!("/api/v1/inspections/compliance{query}"), "auditor")
            .await,
        200,
    )
}

async fn three_spot_checks_make_a_short_month_and_no_on_site_inspection_a_short_quarter(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let meeting = |day: &str| json!({"unit_id": county, "kind": "monthly_meeting", "held_on": day});
    // January: four checks and a meeting. February: three checks (the last on the 28th) and a
    // meeting. March: four checks (the first on the 1st) and a meeting. No on-site inspection
    // in the first quarter. April: five checks, no meeting. May (today the 15th): two checks,
    // a meeting and an on-site inspection.
    let mut days: Vec<&str> = vec!["2023-01-03", "2023-01-10", "2023-01-17", "2023-01-31"];
    days.extend(["2023-02-01", "2023-02-14", "2023-02-28"]);
    days.extend(["2023-03-01", "2023-03-08", "2023-03-15", "2023-03-22"]);
    days.extend([
        "2023-04-03",
        "2023-04-10",
        "2023-04-17",
        "2023-04-24",
        "2023-04-28",
    ]);
    days.extend(["2023-05-04", "2023-05-11"]);
    for day in days {
        create(&app, &spot_check(county, lg, day)).await;
    }
    for day in ["2023-01-09", "2023-02-06", "2023-03-06", "2023-05-08"] {
        create(&app, &meeting(day)).await;
    }
    create(
        &app,
        &json!({"unit_id": county, "kind": "on_site_inspection", "held_on": "2023-05-10",
                "unit_ids": [zc], "checklist": checklist()}),
    )
    .await;
    // A township's own spot checks are not the county's.
    for day in ["2023-02-02", "2023-02-03"] {
        create(&app, &spot_check(lg, lg, day)).await;
    }

    let c = compliance(&app, "").await;
    assert_eq!(c["year"], 2023, "the current year by default");
    assert_eq!(c["unit_id"], county, "the caller's unit by default");
    assert_eq!(c["as_of"], "2023-05-15");
    let month = |m: usize| c["months"][m - 1].clone();
    let status = |m: usize| month(m)["status"].as_str().unwrap().to_owned();
    assert_eq!(status(1), "met");
    assert_eq!(month(2)["spot_checks"], 3);
    assert_eq!(month(2)["spot_checks_status"], "short");
    assert_eq!(month(2)["meetings_status"], "met");
    assert_eq!(status(2), "short", "three spot checks make a short month");
    assert_eq!(month(3)["spot_checks"], 4, "the 1st of March is March's");
    assert_eq!(status(3), "met");
    assert_eq!(month(4)["spot_checks_status"], "met");
    assert_eq!(month(4)["meetings_status"], "short");
    assert_eq!(status(4), "short", "a month without a meeting is short");
    assert_eq!(month(5)["spot_checks"], 2);
    assert_eq!(
        status(5),
        "in_progress",
        "the current month is not short yet"
    );
    assert_eq!(status(6), "not_started");
    assert_eq!(c["months_short"], 2);
    let quarter = |q: usize| c["quarters"][q - 1].clone();
    assert_eq!(quarter(1)["on_site_inspections"], 0);
    assert_eq!(
        quarter(1)["status"],
        "short",
        "a quarter without an on-site inspection is short"
    );
    assert_eq!(quarter(2)["status"], "met");
    assert_eq!(quarter(3)["status"], "not_started");
    assert_eq!(c["quarters_short"], 1);
    assert_eq!(c["minimums"]["spot_checks_per_month"], 4);

    // The edge of February: on its last day three checks are in progress, the next day short.
    app.state.clock.set(at("2023-02-28T23:59:00+08:00"));
    let feb = compliance(&app, "?year=2023").await;
    assert_eq!(feb["months"][1]["status"], "in_progress");
    assert_eq!(feb["quarters"][0]["status"], "in_progress");
    app.state.clock.set(at("2023-03-01T00:00:00+08:00"));
    assert_eq!(
        compliance(&app, "?year=2023").await["months"][1]["status"],
        "short"
    );
    // The township's own year; another year; a bad year.
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let town = compliance(&app, &format!("?year=2023&unit_id={lg}")).await;
    assert_eq!(town["months"][1]["spot_checks"], 2);
    let last_year = compliance(&app, "?year=2022").await;
    assert_eq!(last_year["months_short"], 12);
    assert_eq!(last_year["quarters_short"], 4);
    app.get("/api/v1/inspections/compliance?year=1999", "auditor")
        .await
        .assert_problem(400);
}

async fn the_demo_year_has_a_short_month_a_short_quarter_and_overdue_rectifications(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let today = chrono::NaiveDate::from_ymd_opt(2023, 11, 20).expect("day");
    app.state.clock.set(at("2023-11-20T10:00:00+08:00"));
    let made = {
        let mut conn = app.pool.get().expect("connection");
        let actor = huimin::store::Actor::system("demo", &audit_keys());
        huimin::store::audit::write(&mut conn, &actor, |tx, log| {
            huimin::store::inspections::seed_demo_year(tx, log, today)
        })
        .expect("demo year")
    };
    // 12 meetings, 49 spot checks (the current month's three so far), on-site inspections in
    // February, May and November (none in the third quarter).
    assert_eq!(made, 64);
    let mut listed = 0;
    let mut cursor = String::new();
    loop {
        let page = ok(
            &app.get(
                &format!("/api/v1/inspections?limit=200&cursor={cursor}"),
                "admin",
            )
            .await,
            200,
        );
        listed += ids(&page).len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(listed, made);
    let c = compliance(&app, "?year=2023").await;
    assert_eq!(c["months"][8]["spot_checks"], 3, "September");
    assert_eq!(c["months"][8]["status"], "short");
    assert_eq!(c["quarters"][2]["on_site_inspections"], 0);
    assert_eq!(c["quarters"][2]["status"], "short");
    assert_eq!(c["months"][10]["status"], "in_progress", "November so far");
    assert_eq!(c["months_short"], 1);
    assert_eq!(c["quarters_short"], 1);
    let overdue = ok(
        &app.get("/api/v1/inspections?rectification=overdue", "admin")
            .await,
        200,
    );
    assert!(ids(&overdue).len() >= 2, "{overdue}");
    let done = ok(
        &app.get("/api/v1/inspections?rectification=done&limit=200", "admin")
            .await,
        200,
    );
    assert!(ids(&done).len() >= 10, "{done}");
}
