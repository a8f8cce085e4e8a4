//! Bad input: each answer is a 4xx problem+json and the database is unchanged.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, MAX_BODY};

backend_tests!(
    malformed_bodies_are_refused_and_change_nothing,
    bad_parameters_are_400s,
    unknown_routes_and_wrong_methods,
    every_path_answers_405_with_allow_for_other_methods,
    one_422_names_every_field,
    request_ids_are_kept_or_made,
);

async fn malformed_bodies_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let lg = app.unit_id("140521-SFS-LG");
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.req(Method::POST, "/api/v1/units", Some("admin"))
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
    };
    let valid =
        json!({"parent_id": lg, "kind": "village_workstation", "code": "V-OK", "name": "村站"});

    // Malformed, truncated, invalid UTF-8.
    app.call(post("application/json", b"{\"parent_id\": ".to_vec()))
        .await
        .assert_problem(400);
    app.call(post("application/json", b"{not json}".to_vec()))
        .await
        .assert_problem(400);
    app.call(post("application/json", vec![b'"', 0xff, 0xfe, b'"']))
        .await
        .assert_problem(400);
    // Wrong content type.
    app.call(post("text/plain", valid.to_string().into_bytes()))
        .await
        .assert_problem(415);
    // Oversize.
    let huge = json!({"parent_id": lg, "kind": "village_workstation", "code": "V-BIG", "name": "x".repeat(MAX_BODY + 10)});
    app.call(post("application/json", huge.to_string().into_bytes()))
        .await
        .assert_problem(413);
    // Wrong field type, missing field, unknown field, unknown code.
    let cases = [
        (
            json!({"parent_id": "one", "kind": "village_workstation", "code": "V", "name": "x"}),
            "parent_id",
        ),
        (
            json!({"kind": "village_workstation", "code": "V", "name": "x"}),
            "parent_id",
        ),
        (
            json!({"parent_id": lg, "kind": "village_workstation", "code": "V", "name": "x", "owner": "me"}),
            "owner",
        ),
        (
            json!({"parent_id": lg, "kind": "castle", "code": "V", "name": "x"}),
            "kind",
        ),
        (
            json!({"parent_id": lg, "kind": "village_workstation", "code": "V V", "name": "x"}),
            "code",
        ),
        (
            json!({"parent_id": lg, "kind": "village_workstation", "code": "V", "name": "a\u{202e}b"}),
            "name",
        ),
        (
            json!({"parent_id": lg, "kind": "village_workstation", "code": "V", "name": "   "}),
            "name",
        ),
        (
            json!({"parent_id": lg, "kind": "village_workstation", "code": "V", "name": "x", "phone": "call me"}),
            "phone",
        ),
        (
            json!({"parent_id": 99999, "kind": "village_workstation", "code": "V", "name": "x"}),
            "parent_id",
        ),
    ];
    for (body, field) in cases {
        let p = app
            .post("/api/v1/units", "admin", &body)
            .await
            .assert_problem(422);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{body} → {p}");
    }
    // Injection strings are stored as text or refused, never executed.
    let inj = app
        .post("/api/v1/units", "admin", &json!({"parent_id": lg, "kind": "village_workstation", "code": "V-INJ", "name": "x'); DROP TABLE units; --"}))
        .await;
    assert_eq!(inj.status, 201);
    assert_eq!(inj.json()["name"], "x'); DROP TABLE units; --");
    let mut after = app.row_counts();
    // Exactly one unit and its audit row were added by the one valid request (the county's
    // first write, which also opened the head of the county's audit chain).
    after.iter_mut().for_each(|(t, n)| {
        if *t == "units" || *t == "audit_events" || *t == "audit_chains" {
            *n -= 1;
        }
    });
    assert_eq!(after, before);
}

async fn bad_parameters_are_400s(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/units/abc",
        "/api/v1/units/99999999999999999999",
        "/api/v1/units?limit=0",
        "/api/v1/units?limit=-3",
        "/api/v1/units?limit=100000",
        "/api/v1/units?limit=ten",
        "/api/v1/units?cursor=not-a-cursor",
        "/api/v1/units?cursor=eyJpZCI6LTF9",
        // A cursor of another list (no time) on a list ordered by time.
        "/api/v1/duty-shifts?limit=20&cursor=eyJpZCI6MjB9",
        "/api/v1/consultations?cursor=eyJpZCI6MjB9",
        "/api/v1/follow-ups/due?cursor=eyJpZCI6MjB9",
        "/api/v1/aid-applications/queue?step=accept&cursor=eyJpZCI6MjB9",
        "/api/v1/units?kind=castle",
        "/api/v1/units?active=maybe",
        "/api/v1/audit-events?from=2023-02-30T00:00:00%2B08:00",
    ] {
        let res = app.get(path, "admin").await;
        assert_eq!(
            res.status,
            400,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
        res.assert_problem(400);
    }
    let bad_if_match = app
        .call(
            app.req(Method::PATCH, "/api/v1/units/1", Some("admin"))
                .insert_header((header::IF_MATCH, "no quotes"))
                .set_json(json!({"name": "x"})),
        )
        .await;
    bad_if_match.assert_problem(400);
    app.get("/api/v1/units/99999", "admin")
        .await
        .assert_problem(404);
}

