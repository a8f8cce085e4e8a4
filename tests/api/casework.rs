//! Legal aid casework in law: one materials notice and a reply within its date; the official
//! notice's own path; urgent aid decided after it is given; objections within their window,
//! decided by the bureau with their own notes; the case file after closing; intake rules that
//! join fields.

use chrono::Duration;
use serde_json::{json, Value};

use crate::aid::{application, at, id_number, ok_step, submit};
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    a_civil_case_goes_from_intake_to_its_filed_case_file,
    a_reply_after_its_date_is_refused_and_the_application_withdrawn_as_deemed,
    an_official_notice_is_assigned_within_three_days_without_review,
    urgent_aid_is_decided_after_it_is_given_granted_or_refused,
    an_objection_is_made_in_time_and_decided_by_the_bureau_with_its_own_notes,
    intake_rules_that_join_fields,
    a_safe_contact_case_is_called_back_by_its_safe_means_only,
);

fn version(a: &Value) -> i64 {
    a["version"].as_i64().expect("version")
}

async fn lawyer(app: &TestApp) -> i64 {
    app.get(
        &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-GGFLFW")),
        "admin",
    )
    .await
    .json()["items"][0]["id"]
        .as_i64()
        .expect("a lawyer")
}

/// A step that must be refused with `status`; the problem.
async fn refused(
    app: &TestApp,
    user: &str,
    a: &Value,
    action: &str,
    body: Value,
    status: u16,
) -> Value {
    let id = a["id"].as_i64().expect("id");
    app.call(
        app.req(
            actix_web::http::Method::POST,
            &format!("/api/v1/aid-applications/{id}/{action}"),
            Some(user),
        )
        .insert_header((
            actix_web::http::header::IF_MATCH,
            format!("\"{}\"", version(a)),
        ))
        .set_json(body),
    )
    .await
    .assert_problem(status)
}

async fn next(app: &TestApp, user: &str, a: &Value, action: &str, body: Value) -> Value {
    ok_step(
        app,
        user,
        a["id"].as_i64().expect("id"),
        action,
        version(a),
        body,
    )
    .await
}

async fn timeline(app: &TestApp, a: &Value) -> Vec<(String, Value)> {
    app.get(
        &format!("/api/v1/aid-applications/{}/events", a["id"]),
        "aid.officer",
    )
    .await
    .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["note"].clone(),
            )
        })
        .collect()
}

async fn a_civil_case_goes_from_intake_to_its_filed_case_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let t0 = at("2023-03-01T10:00:00+08:00");
    app.state.clock.set(t0);
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
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    let a = next(
        &app,
        "aid.officer",
        &a,
        "request_materials",
        json!({"materials": ["户口簿复印件"], "reply_days": 10}),
    )
    .await;
    app.state.clock.set(t0 + Duration::days(3));
    let a = next(&app, "staff.longgang", &a, "receive_materials", json!({})).await;
    // One notice per application (一次性告知): a second one is refused, even after the reply.
    let p = refused(
        &app,
        "aid.officer",
        &a,
        "request_materials",
        json!({"materials": ["又一项"]}),
        409,
    )
    .await;
    assert!(
        !p["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("request_materials")),
        "{p}"
    );
    let a = next(&app, "aid.officer", &a, "approve", json!({})).await;
    assert!(a["decided_at"].is_string(), "{a}");
    let provider = lawyer(&app).await;
    let a = next(
        &app,
        "aid.officer",
        &a,
        "assign",
        json!({"provider_staff_id": provider}),
    )
    .await;
    let a = next(&app, "aid.officer", &a, "sign_agreement", json!({})).await;
    let a = next(&app, "aid.officer", &a, "start", json!({})).await;
    // Closed Mon 04-10: the case file is due in 30 days, Wed 05-10; until it is handed in the
    // case is not finished.
    app.state.clock.set(t0 + Duration::days(40));
    let a = next(&app, "aid.officer", &a, "close", json!({})).await;
    assert_eq!(a["state"], "closed");
    assert_eq!(a["deadline"]["kind"], "filing");
    assert_eq!(a["deadline"]["due_date"], "2023-05-10");
    assert_eq!(a["allowed_actions"], json!(["file"]));
    app.state.clock.set(t0 + Duration::days(60));
    let a = next(
        &app,
        "aid.officer",
        &a,
        "file",
        json!({"note": "立卷材料齐全，已归档"}),
    )
    .await;
    assert_eq!(a["state"], "filed");
    assert!(
        a["deadline"].is_null(),
        "a filed case is overdue for nothing"
    );
    assert_eq!(a["allowed_actions"], json!([]));
    let actions: Vec<String> = timeline(&app, &a).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        actions,
        [
            "create",
            "accept",
            "request_materials",
            "receive_materials",
            "approve",
            "assign",
            "sign_agreement",
            "start",
            "close",
            "file"
        ]
    );
    // The figures count a filed case as granted aid.
    let stats = app
        .get(
            "/api/v1/stats/aid?from=2023-03-01&to=2023-03-31&group_by=state",
            "admin",
        )
        .await;
    assert_eq!(
        stats.status,
        200,
        "{}",
        String::from_utf8_lossy(&stats.body)
    );
}

