//! Inspections: spot checks, monthly meetings and on-site inspections with the plan's checklist;
//! rectification; compliance with the minimums per month and quarter; scope; the demo year.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::aid::at;
use crate::audit::tamper::second_county;
use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp, TestResponse};

mod compliance;

backend_tests!(
    inspections_are_recorded_read_changed_and_audited,
    invalid_inspections_are_422s_naming_the_fields,
    inspections_are_read_in_the_inspecting_units_subtree,
    rectifications_turn_overdue_after_their_due_day_until_done,
);

/// The nine items, all passed but `signage`.
pub(crate) fn checklist() -> Value {
    let items = [
        "public_awareness",
        "site_layout",
        "signage",
        "duties_posted",
        "system_supervision",
        "records_true_complete",
        "timely_review",
        "files_complete",
        "follow_up_satisfaction",
    ];
    Value::Array(
        items
            .iter()
            .rev()
            .map(|i| {
                if *i == "signage" {
                    json!({"item": i, "passed": false, "note": "门口标牌被遮挡"})
                } else {
                    json!({"item": i, "passed": true})
                }
            })
            .collect(),
    )
}

pub(crate) fn spot_check(county: i64, town: i64, day: &str) -> Value {
    json!({"unit_id": county, "kind": "spot_check", "held_on": day, "inspectors": "县司法局督查组",
           "unit_ids": [town], "summary": "抽查值班和咨询登记情况"})
}

