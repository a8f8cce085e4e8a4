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
    errors_speak_the_language_the_caller_prefers,
    an_if_none_match_beyond_the_contract_is_a_400,
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
    // A path whose id is not a whole number, or whose step does not exist, names no resource.
    for (method, path) in [
        (Method::GET, "/api/v1/units/abc"),
        (Method::GET, "/api/v1/units/None"),
        (Method::GET, "/api/v1/units/99999999999999999999"),
        (Method::POST, "/api/v1/aid-applications/1/fly"),
    ] {
        let res = app.call(app.req(method, path, Some("admin"))).await;
        assert_eq!(
            res.status,
            404,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
        res.assert_problem(404);
    }
    for path in [
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

/// The caller's `Accept-Language` chooses the language of a problem's title, detail and field
/// messages; the codes stay the same; `Content-Language` names it and `Vary` says it depends.
async fn errors_speak_the_language_the_caller_prefers(backend: Backend) {
    fn cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let lg = app.unit_id("140521-SFS-LG");
    let ask = |lang: Option<&str>| {
        let mut req = app
            .req(Method::POST, "/api/v1/consultations", Some("admin"))
            .set_json(json!({"unit_id": lg, "matters_count": 99}));
        if let Some(lang) = lang {
            req = req.insert_header((header::ACCEPT_LANGUAGE, lang));
        }
        req
    };
    let mut english_codes = None;
    for (lang, chinese) in [
        (None, false),
        (Some("en-US,en;q=0.9"), false),
        (Some("fr, de;q=0.5"), false),
        (Some("zh;q=0, *"), false),
        (Some("zh"), true),
        (Some("zh-CN,zh;q=0.9,en;q=0.8"), true),
        (Some("en;q=0.5, zh-Hans;q=0.9"), true),
    ] {
        let res = app.call(ask(lang)).await;
        let p = res.assert_problem(422);
        assert_eq!(
            res.header("content-language").as_deref(),
            Some(if chinese { "zh-CN" } else { "en" }),
            "{lang:?}"
        );
        assert!(
            res.header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-language")),
            "{lang:?}: {:?}",
            res.header("vary")
        );
        assert_eq!(p["code"], "validation");
        assert_eq!(p["type"], "urn:huimin:problem:validation");
        let title = p["title"].as_str().unwrap();
        let detail = p["detail"].as_str().unwrap();
        assert_eq!(cjk(title), chinese, "{lang:?}: {title}");
        assert_eq!(cjk(detail), chinese, "{lang:?}: {detail}");
        let errors = p["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 7, "{p}");
        for e in errors {
            let message = e["message"].as_str().unwrap();
            assert_eq!(cjk(message), chinese, "{lang:?}: {e}");
        }
        // The codes do not depend on the language.
        let codes: Vec<(String, String)> = errors
            .iter()
            .map(|e| (e["field"].to_string(), e["code"].to_string()))
            .collect();
        match &english_codes {
            None => english_codes = Some(codes),
            Some(first) => assert_eq!(first, &codes, "{lang:?}"),
        }
        if chinese {
            assert_eq!(detail, "7 个字段无效");
            let range = errors
                .iter()
                .find(|e| e["field"] == "matters_count")
                .unwrap();
            assert_eq!(range["message"], "须在 1 到 50 之间");
        }
    }
    // Other kinds too, each with its stable code, and a detail that is Chinese through and
    // through: no English sentence left behind a Chinese lead.
    fn english_sentence(s: &str) -> bool {
        let words: Vec<&str> = s
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1)
            .collect();
        s.split(|c: char| !(c.is_ascii_alphabetic() || c == ' '))
            .any(|run| run.split_whitespace().filter(|w| w.len() > 1).count() >= 3)
            && !words.is_empty()
    }
    assert!(english_sentence("does not exist or is outside your scope"));
    assert!(!english_sentence("需要 Authorization: Bearer 令牌"));
    for (req, status, code, title) in [
        (
            app.req(Method::GET, "/api/v1/consultations?bogus=1", Some("admin")),
            400,
            "bad_request",
            "请求有误",
        ),
        (
            app.req(Method::POST, "/api/v1/consultations", Some("auditor"))
                .set_json(json!({"unit_id": lg})),
            403,
            "forbidden",
            "无权操作",
        ),
        (
            app.req(Method::POST, "/api/v1/consultations", Some("admin"))
                .insert_header((header::CONTENT_TYPE, "text/plain"))
                .set_payload("hello"),
            415,
            "unsupported_media_type",
            "不支持的媒体类型",
        ),
        (
            app.req(Method::GET, "/api/v1/consultations/999999", Some("admin")),
            404,
            "not_found",
            "未找到",
        ),
        (
            app.req(Method::PATCH, "/api/v1/consultations", Some("admin")),
            405,
            "method_not_allowed",
            "不支持该请求方法",
        ),
        (
            app.req(Method::GET, "/api/v1/consultations", None),
            401,
            "unauthorized",
            "未认证",
        ),
    ] {
        let res = app
            .call(req.insert_header((header::ACCEPT_LANGUAGE, "zh-CN")))
            .await;
        let p = res.assert_problem(status);
        assert_eq!(p["code"], code);
        assert_eq!(p["title"], title);
        let detail = p["detail"].as_str().unwrap();
        assert!(cjk(detail) && !english_sentence(detail), "{p}");
        assert_eq!(res.header("content-language").as_deref(), Some("zh-CN"));
    }
    assert_eq!(app.row_counts(), before);
}

/// Every field error code the source can produce is in the catalogue (with both languages, which
/// the catalogue's own test checks) and so in the contract's `FieldCode` enum.
#[test]
fn every_field_code_in_the_source_is_catalogued() {
    use huimin::error::messages::FieldCode;
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    /// The first string literal after `at` (skipping one argument when `skip_one`).
    fn literal_after(text: &str, skip_one: bool) -> Option<String> {
        let rest = if skip_one {
            // The field argument: up to the first comma at depth 0.
            let mut depth = 0i32;
            let mut end = None;
            for (i, c) in text.char_indices() {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => {}
                }
            }
            &text[end?..]
        } else {
            text
        };
        let rest = rest.trim_start();
        let rest = rest.strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_owned())
    }
    let mut all = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut all,
    );
    let mut found = std::collections::BTreeSet::new();
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        for (marker, skip_one) in [
            ("invalid_field(", true),
            ("FieldError::new(", true),
            ("ValidationError::new(", false),
            ("code: \"", false),
        ] {
            for (at, _) in text.match_indices(marker) {
                let after = &text[at + marker.len()..];
                let code = if marker.starts_with("code") {
                    after.split('"').next().map(str::to_owned)
                } else {
                    literal_after(after, skip_one)
                };
                if let Some(code) = code.filter(|c| !c.is_empty()) {
                    found.insert((code, path.display().to_string()));
                }
            }
        }
        // The text checks' codes.
        for code in ["blank", "control_characters", "invisible_characters"] {
            if text.contains(&format!("=> \"{code}\"")) {
                found.insert((code.to_owned(), path.display().to_string()));
            }
        }
    }
    // Validator's built-in checks.
    found.insert(("length".into(), "validator".into()));
    found.insert(("range".into(), "validator".into()));
    assert!(found.len() > 20, "the scan found too little: {found:?}");
    let missing: Vec<_> = found
        .iter()
        .filter(|(code, _)| FieldCode::parse(code).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "field codes missing from src/error/messages.rs: {missing:?}"
    );
}

/// `If-None-Match` is declared with at most 1000 characters: a longer one is refused, not
/// ignored (schemathesis' negative_data_rejection).
async fn an_if_none_match_beyond_the_contract_is_a_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.get("/api/v1/units", "admin").await.json()["items"][0]["id"].clone();
    let path = format!("/api/v1/units/{id}");
    let read = |tag: String| {
        app.req(Method::GET, &path, Some("admin"))
            .insert_header((header::IF_NONE_MATCH, tag))
    };
    let longest = format!("\"{}\"", "0".repeat(998));
    assert_eq!(app.call(read(longest)).await.status, 200);
    let res = app.call(read("0".repeat(1001))).await;
    let p = res.assert_problem(400);
    assert!(
        p["detail"].as_str().unwrap().contains("If-None-Match"),
        "{p}"
    );
}
