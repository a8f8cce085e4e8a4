//! Aid applications: the green channel, the workflow and its deadlines, queues, races, scoping.

use actix_web::http::{header, Method};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    sixty_on_the_day_of_application_is_green_and_a_day_younger_is_not,
    the_full_path_with_deadlines_and_a_materials_pause,
    illegal_steps_are_409_with_the_allowed_actions,
    twenty_racing_approvals_let_exactly_one_win,
    the_queue_puts_urgent_and_green_first,
    scoping_masking_timeline_and_referral,
    assignment_honours_preferences_warns_of_conflicts_and_pledges_are_verified,
);

/// A valid ID number for a birth date (area 140521, sequence `seq`).
pub(crate) fn id_number(birth: &str, seq: u32) -> String {
    let body = format!("140521{}{seq:03}", birth.replace('-', ""));
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

pub(crate) fn application(unit: i64, id: &str, received: &str) -> Value {
    json!({
        "unit_id": unit, "channel": "township_on_behalf", "received_at": received,
        "applicant": {"name": "赵某", "id_number": id, "phone": "13812345678", "address": "沁水县龙港镇"},
        "matter_category": "support_payments", "case_type": "赡养纠纷", "opposing_party": "赵某某",
        "facts": "子女拒绝支付赡养费。", "hardship_check": "pledge"
    })
}

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The current deadline ends at 24:00 China time of `date`, moved there from `moved_from`.
pub(crate) fn assert_due(a: &Value, date: &str, moved_from: Option<&str>) {
    let d = &a["deadline"];
    assert_eq!(d["due_date"], date, "{d}");
    assert_eq!(d["moved_from"], json!(moved_from), "{d}");
    let day: chrono::NaiveDate = date.parse().unwrap();
    let end = day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap();
    assert_eq!(
        at(d["due_at"].as_str().unwrap()),
        end.and_utc() - Duration::hours(8),
        "{d}"
    );
}

pub(crate) async fn submit(app: &TestApp, user: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/aid-applications", user, body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn step(
    app: &TestApp,
    user: &str,
    id: i64,
    action: &str,
    version: i64,
    body: Value,
) -> crate::helpers::TestResponse {
    app.call(
        app.req(
            Method::POST,
            &format!("/api/v1/aid-applications/{id}/{action}"),
            Some(user),
        )
        .insert_header((header::IF_MATCH, format!("\"{version}\"")))
        .set_json(body),
    )
    .await
}

pub(crate) async fn ok_step(
    app: &TestApp,
    user: &str,
    id: i64,
    action: &str,
    version: i64,
    body: Value,
) -> Value {
    let res = step(app, user, id, action, version, body).await;
    assert_eq!(
        res.status,
        200,
        "{action}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

async fn sixty_on_the_day_of_application_is_green_and_a_day_younger_is_not(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-07-01T09:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let id = id_number("1963-06-02", 11);
    let sixty = submit(
        &app,
        "staff.longgang",
        &application(lg, &id, "2023-06-02T10:00:00+08:00"),
    )
    .await;
    assert_eq!(sixty["applicant"]["age"], 60);
    assert_eq!(sixty["green_channel"], true);
    assert_eq!(sixty["green_reasons"], json!(["elderly"]));
    let younger = submit(
        &app,
        "staff.longgang",
        &application(lg, &id, "2023-06-01T10:00:00+08:00"),
    )
    .await;
    assert_eq!(younger["applicant"]["age"], 59);
    assert_eq!(younger["green_channel"], false);
    assert_eq!(younger["green_reasons"], json!([]));
    // A wrong check digit is refused and writes nothing.
    let before = app.row_counts();
    let mut bad = application(lg, &id, "2023-06-01T10:00:00+08:00");
    let mut wrong = id.clone();
    wrong.replace_range(17.., if id.ends_with('1') { "2" } else { "1" });
    bad["applicant"]["id_number"] = json!(wrong);
    let p = app
        .post("/api/v1/aid-applications", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "applicant.id_number");
    assert_eq!(app.row_counts(), before);
    // An officer can put the younger one on the green channel, with a reason.
    let res = app
        .call(
            app.req(
                Method::POST,
                &format!("/api/v1/aid-applications/{}/green-channel", younger["id"]),
                Some("aid.officer"),
            )
            .set_json(json!({"green_channel": true, "reason": "独居，行动不便"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["green_reasons"], json!(["set_by_officer"]));
}

async fn the_full_path_with_deadlines_and_a_materials_pause(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let t0 = at("2023-03-01T10:00:00+08:00");
    app.state.clock.set(t0);
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 21),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["state"], "submitted");
    assert_eq!(a["deadline"]["kind"], "review");
    // Received Wed 03-01: counting 03-02 … 03-08; due at 24:00 on Wed 03-08.
    assert_due(&a, "2023-03-08", None);
    assert_eq!(a["deadline"]["seconds_left"], 7 * 86400 + 14 * 3600);
    assert!(a["deadline"]["basis"]
        .as_str()
        .unwrap()
        .contains("第四十三条"));
    assert_eq!(
        a["centre_id"],
        app.unit_id("140521-FLYZ"),
        "the county's legal aid centre handles it"
    );

    app.state.clock.set(t0 + Duration::hours(2));
    let a = ok_step(&app, "aid.officer", id, "accept", 1, json!({})).await;
    app.state.clock.set(t0 + Duration::days(1));
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "request_materials",
        a["version"].as_i64().unwrap(),
        json!({"materials": ["户口簿复印件", "经济困难状况说明表"], "reply_days": 10,
               "note": "已电话告知申请人一次性补齐"}),
    )
    .await;
    assert_eq!(a["state"], "materials_requested");
    assert_eq!(
        a["materials"],
        json!(["户口簿复印件", "经济困难状况说明表"])
    );
    assert_eq!(a["deadline"]["kind"], "materials_reply");
    // Asked Thu 03-02 for 10 days: Sun 03-12, a rest day, so Mon 03-13.
    assert_due(&a, "2023-03-13", None);
    // Materials arrive Mon 03-06, 4 days after they were asked for: the review period stood
    // still 03-03 … 03-06, so it ends on Sun 03-12, a rest day: Mon 03-13.
    app.state.clock.set(t0 + Duration::days(5));
    let a = ok_step(
        &app,
        "staff.longgang",
        id,
        "receive_materials",
        a["version"].as_i64().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(a["review_paused_days"], 4);
    assert_due(&a, "2023-03-13", Some("2023-03-12"));
    app.state.clock.set(t0 + Duration::days(6));
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "approve",
        a["version"].as_i64().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(a["deadline"]["kind"], "assignment");
    // Approved Tue 03-07: 3 days end Fri 03-10.
    assert_due(&a, "2023-03-10", None);
    let lawyer = app
        .get(
            &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-GGFLFW")),
            "admin",
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.state.clock.set(t0 + Duration::days(7));
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "assign",
        a["version"].as_i64().unwrap(),
        json!({"provider_staff_id": lawyer}),
    )
    .await;
    assert_eq!(a["provider_staff_id"], lawyer);
    assert_eq!(a["deadline"]["kind"], "agreement");
    // Assigned Wed 03-08: 5 days end Mon 03-13.
    assert_due(&a, "2023-03-13", None);
    app.state.clock.set(t0 + Duration::days(8));
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "sign_agreement",
        a["version"].as_i64().unwrap(),
        json!({}),
    )
    .await;
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "start",
        a["version"].as_i64().unwrap(),
        json!({}),
    )
    .await;
    assert!(a["deadline"].is_null());
    app.state.clock.set(t0 + Duration::days(40));
    let a = ok_step(
        &app,
        "aid.officer",
        id,
        "close",
        a["version"].as_i64().unwrap(),
        json!({"outcome": "mediation", "documents": ["调解书"]}),
    )
    .await;
    assert_eq!(a["state"], "closed");
    assert_eq!(a["deadline"]["kind"], "filing");
    // Closed Mon 04-10: 30 days end Wed 05-10.
    assert_due(&a, "2023-05-10", None);
    assert_eq!(a["allowed_actions"], json!(["file"]));
    let timeline = app
        .get(
            &format!("/api/v1/aid-applications/{id}/events"),
            "aid.officer",
        )
        .await
        .json();
    let actions: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "create",
            "accept",
            "request_materials",
            "receive_materials",
            "approve",
            "assign",
            "sign_agreement",
            "start",
            "close"
        ]
    );
    // Each step shows its own note, and only its own.
    let notes: Vec<&serde_json::Value> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["note"])
        .collect();
    assert_eq!(notes[2], "已电话告知申请人一次性补齐");
    assert!(notes[3].is_null(), "{:?}", notes[3]);
}

