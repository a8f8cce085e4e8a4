//! OAuth 2.0 clients: registered by admins, tokens by the client credentials grant (HTTP Basic or
//! form), rotation and deactivation end their tokens, wrong secrets never lock the right one
//! out, and each client is held to its quota with `Retry-After` and `RateLimit` fields.

use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use base64::Engine;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{call_service, spawn_app, Backend, Svc, TestApp, TestResponse, PASSWORD};
use huimin::auth::session::CACHE_SECS;

backend_tests!(
    a_client_gets_tokens_by_basic_and_by_form_and_calls_with_them,
    rotating_refuses_the_old_secret_and_its_tokens,
    a_deactivated_client_gets_no_token_and_loses_its_own,
    wrong_secrets_from_one_address_never_lock_the_right_secret_out,
    past_its_quota_a_client_gets_429_with_retry_after_and_ratelimit_fields,
    grant_errors_follow_rfc_6749,
);

/// A registered client: its id, public identifier and secret.
pub(crate) struct Registered {
    pub id: i64,
    pub client_id: String,
    pub secret: String,
    pub version: i64,
}

pub(crate) async fn register(app: &TestApp, extra: Value) -> Registered {
    let mut body = json!({"name": "省法律援助信息平台", "role": "integration", "unit_id": app.unit_id("140521")});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let res = app.post("/api/v1/clients", "admin", &body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let v = res.json();
    Registered {
        id: v["client"]["id"].as_i64().expect("id"),
        client_id: v["client"]["client_id"]
            .as_str()
            .expect("client_id")
            .to_owned(),
        secret: v["client_secret"].as_str().expect("secret").to_owned(),
        version: v["client"]["version"].as_i64().expect("version"),
    }
}

fn grant_request(from: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/token")
        .peer_addr(from.parse().expect("socket address"))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
}

fn basic(client_id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"))
    )
}

async fn by_basic(app: &TestApp, client_id: &str, secret: &str, from: &str) -> TestResponse {
    app.call(
        grant_request(from)
            .insert_header((header::AUTHORIZATION, basic(client_id, secret)))
            .set_payload("grant_type=client_credentials"),
    )
    .await
}

pub(crate) async fn by_form(app: &TestApp, client_id: &str, secret: &str) -> TestResponse {
    app.call(grant_request("198.51.100.7:4000").set_payload(format!(
        "grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    )))
    .await
}

pub(crate) fn token_of(res: &TestResponse) -> String {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let v = res.json();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_i64().is_some_and(|s| s > 0));
    v["access_token"].as_str().expect("token").to_owned()
}

async fn get_with(svc: &Svc, path: &str, token: &str) -> TestResponse {
    call_service(
        svc,
        TestRequest::get()
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
    )
    .await
}

async fn app_get(app: &TestApp, path: &str, token: &str) -> TestResponse {
    app.call(
        TestRequest::get()
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
    )
    .await
}

/// An RFC 6749 §5.2 error with this status and code.
fn assert_oauth_error(res: &TestResponse, status: u16, code: &str) {
    assert_eq!(
        res.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let v = res.json();
    assert_eq!(v["error"], code, "{v}");
    assert!(v["error_description"].is_string());
    if status == 401 {
        assert_eq!(
            res.header("www-authenticate").as_deref(),
            Some("Basic realm=\"huimin\"")
        );
    }
}

async fn a_client_gets_tokens_by_basic_and_by_form_and_calls_with_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = register(&app, json!({})).await;
    assert!(client.secret.starts_with("hmcs_"));

    let basic_token =
        token_of(&by_basic(&app, &client.client_id, &client.secret, "198.51.100.7:4000").await);
    let form_token = token_of(&by_form(&app, &client.client_id, &client.secret).await);

    for token in [&basic_token, &form_token] {
        let me = app_get(&app, "/api/v1/me", token).await;
        assert_eq!(me.status, 200, "{}", String::from_utf8_lossy(&me.body));
        assert_eq!(me.json()["role"], "integration");
        assert_eq!(me.json()["name"], client.client_id.as_str());
        let list = app_get(&app, "/api/v1/consultations", token).await;
        assert_eq!(list.status, 200);
        assert_eq!(
            list.header("ratelimit-policy").as_deref(),
            Some("\"client\";q=600;w=60")
        );
        assert!(list
            .header("ratelimit")
            .is_some_and(|v| v.starts_with("\"client\";r=")));
    }
    // People log in as before, and their responses carry no quota.
    let login = app.login("integration", PASSWORD).await;
    assert_eq!(
        login.status,
        200,
        "{}",
        String::from_utf8_lossy(&login.body)
    );
    let person = app.get("/api/v1/consultations", "integration").await;
    assert_eq!(person.status, 200);
    assert!(person.header("ratelimit").is_none());
    // A client's account never logs in with a password.
    app.login(&client.client_id, "hmcs_any-password")
        .await
        .assert_problem(401);
    // The client is listed and read; the trail records it without its secret.
    let listed = app.get("/api/v1/clients", "admin").await;
    assert_eq!(listed.status, 200);
    assert!(listed.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|c| c["id"] == client.id && c.get("client_secret").is_none()));
    let one = app
        .get(&format!("/api/v1/clients/{}", client.id), "admin")
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["client_id"], client.client_id.as_str());
    let trail = trail_text(&app);
    assert!(trail.contains(&client.client_id));
    assert!(
        !trail.contains(&client.secret),
        "the secret is in the trail"
    );
    assert!(
        !trail.contains(&huimin::auth::client_secret::digest(&client.secret)),
        "the secret's digest is in the trail"
    );
}