async fn a_reply_after_its_date_is_refused_and_the_application_withdrawn_as_deemed(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let t0 = at("2023-03-01T10:00:00+08:00");
    app.state.clock.set(t0);
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 42),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    // Asked Wed 03-01 for 5 days: due at 24:00 on Mon 03-06.
    let a = next(
        &app,
        "aid.officer",
        &a,
        "request_materials",
        json!({"materials": ["身份证复印件"], "reply_days": 5}),
    )
    .await;
    assert_eq!(a["deadline"]["due_date"], "2023-03-06");
    // 00:05 on Tue 03-07: too late.
    app.state.clock.set(at("2023-03-07T00:05:00+08:00"));
    let p = refused(
        &app,
        "staff.longgang",
        &a,
        "receive_materials",
        json!({}),
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("deemed withdrawn"),
        "{p}"
    );
    assert_eq!(
        p["allowed_actions"],
        json!(["receive_materials", "withdraw"])
    );
    let w = next(
        &app,
        "aid.officer",
        &a,
        "withdraw",
        json!({"note": "已电话告知申请人"}),
    )
    .await;
    assert_eq!(w["state"], "withdrawn");
    assert!(
        w["decision_note"]
            .as_str()
            .unwrap()
            .starts_with("逾期未补充材料，视为撤回申请。"),
        "{w}"
    );
}

fn notice_body(unit: i64, seq: u32) -> Value {
    json!({
        "unit_id": unit, "channel": "official_notice", "received_at": "2023-03-10T16:00:00+08:00",
        "applicant": {"name": "孙某", "id_number": id_number("1990-01-01", seq)},
        "matter_category": "criminal_defence", "case_type": "盗窃案（审查起诉阶段）",
        "facts": "沁水县人民检察院通知指派律师担任辩护人。", "hardship_check": "not_required"
    })
}