async fn illegal_steps_are_409_with_the_allowed_actions(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 31),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let p = step(&app, "aid.officer", id, "approve", 1, json!({}))
        .await
        .assert_problem(409);
    assert_eq!(p["allowed_actions"], json!(["accept", "withdraw"]));
    ok_step(&app, "aid.officer", id, "accept", 1, json!({})).await;
    // Assigning before approval is only for urgent aid.
    let p = step(
        &app,
        "aid.officer",
        id,
        "assign",
        2,
        json!({"provider_staff_id": 1}),
    )
    .await
    .assert_problem(409);
    assert!(!p["allowed_actions"]
        .as_array()
        .unwrap()
        .contains(&json!("assign")));
    ok_step(
        &app,
        "aid.officer",
        id,
        "request_materials",
        2,
        json!({"materials": ["身份证复印件"]}),
    )
    .await;
    // A second notice while one is open is refused.
    let p = step(
        &app,
        "aid.officer",
        id,
        "request_materials",
        3,
        json!({"materials": ["又一项"]}),
    )
    .await
    .assert_problem(409);
    assert_eq!(
        p["allowed_actions"],
        json!(["receive_materials", "withdraw"])
    );
    ok_step(&app, "aid.officer", id, "receive_materials", 3, json!({})).await;
    // A rejection needs reasons; with them, the notice names the right to object and where.
    let p = step(&app, "aid.officer", id, "reject", 4, json!({}))
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "reasons");
    let r = ok_step(
        &app,
        "aid.officer",
        id,
        "reject",
        4,
        json!({"reasons": "不属于法律援助事项范围。"}),
    )
    .await;
    let notice = r["rejection_notice"].as_str().unwrap();
    assert!(
        notice.contains("不属于法律援助事项范围")
            && notice.contains("沁水县司法局")
            && notice.contains("异议"),
        "{notice}"
    );
    // Stale versions are 412; the wrong role is 403.
    step(
        &app,
        "admin",
        id,
        "object",
        4,
        json!({"note": "申请人不服"}),
    )
    .await
    .assert_problem(412);
    // The objection goes to the justice bureau: neither the township office nor the centre
    // that refused records or decides it.
    for user in ["staff.longgang", "aid.officer"] {
        step(&app, user, id, "object", 5, json!({"note": "申请人不服"}))
            .await
            .assert_problem(403);
    }
    step(
        &app,
        "aid.officer",
        id,
        "uphold_objection",
        5,
        json!({"note": "x"}),
    )
    .await
    .assert_problem(403);
    let o = ok_step(
        &app,
        "admin",
        id,
        "object",
        5,
        json!({"note": "申请人认为属于赡养费纠纷"}),
    )
    .await;
    assert_eq!(o["deadline"]["kind"], "objection");
    let u = ok_step(
        &app,
        "admin",
        id,
        "uphold_objection",
        6,
        json!({"note": "责令改正，给予援助"}),
    )
    .await;
    assert_eq!(u["state"], "approved");
    // An unknown step names no resource, as a step on nothing does: 404s.
    step(&app, "aid.officer", id, "teleport", 7, json!({}))
        .await
        .assert_problem(404);
    step(&app, "aid.officer", 999_999, "accept", 1, json!({}))
        .await
        .assert_problem(404);
}