/// Every event's action, entity and data, as one text.
fn trail_text(app: &TestApp) -> String {
    use diesel::prelude::*;
    use huimin::db::schema::audit_events;
    let mut conn = app.pool.get().expect("connection");
    let rows: Vec<(String, String, Option<String>, Option<String>)> = audit_events::table
        .select((
            audit_events::action,
            audit_events::entity,
            audit_events::before_data,
            audit_events::after_data,
        ))
        .load(&mut **conn)
        .expect("trail");
    rows.into_iter()
        .map(|(a, e, b, d)| {
            format!(
                "{a} {e} {} {}\n",
                b.unwrap_or_default(),
                d.unwrap_or_default()
            )
        })
        .collect()
}

/// Rotates a client's secret as the admin, with `If-Match` of the version it was registered at.
async fn rotate(app: &TestApp, client: &Registered) -> TestResponse {
    app.call(
        app.req(
            actix_web::http::Method::POST,
            &format!("/api/v1/clients/{}/secret", client.id),
            Some("admin"),
        )
        .insert_header((header::IF_MATCH, format!("\"{}\"", client.version))),
    )
    .await
}

async fn rotating_refuses_the_old_secret_and_its_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = app.second_instance().await;
    let client = register(&app, json!({})).await;
    let old_token = token_of(&by_form(&app, &client.client_id, &client.secret).await);
    // The second instance reads the token's account, and keeps it for a while.
    assert_eq!(
        get_with(&second, "/api/v1/me", &old_token).await.status,
        200
    );

    let rotated = rotate(&app, &client).await;
    assert_eq!(
        rotated.status,
        200,
        "{}",
        String::from_utf8_lossy(&rotated.body)
    );
    assert_eq!(rotated.header("cache-control").as_deref(), Some("no-store"));
    let new_secret = rotated.json()["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new_secret, client.secret);

    assert_oauth_error(
        &by_form(&app, &client.client_id, &client.secret).await,
        401,
        "invalid_client",
    );
    let new_token = token_of(&by_form(&app, &client.client_id, &new_secret).await);
    assert_eq!(app_get(&app, "/api/v1/me", &new_token).await.status, 200);
    // The old token: at once on this instance, after the cache's bound on the other.
    app_get(&app, "/api/v1/me", &old_token)
        .await
        .assert_problem(401);
    actix_web::rt::time::sleep(Duration::from_secs(CACHE_SECS) + Duration::from_millis(200)).await;
    get_with(&second, "/api/v1/me", &old_token)
        .await
        .assert_problem(401);
    // A stale If-Match is refused.
    let stale = rotate(&app, &client).await;
    stale.assert_problem(412);
    assert!(trail_text(&app).contains("rotate_secret api_client"));
    assert!(!trail_text(&app).contains(&new_secret));
}

async fn a_deactivated_client_gets_no_token_and_loses_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = register(&app, json!({})).await;
    let token =
        token_of(&by_basic(&app, &client.client_id, &client.secret, "198.51.100.7:4000").await);
    let res = app
        .call(app.req(
            actix_web::http::Method::POST,
            &format!("/api/v1/clients/{}/deactivate", client.id),
            Some("admin"),
        ))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["active"], false);
    app_get(&app, "/api/v1/me", &token)
        .await
        .assert_problem(401);
    assert_oauth_error(
        &by_basic(&app, &client.client_id, &client.secret, "198.51.100.7:4000").await,
        401,
        "invalid_client",
    );
    let listed = app.get("/api/v1/clients?active=false", "admin").await;
    assert!(listed.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|c| c["id"] == client.id));
    assert!(trail_text(&app).contains("deactivate api_client"));
}

