//! The contract: the served spec equals the committed one; migrations have twins; operations
//! endpoints answer; Swagger UI is served from the binary.

use actix_web::test::TestRequest;

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend};

backend_tests!(
    served_spec_matches_the_committed_contract,
    health_metrics_and_dictionaries,
    swagger_ui_is_served_from_the_binary
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
    let metrics = app.call(TestRequest::get().uri("/metrics")).await;
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

#[test]
fn migrations_run_down_and_up_again_on_sqlite() {
    use diesel_migrations::MigrationHarness;
    let (url, _db) = crate::helpers::fresh_database(Backend::Sqlite);
    let mut conn = url.connect(std::time::Duration::from_secs(5)).unwrap();
    huimin::db::run_migrations(&mut conn).unwrap();
    if let huimin::db::DbConnection::Sqlite(c) = &mut conn {
        c.revert_all_migrations(huimin::db::SQLITE_MIGRATIONS)
            .unwrap();
        c.run_pending_migrations(huimin::db::SQLITE_MIGRATIONS)
            .unwrap();
    }
}
