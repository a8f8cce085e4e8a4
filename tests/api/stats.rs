//! Supervision figures: progress against targets rolled up the tree, breakdowns counted by the
//! database, and their exports. Every figure is checked against a count made by hand.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::aid::{application, at, id_number, ok_step, submit};
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};
use huimin::domain::aid::AidState;
use huimin::domain::codes::CodeTable;

backend_tests!(
    targets_roll_up_the_tree_and_totals_are_the_sums_of_their_parts,
    breakdowns_count_every_group_and_respect_the_scope,
    exports_carry_chinese_headers_and_numbers_as_numbers,
    a_year_without_a_published_calendar_says_so,
);

/// A consultation; `consent` plans a follow-up for it.
async fn consult(app: &TestApp, unit: i64, received: &str, extra: Value) -> i64 {
    let mut body = json!({
        "unit_id": unit, "received_at": received, "channel": "walk_in", "site": "fixed_station",
        "topics": ["other"], "question": "咨询", "outcome": "answered", "callback_consent": false
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let res = app.post("/api/v1/consultations", "admin", &body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

/// Plans the follow-ups of a unit's 2023 consultations and answers them in order.
async fn follow_up(app: &TestApp, unit: i64, answers: &[&str]) {
    let res = app
        .post(
            "/api/v1/follow-ups/plan",
            "admin",
            &json!({"unit_id": unit, "from": "2023-01-01", "to": "2023-12-31", "share_percent": 100, "due_on": "2023-12-31"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let planned = res.json();
    let mut ids: Vec<i64> = planned["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), answers.len());
    for (id, answer) in ids.iter().zip(answers) {
        let mut body = json!({"reached": true, "satisfaction": answer});
        if *answer == "unsatisfied" {
            body["problem"] = json!("答复不及时");
            body["rectification_due"] = json!("2024-01-31");
        }
        let res = app
            .call(
                app.req(
                    Method::POST,
                    &format!("/api/v1/follow-ups/{id}/attempts"),
                    Some("admin"),
                )
                .insert_header((header::IF_MATCH, "\"1\""))
                .set_json(body),
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
}

/// An aid application of Longgang taken through `steps` by the aid centre.
async fn aid_case(app: &TestApp, birth: &str, seq: u32, received: &str, steps: &[&str]) {
    let lg = app.unit_id("140521-SFS-LG");
    let a = submit(
        app,
        "staff.longgang",
        &application(lg, &id_number(birth, seq), received),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let mut v = 1;
    for s in steps {
        v = ok_step(app, "aid.officer", id, s, v, json!({})).await["version"]
            .as_i64()
            .unwrap();
    }
}

/// The figures of the demo county, built so that every edge is on the data:
///
/// - Longgang (LG): consultations at 2023-01-01 00:00:00 and 2023-12-31 23:59:59 China time
///   (both in 2023) and at 2022-12-31 23:59:59 and 2024-01-01 00:00:00 (both outside), plus
///   two more in 2023: 4 in 2023. Follow-ups: very satisfied, satisfied, unsatisfied.
/// - Zhongcun (ZC): 2 in 2023; one follow-up, satisfied.
/// - The public legal service centre: 1 in 2023.
/// - Aid (received in Longgang, handled by the aid centre): one granted in 2023 (elderly:
///   green channel), one only accepted in 2023, one granted in 2024.
async fn county(app: &TestApp) {
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let gg = app.unit_id("140521-GGFLFW");
    // Follow-ups are completed in 2023.
    app.state.clock.set(at("2023-12-31T12:00:00+08:00"));
    consult(app, lg, "2023-01-01T00:00:00+08:00", json!({
        "topics": ["marriage_family", "labour_wages"], "person": {"age": 65, "phone": "13900000001"},
        "callback_consent": true
    }))
    .await;
    consult(
        app,
        lg,
        "2023-06-15T10:00:00+08:00",
        json!({
            "channel": "phone", "topics": ["labour_wages"], "outcome": "referred_legal_aid",
            "person": {"phone": "13900000002"}, "callback_consent": true
        }),
    )
    .await;
    consult(app, lg, "2023-09-01T10:00:00+08:00", json!({
        "channel": "home_visit", "site": "home", "topics": ["support_maintenance"],
        "special_groups": ["disabled"], "person": {"age": 40, "phone": "13900000003"}, "callback_consent": true
    }))
    .await;
    consult(app, zc, "2023-03-01T09:00:00+08:00", json!({
        "topics": ["land_rights"], "person": {"age": 30, "phone": "13900000004"}, "callback_consent": true
    }))
    .await;
    follow_up(app, lg, &["very_satisfied", "satisfied", "unsatisfied"]).await;
    follow_up(app, zc, &["satisfied"]).await;
    aid_case(
        app,
        "1950-01-01",
        11,
        "2023-05-10T10:00:00+08:00",
        &["accept", "approve"],
    )
    .await;
    aid_case(
        app,
        "1980-05-05",
        21,
        "2023-06-01T10:00:00+08:00",
        &["accept"],
    )
    .await;
    app.state.clock.set(at("2024-01-10T10:00:00+08:00"));
    consult(
        app,
        lg,
        "2023-12-31T23:59:59+08:00",
        json!({
            "site": "mobile_station", "special_groups": ["women", "migrant_worker"]
        }),
    )
    .await;
    consult(app, lg, "2022-12-31T23:59:59+08:00", json!({})).await;
    consult(app, lg, "2024-01-01T00:00:00+08:00", json!({})).await;
    consult(
        app,
        zc,
        "2023-03-02T09:00:00+08:00",
        json!({"channel": "online"}),
    )
    .await;
    consult(
        app,
        gg,
        "2023-07-01T09:00:00+08:00",
        json!({"channel": "hotline12348"}),
    )
    .await;
    aid_case(
        app,
        "1950-01-01",
        31,
        "2024-01-05T10:00:00+08:00",
        &["accept", "approve"],
    )
    .await;
}

fn unit(report: &Value, id: i64) -> &Value {
    report["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"] == id)
        .unwrap_or_else(|| panic!("unit {id} missing"))
}

async fn ok(app: &TestApp, path: &str, user: &str) -> Value {
    let res = app.get(path, user).await;
    assert_eq!(
        res.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

async fn targets_roll_up_the_tree_and_totals_are_the_sums_of_their_parts(backend: Backend) {
    let app = spawn_app(backend).await;
    county(&app).await;
    let (county_id, lg, zc, gg, aid) = (
        app.unit_id("140521"),
        app.unit_id("140521-SFS-LG"),
        app.unit_id("140521-SFS-ZC"),
        app.unit_id("140521-GGFLFW"),
        app.unit_id("140521-FLYZ"),
    );

    let r = ok(&app, "/api/v1/stats/targets?year=2023", "auditor").await;

    assert_eq!(r["unit_id"], county_id);
    assert_eq!(r["today"], "2024-01-10");
    assert_eq!(r["expected_percent"], 100.0, "2023 is over");
    assert_eq!(r["units"].as_array().unwrap().len(), 15);
    assert_eq!(r["units"][0]["unit_id"], county_id, "the root comes first");
    let l = unit(&r, lg);
    assert_eq!(
        l["own"]["consultations"]["done"], 4,
        "both edges of 2023 in, both outside out"
    );
    assert_eq!(l["own"]["consultations"]["target"], 800);
    assert_eq!(l["own"]["consultations"]["share_done_percent"], 0.5);
    assert_eq!(l["own"]["consultations"]["status"], "behind");
    assert_eq!(
        l["own"]["aid_cases"]["done"], 0,
        "aid cases count for the centre"
    );
    assert_eq!(l["own"]["aid_cases"]["status"], "no_target");
    let s = &l["own"]["satisfaction"];
    assert_eq!(
        (s["reached"].as_i64(), s["satisfied"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(s["rate_percent"], 66.7);
    assert_eq!(s["target_percent"], 95.0);
    assert_eq!(s["status"], "below");
    assert_eq!(l["subtree"], l["own"], "a township without units below");
    let z = unit(&r, zc);
    assert_eq!(z["own"]["consultations"]["done"], 2);
    assert_eq!(z["own"]["satisfaction"]["rate_percent"], 100.0);
    assert_eq!(z["own"]["satisfaction"]["status"], "meets");
    assert_eq!(unit(&r, gg)["own"]["consultations"]["done"], 1);
    let a = unit(&r, aid);
    assert_eq!(
        a["own"]["aid_cases"]["done"], 1,
        "granted in 2023; accepted only or 2024: not"
    );
    assert_eq!(a["own"]["aid_cases"]["target"], 70);
    assert_eq!(a["own"]["aid_cases"]["share_done_percent"], 1.4);
    let c = unit(&r, county_id);
    assert_eq!(c["own"]["consultations"]["target"], Value::Null);
    assert_eq!(c["subtree"]["consultations"]["done"], 7);
    assert_eq!(
        c["subtree"]["consultations"]["target"], 6000,
        "1000 + the townships' 5000"
    );
    assert_eq!(c["subtree"]["consultations"]["share_done_percent"], 0.1);
    assert_eq!(c["subtree"]["consultations"]["expected_done"], 6000.0);
    assert_eq!(c["subtree"]["consultations"]["status"], "behind");
    assert_eq!(c["subtree"]["aid_cases"]["done"], 1);
    assert_eq!(c["subtree"]["aid_cases"]["target"], 70);
    let s = &c["subtree"]["satisfaction"];
    assert_eq!(
        (s["reached"].as_i64(), s["satisfied"].as_i64()),
        (Some(4), Some(3))
    );
    assert_eq!(
        s["rate_percent"], 75.0,
        "weighted: 3 of 4, not the mean of 66.7 and 100"
    );
    // Every unit's subtree is its own figures plus its children's subtrees.
    let units = r["units"].as_array().unwrap();
    for u in units {
        for (figure, field) in [
            ("consultations", "done"),
            ("aid_cases", "done"),
            ("satisfaction", "reached"),
            ("satisfaction", "satisfied"),
        ] {
            let children: i64 = units
                .iter()
                .filter(|x| x["parent_id"] == u["unit_id"])
                .map(|x| x["subtree"][figure][field].as_i64().unwrap())
                .sum();
            assert_eq!(
                u["subtree"][figure][field].as_i64().unwrap(),
                u["own"][figure][field].as_i64().unwrap() + children,
                "{} {figure} {field}",
                u["name"]
            );
        }
    }
    // A township office reads its own subtree only; the county is outside it.
    let own = ok(&app, "/api/v1/stats/targets?year=2023", "staff.longgang").await;
    assert_eq!(own["units"].as_array().unwrap().len(), 1);
    assert_eq!(own["units"][0]["subtree"], l["subtree"]);
    let outside = app
        .get(
            &format!("/api/v1/stats/targets?year=2023&unit_id={county_id}"),
            "staff.longgang",
        )
        .await;
    outside.assert_problem(404);
    app.get("/api/v1/stats/targets?year=2023", "lawyer")
        .await
        .assert_problem(403);
    // The current year: 2024's schedule is published; by 10 January 7 of its 251 working days
    // have passed (1 January is a holiday; 2-5 and 8-10 January are working days). One consultation (1 January) against Longgang's 2024
    // target: none is set, so no target.
    let now = ok(&app, "/api/v1/stats/targets", "admin").await;
    assert_eq!(now["year"], 2024);
    assert_eq!(now["calendar"]["published"], true);
    assert_eq!(now["calendar"]["working_days_passed"], 7);
    assert_eq!(now["calendar"]["working_days"], 251);
    assert_eq!(now["expected_percent"], 2.8);
    assert_eq!(unit(&now, lg)["own"]["consultations"]["done"], 1);
    assert_eq!(
        unit(&now, lg)["own"]["consultations"]["status"],
        "no_target"
    );
}

fn counts(b: &Value) -> Vec<(String, i64)> {
    b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["count"].as_i64().unwrap() > 0)
        .map(|r| {
            (
                r["group"]["code"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, i64)]) -> Vec<(String, i64)> {
    items.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect()
}

async fn breakdowns_count_every_group_and_respect_the_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    county(&app).await;
    let (lg, zc, gg) = (
        app.unit_id("140521-SFS-LG"),
        app.unit_id("140521-SFS-ZC"),
        app.unit_id("140521-GGFLFW"),
    );
    let get = |group: &str| {
        let app = &app;
        let path =
            format!("/api/v1/stats/consultations?from=2023-01-01&to=2023-12-31&group_by={group}");
        async move { ok(app, &path, "auditor").await }
    };

    let by_unit = get("unit").await;
    assert_eq!(by_unit["total"], 7);
    assert_eq!(by_unit["multi_valued"], false);
    assert_eq!(
        by_unit["rows"].as_array().unwrap().len(),
        15,
        "every unit, empty ones too"
    );
    let mut expected = vec![
        (gg.to_string(), 1),
        (lg.to_string(), 4),
        (zc.to_string(), 2),
    ];
    let mut got = counts(&by_unit);
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    let lg_code = lg.to_string();
    let label = by_unit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"]["code"] == lg_code.as_str())
        .unwrap()["group"]["label"]
        .clone();
    assert_eq!(label, "龙港镇司法所");

    let month = get("month").await;
    assert_eq!(month["rows"].as_array().unwrap().len(), 12);
    assert_eq!(
        month["rows"][0]["group"],
        json!({"code": "2023-01", "label": "2023年1月"})
    );
    assert_eq!(
        counts(&month),
        pairs(&[
            ("2023-01", 1),
            ("2023-03", 2),
            ("2023-06", 1),
            ("2023-07", 1),
            ("2023-09", 1),
            ("2023-12", 1)
        ])
    );

    let topic = get("topic").await;
    assert_eq!(topic["multi_valued"], true);
    assert_eq!(topic["total"], 7, "each consultation once");
    assert_eq!(
        counts(&topic),
        pairs(&[
            ("land_rights", 1),
            ("marriage_family", 1),
            ("support_maintenance", 1),
            ("labour_wages", 2),
            ("other", 3)
        ])
    );
    let group = get("special_group").await;
    assert_eq!(
        counts(&group),
        pairs(&[
            ("elderly", 1),
            ("disabled", 1),
            ("women", 1),
            ("migrant_worker", 1),
            ("none", 4)
        ])
    );
    assert_eq!(group["total"], 7);
    assert_eq!(
        counts(&get("channel").await),
        pairs(&[
            ("walk_in", 3),
            ("phone", 1),
            ("hotline12348", 1),
            ("online", 1),
            ("home_visit", 1)
        ])
    );
    assert_eq!(
        counts(&get("site").await),
        pairs(&[("fixed_station", 5), ("mobile_station", 1), ("home", 1)])
    );
    assert_eq!(
        counts(&get("outcome").await),
        pairs(&[("answered", 6), ("referred_legal_aid", 1)])
    );
    let ages = get("age_group").await;
    assert_eq!(
        counts(&ages),
        pairs(&[("adult", 2), ("elderly", 1), ("unknown", 4)])
    );
    assert_eq!(ages["rows"][0]["group"]["label"], "未成年人");

    // A township's subtree; and the county is outside a township's scope.
    let own = ok(
        &app,
        "/api/v1/stats/consultations?from=2023-01-01&to=2023-12-31&group_by=channel",
        "staff.longgang",
    )
    .await;
    assert_eq!(own["total"], 4);
    app.get(
        &format!(
            "/api/v1/stats/consultations?from=2023-01-01&to=2023-12-31&group_by=channel&unit_id={}",
            app.unit_id("140521")
        ),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
    app.get(
        "/api/v1/stats/consultations?from=2023-12-31&to=2023-01-01&group_by=channel",
        "admin",
    )
    .await
    .assert_problem(400);
    app.get(
        "/api/v1/stats/consultations?from=2023-01-01&to=2023-12-31&group_by=colour",
        "admin",
    )
    .await
    .assert_problem(400);

    // Aid: the two applications received in 2023 (the 2024 one is outside the period).
    let aid = |group: &'static str, user: &'static str| {
        let app = &app;
        async move {
            ok(
                app,
                &format!("/api/v1/stats/aid?from=2023-01-01&to=2023-12-31&group_by={group}"),
                user,
            )
            .await
        }
    };
    let state = aid("state", "auditor").await;
    assert_eq!(state["total"], 2);
    assert_eq!(counts(&state), pairs(&[("accepted", 1), ("approved", 1)]));
    assert_eq!(
        state["rows"].as_array().unwrap().len(),
        AidState::ALL.len(),
        "every state"
    );
    assert_eq!(
        counts(&aid("green_channel", "auditor").await),
        pairs(&[("yes", 1), ("no", 1)])
    );
    assert_eq!(counts(&aid("urgent", "auditor").await), pairs(&[("no", 2)]));
    assert_eq!(
        counts(&aid("matter", "auditor").await),
        pairs(&[("support_payments", 2)])
    );
    assert_eq!(
        counts(&aid("month", "auditor").await),
        pairs(&[("2023-05", 1), ("2023-06", 1)])
    );
    assert_eq!(
        counts(&aid("unit", "staff.longgang").await),
        pairs(&[(&lg.to_string(), 2)])
    );
    // As of 10 January 2024: the review due on 8 June 2023 and the assignment due on
    // 3 January 2024 (approved on 31 December) have both passed.
    let steps = aid("step_timeliness", "aid.officer").await;
    assert_eq!(
        counts(&steps),
        pairs(&[("review_late", 1), ("assignment_late", 1)])
    );
    assert_eq!(steps["as_of"], "2024-01-10T10:00:00+08:00");
    // Both backends: the same rows, computed in the database.
}

async fn exports_carry_chinese_headers_and_numbers_as_numbers(backend: Backend) {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app(backend).await;
    county(&app).await;
    // CSV: a byte order mark, Chinese headers, plain numbers.
    let csv = app
        .get(
            "/api/v1/stats/consultations/export?format=csv&from=2023-01-01&to=2023-12-31&group_by=channel",
            "auditor",
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("consultations-by-channel-20230101-20231231.csv"));
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    assert!(text.starts_with('\u{FEFF}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines[0], "代码,咨询方式,咨询量");
    assert_eq!(lines[1], "walk_in,来访,3");
    assert_eq!(*lines.last().unwrap(), "total,合计,7");

    // XLSX of the targets view: numbers are number cells.
    let xlsx = app
        .get(
            "/api/v1/stats/targets/export?format=xlsx&year=2023",
            "auditor",
        )
        .await;
    assert_eq!(xlsx.status, 200, "{}", String::from_utf8_lossy(&xlsx.body));
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx.body.to_vec())).expect("a workbook");
    let sheet = book.worksheet_range("目标进度").expect("the sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("单位编号".into()));
    assert_eq!(rows[0][4], Data::String("咨询量".into()));
    assert_eq!(rows.len(), 1 + 2 * 15, "two rows per unit");
    let county_total = rows
        .iter()
        .find(|r| {
            r[1] == Data::String("沁水县司法局".into()) && r[3] == Data::String("含下级".into())
        })
        .expect("the county's subtree row");
    assert_eq!(county_total[4], Data::Float(7.0));
    assert_eq!(county_total[5], Data::Float(6000.0));
    assert_eq!(county_total[8], Data::String("进度滞后".into()));
    assert_eq!(county_total[15], Data::Float(75.0));

    // XLSX of an aid breakdown.
    let aid = app
        .get(
            "/api/v1/stats/aid/export?format=xlsx&from=2023-01-01&to=2023-12-31&group_by=green_channel",
            "admin",
        )
        .await;
    assert_eq!(aid.status, 200);
    let mut book = Xlsx::new(std::io::Cursor::new(aid.body.to_vec())).expect("a workbook");
    let sheet = book.worksheet_range("法律援助统计").expect("the sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][1], Data::String("绿色通道".into()));
    assert_eq!(
        rows[1],
        vec![
            Data::String("yes".into()),
            Data::String("是".into()),
            Data::Float(1.0)
        ]
    );
    assert_eq!(rows[3][2], Data::Float(2.0));
    // The format is required, as for the ledger.
    app.get(
        "/api/v1/stats/aid/export?from=2023-01-01&to=2023-12-31&group_by=state",
        "admin",
    )
    .await
    .assert_problem(400);
}

async fn a_year_without_a_published_calendar_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2031-03-02T10:00:00+08:00"));
    let res = app
        .call(
            app.req(
                Method::PUT,
                &format!("/api/v1/units/{lg}/targets/2031"),
                Some("admin"),
            )
            .insert_header((header::IF_MATCH, "*"))
            .set_json(json!({"consultations": 100})),
        )
        .await;
    assert!(
        res.status == 200 || res.status == 201,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    let r = ok(&app, "/api/v1/stats/targets", "admin").await;
    assert_eq!(r["year"], 2031);
    assert_eq!(r["calendar"]["published"], false);
    assert_eq!(r["expected_percent"], Value::Null);
    assert!(r["calendar"]["note"].as_str().unwrap().contains("2031"));
    let l = unit(&r, lg);
    assert_eq!(l["own"]["consultations"]["status"], "unknown");
    assert_eq!(l["own"]["consultations"]["expected_percent"], Value::Null);
    // A past year needs no calendar: all of it was expected.
    let past = ok(&app, "/api/v1/stats/targets?year=2030", "admin").await;
    assert_eq!(past["expected_percent"], 100.0);
}