pub(crate) fn ok(res: &TestResponse, status: u16) -> Value {
    assert_eq!(
        res.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

pub(crate) async fn create(app: &TestApp, body: &Value) -> Value {
    ok(&app.post("/api/v1/inspections", "admin", body).await, 201)
}

async fn patch(app: &TestApp, id: i64, version: i64, body: &Value) -> TestResponse {
    app.call(
        app.req(
            Method::PATCH,
            &format!("/api/v1/inspections/{id}"),
            Some("admin"),
        )
        .insert_header((header::IF_MATCH, format!("\"{version}\"")))
        .set_json(body),
    )
    .await
}

pub(crate) fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

async fn inspections_are_recorded_read_changed_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");

    // A create with an idempotency key, replayed; the key with another body is a 422.
    let body = spot_check(county, lg, "2023-05-08");
    let send = |body: &Value| {
        app.req(Method::POST, "/api/v1/inspections", Some("admin"))
            .insert_header(("Idempotency-Key", "insp-1"))
            .set_json(body)
    };
    let first = app.call(send(&body)).await;
    let made = ok(&first, 201);
    let id = made["id"].as_i64().expect("id");
    assert_eq!(
        first.header("location").as_deref(),
        Some(format!("/api/v1/inspections/{id}").as_str())
    );
    assert_eq!(first.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(made["rectification_status"], "not_required");
    assert_eq!(made["unit_ids"], json!([lg]));
    let again = app.call(send(&body)).await;
    assert_eq!(ok(&again, 201)["id"], id);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    app.call(send(&spot_check(county, zc, "2023-05-08")))
        .await
        .assert_problem(422);

    // An on-site inspection: the checklist comes back in the plan's order.
    let on_site = json!({"unit_id": county, "kind": "on_site_inspection", "held_on": "2023-05-10",
        "unit_ids": [zc], "checklist": checklist(), "findings": "标识标牌不醒目",
        "rectification_required": true, "rectification_due": "2023-05-25"});
    let site = create(&app, &on_site).await;
    let items: Vec<&str> = site["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .map(|c| c["item"].as_str().expect("item"))
        .collect();
    assert_eq!(items.len(), 9);
    assert_eq!(&items[..3], &["public_awareness", "site_layout", "signage"]);
    assert_eq!(site["checklist"][2]["passed"], false);
    assert_eq!(site["rectification_status"], "pending");
    let meeting = create(
        &app,
        &json!({"unit_id": county, "kind": "monthly_meeting", "held_on": "2023-05-05",
                "summary": "月例会：讲评上月抽查情况"}),
    )
    .await;

    // Read, with its ETag; a stale If-Match is a 412, the current one changes it.
    let read = app
        .get(&format!("/api/v1/inspections/{id}"), "auditor")
        .await;
    assert_eq!(ok(&read, 200)["summary"], "抽查值班和咨询登记情况");
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    patch(&app, id, 7, &json!({"findings": "值班电话无人接听"}))
        .await
        .assert_problem(412);
    let changed = ok(
        &patch(
            &app,
            id,
            1,
            &json!({"findings": "值班电话无人接听", "unit_ids": [lg, zc], "inspectors": null}),
        )
        .await,
        200,
    );
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["unit_ids"], json!([lg, zc]));
    assert_eq!(changed["inspectors"], Value::Null);

    // Lists: the latest first, filtered, paged.
    let all = ok(&app.get("/api/v1/inspections", "admin").await, 200);
    assert_eq!(
        ids(&all),
        vec![
            site["id"].as_i64().unwrap(),
            id,
            meeting["id"].as_i64().unwrap()
        ]
    );
    let spot = ok(
        &app.get("/api/v1/inspections?kind=spot_check", "admin")
            .await,
        200,
    );
    assert_eq!(ids(&spot), vec![id]);
    let of_zc = ok(
        &app.get(
            &format!("/api/v1/inspections?inspected_unit_id={zc}&from=2023-05-06&to=2023-05-31"),
            "admin",
        )
        .await,
        200,
    );
    assert_eq!(ids(&of_zc), vec![site["id"].as_i64().unwrap(), id]);
    let page = ok(&app.get("/api/v1/inspections?limit=2", "admin").await, 200);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = ok(
        &app.get(
            &format!("/api/v1/inspections?limit=2&cursor={cursor}"),
            "admin",
        )
        .await,
        200,
    );
    assert_eq!(ids(&rest), vec![meeting["id"].as_i64().unwrap()]);
    let since = ok(
        &app.get(
            "/api/v1/inspections?updated_after=2023-05-15T01:59:00Z",
            "admin",
        )
        .await,
        200,
    );
    assert_eq!(ids(&since).len(), 3);
    app.get("/api/v1/inspections?from=2023-05-10&to=2023-05-01", "admin")
        .await
        .assert_problem(400);

    // Every write is in the trail and the change feed.
    let trail = ok(
        &app.get(
            &format!("/api/v1/audit-events?entity=inspection&entity_id={id}"),
            "auditor",
        )
        .await,
        200,
    );
    assert_eq!(trail["items"].as_array().expect("events").len(), 2);
    crate::changes::settled(&app).await;
    let (feed, _) = crate::changes::all_items(&app, "admin", "&types=inspection").await;
    let of_id: Vec<&Value> = feed.iter().filter(|c| c["resource_id"] == id).collect();
    assert_eq!(of_id.len(), 2, "{feed:?}");
    assert_eq!(of_id[1]["data"]["findings"], "值班电话无人接听");
    assert_eq!(of_id[1]["data"]["rectification_status"], "not_required");
}

async fn invalid_inspections_are_422s_naming_the_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let before = app.row_counts();
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
    let refused = |body: Value| {
        let app = &app;
        async move {
            let p = app
                .post("/api/v1/inspections", "admin", &body)
                .await
                .assert_problem(422);
            fields(&p)
        }
    };
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    // An on-site inspection of two units with seven items of the checklist.
    let mut partial = checklist();
    partial.as_array_mut().expect("list").truncate(7);
    assert_eq!(
        refused(
            json!({"unit_id": county, "kind": "on_site_inspection", "held_on": "2023-05-10",
                       "unit_ids": [lg, zc], "checklist": partial})
        )
        .await,
        vec![pair("unit_ids", "invalid"), pair("checklist", "incomplete")]
    );
    // A failed item without a note, and a checklist on a spot check.
    let mut unexplained = checklist();
    unexplained[6] = json!({"item": "signage", "passed": false});
    assert_eq!(
        refused(
            json!({"unit_id": county, "kind": "on_site_inspection", "held_on": "2023-05-10",
                       "unit_ids": [lg], "checklist": unexplained})
        )
        .await,
        vec![pair("checklist[6].note", "required")]
    );
    let mut with_list = spot_check(county, lg, "2023-05-10");
    with_list["checklist"] = checklist();
    assert_eq!(
        refused(with_list).await,
        vec![pair("checklist", "unexpected")]
    );
    // No unit for a spot check; a day after today.
    assert_eq!(
        refused(json!({"unit_id": county, "kind": "spot_check", "held_on": "2023-05-16"})).await,
        vec![pair("held_on", "future"), pair("unit_ids", "required")]
    );
    // Rectification: a due day is needed, done needs who.
    let mut rect = spot_check(county, lg, "2023-05-10");
    rect["rectification_required"] = json!(true);
    rect["rectification_done_on"] = json!("2023-05-12");
    assert_eq!(
        refused(rect).await,
        vec![
            pair("rectification_due", "required"),
            pair("rectification_done_by", "required")
        ]
    );
    let mut not_required = spot_check(county, lg, "2023-05-10");
    not_required["rectification_due"] = json!("2023-05-20");
    assert_eq!(
        refused(not_required).await,
        vec![pair("rectification_due", "unexpected")]
    );
    // An inspected unit outside the inspecting unit's subtree, a staff member outside scope.
    let (_, out_town) = second_county(&app);
    assert_eq!(
        refused(
            json!({"unit_id": lg, "kind": "spot_check", "held_on": "2023-05-10", "unit_ids": [zc]})
        )
        .await,
        vec![pair("unit_ids[0]", "not_found")]
    );
    assert_eq!(
        refused(spot_check(county, out_town, "2023-05-10")).await,
        vec![pair("unit_ids[0]", "not_found")]
    );
    // Shape: an unknown item, a blank note.
    app.post(
        "/api/v1/inspections",
        "admin",
        &json!({"unit_id": county, "kind": "on_site_inspection", "held_on": "2023-05-10",
                "unit_ids": [lg], "checklist": [{"item": "coffee", "passed": true}]}),
    )
    .await
    .assert_problem(422);
    app.post(
        "/api/v1/inspections",
        "admin",
        &json!({"unit_id": county, "kind": "spot_check", "held_on": "2023-05-10",
                "unit_ids": [lg], "summary": "   "}),
    )
    .await
    .assert_problem(422);
    let mut after = app.row_counts();
    after.retain(|(t, _)| {
        *t != "units" && *t != "users" && *t != "audit_events" && *t != "audit_chains"
    });
    let mut was = before;
    was.retain(|(t, _)| {
        *t != "units" && *t != "users" && *t != "audit_events" && *t != "audit_chains"
    });
    assert_eq!(was, after, "refused writes change nothing");
    // A patch is checked as the inspection it leaves.
    let made = create(&app, &spot_check(county, lg, "2023-05-10")).await;
    let p = patch(
        &app,
        made["id"].as_i64().unwrap(),
        1,
        &json!({"kind": "on_site_inspection"}),
    )
    .await
    .assert_problem(422);
    assert_eq!(fields(&p), vec![pair("checklist", "incomplete")]);
}

async fn inspections_are_read_in_the_inspecting_units_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let by_county = create(&app, &spot_check(county, lg, "2023-05-08")).await;
    let by_lg = create(&app, &spot_check(lg, lg, "2023-05-09")).await;
    let (cid, lid) = (
        by_county["id"].as_i64().unwrap(),
        by_lg["id"].as_i64().unwrap(),
    );
    // The county's auditor and integration read both; the township's staff only its own.
    for user in ["auditor", "integration", "aid.officer"] {
        let list = ok(&app.get("/api/v1/inspections", user).await, 200);
        if user == "aid.officer" {
            assert!(ids(&list).is_empty(), "the aid centre made none");
        } else {
            assert_eq!(ids(&list), vec![lid, cid], "{user}");
        }
    }
    let mine = ok(&app.get("/api/v1/inspections", "staff.longgang").await, 200);
    assert_eq!(ids(&mine), vec![lid]);
    app.get(&format!("/api/v1/inspections/{cid}"), "staff.longgang")
        .await
        .assert_problem(404);
    // Providers do not read inspections; only admins write.
    app.get("/api/v1/inspections", "lawyer")
        .await
        .assert_problem(403);
    app.get("/api/v1/inspections/compliance", "lawyer")
        .await
        .assert_problem(403);
    for user in ["auditor", "staff.longgang", "integration"] {
        app.post(
            "/api/v1/inspections",
            user,
            &spot_check(lg, lg, "2023-05-09"),
        )
        .await
        .assert_problem(403);
    }
    // Another county's admin reaches none of it, and names none of it.
    let (yc, _) = second_county(&app);
    assert!(ids(&ok(&app.get("/api/v1/inspections", "admin.yc").await, 200)).is_empty());
    app.get(&format!("/api/v1/inspections/{cid}"), "admin.yc")
        .await
        .assert_problem(404);
    app.get(
        &format!("/api/v1/inspections/compliance?unit_id={county}"),
        "admin.yc",
    )
    .await
    .assert_problem(404);
    let p = app
        .post(
            "/api/v1/inspections",
            "admin.yc",
            &spot_check(county, lg, "2023-05-09"),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    let res = app
        .call(
            app.req(
                Method::PATCH,
                &format!("/api/v1/inspections/{cid}"),
                Some("admin.yc"),
            )
            .set_json(json!({"summary": "改"})),
        )
        .await;
    res.assert_problem(404);
    let _ = yc;
}

async fn rectifications_turn_overdue_after_their_due_day_until_done(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-05-15T10:00:00+08:00"));
    let county = app.unit_id("140521");
    let lg = app.unit_id("140521-SFS-LG");
    let with_due = |due: &str| {
        let mut b = spot_check(county, lg, "2023-05-02");
        b["findings"] = json!("3条咨询登记缺少答复内容");
        b["rectification_required"] = json!(true);
        b["rectification_due"] = json!(due);
        b
    };
    let late = create(&app, &with_due("2023-05-14")).await;
    let today = create(&app, &with_due("2023-05-15")).await;
    create(&app, &spot_check(county, lg, "2023-05-03")).await;
    assert_eq!(late["rectification_status"], "overdue");
    assert_eq!(
        today["rectification_status"], "pending",
        "due today is not overdue"
    );
    let (late_id, today_id) = (late["id"].as_i64().unwrap(), today["id"].as_i64().unwrap());
    let listed = |status: &'static str| {
        let app = &app;
        async move {
            ids(&ok(
                &app.get(
                    &format!("/api/v1/inspections?rectification={status}"),
                    "admin",
                )
                .await,
                200,
            ))
        }
    };
    assert_eq!(listed("overdue").await, vec![late_id]);
    assert_eq!(listed("pending").await, vec![today_id]);
    assert_eq!(listed("not_required").await.len(), 1);
    // The next day both are overdue.
    app.state.clock.set(at("2023-05-16T00:00:00+08:00"));
    assert_eq!(
        listed("overdue").await,
        vec![today_id, late_id],
        "same day: the later recorded first"
    );

    // Marking it done: not in the future, and by someone.
    patch(
        &app,
        late_id,
        1,
        &json!({"rectification_done_on": "2023-05-17", "rectification_done_by": "王敏"}),
    )
    .await
    .assert_problem(422);
    patch(
        &app,
        late_id,
        1,
        &json!({"rectification_done_on": "2023-05-15"}),
    )
    .await
    .assert_problem(422);
    let done = ok(
        &patch(
            &app,
            late_id,
            1,
            &json!({"rectification_done_on": "2023-05-15", "rectification_done_by": "龙港镇司法所 王敏",
                    "rectification_note": "已补录答复内容"}),
        )
        .await,
        200,
    );
    assert_eq!(done["rectification_status"], "done");
    assert_eq!(done["rectification_done_by"], "龙港镇司法所 王敏");
    assert_eq!(listed("overdue").await, vec![today_id]);
    assert_eq!(listed("done").await, vec![late_id]);
    // Not required any more while it is marked done: refused. Reopened: overdue again.
    patch(&app, late_id, 2, &json!({"rectification_required": false}))
        .await
        .assert_problem(422);
    let reopened = ok(
        &patch(
            &app,
            late_id,
            2,
            &json!({"rectification_done_on": null, "rectification_done_by": null}),
        )
        .await,
        200,
    );
    assert_eq!(reopened["rectification_status"], "overdue");
    // The trail keeps who marked it done and when.
    let trail = ok(
        &app.get(
            &format!("/api/v1/audit-events?entity=inspection&entity_id={late_id}"),
            "auditor",
        )
        .await,
        200,
    );
    assert_eq!(trail["items"].as_array().expect("events").len(), 3);
}