async fn an_official_notice_is_assigned_within_three_days_without_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let centre = app.unit_id("140521-FLYZ");
    app.state.clock.set(at("2023-03-10T16:30:00+08:00"));
    // A notice is a criminal defence without a means test.
    let mut pledged = notice_body(centre, 51);
    pledged["hardship_check"] = json!("pledge");
    let p = app
        .post("/api/v1/aid-applications", "aid.officer", &pledged)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "hardship_check", "{p}");
    let a = submit(&app, "aid.officer", &notice_body(centre, 52)).await;
    // Received Fri 03-10: three days end Mon 03-13 (Art. 36); no acceptance, no review.
    assert_eq!(a["deadline"]["kind"], "notice_assignment");
    assert_eq!(a["deadline"]["due_date"], "2023-03-13");
    assert_eq!(a["allowed_actions"], json!(["assign", "withdraw"]));
    refused(&app, "aid.officer", &a, "accept", json!({}), 409).await;
    let provider = lawyer(&app).await;
    let a = next(
        &app,
        "aid.officer",
        &a,
        "assign",
        json!({"provider_staff_id": provider}),
    )
    .await;
    assert_eq!(a["state"], "assigned");
    assert!(a["decided_at"].is_string(), "the notice is the decision");
    assert_eq!(a["deadline"]["kind"], "agreement");
    let a = next(&app, "aid.officer", &a, "sign_agreement", json!({})).await;
    let a = next(&app, "aid.officer", &a, "start", json!({})).await;
    let a = next(&app, "aid.officer", &a, "close", json!({})).await;
    assert_eq!(a["state"], "closed");
}

async fn urgent_aid_is_decided_after_it_is_given_granted_or_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let provider = lawyer(&app).await;
    let urgent = |seq| {
        let mut body = application(
            lg,
            &id_number("1975-07-07", seq),
            "2023-03-01T10:00:00+08:00",
        );
        body["urgent"] = json!(true);
        body["urgent_ground"] = json!("deadline_within_seven_days");
        body
    };
    // Granted after the fact: assigned at once, the agreement signed, then approved; only a
    // decided case may be closed.
    let a = submit(&app, "staff.longgang", &urgent(61)).await;
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    let a = next(
        &app,
        "aid.officer",
        &a,
        "assign",
        json!({"provider_staff_id": provider}),
    )
    .await;
    assert!(a["decided_at"].is_null());
    let a = next(&app, "aid.officer", &a, "sign_agreement", json!({})).await;
    assert_eq!(
        a["deadline"]["kind"], "review",
        "the decision is still owed"
    );
    let a = next(&app, "aid.officer", &a, "start", json!({})).await;
    let p = refused(&app, "aid.officer", &a, "close", json!({}), 409).await;
    assert!(p["detail"].as_str().unwrap().contains("decided"), "{p}");
    let a = next(&app, "aid.officer", &a, "approve", json!({})).await;
    assert_eq!(
        a["state"], "in_progress",
        "approval after the fact keeps the case going"
    );
    assert!(a["decided_at"].is_string());
    assert!(a["deadline"].is_null());
    refused(&app, "aid.officer", &a, "approve", json!({}), 409).await;
    next(&app, "aid.officer", &a, "close", json!({})).await;

    // Refused after the fact: the aid ends, with the termination notice of Art. 44; the
    // objection to it, upheld, resumes the aid where it stood.
    let b = submit(&app, "staff.longgang", &urgent(62)).await;
    let b = next(&app, "aid.officer", &b, "accept", json!({})).await;
    let b = next(
        &app,
        "aid.officer",
        &b,
        "assign",
        json!({"provider_staff_id": provider}),
    )
    .await;
    let b = next(
        &app,
        "aid.officer",
        &b,
        "reject",
        json!({"reasons": "经审查，申请人经济状况不符合法律援助条件。"}),
    )
    .await;
    assert_eq!(b["state"], "terminated");
    assert_eq!(b["termination_ground"], "not_eligible");
    let notice = b["termination_notice"]
        .as_str()
        .expect("termination notice");
    assert!(
        notice.starts_with("终止法律援助决定书")
            && notice.contains("第四十四条")
            && notice.contains("行政诉讼"),
        "{notice}"
    );
    assert!(
        b["rejection_notice"].is_null(),
        "no refusal notice for a termination"
    );
    let b = next(
        &app,
        "admin",
        &b,
        "object",
        json!({"note": "申请人称其无固定收入"}),
    )
    .await;
    assert!(b["termination_notice"].is_string());
    let b = next(
        &app,
        "admin",
        &b,
        "uphold_objection",
        json!({"note": "异议成立，责令恢复法律援助"}),
    )
    .await;
    assert_eq!(b["state"], "assigned");
    assert!(b["termination_ground"].is_null() && b["termination_notice"].is_null());
    assert_eq!(b["objection_decision_note"], "异议成立，责令恢复法律援助");
}

