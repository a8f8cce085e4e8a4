//! Logging in and the 401 cases of the bearer extractor.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use huimin::auth::JwtKeys;
use huimin::domain::roles::Role;

use crate::backend_tests;
use crate::helpers::{spawn_app, spawn_app_with_keys, test_keys, Backend, PASSWORD};

backend_tests!(
    demo_admin_logs_in_and_reads_me,
    wrong_password_and_unknown_user_get_the_same_401,
    inactive_account_cannot_log_in,
    every_bad_token_is_a_401,
    provincial_identity_provider_tokens_act_as_their_mapped_account,
);

/// What a token of this service is issued for, with made-up ids.
fn grant() -> huimin::auth::Grant<'static> {
    huimin::auth::Grant {
        account_id: 1,
        username: "admin",
        role: Role::Admin,
        unit_id: 1,
        session_id: 1,
        token_version: 1,
    }
}

async fn demo_admin_logs_in_and_reads_me(backend: Backend) {
    let app = spawn_app(backend).await;

    let res = app.login("admin", PASSWORD).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["role"], "admin");
    let token = body["access_token"].as_str().expect("token").to_owned();

    let me = app
        .call(
            TestRequest::get()
                .uri("/api/v1/me")
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["name"], "admin");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["unit_name"], "沁水县司法局");
}

async fn wrong_password_and_unknown_user_get_the_same_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong = app
        .login("admin", "not the password")
        .await
        .assert_problem(401);
    let unknown = app
        .login("nobody", "not the password")
        .await
        .assert_problem(401);
    assert_eq!(wrong["detail"], unknown["detail"]);
}

async fn inactive_account_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let users = app.get("/api/v1/users?role=auditor", "admin").await.json();
    let id = users["items"][0]["id"].as_i64().expect("auditor id");
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            "admin",
            &serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(res.status, 200);
    app.login("auditor", PASSWORD).await.assert_problem(401);
}

async fn every_bad_token_is_a_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = chrono::Utc::now().timestamp();
    let good = app.token_of("admin");
    let other_secret = JwtKeys::new(
        b"another-secret-another-secret-!!",
        "huimin".into(),
        "huimin-api".into(),
        600,
    )
    .unwrap();
    let wrong_aud = JwtKeys::new(
        crate::helpers::SECRET.as_bytes(),
        "huimin".into(),
        "elsewhere".into(),
        600,
    )
    .unwrap();
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        serde_json::json!({"sub": "1", "role": "admin", "unit_id": 1, "iss": "huimin", "aud": "huimin-api", "iat": now, "exp": now + 600})
            .to_string(),
    );
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("not bearer", Some(format!("Basic {good}"))),
        ("empty bearer", Some("Bearer ".into())),
        ("malformed", Some("Bearer not-a-jwt".into())),
        (
            "forged",
            Some(format!(
                "Bearer {}",
                other_secret.issue(&grant(), now).unwrap()
            )),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                app.keys.issue(&grant(), now - 7200).unwrap()
            )),
        ),
        (
            "wrong audience",
            Some(format!(
                "Bearer {}",
                wrong_aud.issue(&grant(), now).unwrap()
            )),
        ),
        ("alg none", Some(format!("Bearer {header_none}.{claims}."))),
        (
            "tampered payload",
            Some({
                let parts: Vec<&str> = good.split('.').collect();
                let evil = URL_SAFE_NO_PAD.encode(
                serde_json::json!({"sub": "1", "role": "admin", "unit_id": 999, "iss": "huimin", "aud": "huimin-api", "iat": now, "exp": now + 600}).to_string(),
            );
                format!("Bearer {}.{}.{}", parts[0], evil, parts[2])
            }),
        ),
    ];
    for (case, auth) in cases {
        let mut req = TestRequest::get().uri("/api/v1/units");
        if let Some(a) = auth {
            req = req.insert_header((header::AUTHORIZATION, a));
        }
        let res = app.call(req).await;
        assert_eq!(res.status, 401, "case {case}");
        res.assert_problem(401);
        assert!(
            res.header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")),
            "case {case}"
        );
    }
}

