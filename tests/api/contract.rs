//! The contract: the served spec equals the committed one; migrations have twins; operations
//! endpoints answer; Swagger UI is served from the binary.

use actix_web::test::TestRequest;

use crate::backend_tests;
use crate::helpers::{call_service, spawn_app, spawn_app_without_database, Backend, METRICS_TOKEN};

backend_tests!(
    served_spec_matches_the_committed_contract,
    health_metrics_and_dictionaries,
    security_headers_on_every_answer,
    no_parameter_is_prefilled_with_a_value_that_fails,
    swagger_ui_filters_by_tag_and_keeps_a_csv_byte_order_mark,
    swagger_ui_is_served_from_the_binary,
    an_unreachable_database_is_a_503_not_a_hang,
    migrations_run_down_and_up_again,
);

async fn served_spec_matches_the_committed_contract(backend: Backend) {
    let app = spawn_app(backend).await;
    let served = app
        .call(TestRequest::get().uri("/api-docs/openapi.json"))
        .await;
    assert_eq!(served.status, 200);
    let served = served.json();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed"),
    )
    .expect("openapi/openapi.json is JSON");
    assert!(
        served == committed,
        "the served OpenAPI document differs from openapi/openapi.json: regenerate it with `cargo run -- openapi > openapi/openapi.json` and review the diff"
    );
    // Every reference resolves.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "$ref" {
                        out.push(x.as_str().unwrap_or_default().to_owned());
                    } else {
                        refs(x, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&served, &mut all);
    for r in all {
        let pointer = r.trim_start_matches('#');
        assert!(
            served.pointer(pointer).is_some(),
            "unresolved reference {r}"
        );
    }
    // Every operation documents its errors as problem+json and has a tag.
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
}

async fn health_metrics_and_dictionaries(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.call(TestRequest::get().uri("/health/live"))
            .await
            .status,
        200
    );
    let ready = app.call(TestRequest::get().uri("/health/ready")).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ok");
    let _ = app.get("/api/v1/units", "admin").await;
    // Metrics take the operator's token, not a user's, and nothing without it.
    let bare = app.call(TestRequest::get().uri("/metrics")).await;
    assert_eq!(bare.status, 401);
    let user = app.token_of("admin");
    let as_user = app
        .call(
            TestRequest::get()
                .uri("/metrics")
                .insert_header(("Authorization", format!("Bearer {user}"))),
        )
        .await;
    assert_eq!(as_user.status, 401);
    let metrics = app
        .call(
            TestRequest::get()
                .uri("/metrics")
                .insert_header(("Authorization", format!("Bearer {METRICS_TOKEN}"))),
        )
        .await;
    assert_eq!(metrics.status, 200);
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("huimin_http_requests_total"), "{text}");
    assert!(
        text.contains("endpoint=\"/api/v1/units\""),
        "metrics by route pattern: {text}"
    );
    let dict = app
        .call(TestRequest::get().uri("/api/v1/dictionaries"))
        .await
        .json();
    assert!(dict["role"].as_array().is_some_and(|r| r.len() == 6));
    let kinds = dict["unit_kind"].as_array().unwrap();
    assert!(kinds
        .iter()
        .any(|k| k["code"] == "judicial_office" && k["label"] == "司法所"));
}

async fn swagger_ui_is_served_from_the_binary(backend: Backend) {
    let app = spawn_app(backend).await;
    let redirect = app.call(TestRequest::get().uri("/swagger-ui")).await;
    assert!(redirect.status.is_redirection());
    assert_eq!(redirect.header("location").as_deref(), Some("/swagger-ui/"));
    let page = app.call(TestRequest::get().uri("/swagger-ui/")).await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("swagger-ui"));
    for asset in [
        "/swagger-ui/swagger-ui.css",
        "/swagger-ui/swagger-ui-bundle.js",
        "/swagger-ui/swagger-initializer.js",
    ] {
        let res = app.call(TestRequest::get().uri(asset)).await;
        assert_eq!(res.status, 200, "{asset}");
        assert!(!res.body.is_empty(), "{asset}");
    }
    let init = app
        .call(TestRequest::get().uri("/swagger-ui/swagger-initializer.js"))
        .await;
    assert!(String::from_utf8_lossy(&init.body).contains("/api-docs/openapi.json"));
}