async fn an_objection_is_made_in_time_and_decided_by_the_bureau_with_its_own_notes(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let t0 = at("2023-09-14T10:00:00+08:00");
    app.state.clock.set(t0);
    let a = submit(
        &app,
        "staff.longgang",
        &application(
            lg,
            &id_number("1980-05-05", 71),
            "2023-09-14T10:00:00+08:00",
        ),
    )
    .await;
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    // Refused Fri 09-15.
    app.state.clock.set(t0 + Duration::days(1));
    let a = next(
        &app,
        "aid.officer",
        &a,
        "reject",
        json!({"reasons": "不属于法律援助事项范围。"}),
    )
    .await;
    // Fifteen days from Fri 09-15 end Sat 09-30, in the National Day holiday (09-29 … 10-06):
    // the window runs to 24:00 on Sat 10-07, an adjusted working day.
    app.state.clock.set(at("2023-10-08T09:00:00+08:00"));
    let p = refused(
        &app,
        "admin",
        &a,
        "object",
        json!({"note": "申请人不服"}),
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("15 days"), "{p}");
    // Served only on Mon 09-25 (by post): fifteen days end Tue 10-10, so it is in time on 10-08;
    // a day served before the decision was made is refused.
    let p = refused(
        &app,
        "admin",
        &a,
        "object",
        json!({"note": "申请人不服", "served_on": "2023-09-14"}),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "served_on");
    let o = next(
        &app,
        "admin",
        &a,
        "object",
        json!({"note": "申请人认为属于赡养费纠纷", "served_on": "2023-09-25"}),
    )
    .await;
    assert_eq!(o["state"], "objection");
    assert_eq!(o["objection_note"], "申请人认为属于赡养费纠纷");
    assert_eq!(
        o["decision_note"], "不属于法律援助事项范围。",
        "the centre's reasons stay its own"
    );
    let notice = o["rejection_notice"].as_str().expect("notice");
    assert!(
        notice.contains("不属于法律援助事项范围")
            && !notice.contains("赡养费纠纷")
            && notice.contains("行政复议"),
        "{notice}"
    );
    assert_eq!(o["deadline"]["kind"], "objection");
    // The centre that refused does not decide the objection.
    refused(
        &app,
        "aid.officer",
        &o,
        "dismiss_objection",
        json!({"note": "x"}),
        403,
    )
    .await;
    let d = next(
        &app,
        "admin",
        &o,
        "dismiss_objection",
        json!({"note": "经审查异议不成立，维持原决定"}),
    )
    .await;
    assert_eq!(d["state"], "objection_dismissed");
    assert_eq!(d["objection_decision_note"], "经审查异议不成立，维持原决定");
    assert!(d["rejection_notice"].as_str().unwrap().contains("行政诉讼"));
    let steps = timeline(&app, &d).await;
    let object = steps.iter().find(|(a, _)| a == "object").expect("object");
    assert!(
        object.1.as_str().unwrap().contains("2023-09-25"),
        "the timeline keeps the day served: {:?}",
        object.1
    );
}