async fn provincial_identity_provider_tokens_act_as_their_mapped_account(backend: Backend) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let public = std::fs::read(format!("{dir}/idp_ed25519_public.pem")).unwrap();
    let private = std::fs::read(format!("{dir}/idp_ed25519_private.pem")).unwrap();
    let external =
        JwtKeys::external_from_pem("https://idp.sxsft.example".into(), "EdDSA", &public).unwrap();
    let app = spawn_app_with_keys(backend, test_keys().with_external(external)).await;
    let lg = app.unit_id("140521-SFS-LG");
    let now = chrono::Utc::now().timestamp();
    let sign = |iss: &str, sub: &str, role: &str, unit: i64| {
        let claims = serde_json::json!({
            "sub": sub, "role": role, "unit_id": unit, "iss": iss,
            "aud": "huimin-api", "iat": now, "exp": now + 300, "name": "admin"
        });
        let key = jsonwebtoken::EncodingKey::from_ed_pem(&private).unwrap();
        format!(
            "Bearer {}",
            jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA),
                &claims,
                &key,
            )
            .unwrap()
        )
    };
    let idp = "https://idp.sxsft.example";
    let token = sign(idp, "sx-portal-17", "integration", lg);
    let me = |auth: String| {
        app.call(
            TestRequest::get()
                .uri("/api/v1/me")
                .insert_header((header::AUTHORIZATION, auth)),
        )
    };
    // Not mapped to an account yet: refused.
    let refused = me(token.clone()).await.assert_problem(401);
    assert!(
        refused["detail"].as_str().unwrap().contains("not mapped"),
        "{refused}"
    );
    // An admin maps the subject to an account (the format is checked).
    let bad = app
        .post(
            "/api/v1/users",
            "admin",
            &serde_json::json!({
                "username": "sx.portal", "password": "a long passphrase",
                "display_name": "省级平台 龙港", "role": "integration", "unit_id": lg,
                "external_subject": "no colon here"
            }),
        )
        .await
        .assert_problem(422);
    assert_eq!(bad["errors"][0]["field"], "external_subject", "{bad}");
    let created = app
        .post(
            "/api/v1/users",
            "admin",
            &serde_json::json!({
                "username": "sx.portal", "password": "a long passphrase",
                "display_name": "省级平台 龙港", "role": "integration", "unit_id": lg,
                "external_subject": "https://idp.sxsft.example:sx-portal-17"
            }),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let account = created.json();
    assert_eq!(
        account["external_subject"],
        "https://idp.sxsft.example:sx-portal-17"
    );
    let account_id = account["id"].as_i64().unwrap();
    // The same subject cannot be mapped twice.
    app.post(
        "/api/v1/users",
        "admin",
        &serde_json::json!({
            "username": "sx.portal2", "password": "a long passphrase",
            "display_name": "x", "role": "integration", "unit_id": lg,
            "external_subject": "https://idp.sxsft.example:sx-portal-17"
        }),
    )
    .await
    .assert_problem(409);

    let ok = me(token.clone()).await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let body = ok.json();
    assert_eq!(body["subject"], "sx-portal-17");
    assert_eq!(body["account_id"], account_id);
    assert_eq!(body["name"], "https://idp.sxsft.example:sx-portal-17");
    assert_eq!(body["unit_name"], "龙港镇司法所");
    // Its scope is its account's unit's subtree.
    let units = app
        .call(
            TestRequest::get()
                .uri("/api/v1/units")
                .insert_header((header::AUTHORIZATION, token.clone())),
        )
        .await
        .json();
    assert_eq!(units["items"].as_array().map(Vec::len), Some(1));
    // The provider's claims cannot grant more than the account has: another role or unit is
    // refused.
    let county = app.unit_id("140521");
    me(sign(idp, "sx-portal-17", "admin", lg))
        .await
        .assert_problem(401);
    me(sign(idp, "sx-portal-17", "integration", county))
        .await
        .assert_problem(401);
    // What it writes is recorded under its issuer and subject, not under the name it claims.
    let created = app
        .call(
            TestRequest::post()
                .uri("/api/v1/consultations")
                .insert_header((header::AUTHORIZATION, token.clone()))
                .set_json(crate::consultations::body(lg, "征地补偿标准是什么？")),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_i64().unwrap();
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=consultation&entity_id={id}"),
            "admin",
        )
        .await
        .json();
    assert_eq!(
        trail["items"][0]["actor"], "https://idp.sxsft.example:sx-portal-17",
        "{trail}"
    );
    // The same key under another issuer is refused, and so is an unmapped subject.
    me(sign(
        "https://elsewhere.example",
        "sx-portal-17",
        "integration",
        lg,
    ))
    .await
    .assert_problem(401);
    me(sign(idp, "sx-portal-18", "integration", lg))
        .await
        .assert_problem(401);
    // Disabling the account ends the identity's access (on this instance at once).
    let res = app
        .call(
            app.req(
                Method::PATCH,
                &format!("/api/v1/users/{account_id}"),
                Some("admin"),
            )
            .set_json(serde_json::json!({"active": false})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    me(token).await.assert_problem(401);
}
