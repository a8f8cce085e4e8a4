//! Sessions and login throttling: a token is only as good as its account and session, on every
//! instance within the documented bound; failed logins slow down, never lock out.

use std::time::{Duration, Instant};

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{call_service, spawn_app, Backend, Svc, TestApp, TestResponse, PASSWORD};
use huimin::auth::session::CACHE_SECS;

backend_tests!(
    changed_or_logged_out_accounts_lose_their_tokens_on_a_second_instance,
    tokens_without_an_account_or_session_are_401,
    tokens_from_the_future_or_living_too_long_are_401,
    five_wrong_passwords_then_the_right_one_gets_in_after_the_delay,
    one_password_sprayed_over_40_usernames_from_one_address_is_slowed_down,
    logins_failures_delays_and_logouts_are_in_the_trail,
    accounts_link_to_a_staff_record_of_their_subtree,
);

fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

async fn me_on(svc: &Svc, token: &str) -> TestResponse {
    call_service(
        svc,
        TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(bearer(token)),
    )
    .await
}

/// Polls `svc` with the token until it is refused: returns how long that took, or panics after
/// the bound and a margin.
async fn refused_within_bound(svc: &Svc, token: &str, what: &str) -> Duration {
    let started = Instant::now();
    let limit = Duration::from_secs(CACHE_SECS) + Duration::from_secs(3);
    loop {
        let res = me_on(svc, token).await;
        if res.status == 401 {
            res.assert_problem(401);
            return started.elapsed();
        }
        assert_eq!(
            res.status,
            200,
            "{what}: {}",
            String::from_utf8_lossy(&res.body)
        );
        assert!(
            started.elapsed() < limit,
            "{what}: the old token still works on the second instance after {:?}",
            started.elapsed()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn patch_user(app: &TestApp, username: &str, body: Value) {
    let id = user_id(app, username);
    let res = app
        .call(
            app.req(Method::PATCH, &format!("/api/v1/users/{id}"), Some("admin"))
                .set_json(body),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.pool.get().expect("connection");
    huimin::store::users::by_username(&mut conn, username)
        .expect("query")
        .expect("account")
        .id
}

async fn changed_or_logged_out_accounts_lose_their_tokens_on_a_second_instance(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = app.second_instance().await;
    // A second admin, to be demoted.
    let county = app.unit_id("140521");
    let created = app
        .post(
            "/api/v1/users",
            "admin",
            &json!({"username": "admin2", "password": "a long passphrase", "display_name": "副管理员", "role": "admin", "unit_id": county}),
        )
        .await;
    assert_eq!(created.status, 201);
    let cases = [
        "auditor",
        "admin2",
        "staff.longgang",
        "aid.officer",
        "lawyer",
    ];
    let tokens: Vec<String> = cases.iter().map(|u| app.token_of(u)).collect();
    let untouched = app.token_of("integration");
    // Every token works on both instances (and the second one now holds them in its cache).
    for token in tokens.iter().chain([&untouched]) {
        assert_eq!(me_on(&second, token).await.status, 200);
    }
    let zc = app.unit_id("140521-SFS-ZC");
    patch_user(&app, "auditor", json!({"active": false})).await;
    patch_user(&app, "admin2", json!({"role": "auditor"})).await;
    patch_user(&app, "staff.longgang", json!({"unit_id": zc})).await;
    patch_user(
        &app,
        "aid.officer",
        json!({"password": "another long passphrase"}),
    )
    .await;
    let out = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/logout")
                .insert_header(bearer(&tokens[4])),
        )
        .await;
    assert_eq!(out.status, 204, "{}", String::from_utf8_lossy(&out.body));
    // On the instance that made the change: at once.
    for (user, token) in cases.iter().zip(&tokens) {
        let res = me_on_app(&app, token).await;
        assert_eq!(res.status, 401, "{user} on the first instance");
    }
    // On the other instance: within the bound.
    let mut slowest = Duration::ZERO;
    for (user, token) in cases.iter().zip(&tokens) {
        slowest = slowest.max(refused_within_bound(&second, token, user).await);
    }
    crate::helpers::report(&format!(
        "sessions ({backend:?}): old tokens refused on a second instance after at most {slowest:?} (bound {CACHE_SECS} s)"
    ));
    // The demoted admin can no longer create accounts there.
    let res = call_service(
        &second,
        TestRequest::post()
            .uri("/api/v1/users")
            .insert_header(bearer(&tokens[1]))
            .set_json(json!({"username": "evil", "password": "a long passphrase", "display_name": "x", "role": "admin", "unit_id": county})),
    )
    .await;
    res.assert_problem(401);
    // A token of an unchanged account still works; the changed accounts log in again.
    assert_eq!(me_on(&second, &untouched).await.status, 200);
    assert_eq!(app.login("admin2", "a long passphrase").await.status, 200);
    assert_eq!(
        app.login("aid.officer", "another long passphrase")
            .await
            .status,
        200
    );
    let moved = app.login("staff.longgang", PASSWORD).await.json();
    assert_eq!(moved["unit_id"], zc);
    // A logged-out session stays ended; a new login is a new session.
    let again = app.login("lawyer", PASSWORD).await.json();
    let token = again["access_token"].as_str().unwrap();
    assert_eq!(me_on(&second, token).await.status, 200);
}

async fn me_on_app(app: &TestApp, token: &str) -> TestResponse {
    app.call(
        TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(bearer(token)),
    )
    .await
}

/// The claims of a token, decoded without checking.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

/// Signs claims with the test app's secret.
fn sign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(crate::helpers::SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn tokens_without_an_account_or_session_are_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let good = claims_of(&app.token_of("admin"));
    assert_eq!(me_on_app(&app, &sign(&good)).await.status, 200);
    let lawyer = claims_of(&app.token_of("lawyer"));
    let cases: Vec<(&str, Value)> = vec![
        ("nonexistent subject", {
            let mut c = good.clone();
            c["sub"] = json!("99999");
            c
        }),
        ("nonexistent session", {
            let mut c = good.clone();
            c["sid"] = json!(99999);
            c
        }),
        ("another account's session", {
            let mut c = good.clone();
            c["sid"] = lawyer["sid"].clone();
            c
        }),
        ("no session", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("sid");
            c
        }),
        ("another unit", {
            let mut c = good.clone();
            c["unit_id"] = json!(app.unit_id("140521-SFS-LG"));
            c
        }),
        ("another token version", {
            let mut c = good.clone();
            c["ver"] = json!(good["ver"].as_i64().unwrap() + 1);
            c
        }),
    ];
    for (case, claims) in cases {
        let res = me_on_app(&app, &sign(&claims)).await;
        assert_eq!(res.status, 401, "{case}");
        let p = res.assert_problem(401);
        // The message never names another account.
        let detail = p["detail"].as_str().unwrap();
        assert!(
            !detail.contains("lawyer") && !detail.contains("admin"),
            "{case}: {detail}"
        );
    }
}

async fn tokens_from_the_future_or_living_too_long_are_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let good = claims_of(&app.token_of("admin"));
    let now = chrono::Utc::now().timestamp();
    let max = app.keys.max_lifetime_secs;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "nbf in the future",
            {
                let mut c = good.clone();
                c["nbf"] = json!(now + 300);
                c
            },
            "not valid yet",
        ),
        (
            "iat in the future",
            {
                let mut c = good.clone();
                c["iat"] = json!(now + 300);
                c["exp"] = json!(now + 600);
                c
            },
            "issued in the future",
        ),
        (
            "lifetime above the maximum",
            {
                let mut c = good.clone();
                c["iat"] = json!(now);
                c["exp"] = json!(now + max + 1);
                c
            },
            "exceeds the accepted maximum",
        ),
    ];
    for (case, claims, message) in cases {
        let p = me_on_app(&app, &sign(&claims)).await.assert_problem(401);
        assert!(
            p["detail"].as_str().unwrap().contains(message),
            "{case}: {p}"
        );
    }
}

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> TestResponse {
    app.call(
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .peer_addr(address.parse().expect("socket address"))
            .set_json(json!({"username": username, "password": password})),
    )
    .await
}

