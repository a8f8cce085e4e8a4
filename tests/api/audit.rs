//! The audit trail: written with each change, absent when the change fails, tamper-evident.

use actix_web::http::Method;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{audit_keys, spawn_app, Backend};

pub(crate) mod tamper;

backend_tests!(
    each_change_writes_its_audit_row_with_the_request_id,
    a_failed_change_leaves_no_audit_row,
    the_hash_chain_verifies_and_names_a_tampered_event,
    auditors_read_the_trail_and_others_do_not,
);

async fn each_change_writes_its_audit_row_with_the_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-JF");
    let req = app
        .req(Method::PATCH, &format!("/api/v1/units/{id}"), Some("admin"))
        .insert_header(("X-Request-Id", "req-jf-phone-1"))
        .set_json(json!({"phone": "0356-7040001"}));
    let res = app.call(req).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("x-request-id").as_deref(),
        Some("req-jf-phone-1")
    );
    let trail = app
        .get("/api/v1/audit-events?request_id=req-jf-phone-1", "admin")
        .await
        .json();
    let events = trail["items"].as_array().expect("items");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["action"], "update");
    assert_eq!(e["entity"], "unit");
    assert_eq!(e["entity_id"], id);
    assert_eq!(e["actor"], "admin");
    assert_eq!(e["role"], "admin");
    // The trail keeps the server's own request id, with the caller's beside it.
    assert_eq!(e["caller_request_id"], "req-jf-phone-1");
    let server_id = e["request_id"].as_str().expect("request id");
    assert!(
        uuid::Uuid::parse_str(server_id).is_ok(),
        "the server's id: {server_id}"
    );
    let by_server_id = app
        .get(
            &format!("/api/v1/audit-events?request_id={server_id}"),
            "admin",
        )
        .await
        .json();
    assert_eq!(by_server_id["items"], trail["items"]);
    // The event is bound into the chain of the admin's county.
    assert_eq!(e["chain_id"], app.unit_id("140521"));
    assert_eq!(e["key_id"], audit_keys().current_id());
    assert!(e["before"]["phone"].is_null());
    // Phone numbers in the trail are masked.
    assert_eq!(e["after"]["phone"], "035*****0001");
}

async fn a_failed_change_leaves_no_audit_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let lg = app.unit_id("140521-SFS-LG");
    // The code is taken: the insert fails inside the transaction, after the chain head was locked.
    let res = app
        .post("/api/v1/units", "admin", &json!({"parent_id": lg, "kind": "village_workstation", "code": "140521-SFS-ZC", "name": "重复编码"}))
        .await;
    res.assert_problem(409);
    assert_eq!(
        app.row_counts(),
        before,
        "neither the unit nor an audit row was written"
    );
    let verify = app
        .get("/api/v1/audit-events/verify", "auditor")
        .await
        .json();
    assert_eq!(verify["intact"], true);
}

async fn the_hash_chain_verifies_and_names_a_tampered_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let report = app
        .get("/api/v1/audit-events/verify", "auditor")
        .await
        .json();
    assert_eq!(report["intact"], true, "{report}");
    let checked = report["checked"].as_i64().unwrap();
    assert!(checked >= 15 + 15 + 6, "seeding is audited: {checked}");

    // The trail refuses edits.
    {
        let mut conn = app.pool.get().unwrap();
        let refused = conn.batch_execute("UPDATE audit_events SET actor = 'mallory' WHERE id = 5");
        assert!(
            refused.is_err(),
            "the append-only trigger must refuse updates"
        );
    }
    // Someone with database access disables the guard and edits event 5.
    {
        let mut conn = app.pool.get().unwrap();
        let sql = match backend {
            Backend::Sqlite => "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor = 'mallory' WHERE id = 5",
            Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update; UPDATE audit_events SET actor = 'mallory' WHERE id = 5",
        };
        conn.batch_execute(sql).unwrap();
    }
    let report = app.get("/api/v1/audit-events/verify", "admin").await.json();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken_id"], 5);
    // Seeding is the service's own chain 0, where event 5 is the fifth.
    let chain0 = &report["chains"][0];
    assert_eq!(chain0["chain_id"], 0);
    assert_eq!(chain0["first_broken_seq"], 5);
    assert_eq!(chain0["checked"], 4);
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not match its MAC")),
        "{report}"
    );
}

async fn auditors_read_the_trail_and_others_do_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app
        .get("/api/v1/audit-events?limit=10", "auditor")
        .await
        .json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(10));
    assert!(page["next_cursor"].is_string());
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    for user in ["staff.longgang", "aid.officer", "lawyer", "integration"] {
        app.get("/api/v1/audit-events", user)
            .await
            .assert_problem(403);
        app.get("/api/v1/audit-events/verify", user)
            .await
            .assert_problem(403);
    }
    // An auditor writes nothing.
    app.post(
        "/api/v1/units",
        "auditor",
        &json!({"parent_id": 1, "kind": "law_firm", "code": "LF", "name": "x"}),
    )
    .await
    .assert_problem(403);
}