async fn twenty_racing_approvals_let_exactly_one_win(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 41),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    ok_step(&app, "aid.officer", id, "accept", 1, json!({})).await;
    let requests = (0..20).map(|i| {
        step(
            &app,
            "aid.officer",
            id,
            "approve",
            if i % 2 == 0 { 2 } else { 1 },
            json!({}),
        )
    });
    let results = futures_util::future::join_all(requests).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409 | 412)),
        "{statuses:?}"
    );
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=aid_application&entity_id={id}"),
            "auditor",
        )
        .await
        .json();
    let approvals = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "approve")
        .count();
    assert_eq!(approvals, 1);
}

async fn the_queue_puts_urgent_and_green_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-10T10:00:00+08:00"));
    let ordinary = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 51),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let green = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1950-05-05", 61),
            "2023-03-05T10:00:00+08:00",
        ),
    )
    .await;
    let mut u = application(
        lg,
        &id_number("1985-05-05", 71),
        "2023-03-09T10:00:00+08:00",
    );
    u["urgent"] = json!(true);
    u["urgent_ground"] = json!("deadline_within_seven_days");
    let urgent = submit(&app, "staff.longgang", &u).await;
    let queue = app
        .get("/api/v1/aid-applications/queue?step=accept", "aid.officer")
        .await;
    assert_eq!(
        queue.status,
        200,
        "{}",
        String::from_utf8_lossy(&queue.body)
    );
    let ids: Vec<i64> = queue.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert_eq!(
        ids,
        vec![
            urgent["id"].as_i64().unwrap(),
            green["id"].as_i64().unwrap(),
            ordinary["id"].as_i64().unwrap()
        ]
    );
    // Paging keeps the order.
    let first = app
        .get(
            "/api/v1/aid-applications/queue?step=accept&limit=1",
            "aid.officer",
        )
        .await
        .json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &format!("/api/v1/aid-applications/queue?step=accept&limit=5&cursor={cursor}"),
            "aid.officer",
        )
        .await
        .json();
    let rest: Vec<i64> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert_eq!(rest, ids[1..].to_vec());
    // Overdue: the ordinary one (received 1 March, review due 8 March) is past its deadline.
    let overdue = app
        .get(
            "/api/v1/aid-applications/queue?step=accept&overdue=true",
            "aid.officer",
        )
        .await
        .json();
    let overdue: Vec<i64> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert_eq!(overdue, vec![ordinary["id"].as_i64().unwrap()]);
    // Urgent aid may be assigned before approval, provisionally.
    let uid = urgent["id"].as_i64().unwrap();
    ok_step(&app, "aid.officer", uid, "accept", 1, json!({})).await;
    let lawyer = app
        .get(
            &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-GGFLFW")),
            "admin",
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let assigned = ok_step(
        &app,
        "aid.officer",
        uid,
        "assign",
        2,
        json!({"provider_staff_id": lawyer}),
    )
    .await;
    assert_eq!(assigned["state"], "assigned");
    assert!(assigned["assignment_note"]
        .as_str()
        .unwrap()
        .contains("先行提供"));
}

