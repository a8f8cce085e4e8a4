//! The duty roster: staff, shifts, the calendar, the public board and the coverage report.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    a_week_for_the_county_in_one_call_and_the_board_shows_who_is_on,
    a_clash_is_a_409_and_writes_nothing,
    coverage_finds_missing_visits_and_respects_the_2023_calendar,
    a_pattern_skips_holidays_and_keeps_adjusted_working_days,
    the_board_and_feed_leak_no_personal_phone,
    staff_phones_are_masked_for_auditors,
    shifts_are_changed_with_if_match_and_deleted_with_a_trace,
    the_calendar_is_kept_by_top_admins,
    the_feed_parses_as_icalendar,
    racing_bookings_of_one_person_let_exactly_one_win,
);

/// The seeded staff of a unit: (id, name), by id.
async fn staff_of(app: &TestApp, unit_code: &str) -> Vec<(i64, String)> {
    let unit = app.unit_id(unit_code);
    let page = app
        .get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json();
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A week's roster (2023-03-06 to 03-10) for the centre and every township office.
async fn week_roster(app: &TestApp) -> Vec<Value> {
    let mut shifts = Vec::new();
    let centre = app.unit_id("140521-GGFLFW");
    let lawyers = staff_of(app, "140521-GGFLFW").await;
    for (i, day) in (6..=10).enumerate() {
        shifts.push(json!({"unit_id": centre, "date": format!("2023-03-{day:02}"), "period": "full_day",
            "kind": "station_duty", "place": "中心大厅", "staff_ids": [lawyers[i % lawyers.len()].0]}));
    }
    for (suffix, _, _) in huimin::store::seed::TOWNSHIPS {
        let code = format!("140521-SFS-{suffix}");
        let unit = app.unit_id(&code);
        let people = staff_of(app, &code).await;
        shifts.push(json!({"unit_id": unit, "date": "2023-03-07", "period": "morning", "kind": "station_duty", "staff_ids": [people[0].0]}));
        if suffix != "ZC" {
            shifts.push(json!({"unit_id": unit, "date": "2023-03-09", "period": "afternoon", "kind": "village_visit",
                "place": "辖区村", "staff_ids": [people[0].0, people[1].0]}));
        }
    }
    shifts
}

async fn a_week_for_the_county_in_one_call_and_the_board_shows_who_is_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let shifts = week_roster(&app).await;
    let n = shifts.len();
    let res = app
        .post(
            "/api/v1/duty-shifts/batch",
            "staff.longgang",
            &json!({"shifts": shifts.clone()}),
        )
        .await;
    // A township account cannot book other townships' rosters.
    res.assert_problem(422);
    let res = app
        .post(
            "/api/v1/duty-shifts/batch",
            "admin",
            &json!({"shifts": shifts}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["items"].as_array().map(Vec::len), Some(n));

    let lg = staff_of(&app, "140521-SFS-LG").await;
    let board = |at: &'static str| {
        let app = &app;
        async move {
            let res = app
                .call(TestRequest::get().uri(&format!(
                    "/api/v1/duty/today?unit_id=1&date=2023-03-07&at={}",
                    at.replace('+', "%2B")
                )))
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    let morning = board("2023-03-07T09:30:00+08:00").await;
    assert_eq!(morning["current_half"], "morning");
    assert_eq!(morning["working_day"], true);
    let unit = |b: &Value, name: &str| {
        b["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .cloned()
            .unwrap()
    };
    let longgang = unit(&morning, "龙港镇司法所");
    assert_eq!(longgang["shifts"].as_array().map(Vec::len), Some(1));
    let shift = &longgang["shifts"][0];
    assert_eq!(shift["period"], "morning");
    assert_eq!(shift["kind"], "station_duty");
    assert_eq!(shift["staff"][0]["name"], lg[0].1.as_str());
    assert_eq!(shift["on_duty_now"], true);
    assert_eq!(
        unit(&morning, "沁水县公共法律服务中心")["shifts"][0]["on_duty_now"],
        true
    );

    let afternoon = board("2023-03-07T15:00:00+08:00").await;
    assert_eq!(afternoon["current_half"], "afternoon");
    assert_eq!(
        unit(&afternoon, "龙港镇司法所")["shifts"][0]["on_duty_now"],
        false
    );
    assert_eq!(
        unit(&afternoon, "沁水县公共法律服务中心")["shifts"][0]["on_duty_now"],
        true
    );
    // Another day: nobody is on duty "now".
    let other = board("2023-03-08T09:00:00+08:00").await;
    assert!(other["current_half"].is_null());
    // A township board shows that township only.
    let lg_unit = app.unit_id("140521-SFS-LG");
    let own = app
        .call(TestRequest::get().uri(&format!(
            "/api/v1/duty/today?unit_id={lg_unit}&date=2023-03-09"
        )))
        .await
        .json();
    assert_eq!(own["units"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["units"][0]["shifts"][0]["kind"], "village_visit");
    assert_eq!(
        own["units"][0]["shifts"][0]["staff"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

async fn a_clash_is_a_409_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-LG");
    let people = staff_of(&app, "140521-SFS-LG").await;
    let (head, head_name) = people[0].clone();
    let first = app
        .post("/api/v1/duty-shifts", "staff.longgang", &json!({"unit_id": unit, "date": "2023-03-07", "period": "full_day", "kind": "station_duty", "staff_ids": [head]}))
        .await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let before = app.row_counts();
    let shifts_before = app
        .get("/api/v1/duty-shifts?from=2023-03-01&to=2023-03-31", "admin")
        .await
        .json();

    let clash = app
        .post("/api/v1/duty-shifts", "staff.longgang", &json!({"unit_id": unit, "date": "2023-03-07", "period": "afternoon", "kind": "village_visit", "staff_ids": [head]}))
        .await
        .assert_problem(409);
    let detail = clash["detail"].as_str().unwrap();
    assert!(
        detail.contains(&head_name) && detail.contains(&first.json()["id"].to_string()),
        "{detail}"
    );

    // A batch whose last shift clashes with its first creates nothing.
    let batch = json!({"shifts": [
        {"unit_id": unit, "date": "2023-03-14", "period": "morning", "kind": "station_duty", "staff_ids": [people[1].0]},
        {"unit_id": unit, "date": "2023-03-15", "period": "morning", "kind": "station_duty", "staff_ids": [people[1].0]},
        {"unit_id": unit, "date": "2023-03-14", "period": "full_day", "kind": "village_visit", "staff_ids": [people[1].0]}
    ]});
    app.post("/api/v1/duty-shifts/batch", "staff.longgang", &batch)
        .await
        .assert_problem(409);
    // Morning and afternoon of one person do not clash.
    assert_eq!(app.row_counts(), before);
    assert_eq!(
        app.get("/api/v1/duty-shifts?from=2023-03-01&to=2023-03-31", "admin")
            .await
            .json(),
        shifts_before
    );
    let ok = app
        .post("/api/v1/duty-shifts", "staff.longgang", &json!({"unit_id": unit, "date": "2023-03-14", "period": "morning", "kind": "station_duty", "staff_ids": [head]}))
        .await;
    assert_eq!(ok.status, 201);
    let ok = app
        .post("/api/v1/duty-shifts", "staff.longgang", &json!({"unit_id": unit, "date": "2023-03-14", "period": "afternoon", "kind": "enterprise_visit", "staff_ids": [head]}))
        .await;
    assert_eq!(ok.status, 201);

    // The county books the same person into another township: the township's clash names the
    // person it may see, but not the other township's shift.
    let elsewhere = app.unit_id("140521-SFS-ZC");
    let other = app
        .post("/api/v1/duty-shifts", "admin", &json!({"unit_id": elsewhere, "date": "2023-03-21", "period": "morning", "kind": "station_duty", "staff_ids": [head]}))
        .await;
    assert_eq!(
        other.status,
        201,
        "{}",
        String::from_utf8_lossy(&other.body)
    );
    let hidden = app
        .post("/api/v1/duty-shifts", "staff.longgang", &json!({"unit_id": unit, "date": "2023-03-21", "period": "full_day", "kind": "station_duty", "staff_ids": [head]}))
        .await
        .assert_problem(409);
    let detail = hidden["detail"].as_str().unwrap();
    assert!(
        detail.contains(&head_name)
            && detail.contains("outside your scope")
            && !detail.contains(&other.json()["id"].to_string())
            && !detail.contains("中村"),
        "{detail}"
    );
}

async fn coverage_finds_missing_visits_and_respects_the_2023_calendar(backend: Backend) {
    let app = spawn_app(backend).await;
    let shifts = week_roster(&app).await;
    assert_eq!(
        app.post(
            "/api/v1/duty-shifts/batch",
            "admin",
            &json!({"shifts": shifts})
        )
        .await
        .status,
        201
    );
    let report = app
        .get(
            "/api/v1/duty/coverage?from=2023-03-06&to=2023-03-12",
            "admin",
        )
        .await;
    assert_eq!(
        report.status,
        200,
        "{}",
        String::from_utf8_lossy(&report.body)
    );
    let report = report.json();
    let unit = |name: &str| {
        report["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .cloned()
            .unwrap()
    };
    // 中村镇 had duty but no visit that week; 龙港镇 had both.
    let zc = unit("中村镇司法所");
    assert_eq!(zc["compliant"], false);
    assert_eq!(zc["gaps"][0]["label"], "2023-W10");
    assert_eq!(zc["gaps"][0]["missing"], json!(["half_day_visit"]));
    let lg = unit("龙港镇司法所");
    assert_eq!(lg["compliant"], true, "{lg}");
    assert_eq!(lg["gaps"], json!([]));
    let centre = unit("沁水县公共法律服务中心");
    assert_eq!(
        (centre["assessed"].as_i64(), centre["met"].as_i64()),
        (Some(5), Some(5))
    );
    assert_eq!(
        report["units"].as_array().map(Vec::len),
        Some(13),
        "the centre and 12 offices have a rule"
    );

    // Spring Festival 2023: Jan 21-27 off, Sat 28 and Sun 29 worked. The centre staffed Jan 29-31.
    let centre_id = app.unit_id("140521-GGFLFW");
    let lawyer = staff_of(&app, "140521-GGFLFW").await[0].0;
    let days: Vec<Value> = ["2023-01-29", "2023-01-30", "2023-01-31"]
        .iter()
        .map(|d| json!({"unit_id": centre_id, "date": d, "period": "full_day", "kind": "station_duty", "staff_ids": [lawyer]}))
        .collect();
    assert_eq!(
        app.post(
            "/api/v1/duty-shifts/batch",
            "admin",
            &json!({"shifts": days})
        )
        .await
        .status,
        201
    );
    let report = app
        .get(
            &format!("/api/v1/duty/coverage?from=2023-01-21&to=2023-01-31&unit_id={centre_id}"),
            "admin",
        )
        .await
        .json();
    let centre = &report["units"][0];
    // Working days: 28, 29 (adjusted), 30, 31. The holidays are not gaps; the 28th is.
    assert_eq!(centre["assessed"], 4);
    assert_eq!(centre["met"], 3);
    assert_eq!(
        centre["gaps"],
        json!([{"label": "2023-01-28", "from": "2023-01-28", "to": "2023-01-28", "missing": ["full_day_station_duty"]}])
    );
    // Scope: a township account cannot read the county's coverage.
    app.get(
        &format!("/api/v1/duty/coverage?from=2023-01-21&to=2023-01-31&unit_id={centre_id}"),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
    app.get(
        "/api/v1/duty/coverage?from=2023-02-01&to=2023-01-01",
        "admin",
    )
    .await
    .assert_problem(400);
}

async fn a_pattern_skips_holidays_and_keeps_adjusted_working_days(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-DS");
    let people = staff_of(&app, "140521-SFS-DS").await;
    let slots: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .iter()
        .map(|d| json!({"day": d, "period": "morning", "kind": "station_duty", "staff_ids": [people[0].0]}))
        .collect();
    let res = app
        .post(
            "/api/v1/duty-shifts/pattern",
            "admin",
            &json!({"unit_id": unit, "from": "2023-01-20", "to": "2023-01-31", "slots": slots}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let body = res.json();
    let dates: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["date"].as_str())
        .collect();
    assert_eq!(
        dates,
        vec![
            "2023-01-20",
            "2023-01-28",
            "2023-01-29",
            "2023-01-30",
            "2023-01-31"
        ]
    );
    let skipped: Vec<&str> = body["skipped_dates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert_eq!(
        skipped,
        vec![
            "2023-01-21",
            "2023-01-22",
            "2023-01-23",
            "2023-01-24",
            "2023-01-25",
            "2023-01-26",
            "2023-01-27"
        ]
    );
    // Too long a range is refused.
    app.post("/api/v1/duty-shifts/pattern", "admin", &json!({"unit_id": unit, "from": "2023-01-01", "to": "2023-12-31", "slots": [slots[0].clone()]}))
        .await
        .assert_problem(422);
}

async fn the_board_and_feed_leak_no_personal_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-LG");
    let (head, _) = staff_of(&app, "140521-SFS-LG").await[0].clone();
    let set = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/staff/{head}"),
            "admin",
            &json!({"phone": "13812345678"}),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(set.json()["phone"], "13812345678");
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/units/{unit}"),
        "admin",
        &json!({"phone": "0356-7022001"}),
    )
    .await;
    app.post("/api/v1/duty-shifts", "admin", &json!({"unit_id": unit, "date": "2023-03-07", "period": "morning", "kind": "station_duty", "staff_ids": [head]}))
        .await;
    let bodies = [
        app.call(TestRequest::get().uri(&format!(
            "/api/v1/duty/today?unit_id={unit}&date=2023-03-07"
        )))
        .await,
        app.call(TestRequest::get().uri(&format!("/board/today?unit_id={unit}&date=2023-03-07")))
            .await,
        app.call(TestRequest::get().uri(&format!(
            "/api/v1/duty-shifts.ics?unit_id={unit}&from=2023-03-01&to=2023-03-31"
        )))
        .await,
    ];
    for res in bodies {
        assert_eq!(res.status, 200);
        let text = String::from_utf8_lossy(&res.body);
        assert!(
            text.contains("0356-7022001"),
            "the unit's phone is shown: {text}"
        );
        for leak in ["13812345678", "138****5678", "1381234", "5678\""] {
            assert!(
                !text.contains(leak),
                "personal phone leaked ({leak}): {text}"
            );
        }
    }
}

async fn staff_phones_are_masked_for_auditors(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-LG");
    let res = app
        .post("/api/v1/staff", "staff.longgang", &json!({"unit_id": unit, "name": "陈律师", "kind": "lawyer", "licence_no": "11405201510123456", "phone": "139 1234 5678"}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(res.json()["phone"], "13912345678");
    assert_eq!(
        app.get(&format!("/api/v1/staff/{id}"), "auditor")
            .await
            .json()["phone"],
        "139****5678"
    );
    assert_eq!(
        app.get(&format!("/api/v1/staff/{id}"), "integration")
            .await
            .json()["phone"],
        "139****5678"
    );
    assert_eq!(
        app.get(&format!("/api/v1/staff/{id}"), "admin")
            .await
            .json()["phone"],
        "13912345678"
    );
    // The trail masks it too.
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=staff&entity_id={id}"),
            "admin",
        )
        .await
        .json();
    assert_eq!(trail["items"][0]["after"]["phone"], "139****5678");
    // Bad phones and out-of-scope units are refused; auditors never write.
    let p = app
        .post(
            "/api/v1/staff",
            "staff.longgang",
            &json!({"unit_id": unit, "name": "x", "kind": "lawyer", "phone": "12345"}),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "phone");
    let zc = app.unit_id("140521-SFS-ZC");
    app.post(
        "/api/v1/staff",
        "staff.longgang",
        &json!({"unit_id": zc, "name": "x", "kind": "lawyer"}),
    )
    .await
    .assert_problem(422);
    app.post(
        "/api/v1/staff",
        "auditor",
        &json!({"unit_id": unit, "name": "x", "kind": "lawyer"}),
    )
    .await
    .assert_problem(403);
    // Staff of another township are not visible.
    app.get(
        &format!(
            "/api/v1/staff/{}",
            staff_of(&app, "140521-SFS-ZC").await[0].0
        ),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
}

async fn shifts_are_changed_with_if_match_and_deleted_with_a_trace(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-JF");
    let people = staff_of(&app, "140521-SFS-JF").await;
    let created = app
        .post("/api/v1/duty-shifts", "admin", &json!({"unit_id": unit, "date": "2023-04-04", "period": "morning", "kind": "station_duty", "staff_ids": [people[0].0]}))
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/duty-shifts/{id}");
    let patch = |tag: &str, body: Value| {
        app.call(
            app.req(Method::PATCH, &path, Some("admin"))
                .insert_header((header::IF_MATCH, tag.to_owned()))
                .set_json(body),
        )
    };
    let changed = patch(
        "\"1\"",
        json!({"period": "afternoon", "staff_ids": [people[0].0, people[1].0]}),
    )
    .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    assert_eq!(changed.json()["period"], "afternoon");
    assert_eq!(changed.json()["staff"].as_array().map(Vec::len), Some(2));
    patch("\"1\"", json!({"period": "morning"}))
        .await
        .assert_problem(412);
    let deleted = app
        .call(
            app.req(Method::DELETE, &path, Some("admin"))
                .insert_header((header::IF_MATCH, "\"2\"")),
        )
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&path, "admin").await.assert_problem(404);
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=duty_shift&entity_id={id}"),
            "auditor",
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, vec!["create", "update", "delete"]);
}

async fn the_calendar_is_kept_by_top_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let y2023 = app
        .call(TestRequest::get().uri("/api/v1/calendar?year=2023"))
        .await
        .json();
    let items = y2023["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        33,
        "2023 entries (31 December 2022 belongs to 2022)"
    );
    assert!(items
        .iter()
        .any(|d| d["date"] == "2023-01-28" && d["kind"] == "workday"));
    assert!(items
        .iter()
        .any(|d| d["date"] == "2023-10-06" && d["kind"] == "holiday"));
    let put = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/2027-02-06",
            "admin",
            &json!({"kind": "holiday", "name": "春节"}),
        )
        .await;
    // 2027's schedule is not published: its days are new entries.
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    let again = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/2027-02-06",
            "admin",
            &json!({"kind": "holiday", "name": "春节（初一）"}),
        )
        .await;
    assert_eq!(again.status, 200);
    // A township admin is not the calendar's keeper.
    let lg = app.unit_id("140521-SFS-LG");
    app.post("/api/v1/users", "admin", &json!({"username": "lg.admin", "password": "a long passphrase", "display_name": "龙港 管理员", "role": "admin", "unit_id": lg}))
        .await;
    app.send_json(
        Method::PUT,
        "/api/v1/calendar/2027-02-07",
        "lg.admin",
        &json!({"kind": "holiday", "name": "春节"}),
    )
    .await
    .assert_problem(403);
    app.call(
        app.req(Method::PUT, "/api/v1/calendar/2027-02-30", Some("admin"))
            .set_json(json!({"kind": "holiday", "name": "x"})),
    )
    .await
    // A day that does not exist names no resource.
    .assert_problem(404);
    assert_eq!(
        app.call(app.req(Method::DELETE, "/api/v1/calendar/2027-02-06", Some("admin")))
            .await
            .status,
        204
    );
    app.call(app.req(Method::DELETE, "/api/v1/calendar/2027-02-06", Some("admin")))
        .await
        .assert_problem(404);
}

async fn the_feed_parses_as_icalendar(backend: Backend) {
    let app = spawn_app(backend).await;
    let shifts = week_roster(&app).await;
    assert_eq!(
        app.post(
            "/api/v1/duty-shifts/batch",
            "admin",
            &json!({"shifts": shifts})
        )
        .await
        .status,
        201
    );
    let lg = app.unit_id("140521-SFS-LG");
    let res = app
        .call(TestRequest::get().uri(&format!(
            "/api/v1/duty-shifts.ics?unit_id={lg}&from=2023-03-01&to=2023-03-31"
        )))
        .await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/calendar")));
    let reader = ical::IcalParser::new(std::io::BufReader::new(res.body.as_slice()));
    let calendars: Vec<_> = reader
        .collect::<Result<Vec<_>, _>>()
        .expect("a valid iCalendar document");
    assert_eq!(calendars.len(), 1);
    let events = &calendars[0].events;
    assert_eq!(events.len(), 2, "Tuesday duty and Thursday visit");
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    let first = &events[0];
    assert_eq!(
        prop(first, "DTSTART"),
        "20230307T003000Z",
        "08:30 in China is 00:30 UTC"
    );
    assert_eq!(prop(first, "DTEND"), "20230307T040000Z");
    assert!(prop(first, "SUMMARY").contains("龙港镇司法所"));
    assert!(prop(first, "UID").starts_with("duty-shift-"));
    // One person's feed.
    let (head, _) = staff_of(&app, "140521-SFS-LG").await[1].clone();
    let res = app
        .call(TestRequest::get().uri(&format!(
            "/api/v1/duty-shifts.ics?staff_id={head}&from=2023-03-01&to=2023-03-31"
        )))
        .await;
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(res.body.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(
        calendars[0].events.len(),
        1,
        "the worker is only on the Thursday visit"
    );
}

async fn racing_bookings_of_one_person_let_exactly_one_win(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-SZ");
    let head = staff_of(&app, "140521-SFS-SZ").await[0].0;
    let bodies: Vec<Value> = (0..6)
        .map(|i| {
            let period = ["morning", "full_day", "morning"][i % 3];
            json!({"unit_id": unit, "date": "2023-05-09", "period": period, "kind": "station_duty", "staff_ids": [head]})
        })
        .collect();
    let requests = bodies
        .iter()
        .map(|b| app.post("/api/v1/duty-shifts", "admin", b));
    let results = futures_util::future::join_all(requests).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    let clashed = results.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, clashed),
        (1, 5),
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let list = app
        .get(
            &format!("/api/v1/duty-shifts?staff_id={head}&from=2023-05-09&to=2023-05-09"),
            "admin",
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}
