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
    a_provider_or_firm_on_the_other_side_is_a_conflict_unless_overridden,
    a_safe_contact_case_is_called_back_by_its_safe_means_only,
);

/// What closing says: how the case ended and the documents handed in.
fn closing() -> Value {
    json!({"outcome": "judgment", "documents": ["判决书"]})
}

pub(crate) fn version(a: &Value) -> i64 {
    a["version"].as_i64().expect("version")
}

pub(crate) async fn lawyer(app: &TestApp) -> i64 {
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

pub(crate) async fn next(app: &TestApp, user: &str, a: &Value, action: &str, body: Value) -> Value {
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
    // The provider's work log: what was done, on which day; a termination report names its
    // ground; no day before the application, none in the future.
    app.state.clock.set(at("2023-03-10T18:00:00+08:00"));
    let log = format!("/api/v1/aid-applications/{}/work-log", a["id"]);
    for (body, field) in [
        (
            json!({"kind": "meeting", "done_on": "2023-02-27", "note": "约见"}),
            "done_on",
        ),
        (
            json!({"kind": "meeting", "done_on": "2023-03-20", "note": "约见"}),
            "done_on",
        ),
        (
            json!({"kind": "termination_report", "done_on": "2023-03-09", "note": "受援人已自行委托律师"}),
            "termination_ground",
        ),
        (
            json!({"kind": "hearing", "done_on": "2023-03-09", "note": "出庭", "termination_ground": "own_lawyer"}),
            "termination_ground",
        ),
    ] {
        let p = app
            .post(&log, "aid.officer", &body)
            .await
            .assert_problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    for body in [
        json!({"kind": "hearing", "done_on": "2023-03-09", "note": "出庭参加庭审"}),
        json!({"kind": "meeting", "done_on": "2023-03-08", "note": "约见受援人，了解案情"}),
    ] {
        let res = app.post(&log, "aid.officer", &body).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    let entries = app.get(&log, "aid.officer").await.json();
    let kinds: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["meeting", "hearing"],
        "in the order the work was done"
    );
    // Closing says how the case ended, what was recovered and what was handed in.
    app.state.clock.set(t0 + Duration::days(40));
    let p = refused(&app, "aid.officer", &a, "close", json!({}), 422).await;
    assert_eq!(p["errors"][0]["field"], "outcome");
    let a = next(
        &app,
        "aid.officer",
        &a,
        "close",
        json!({"outcome": "mediation", "amount_recovered_fen": 1_200_000,
               "documents": ["民事调解书", "结案报告"]}),
    )
    .await;
    assert_eq!(a["state"], "closed");
    assert_eq!(a["closing_outcome"], "mediation");
    assert_eq!(a["amount_recovered_fen"], 1_200_000);
    assert_eq!(a["closing_documents"], json!(["民事调解书", "结案报告"]));
    // Closed Mon 04-10: the case file is due in 30 days, Wed 05-10.
    assert_eq!(a["deadline"]["kind"], "filing");
    assert_eq!(a["deadline"]["due_date"], "2023-05-10");
    assert_eq!(a["allowed_actions"], json!(["file"]));
    app.state.clock.set(t0 + Duration::days(60));
    let a = next(
        &app,
        "aid.officer",
        &a,
        "file",
        json!({"note": "立卷材料齐全"}),
    )
    .await;
    assert_eq!(a["state"], "filed");
    // Filed Sun 04-30 (an adjusted working day): the review's 30 days end Tue 05-30.
    assert_eq!(a["deadline"]["kind"], "closing_review");
    assert_eq!(a["deadline"]["due_date"], "2023-05-30");
    // The rate table is a published standard; the top unit's admins keep it.
    let rates = app
        .call(app.req(
            actix_web::http::Method::GET,
            "/api/v1/aid-subsidy-rates/2023",
            None,
        ))
        .await;
    assert_eq!(rates.status, 200, "no token needed");
    assert_eq!(rates.json()["items"].as_array().unwrap().len(), 12 * 4);
    let rate_url = "/api/v1/aid-subsidy-rates/2023/support_payments/good";
    let put = |user: &'static str, version: &'static str| {
        app.call(
            app.req(actix_web::http::Method::PUT, rate_url, Some(user))
                .insert_header((actix_web::http::header::IF_MATCH, version))
                .set_json(json!({"amount_fen": 200_000})),
        )
    };
    put("aid.officer", "\"1\"").await.assert_problem(403);
    let res = put("admin", "\"1\"").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    // The closing review grades the case; the subsidy follows from the rate in force.
    let p = refused(&app, "aid.officer", &a, "review", json!({}), 422).await;
    assert_eq!(p["errors"][0]["field"], "quality_grade");
    let a = next(
        &app,
        "aid.officer",
        &a,
        "review",
        json!({"quality_grade": "good", "note": "卷宗齐全"}),
    )
    .await;
    assert_eq!(a["state"], "filed");
    assert_eq!(a["review_grade"], "good");
    assert_eq!(a["subsidy_fen"], 200_000);
    assert!(
        a["deadline"].is_null(),
        "a reviewed case is overdue for nothing"
    );
    assert_eq!(a["allowed_actions"], json!([]));
    refused(
        &app,
        "aid.officer",
        &a,
        "review",
        json!({"quality_grade": "excellent"}),
        409,
    )
    .await;
    let steps = timeline(&app, &a).await;
    let actions: Vec<&str> = steps.iter().map(|e| e.0.as_str()).collect();
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
            "log_work",
            "log_work",
            "close",
            "file",
            "review"
        ]
    );
    let review = &steps.last().unwrap().1;
    assert!(
        review.as_str().unwrap().contains("2000.00 元"),
        "the timeline shows the subsidy: {review}"
    );
    // The documents the steps issued, numbered per centre and year, never reused.
    let papers = app
        .get(
            &format!("/api/v1/aid-applications/{}/papers", a["id"]),
            "aid.officer",
        )
        .await
        .json();
    let items = papers["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["materials_notice", "grant", "assignment"]);
    let refs: Vec<&str> = items
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["沁援〔2023〕1号", "沁援〔2023〕2号", "沁援〔2023〕3号"]
    );
    let text = |i: usize| items[i]["text"].as_str().unwrap().to_owned();
    assert!(
        text(0).starts_with("补充材料通知书\n沁援〔2023〕1号")
            && text(0).contains("户口簿复印件")
            && text(0).contains("2023年3月13日前")
            && text(0).contains("视为撤回")
            && text(0).ends_with("沁水县法律援助中心\n2023年3月1日"),
        "{}",
        text(0)
    );
    assert!(text(1).contains("三日内指派"), "{}", text(1));
    assert!(
        text(2).contains("五日内") && text(2).contains("赵某"),
        "{}",
        text(2)
    );
    let approve = steps.iter().position(|e| e.0 == "approve").unwrap();
    let events = app
        .get(
            &format!("/api/v1/aid-applications/{}/events", a["id"]),
            "aid.officer",
        )
        .await
        .json();
    assert_eq!(
        events["items"][approve]["paper_reference"], "沁援〔2023〕2号",
        "the timeline names the document of the step"
    );
    // A reader who may not see the applicant's name sees it masked in the documents too.
    let masked = app
        .get(
            &format!("/api/v1/aid-applications/{}/papers", a["id"]),
            "auditor",
        )
        .await
        .json();
    let shown = masked["items"][1]["text"].as_str().unwrap();
    assert!(!shown.contains("赵某") && shown.contains("赵*"), "{shown}");
    // The printable page: the title, the reference, the text; its one style sheet by digest.
    let page = app
        .get(items[1]["print_href"].as_str().unwrap(), "aid.officer")
        .await;
    assert_eq!(page.status, 200);
    let csp = page
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("style-src 'sha256-"), "{csp}");
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("<h1>给予法律援助决定书</h1>") && html.contains("沁援〔2023〕2号"),
        "{html}"
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
    // Past its date, the reply is no longer offered: the withdrawal is.
    assert_eq!(p["allowed_actions"], json!(["withdraw"]));
    let shown = app
        .get(
            &format!("/api/v1/aid-applications/{}", a["id"]),
            "aid.officer",
        )
        .await
        .json();
    assert_eq!(shown["allowed_actions"], json!(["withdraw"]));
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
    let a = next(&app, "aid.officer", &a, "close", closing()).await;
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
    let p = refused(&app, "aid.officer", &a, "close", closing(), 409).await;
    assert!(p["detail"].as_str().unwrap().contains("decided"), "{p}");
    let a = next(&app, "aid.officer", &a, "approve", json!({})).await;
    assert_eq!(
        a["state"], "in_progress",
        "approval after the fact keeps the case going"
    );
    assert!(a["decided_at"].is_string());
    assert!(a["deadline"].is_null());
    refused(&app, "aid.officer", &a, "approve", json!({}), 409).await;
    next(&app, "aid.officer", &a, "close", closing()).await;

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
    let papers = app
        .get(
            &format!("/api/v1/aid-applications/{}/papers", d["id"]),
            "admin",
        )
        .await
        .json();
    let decision = &papers["items"][1];
    assert_eq!(decision["kind"], "objection_decision");
    assert_eq!(decision["issuer"], "沁水县司法局");
    assert_eq!(decision["reference"], "沁司援〔2023〕1号");
    assert!(
        decision["text"].as_str().unwrap().contains("维持")
            && decision["text"].as_str().unwrap().contains("行政诉讼"),
        "{decision}"
    );
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
    next(&app, "aid.officer", &a, "close", closing()).await;
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