#[test]
fn migration_folders_are_twins() {
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("migrations folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
        v.sort();
        v
    };
    let pg = names("postgres");
    assert!(!pg.is_empty());
    assert_eq!(
        pg,
        names("sqlite"),
        "every migration needs a twin in migrations/postgres and migrations/sqlite"
    );
    for name in pg {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                let p = format!(
                    "{}/migrations/{backend}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&p).exists(), "{p} is missing");
            }
        }
    }
}

async fn an_unreachable_database_is_a_503_not_a_hang(backend: Backend) {
    let (svc, _pool) = spawn_app_without_database(backend).await;
    let started = std::time::Instant::now();
    let ready = call_service(&svc, TestRequest::get().uri("/health/ready")).await;
    ready.assert_problem(503);
    assert!(ready.header("retry-after").is_some());
    // Liveness does not need the database.
    assert_eq!(
        call_service(&svc, TestRequest::get().uri("/health/live"))
            .await
            .status,
        200
    );
    // Reads answer 503 too (the token is checked first, without the database).
    let token = crate::helpers::test_keys()
        .issue(
            &huimin::auth::Grant {
                account_id: 1,
                username: "admin",
                role: huimin::domain::roles::Role::Admin,
                unit_id: 1,
                session_id: 1,
                token_version: 1,
            },
            chrono::Utc::now().timestamp(),
        )
        .unwrap();
    let res = call_service(
        &svc,
        TestRequest::get()
            .uri("/api/v1/units")
            .insert_header(("Authorization", format!("Bearer {token}"))),
    )
    .await;
    res.assert_problem(503);
    eprintln!(
        "two 503 answers with a 1 s pool timeout took {:?}",
        started.elapsed()
    );
}

async fn migrations_run_down_and_up_again(backend: Backend) {
    use diesel_migrations::MigrationHarness;
    let (url, _db) = crate::helpers::fresh_database(backend);
    let mut conn = url.connect(std::time::Duration::from_secs(5)).unwrap();
    huimin::db::run_migrations(&mut conn).unwrap();
    match &mut conn {
        huimin::db::DbConnection::Sqlite(c) => {
            c.revert_all_migrations(huimin::db::SQLITE_MIGRATIONS)
                .unwrap();
            c.run_pending_migrations(huimin::db::SQLITE_MIGRATIONS)
                .unwrap();
        }
        huimin::db::DbConnection::Postgresql(c) => {
            c.revert_all_migrations(huimin::db::PG_MIGRATIONS).unwrap();
            c.run_pending_migrations(huimin::db::PG_MIGRATIONS).unwrap();
        }
    }
    // Running again is a no-op.
    huimin::db::run_migrations(&mut conn).unwrap();
}