async fn unknown_routes_and_wrong_methods(backend: Backend) {
    let app = spawn_app(backend).await;
    app.call(TestRequest::get().uri("/api/v1/nothing-here"))
        .await
        .assert_problem(404);
    let res = app.call(TestRequest::delete().uri("/api/v1/units/1")).await;
    res.assert_problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, PATCH"));
    let res = app.call(TestRequest::put().uri("/api/v1/units")).await;
    res.assert_problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, POST"));
    let res = app
        .call(TestRequest::delete().uri("/api/v1/consultations"))
        .await;
    res.assert_problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, POST"));
    // A fixed path beside a parameter path is not taken by the parameter route.
    let res = app
        .call(app.req(
            Method::PATCH,
            "/api/v1/aid-applications/queue",
            Some("admin"),
        ))
        .await;
    res.assert_problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET"));
    app.call(TestRequest::delete().uri("/api/v1/consultations/1/nothing"))
        .await
        .assert_problem(404);
}

async fn request_ids_are_kept_or_made(backend: Backend) {
    let app = spawn_app(backend).await;
    let kept = app
        .call(
            TestRequest::get()
                .uri("/health/live")
                .insert_header(("X-Request-Id", "abc-123")),
        )
        .await;
    assert_eq!(kept.header("x-request-id").as_deref(), Some("abc-123"));
    let made = app
        .call(
            TestRequest::get()
                .uri("/health/live")
                .insert_header(("X-Request-Id", "bad id\t")),
        )
        .await;
    let id = made.header("x-request-id").expect("id");
    assert_ne!(id, "bad id\t");
    assert_eq!(id.len(), 36);
}

/// Every path of the contract, for every method it does not have, answers 405 whose `Allow`
/// lists exactly the methods the contract gives it, with or without a token and a body.
async fn every_path_answers_405_with_allow_for_other_methods(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let spec = serde_json::to_value(huimin::openapi()).expect("spec");
    let paths = spec["paths"].as_object().expect("paths");
    let all = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let mut checked = 0;
    for (path, item) in paths {
        let declared: Vec<&str> = all
            .iter()
            .copied()
            .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
            .collect();
        let uri = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in all.iter().chain(&["OPTIONS", "TRACE"]) {
            if declared.contains(method) {
                continue;
            }
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            for user in [None, Some("admin")] {
                let req = app
                    .req(method.clone(), &uri, user)
                    .set_json(json!({"name": "x"}));
                let res = app.call(req).await;
                assert_eq!(
                    res.status.as_u16(),
                    405,
                    "{method} {uri}: {}",
                    String::from_utf8_lossy(&res.body)
                );
                res.assert_problem(405);
                assert_eq!(
                    res.header("allow").as_deref(),
                    Some(declared.join(", ").as_str()),
                    "{method} {uri}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert_eq!(app.row_counts(), before);
}

/// The fields of a 422, sorted, with their codes.
fn named(res: &crate::helpers::TestResponse) -> Vec<(String, String)> {
    let p = res.assert_problem(422);
    let mut fields: Vec<(String, String)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
            (
                e["field"].as_str().expect("field").to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    fields.sort();
    fields
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect()
}

async fn one_422_names_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let lg = app.unit_id("140521-SFS-LG");
    // Six required fields missing: all six named.
    let res = app
        .post("/api/v1/consultations", "admin", &json!({"unit_id": lg}))
        .await;
    assert_eq!(
        named(&res),
        pairs(&[
            ("channel", "required"),
            ("outcome", "required"),
            ("question", "required"),
            ("received_at", "required"),
            ("site", "required"),
            ("topics", "required"),
        ])
    );
    assert_eq!(res.json()["detail"], "6 fields are invalid");
    // An unknown field, wrong types, an unknown code and failed checks together.
    let res = app
        .post(
            "/api/v1/consultations",
            "admin",
            &json!({
                "unit_id": "one", "received_at": "yesterday", "channel": "fax",
                "site": "fixed_station", "topics": [], "question": "", "outcome": "referred_mediation",
                "matters_count": 99, "owner": "me"
            }),
        )
        .await;
    assert_eq!(
        named(&res),
        pairs(&[
            ("channel", "invalid"),
            ("matters_count", "range"),
            ("owner", "unknown_field"),
            ("question", "length"),
            ("received_at", "invalid"),
            ("topics", "length"),
            ("unit_id", "invalid"),
        ])
    );
    // Units: every required field missing, and a wrong type beside an unknown field.
    let res = app.post("/api/v1/units", "admin", &json!({})).await;
    assert_eq!(
        named(&res),
        pairs(&[
            ("code", "required"),
            ("kind", "required"),
            ("name", "required"),
            ("parent_id", "required"),
        ])
    );
    let res = app
        .post(
            "/api/v1/units",
            "admin",
            &json!({"parent_id": lg, "kind": "village_workstation", "code": 7, "name": "村站", "owner": "me"}),
        )
        .await;
    assert_eq!(
        named(&res),
        pairs(&[("code", "invalid"), ("owner", "unknown_field")])
    );
    assert_eq!(app.row_counts(), before);
}