async fn scoping_masking_timeline_and_referral(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-10T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let mine = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 81),
            "2023-03-10T09:00:00+08:00",
        ),
    )
    .await;
    let other = submit(
        &app,
        "admin",
        &application(
            zc,
            &id_number("1981-05-05", 91),
            "2023-03-10T09:00:00+08:00",
        ),
    )
    .await;
    let list = app
        .get("/api/v1/aid-applications", "staff.longgang")
        .await
        .json();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![mine["id"].as_i64().unwrap()]);
    app.get(
        &format!("/api/v1/aid-applications/{}", other["id"]),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
    // The aid centre's officer sees both, in full; the auditor sees them masked.
    let officer = app
        .get("/api/v1/aid-applications", "aid.officer")
        .await
        .json();
    assert_eq!(officer["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(officer["items"][0]["applicant"]["phone"], "13812345678");
    let audited = app
        .get(
            &format!("/api/v1/aid-applications/{}", mine["id"]),
            "auditor",
        )
        .await
        .json();
    assert_eq!(audited["applicant"]["phone"], "138****5678");
    assert_eq!(audited["applicant"]["name"], "赵*");
    assert!(audited["applicant"]["id_number"]
        .as_str()
        .unwrap()
        .contains("**********"));
    // A provider sees only what is assigned to it.
    assert_eq!(
        app.get("/api/v1/aid-applications", "lawyer").await.json()["items"],
        json!([])
    );
    // A consultation refers to aid as a prefilled draft.
    let consultation = app
        .post("/api/v1/consultations", "staff.longgang", &json!({
            "unit_id": lg, "received_at": "2023-03-09T09:00:00+08:00", "channel": "walk_in", "site": "fixed_station",
            "person": {"name": "钱某", "id_number": id_number("1950-01-01", 33), "phone": "13900001111"},
            "special_groups": ["disabled"], "topics": ["labour_wages"], "question": "工伤赔偿无人支付。", "outcome": "referred_legal_aid"
        }))
        .await
        .json();
    let draft = app
        .post(
            &format!("/api/v1/consultations/{}/refer-to-aid", consultation["id"]),
            "staff.longgang",
            &json!({}),
        )
        .await;
    assert_eq!(
        draft.status,
        200,
        "{}",
        String::from_utf8_lossy(&draft.body)
    );
    let draft = draft.json();
    assert_eq!(draft["applicant"]["name"], "钱某");
    assert_eq!(draft["facts"], "工伤赔偿无人支付。");
    assert_eq!(draft["consultation_id"], consultation["id"]);
    // Completed with what the draft cannot know, it is submitted.
    let mut draft = json!({
        "unit_id": draft["unit_id"], "consultation_id": draft["consultation_id"], "channel": draft["channel"],
        "applicant": {"name": draft["applicant"]["name"], "id_number": draft["applicant"]["id_number"],
            "phone": draft["applicant"]["phone"], "special_groups": draft["applicant"]["special_groups"],
            "disabled": draft["applicant"]["disabled"]},
        "facts": draft["facts"], "hardship_check": draft["hardship_check"]
    });
    draft["matter_category"] = json!("personal_injury");
    let submitted = submit(&app, "staff.longgang", &draft).await;
    let reasons = submitted["green_reasons"].as_array().unwrap();
    assert!(
        reasons.contains(&json!("elderly")) && reasons.contains(&json!("disabled")),
        "{reasons:?}"
    );
}

async fn assignment_honours_preferences_warns_of_conflicts_and_pledges_are_verified(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-10T10:00:00+08:00"));
    let lg = app.unit_id("140521-SFS-LG");
    let lawyers: Vec<i64> = app
        .get(
            &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-GGFLFW")),
            "admin",
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let approved = |seq: u32, preferred: Vec<i64>| {
        let app = &app;
        async move {
            let mut body = application(
                lg,
                &id_number("1980-05-05", seq),
                "2023-03-10T09:00:00+08:00",
            );
            body["preferred_provider_ids"] = json!(preferred);
            let a = submit(app, "staff.longgang", &body).await;
            let id = a["id"].as_i64().unwrap();
            ok_step(app, "aid.officer", id, "accept", 1, json!({})).await;
            ok_step(app, "aid.officer", id, "approve", 2, json!({})).await;
            id
        }
    };
    // The applicant chose lawyer 0; assigning lawyer 1 needs a reason.
    let first = approved(101, vec![lawyers[0]]).await;
    let p = step(
        &app,
        "aid.officer",
        first,
        "assign",
        3,
        json!({"provider_staff_id": lawyers[1]}),
    )
    .await
    .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "note");
    let a = ok_step(
        &app,
        "aid.officer",
        first,
        "assign",
        3,
        json!({"provider_staff_id": lawyers[1], "note": "所选律师正在外地办案"}),
    )
    .await;
    assert!(a["assignment_note"]
        .as_str()
        .unwrap()
        .contains("所选律师正在外地办案"));
    // A second case against the same opposing party for the same lawyer carries a conflict warning.
    let second = approved(102, vec![]).await;
    let b = ok_step(
        &app,
        "aid.officer",
        second,
        "assign",
        3,
        json!({"provider_staff_id": lawyers[1]}),
    )
    .await;
    assert!(
        b["assignment_note"].as_str().unwrap().contains("利益冲突"),
        "{}",
        b["assignment_note"]
    );
    // The pledge is verified later, and the verification is recorded.
    let res = app
        .post(
            &format!("/api/v1/aid-applications/{first}/hardship-verifications"),
            "aid.officer",
            &json!({"method": "data_platform", "result": "confirmed", "note": "低保系统核实"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let list = app
        .get(
            &format!("/api/v1/aid-applications/{first}/hardship-verifications"),
            "auditor",
        )
        .await
        .json();
    assert_eq!(list["items"][0]["result"], "confirmed");
    app.post(
        &format!("/api/v1/aid-applications/{first}/hardship-verifications"),
        "staff.longgang",
        &json!({"method": "home_visit", "result": "confirmed"}),
    )
    .await
    .assert_problem(403);
}