#[test]
fn schema_patterns_are_the_validation_rules() {
    use huimin::validation::*;
    let spec = serde_json::to_value(huimin::openapi()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let pattern = |schema: &str, field: &str| {
        schemas[schema]["properties"][field]["pattern"]
            .as_str()
            .map(str::to_owned)
    };
    for (schema, field, expected) in [
        ("NewUnit", "code", CODE_PATTERN),
        ("NewUnit", "name", LINE_PATTERN),
        ("NewUnit", "address", LINE_PATTERN),
        ("NewUnit", "phone", UNIT_PHONE_PATTERN),
        ("NewUnit", "opening_hours", LINE_PATTERN),
        ("NewUnit", "accessibility_note", TEXT_PATTERN),
        ("UnitPatch", "code", CODE_PATTERN),
        ("UnitPatch", "name", LINE_PATTERN),
        ("UnitPatch", "address", LINE_PATTERN),
        ("UnitPatch", "phone", UNIT_PHONE_PATTERN),
        ("UnitPatch", "opening_hours", LINE_PATTERN),
        ("UnitPatch", "accessibility_note", TEXT_PATTERN),
        ("NewUser", "username", USERNAME_PATTERN),
        ("TokenRequest", "username", USERNAME_PATTERN),
        ("NewUser", "display_name", LINE_PATTERN),
        ("UserPatch", "display_name", LINE_PATTERN),
        ("NewStaff", "name", LINE_PATTERN),
        ("NewStaff", "title", LINE_PATTERN),
        ("NewStaff", "licence_no", CODE_PATTERN),
        ("StaffPatch", "name", LINE_PATTERN),
        ("StaffPatch", "title", LINE_PATTERN),
        ("StaffPatch", "licence_no", CODE_PATTERN),
        ("NewDutyShift", "place", LINE_PATTERN),
        ("NewDutyShift", "note", TEXT_PATTERN),
        ("DutyShiftPatch", "place", LINE_PATTERN),
        ("DutyShiftPatch", "note", TEXT_PATTERN),
        ("PatternSlot", "place", LINE_PATTERN),
        ("CalendarDayInput", "name", LINE_PATTERN),
        ("ApplicantInput", "name", LINE_PATTERN),
        ("ApplicantInput", "address", LINE_PATTERN),
        ("ApplicantInput", "guardian_name", LINE_PATTERN),
        ("ApplicantInput", "guardian_relation", LINE_PATTERN),
        ("NewAidApplication", "case_type", LINE_PATTERN),
        ("NewAidApplication", "opposing_party", LINE_PATTERN),
        ("NewAidApplication", "facts", TEXT_PATTERN),
        ("ActionInput", "note", TEXT_PATTERN),
        ("ActionInput", "reasons", TEXT_PATTERN),
        ("GreenInput", "reason", TEXT_PATTERN),
        ("VerificationInput", "note", TEXT_PATTERN),
        ("AttemptInput", "comments", TEXT_PATTERN),
        ("AttemptInput", "problem", TEXT_PATTERN),
        ("AttemptInput", "note", TEXT_PATTERN),
        ("FollowUpPatch", "rectification_note", TEXT_PATTERN),
    ] {
        assert_eq!(
            pattern(schema, field).as_deref(),
            Some(expected),
            "{schema}.{field}"
        );
    }
}

#[test]
fn links_lead_from_each_create_to_operations_that_exist() {
    let spec = serde_json::to_value(huimin::openapi()).unwrap();
    let mut operations = std::collections::HashMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op["operationId"].as_str() {
                let params: Vec<String> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .filter_map(|p| p["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                operations.insert(id.to_owned(), (path.clone(), params));
            }
        }
    }
    let mut links = 0;
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            for response in responses.values() {
                let Some(named) = response["links"].as_object() else {
                    continue;
                };
                for (name, link) in named {
                    links += 1;
                    let target = link["operationId"].as_str().expect("operationId");
                    let (path, params) = operations
                        .get(target)
                        .unwrap_or_else(|| panic!("link {name} names no operation"));
                    let given: Vec<&String> =
                        link["parameters"].as_object().unwrap().keys().collect();
                    for p in params {
                        assert!(given.contains(&p), "link {name} to {path} leaves {p} open");
                    }
                    let id = &link["parameters"]["id"];
                    assert!(
                        id == "$response.body#/id" || id == "$response.body#/items/0/id",
                        "link {name}: {id}"
                    );
                }
            }
        }
    }
    // Every create of a record with an id links to reading it.
    let link_of = |path: &str, status: &str, name: &str| {
        spec["paths"][path]["post"]["responses"][status]["links"][name].clone()
    };
    for (path, read) in [
        ("/api/v1/units", "get_unit"),
        ("/api/v1/users", "get_user"),
        ("/api/v1/staff", "get_staff"),
        ("/api/v1/duty-shifts", "get_duty_shift"),
        ("/api/v1/consultations", "get_consultation"),
        ("/api/v1/aid-applications", "get_aid_application"),
    ] {
        assert!(link_of(path, "201", read).is_object(), "{path} → {read}");
    }
    // A new application links to its first workflow steps.
    assert_eq!(
        link_of(
            "/api/v1/aid-applications",
            "201",
            "act_on_aid_application_accept"
        )["parameters"]["action"],
        "accept"
    );
    assert!(links >= 40, "{links} links");
}