async fn intake_rules_that_join_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let field = |p: Value| p["errors"][0]["field"].as_str().unwrap_or("").to_owned();
    // A minor applies through a guardian.
    let minor = application(
        lg,
        &id_number("2010-04-04", 81),
        "2023-03-01T10:00:00+08:00",
    );
    let p = app
        .post("/api/v1/aid-applications", "staff.longgang", &minor)
        .await
        .assert_problem(422);
    assert_eq!(field(p), "applicant.guardian_name");
    let mut guarded = minor.clone();
    guarded["applicant"]["guardian_name"] = json!("赵某某");
    guarded["applicant"]["guardian_relation"] = json!("母亲");
    let g = submit(&app, "staff.longgang", &guarded).await;
    assert!(g["green_reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("minor")));
    // A ground frees the applicant from the check: a pledge naming one is refused.
    let mut pledged = application(
        lg,
        &id_number("1980-05-05", 82),
        "2023-03-01T10:00:00+08:00",
    );
    pledged["hardship_ground"] = json!("no_fixed_income");
    let p = app
        .post("/api/v1/aid-applications", "staff.longgang", &pledged)
        .await
        .assert_problem(422);
    assert_eq!(field(p), "hardship_ground");
    // A migrant worker's traffic injury is not the wages-or-work-injury case of Art. 42(3).
    let mut traffic = application(
        lg,
        &id_number("1980-05-05", 83),
        "2023-03-01T10:00:00+08:00",
    );
    traffic["applicant"]["special_groups"] = json!(["migrant_worker"]);
    traffic["matter_category"] = json!("personal_injury");
    let t = submit(&app, "staff.longgang", &traffic).await;
    assert_eq!(t["green_channel"], false, "{t}");
    traffic["matter_category"] = json!("work_injury");
    traffic["applicant"]["id_number"] = json!(id_number("1980-05-05", 84));
    let w = submit(&app, "staff.longgang", &traffic).await;
    assert_eq!(w["green_reasons"], json!(["migrant_worker_wages"]));
    // Veterans are accepted, reviewed and assigned first.
    let mut veteran = application(
        lg,
        &id_number("1980-05-05", 85),
        "2023-03-01T10:00:00+08:00",
    );
    veteran["applicant"]["special_groups"] = json!(["veteran"]);
    let v = submit(&app, "staff.longgang", &veteran).await;
    assert_eq!(v["green_reasons"], json!(["veteran"]));
}

async fn a_safe_contact_case_is_called_back_by_its_safe_means_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let mut body = application(
        lg,
        &id_number("1985-02-02", 91),
        "2023-03-01T10:00:00+08:00",
    );
    body["matter_category"] = json!("other_civil");
    body["hardship_check"] = json!("not_required");
    body["hardship_ground"] = json!("domestic_violence_victim");
    body["safe_contact"] = json!(true);
    // Safe contact needs the safe means.
    let p = app
        .post("/api/v1/aid-applications", "staff.longgang", &body)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "safe_contact_means");
    body["safe_contact_means"] = json!("经县妇联王某转达，工作日上午");
    body["safe_contact_phone"] = json!("0356-5023999");
    let a = submit(&app, "staff.longgang", &body).await;
    assert_eq!(
        a["applicant"]["safe_contact_means"],
        "经县妇联王某转达，工作日上午"
    );
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    let a = next(&app, "aid.officer", &a, "approve", json!({})).await;
    let a = next(
        &app,
        "aid.officer",
        &a,
        "assign",
        json!({"provider_staff_id": lawyer(&app).await}),
    )
    .await;
    let a = next(&app, "aid.officer", &a, "sign_agreement", json!({})).await;
    let a = next(&app, "aid.officer", &a, "start", json!({})).await;
    next(&app, "aid.officer", &a, "close", json!({})).await;
    // The follow-up the closing creates calls the safe channel (masked for the admin, who does
    // not call), never the applicant's phone.
    let follow_ups = app
        .every_item(
            &format!(
                "/api/v1/follow-ups?subject_kind=aid_application&subject_id={}",
                a["id"]
            ),
            "admin",
        )
        .await;
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    let f = &follow_ups[0];
    assert_eq!(f["safe_contact"], true, "{f}");
    let phone = f["contact_phone"]
        .as_str()
        .expect("the safe channel's phone");
    assert!(
        phone.ends_with("3999") && !phone.contains("5678"),
        "never the applicant's own phone: {phone}"
    );
    assert!(
        f["safe_contact_means"].is_null(),
        "the means are for the one who calls"
    );
}