async fn a_provider_or_firm_on_the_other_side_is_a_conflict_unless_overridden(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
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
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let (lawyer, colleague) = (lawyers[0], lawyers[1]);
    let granted = |name: &str, opposing: &str, seq: u32| {
        let mut body = application(
            lg,
            &id_number("1970-01-01", seq),
            "2023-03-01T10:00:00+08:00",
        );
        body["applicant"]["name"] = json!(name);
        body["opposing_party"] = json!(opposing);
        body
    };
    // 张三 v 李四, with the lawyer.
    let a = submit(&app, "staff.longgang", &granted("张三", "李四", 101)).await;
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    let a = next(&app, "aid.officer", &a, "approve", json!({})).await;
    next(
        &app,
        "aid.officer",
        &a,
        "assign",
        json!({"provider_staff_id": lawyer}),
    )
    .await;
    // 李四 v 张三: neither the lawyer nor a colleague of the firm may take it without a reason.
    let b = submit(&app, "staff.longgang", &granted("李四", "张三", 102)).await;
    let b = next(&app, "aid.officer", &b, "accept", json!({})).await;
    let b = next(&app, "aid.officer", &b, "approve", json!({})).await;
    for (provider, who) in [(lawyer, "该承办人员承办"), (colleague, "所在机构")] {
        let p = refused(
            &app,
            "aid.officer",
            &b,
            "assign",
            json!({"provider_staff_id": provider}),
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "provider_staff_id");
        assert_eq!(p["errors"][0]["code"], "conflict");
        let message = p["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(who) && message.contains(&a["id"].to_string()),
            "{p}"
        );
    }
    // With the officer's reason it goes ahead, and the reason stays with the assignment.
    let b = next(
        &app,
        "aid.officer",
        &b,
        "assign",
        json!({"provider_staff_id": colleague,
               "conflict_override": "前案已终结且受援人书面同意，经中心主任审批"}),
    )
    .await;
    let note = b["assignment_note"].as_str().unwrap();
    assert!(
        note.contains("利益冲突经审查放行") && note.contains("书面同意"),
        "{note}"
    );
    // A change of provider gives its reason; the new provider signs again.
    let a = app
        .get(
            &format!("/api/v1/aid-applications/{}", a["id"]),
            "aid.officer",
        )
        .await
        .json();
    let a = next(&app, "aid.officer", &a, "sign_agreement", json!({})).await;
    let p = refused(
        &app,
        "aid.officer",
        &a,
        "change_provider",
        json!({"provider_staff_id": lawyers[2]}),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "note");
    // A change names another provider than the one the case has.
    let p = refused(
        &app,
        "aid.officer",
        &a,
        "change_provider",
        json!({"provider_staff_id": a["provider_staff_id"], "note": "原承办律师调离"}),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "provider_staff_id", "{p}");
    // The firm now acts for 李四 too: a change within it is checked like an assignment.
    let p = refused(
        &app,
        "aid.officer",
        &a,
        "change_provider",
        json!({"provider_staff_id": lawyers[2], "note": "原承办律师调离"}),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "conflict");
    let changed = next(
        &app,
        "aid.officer",
        &a,
        "change_provider",
        json!({"provider_staff_id": lawyers[2], "note": "原承办律师调离",
               "conflict_override": "所内另行安排，已设信息隔离"}),
    )
    .await;
    assert_eq!(changed["state"], "assigned");
    assert_eq!(changed["provider_staff_id"], lawyers[2]);
    assert_eq!(changed["deadline"]["kind"], "agreement");
    let note = changed["assignment_note"].as_str().unwrap();
    assert!(
        note.contains("更换承办人员")
            && note.contains(&lawyer.to_string())
            && note.contains("调离"),
        "{note}"
    );
}