async fn security_headers_on_every_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let common = |res: &crate::helpers::TestResponse, what: &str| {
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            res.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{what}"
        );
        assert_eq!(
            res.header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{what}"
        );
        let csp = res.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        csp
    };
    // Personal data: never stored by a browser or a proxy.
    let list = app.get("/api/v1/consultations", "admin").await;
    assert_eq!(list.status, 200);
    assert!(common(&list, "a list").starts_with("default-src 'none'"));
    assert_eq!(list.header("cache-control").as_deref(), Some("no-store"));
    let token = app.login("admin", huimin::store::seed::DEMO_PASSWORD).await;
    assert_eq!(token.header("cache-control").as_deref(), Some("no-store"));
    let missing = app.get("/api/v1/nowhere", "admin").await;
    common(&missing, "a 404");
    assert_eq!(missing.header("cache-control").as_deref(), Some("no-store"));
    // Swagger UI: its own scripts and styles, and it does not keep the token.
    let ui = app.call(TestRequest::get().uri("/swagger-ui/")).await;
    let csp = common(&ui, "Swagger UI");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    let init = app
        .call(TestRequest::get().uri("/swagger-ui/swagger-initializer.js"))
        .await;
    let init = String::from_utf8_lossy(&init.body);
    assert!(init.contains("\"persistAuthorization\": false"), "{init}");
    // The board: public, cached briefly, its one inline style allowed by digest only.
    let board = app.call(TestRequest::get().uri("/board/today")).await;
    assert_eq!(board.status, 200);
    let csp = common(&board, "the board");
    assert!(
        csp.contains("style-src 'sha256-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(
        board.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let body = String::from_utf8_lossy(&board.body);
    let css = body
        .split("<style>")
        .nth(1)
        .and_then(|rest| rest.split("</style>").next())
        .unwrap_or_default();
    use base64::Engine;
    use sha2::Digest;
    let digest =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css.as_bytes()));
    assert!(
        csp.contains(&format!("'sha256-{digest}'")),
        "the digest is of the served style: {csp}"
    );
}

/// Swagger UI fills a parameter's box with its example: a cursor or a version is only ever
/// copied from an answer, so neither carries one (a pre-filled cursor is a 400, a pre-filled
/// `If-Match` a 412).
async fn no_parameter_is_prefilled_with_a_value_that_fails(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = app
        .call(TestRequest::get().uri(huimin::SPEC_PATH))
        .await
        .json();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                // A pre-filled filter silently hides records (`updated_after`, `external_ref`):
                // an optional query parameter carries no example, but the page size.
                let optional_filter =
                    p["in"] == "query" && p["required"] != true && name != "limit";
                if optional_filter || matches!(name, "cursor" | "If-Match" | "If-None-Match") {
                    checked += 1;
                    assert!(
                        p.get("example").is_none() && p["schema"].get("example").is_none(),
                        "{method} {path}: {name} is pre-filled: {p}"
                    );
                }
            }
        }
    }
    assert!(checked > 20, "{checked} parameters checked");
}