fn retry_after(res: &TestResponse) -> u64 {
    res.assert_problem(429);
    res.header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds")
}

async fn five_wrong_passwords_then_the_right_one_gets_in_after_the_delay(backend: Backend) {
    let app = spawn_app(backend).await;
    let from = "192.0.2.10:40000";
    let mut failures = 0;
    let mut delayed = 0;
    while failures < 5 {
        let res = login_from(&app, from, "lawyer", "wrong password").await;
        if res.status == 429 {
            delayed += 1;
            let wait = retry_after(&res);
            assert!(wait <= 300, "delays are capped");
            actix_web::rt::time::sleep(Duration::from_secs(wait)).await;
        } else {
            res.assert_problem(401);
            failures += 1;
        }
    }
    assert!(delayed >= 1, "the fifth failure came after a delay");
    // The right password right away: delayed, not refused for good.
    let res = login_from(&app, from, "lawyer", PASSWORD).await;
    let wait = retry_after(&res);
    assert!((1..=4).contains(&wait), "a short delay, got {wait} s");
    // Another account from another address is not affected.
    assert_eq!(
        login_from(&app, "192.0.2.11:40000", "auditor", PASSWORD)
            .await
            .status,
        200
    );
    // After the delay the right password gets in, and the counter starts again.
    actix_web::rt::time::sleep(Duration::from_secs(wait)).await;
    let res = login_from(&app, from, "lawyer", PASSWORD).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    login_from(&app, from, "lawyer", "wrong password")
        .await
        .assert_problem(401);
    assert_eq!(login_from(&app, from, "lawyer", PASSWORD).await.status, 200);
}

