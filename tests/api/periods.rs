//! Legal periods over HTTP: the published calendars, and deadlines counted in days over them.

use chrono::Duration;
use serde_json::Value;

use crate::aid::{application, assert_due, at, id_number, submit};
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    the_published_schedules_are_installed_and_cited,
    a_period_ending_in_a_holiday_moves_to_the_next_working_day,
    a_period_reaching_a_year_without_a_schedule_says_so,
);

async fn calendar(app: &TestApp, year: i32) -> Value {
    let res = app
        .call(app.req(
            actix_web::http::Method::GET,
            &format!("/api/v1/calendar?year={year}"),
            None,
        ))
        .await;
    assert_eq!(res.status, 200);
    res.json()
}

async fn the_published_schedules_are_installed_and_cited(backend: Backend) {
    let app = spawn_app(backend).await;
    for (year, cited) in [
        (2023, "国办发明电〔2022〕16号"),
        (2024, "国办发明电〔2023〕7号"),
        (2025, "国办发明电〔2024〕12号"),
        (2026, "2026年部分节假日安排"),
    ] {
        let cal = calendar(&app, year).await;
        let notice = cal["schedule"]["notice"].as_str().unwrap_or_default();
        assert!(notice.contains(cited), "{year}: {notice}");
    }
    // 2026: 春节 from Sun 02-15 to Mon 02-23, Sat 02-14 and Sat 02-28 worked.
    let cal = calendar(&app, 2026).await;
    let kind = |day: &str| {
        cal["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == day)
            .map(|d| d["kind"].as_str().unwrap().to_owned())
    };
    assert_eq!(kind("2026-02-15").as_deref(), Some("holiday"));
    assert_eq!(kind("2026-02-23").as_deref(), Some("holiday"));
    assert_eq!(kind("2026-02-14").as_deref(), Some("workday"));
    assert_eq!(kind("2026-02-28").as_deref(), Some("workday"));
    assert_eq!(kind("2026-02-24"), None);
    // No schedule is held for 2027.
    let cal = calendar(&app, 2027).await;
    assert!(cal["schedule"].is_null(), "{cal}");
    assert_eq!(cal["items"], serde_json::json!([]));
}

async fn a_period_ending_in_a_holiday_moves_to_the_next_working_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    // Received Thu 2023-09-28 at 16:00: the seventh day, 10-05, falls in the 中秋节、国庆节
    // holiday (09-29 … 10-06); Sat 10-07 is worked in exchange, so the review ends there.
    let received = "2023-09-28T16:00:00+08:00";
    app.state.clock.set(at(received) + Duration::minutes(5));
    let a = submit(
        &app,
        "staff.longgang",
        &application(lg, &id_number("1980-05-05", 31), received),
    )
    .await;
    assert_eq!(a["deadline"]["kind"], "review");
    assert_due(&a, "2023-10-07", Some("2023-10-05"));
    assert_eq!(a["deadline"]["overdue"], false);
    // At 23:59 on 10-07 it is still in time; at 24:00 it is overdue.
    app.state.clock.set(at("2023-10-07T23:59:00+08:00"));
    let path = format!("/api/v1/aid-applications/{}", a["id"]);
    let a = app.get(&path, "aid.officer").await.json();
    assert_eq!(a["deadline"]["overdue"], false);
    app.state.clock.set(at("2023-10-08T00:00:00+08:00"));
    let a = app.get(&path, "aid.officer").await.json();
    assert_eq!(a["deadline"]["overdue"], true);
    assert_eq!(a["deadline"]["seconds_left"], 0);
}

async fn a_period_reaching_a_year_without_a_schedule_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    // Received Mon 2026-12-28: the seventh day is in 2027, whose schedule is not published.
    let received = "2026-12-28T09:00:00+08:00";
    app.state.clock.set(at(received) + Duration::minutes(5));
    let a = submit(
        &app,
        "staff.longgang",
        &application(lg, &id_number("1980-05-05", 32), received),
    )
    .await;
    let d = &a["deadline"];
    assert_eq!(d["kind"], "review");
    assert!(d["due_date"].is_null() && d["due_at"].is_null(), "{d}");
    assert!(d["overdue"].is_null(), "{d}");
    assert!(
        d["unknown_because"]
            .as_str()
            .unwrap_or_default()
            .contains("2027"),
        "{d}"
    );
}