/// What generated clients need: a request field with a default is optional (no `default`
/// keyword, which openapi-typescript makes required, and never in `required`); a list page names
/// its item's schema rather than repeating it; the codes of problems and field errors are closed
/// enums; the headers the service sends on problems, retries and replays are declared.
#[test]
fn generated_clients_get_one_type_per_resource_and_optional_defaults() {
    let spec = serde_json::to_value(huimin::openapi()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    // The schemas request bodies name, with those they name in turn.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("$ref", Some(r)) => out.push(r.rsplit('/').next().unwrap().to_owned()),
                        _ => refs(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            refs(&op["requestBody"], &mut pending);
        }
    }
    let mut requests = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if requests.insert(name.clone()) {
            refs(&schemas[&name], &mut pending);
        }
    }
    assert!(requests.contains("NewConsultation") && requests.contains("NewAidApplication"));
    for name in &requests {
        let schema = &schemas[name];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            assert!(
                property.get("default").is_none(),
                "request schema {name}.{field} has a default: generated clients make it required"
            );
            let described_default = property["description"]
                .as_str()
                .is_some_and(|d| d.contains("Default when absent"));
            assert!(
                !(described_default && required.contains(&field.as_str())),
                "{name}.{field} has a default but is required"
            );
        }
    }
    // matters_count keeps its default, in words, and is optional.
    let matters = &schemas["NewConsultation"]["properties"]["matters_count"];
    assert!(matters["description"]
        .as_str()
        .unwrap()
        .contains("Default when absent: `1`"));
    // Every list page names its item's schema.
    let pages: Vec<_> = schemas
        .iter()
        .filter(|(_, s)| s["properties"]["next_cursor"].is_object())
        .collect();
    assert!(pages.len() >= 9, "{}", pages.len());
    for (name, page) in pages {
        let item = page["properties"]["items"]["items"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} repeats its item inline"));
        let item = item.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(item), "{name} names {item}");
        assert_eq!(name.strip_prefix("Page_"), Some(item));
    }
    // The codes are closed sets a client can switch on.
    let problem_codes = schemas["ProblemCode"]["enum"].as_array().unwrap();
    assert!(problem_codes.contains(&"stale_version".into()));
    assert_eq!(
        schemas["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ProblemCode"
    );
    assert_eq!(
        schemas["FieldError"]["properties"]["code"]["$ref"],
        "#/components/schemas/FieldCode"
    );
    assert!(schemas["FieldCode"]["enum"]
        .as_array()
        .unwrap()
        .contains(&"unknown_field".into()));
    // Headers: the language on every problem, Retry-After on 429 and 503, the replay marker on
    // every create that takes an Idempotency-Key.
    let responses = spec["components"]["responses"].as_object().unwrap();
    for (name, response) in responses {
        assert!(
            response["headers"]["Content-Language"].is_object(),
            "{name} declares no Content-Language"
        );
    }
    for name in ["TooManyRequests", "Unavailable"] {
        assert!(
            responses[name]["headers"]["Retry-After"].is_object(),
            "{name}"
        );
    }
    let mut replaying = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let idempotent = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key");
            if !idempotent {
                continue;
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    replaying += 1;
                    assert!(
                        response["headers"]["Idempotent-Replayed"].is_object(),
                        "{method} {path} {status} does not declare Idempotent-Replayed"
                    );
                }
            }
        }
    }
    assert!(replaying >= 6, "{replaying}");
}

/// Swagger UI's initializer is the service's own: the tag filter is on (an auditor types 咨询
/// or 援助), tokens are not kept, and a CSV answer gets its byte order mark back before
/// "Download file" saves it; nothing of it runs inline (the page's policy allows only files).
async fn swagger_ui_filters_by_tag_and_keeps_a_csv_byte_order_mark(backend: Backend) {
    let app = spawn_app(backend).await;
    let init = app
        .call(TestRequest::get().uri("/swagger-ui/swagger-initializer.js"))
        .await;
    assert_eq!(init.status, 200);
    assert!(init
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/javascript")));
    let script = String::from_utf8_lossy(&init.body);
    for needed in [
        "\"filter\": true",
        "\"persistAuthorization\": false",
        "\"url\": \"/api-docs/openapi.json\"",
        "config.responseInterceptor",
        "\\ufeff",
        "text\\/csv",
    ] {
        assert!(script.contains(needed), "{needed} missing from {script}");
    }
    let page = app.call(TestRequest::get().uri("/swagger-ui/")).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("swagger-initializer.js"), "{html}");
    let csp = page.header("content-security-policy").unwrap_or_default();
    let scripts = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"));
    assert_eq!(scripts, Some("script-src 'self'"), "{csp}");
    // The ledger itself carries the mark (Swagger UI only has to keep it).
    let csv = app
        .get("/api/v1/consultations/export?format=csv", "admin")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
}