async fn one_password_sprayed_over_40_usernames_from_one_address_is_slowed_down(backend: Backend) {
    let app = spawn_app(backend).await;
    let from = "198.51.100.7:50000";
    let mut answers = Vec::new();
    for n in 0..40 {
        let res = login_from(&app, from, &format!("user{n:02}"), "Summer2023!").await;
        answers.push(res.status.as_u16());
        if res.status == 429 {
            assert!(res.header("retry-after").is_some());
        }
    }
    let slowed = answers.iter().filter(|s| **s == 429).count();
    crate::helpers::report(&format!(
        "throttling ({backend:?}): 40 usernames x 1 password from one address: {slowed} attempts answered 429"
    ));
    assert!(
        answers[..10].iter().all(|s| *s == 401),
        "the first ten are free: {answers:?}"
    );
    assert!(slowed >= 20, "later attempts are slowed: {answers:?}");
    // The database counts them, so a second instance delays the address too.
    let second = app.second_instance().await;
    let res = call_service(
        &second,
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .peer_addr(from.parse().unwrap())
            .set_json(json!({"username": "admin", "password": PASSWORD})),
    )
    .await;
    retry_after(&res);
    // Other addresses are not.
    assert_eq!(
        login_from(&app, "198.51.100.8:50000", "admin", PASSWORD)
            .await
            .status,
        200
    );
}

