//! Accounts: created and changed by admins within their subtree.

use actix_web::http::Method;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend};

backend_tests!(
    admin_creates_an_account_that_can_log_in,
    accounts_are_scoped_and_admin_only,
    admin_cannot_lock_itself_out,
);

async fn admin_creates_an_account_that_can_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let unit = app.unit_id("140521-SFS-ZZ");
    let res = app
        .post(
            "/api/v1/users",
            "admin",
            &json!({"username": "zz.staff", "password": "a long passphrase", "display_name": "郑庄镇 李强", "role": "unit_staff", "unit_id": unit}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let user = res.json();
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert_eq!(app.login("zz.staff", "a long passphrase").await.status, 200);
    // The audit trail holds the creation without any password material.
    let trail = app
        .get("/api/v1/audit-events?entity=user", "admin")
        .await
        .json();
    let text = trail.to_string();
    assert!(text.contains("zz.staff"));
    assert!(!text.contains("argon2") && !text.contains("a long passphrase"));
    // Duplicate usernames conflict; short passwords are invalid.
    app.post("/api/v1/users", "admin", &json!({"username": "zz.staff", "password": "a long passphrase", "display_name": "x", "role": "unit_staff", "unit_id": unit}))
        .await
        .assert_problem(409);
    let p = app
        .post("/api/v1/users", "admin", &json!({"username": "zz.two", "password": "short", "display_name": "x", "role": "unit_staff", "unit_id": unit}))
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
}

async fn accounts_are_scoped_and_admin_only(backend: Backend) {
    let app = spawn_app(backend).await;
    // A township admin sees only the accounts of its township.
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    app.post("/api/v1/users", "admin", &json!({"username": "lg.admin", "password": "a long passphrase", "display_name": "龙港 管理员", "role": "admin", "unit_id": lg}))
        .await;
    assert_eq!(app.login("lg.admin", "a long passphrase").await.status, 200);
    let list = app.get("/api/v1/users", "lg.admin").await.json();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(names, vec!["staff.longgang", "lg.admin"]);
    // It cannot create an account in another township, nor read the county's accounts.
    let p = app
        .post("/api/v1/users", "lg.admin", &json!({"username": "zc.x", "password": "a long passphrase", "display_name": "x", "role": "unit_staff", "unit_id": zc}))
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "unit_id");
    let admin_id = app
        .get("/api/v1/users?role=admin&unit_id=1", "admin")
        .await
        .json()["items"][0]["id"]
        .clone();
    app.get(&format!("/api/v1/users/{admin_id}"), "lg.admin")
        .await
        .assert_problem(404);
    // Other roles may not manage accounts at all.
    app.get("/api/v1/users", "auditor")
        .await
        .assert_problem(403);
    app.get("/api/v1/users", "staff.longgang")
        .await
        .assert_problem(403);
}

async fn admin_cannot_lock_itself_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let me = app.get("/api/v1/me", "admin").await.json();
    let id = me["account_id"].as_i64().unwrap();
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        "admin",
        &json!({"active": false}),
    )
    .await
    .assert_problem(409);
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        "admin",
        &json!({"role": "auditor"}),
    )
    .await
    .assert_problem(409);
    let ok = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            "admin",
            &json!({"display_name": "县局 管理员"}),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["version"], 2);
}