async fn wrong_secrets_from_one_address_never_lock_the_right_secret_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = register(&app, json!({})).await;
    let from = "203.0.113.9:5000";
    let mut statuses = Vec::new();
    for i in 0..8 {
        let res = by_basic(&app, &client.client_id, &format!("hmcs_wrong{i}"), from).await;
        statuses.push(res.status.as_u16());
        match res.status.as_u16() {
            401 => assert_oauth_error(&res, 401, "invalid_client"),
            429 => {
                res.assert_problem(429);
                assert!(res.header("retry-after").is_some());
            }
            other => panic!("a wrong secret answered {other}"),
        }
    }
    assert!(
        statuses.contains(&429),
        "wrong secrets are never slowed: {statuses:?}"
    );
    // The right secret, from the same address, at once.
    token_of(&by_basic(&app, &client.client_id, &client.secret, from).await);
    // Someone typing the client's identifier at the password login changes nothing either.
    for _ in 0..6 {
        let res = app.login(&client.client_id, "a wrong password").await;
        assert!(res.status == 401 || res.status == 429, "{}", res.status);
    }
    token_of(&by_basic(&app, &client.client_id, &client.secret, "198.51.100.8:4000").await);
    assert!(trail_text(&app).contains("client_auth_failed api_client"));
}

async fn past_its_quota_a_client_gets_429_with_retry_after_and_ratelimit_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = register(&app, json!({"requests_per_minute": 3})).await;
    let token = token_of(&by_form(&app, &client.client_id, &client.secret).await);
    for left in [2, 1, 0] {
        let res = app_get(&app, "/api/v1/units", &token).await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("ratelimit-policy").as_deref(),
            Some("\"client\";q=3;w=60")
        );
        let field = res.header("ratelimit").expect("RateLimit");
        assert!(
            field.starts_with(&format!("\"client\";r={left};t=")),
            "{field}"
        );
    }
    let refused = app_get(&app, "/api/v1/units", &token).await;
    refused.assert_problem(429);
    let wait: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(refused
        .header("ratelimit")
        .is_some_and(|v| v.starts_with("\"client\";r=0;t=")));
    assert_eq!(
        refused.header("ratelimit-policy").as_deref(),
        Some("\"client\";q=3;w=60")
    );
    // Another client, and people, have quotas of their own.
    let other = register(&app, json!({})).await;
    let other_token = token_of(&by_form(&app, &other.client_id, &other.secret).await);
    assert_eq!(
        app_get(&app, "/api/v1/units", &other_token).await.status,
        200
    );
    assert_eq!(app.get("/api/v1/units", "integration").await.status, 200);
}

async fn grant_errors_follow_rfc_6749(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = register(&app, json!({})).await;
    let send = |req: TestRequest| app.call(req);
    assert_oauth_error(
        &send(grant_request("198.51.100.7:4000").set_payload("grant_type=password&username=admin"))
            .await,
        400,
        "unsupported_grant_type",
    );
    assert_oauth_error(
        &send(grant_request("198.51.100.7:4000").set_payload("client_id=x")).await,
        400,
        "invalid_request",
    );
    assert_oauth_error(
        &send(
            grant_request("198.51.100.7:4000")
                .insert_header((
                    header::AUTHORIZATION,
                    basic(&client.client_id, &client.secret),
                ))
                .set_payload(format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}",
                    client.client_id, client.secret
                )),
        )
        .await,
        400,
        "invalid_request",
    );
    assert_oauth_error(
        &send(grant_request("198.51.100.7:4000").set_payload("grant_type=client_credentials"))
            .await,
        401,
        "invalid_client",
    );
    assert_oauth_error(
        &by_form(&app, "client-0000000000000000", &client.secret).await,
        401,
        "invalid_client",
    );
    // Only integration and auditor clients, in the admin's subtree.
    let admin_client = app
        .post(
            "/api/v1/clients",
            "admin",
            &json!({"name": "越权平台", "role": "admin", "unit_id": app.unit_id("140521")}),
        )
        .await;
    let p = admin_client.assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "role");
    // Only admins register clients.
    app.post(
        "/api/v1/clients",
        "integration",
        &json!({"name": "自助平台", "role": "integration", "unit_id": app.unit_id("140521")}),
    )
    .await
    .assert_problem(403);
}