async fn logins_failures_delays_and_logouts_are_in_the_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let from = "203.0.113.5:1000";
    let token = login_from(&app, from, "auditor", PASSWORD).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    login_from(&app, from, "auditor", "wrong password")
        .await
        .assert_problem(401);
    // A password typed into the username field is not recorded.
    login_from(&app, from, "hunter2-secret", "x")
        .await
        .assert_problem(401);
    for _ in 0..3 {
        login_from(&app, from, "lawyer", "wrong password")
            .await
            .assert_problem(401);
    }
    login_from(&app, from, "lawyer", "wrong password")
        .await
        .assert_problem(401);
    // Now delayed: hammering records the delay once.
    for _ in 0..3 {
        assert_eq!(login_from(&app, from, "lawyer", PASSWORD).await.status, 429);
    }
    let out = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/logout")
                .insert_header(bearer(&token)),
        )
        .await;
    assert_eq!(out.status, 204);
    // A second logout of the same session: the token is refused.
    app.call(
        TestRequest::post()
            .uri("/api/v1/auth/logout")
            .insert_header(bearer(&token)),
    )
    .await
    .assert_problem(401);

    let events = app.every_item("/api/v1/audit-events", "admin").await;
    let of =
        |action: &str| -> Vec<&Value> { events.iter().filter(|e| e["action"] == action).collect() };
    let auditor = user_id(&app, "auditor");
    let lawyer = user_id(&app, "lawyer");
    let logins = of("login");
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(logins[0]["actor"], "auditor");
    assert_eq!(logins[0]["entity"], "session");
    assert_eq!(logins[0]["after"]["client_address"], "203.0.113.5");
    let failed = of("login_failed");
    assert_eq!(
        failed.len(),
        5,
        "failures of known accounts are visible: {failed:?}"
    );
    assert!(failed
        .iter()
        .any(|e| e["entity_id"] == auditor && e["after"]["reason"] == "wrong_password"));
    assert_eq!(
        failed.iter().filter(|e| e["entity_id"] == lawyer).count(),
        4
    );
    let throttled = of("login_throttled");
    assert_eq!(throttled.len(), 1, "one event per delay: {throttled:?}");
    assert_eq!(throttled[0]["after"]["username"], "lawyer");
    let logouts = of("logout");
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0]["actor"], "auditor");
    assert_eq!(logouts[0]["entity_id"], logins[0]["entity_id"]);
    // No password and no unknown username anywhere in the trail (the database, not only the API).
    use diesel::prelude::*;
    use huimin::db::schema::audit_events;
    let mut conn = app.pool.get().expect("connection");
    let rows: Vec<(String, Option<String>)> = audit_events::table
        .select((audit_events::action, audit_events::after_data))
        .load(&mut **conn)
        .expect("trail");
    let unknown = rows.iter().filter(|(a, _)| a == "login_failed").count();
    assert_eq!(unknown, 6, "the unknown username's failure is recorded too");
    for (_, after) in &rows {
        let after = after.as_deref().unwrap_or("");
        assert!(!after.contains("hunter2"), "{after}");
        assert!(!after.contains("wrong password"), "{after}");
        assert!(!after.contains(PASSWORD), "{after}");
    }
    let verify = app.get("/api/v1/audit-events/verify", "admin").await.json();
    assert_eq!(verify["intact"], true, "{verify}");
}

async fn accounts_link_to_a_staff_record_of_their_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    // The demo lawyer is linked to its staff record at the centre.
    let me = app.get("/api/v1/me", "lawyer").await.json();
    let staff_id = me["staff_id"].as_i64().expect("the demo lawyer is linked");
    let staff = app
        .get(&format!("/api/v1/staff/{staff_id}"), "admin")
        .await
        .json();
    assert_eq!(staff["unit_id"], app.unit_id("140521-GGFLFW"));
    assert_eq!(staff["kind"], "lawyer");
    let lawyer = user_id(&app, "lawyer");
    let view = app
        .get(&format!("/api/v1/users/{lawyer}"), "admin")
        .await
        .json();
    assert_eq!(view["staff_id"], staff_id);
    // A record already linked cannot be linked to another account.
    let staff_lg = app
        .get(
            &format!("/api/v1/staff?unit_id={}", app.unit_id("140521-SFS-LG")),
            "admin",
        )
        .await
        .json();
    let lg_staff = staff_lg["items"][0]["id"]
        .as_i64()
        .expect("a township staff member");
    let auditor = user_id(&app, "auditor");
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{auditor}"),
            "admin",
            &json!({"staff_id": staff_id}),
        )
        .await;
    res.assert_problem(409);
    // A record outside the admin's subtree is refused without naming it: a township admin.
    let lg = app.unit_id("140521-SFS-LG");
    let created = app
        .post(
            "/api/v1/users",
            "admin",
            &json!({"username": "admin.lg", "password": "a long passphrase", "display_name": "龙港 管理员", "role": "admin", "unit_id": lg}),
        )
        .await;
    assert_eq!(created.status, 201);
    let staff_user = user_id(&app, "staff.longgang");
    let p = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{staff_user}"),
            "admin.lg",
            &json!({"staff_id": staff_id}),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "staff_id", "{p}");
    // Inside its subtree it links, the token of the account ends, and `null` unlinks.
    let old = app.token_of("staff.longgang");
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{staff_user}"),
            "admin.lg",
            &json!({"staff_id": lg_staff}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["staff_id"], lg_staff);
    me_on_app(&app, &old).await.assert_problem(401);
    assert_eq!(
        app.login("staff.longgang", PASSWORD).await.json()["role"],
        "unit_staff"
    );
    let fresh = app.fresh_token_of("staff.longgang");
    assert_eq!(me_on_app(&app, &fresh).await.json()["staff_id"], lg_staff);
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{staff_user}"),
            "admin.lg",
            &json!({"staff_id": null}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(res.json()["staff_id"].is_null());
}
