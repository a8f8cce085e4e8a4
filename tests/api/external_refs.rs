//! External references: the caller's own reference of a consultation or aid application,
//! unique per account that set it (the same reference from two clients is two records),
//! returned in the views and filterable on the lists.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::aid::{application, id_number};
use crate::backend_tests;
use crate::clients::{by_form, register, token_of};
use crate::consultations::body as consultation;
use crate::helpers::{spawn_app, Backend, TestApp, TestResponse};

backend_tests!(
    consultation_refs_are_unique_per_account_returned_and_filterable,
    aid_application_refs_are_unique_per_account_returned_and_filterable,
);

/// Sends a JSON request with a bearer token.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> TestResponse {
    let mut req = TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.call(req).await
}

/// Creates a record as the token's account; its id.
async fn created(app: &TestApp, path: &str, token: &str, body: &Value) -> Value {
    let res = send(app, Method::POST, path, token, Some(body)).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

/// A create refused with a 422 naming `external_ref`.
async fn refused(app: &TestApp, path: &str, token: &str, body: &Value) {
    let res = send(app, Method::POST, path, token, Some(body)).await;
    let p = res.assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "external_ref", "{p}");
}

/// The ids of a list page.
fn ids(res: &TestResponse) -> Vec<i64> {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// A client of the county's integration, with a token.
async fn client_token(app: &TestApp) -> String {
    let client = register(app, json!({})).await;
    token_of(&by_form(app, &client.client_id, &client.secret).await)
}

async fn consultation_refs_are_unique_per_account_returned_and_filterable(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let person = app.token_of("integration");
    let client = client_token(&app).await;
    let path = "/api/v1/consultations";

    let mut b = consultation(lg, "子女不履行赡养义务怎么办？");
    b["external_ref"] = json!("SX-2023-000123");
    let first = created(&app, path, &person, &b).await;
    assert_eq!(first["external_ref"], "SX-2023-000123");
    let first_id = first["id"].as_i64().expect("id");

    // The same reference from the same account, for another record: a 422 naming the field,
    // and nothing written.
    let mut again = consultation(lg, "另一个问题：工资被拖欠怎么办？");
    again["external_ref"] = json!("SX-2023-000123");
    refused(&app, path, &person, &again).await;
    // The same reference from another client: a record of its own.
    let other_id = created(&app, path, &client, &again).await["id"]
        .as_i64()
        .expect("id");
    // A reference that is not printable ASCII is refused.
    let mut bad = consultation(lg, "第三个问题");
    bad["external_ref"] = json!("SX 2023");
    refused(&app, path, &person, &bad).await;

    // Read back, listed, filtered.
    let read = app.get(&format!("{path}/{first_id}"), "admin").await;
    assert_eq!(read.json()["external_ref"], "SX-2023-000123");
    let mut found = ids(&app
        .get(&format!("{path}?external_ref=SX-2023-000123"), "admin")
        .await);
    found.sort_unstable();
    assert_eq!(found, vec![first_id, other_id]);
    let listed = app
        .get(&format!("{path}?external_ref=SX-2023-000123"), "admin")
        .await;
    assert!(listed.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["external_ref"] == "SX-2023-000123"));
    assert!(ids(&app
        .get(&format!("{path}?external_ref=SX-NONE"), "admin")
        .await)
    .is_empty());
    app.get(&format!("{path}?external_ref=a%20b"), "admin")
        .await
        .assert_problem(400);

    // A correction may repeat the reference, not change it.
    let version = read.json()["version"].as_i64().expect("version");
    let mut fix = consultation(lg, "子女不履行赡养义务怎么办？（更正）");
    fix["external_ref"] = json!("SX-2023-999999");
    let changed = app
        .call(
            app.req(Method::PUT, &format!("{path}/{first_id}"), Some("admin"))
                .insert_header((header::IF_MATCH, format!("\"{version}\"")))
                .set_json(&fix),
        )
        .await;
    changed.assert_problem(422);
    fix["external_ref"] = json!("SX-2023-000123");
    let kept = app
        .call(
            app.req(Method::PUT, &format!("{path}/{first_id}"), Some("admin"))
                .insert_header((header::IF_MATCH, format!("\"{version}\"")))
                .set_json(&fix),
        )
        .await;
    assert_eq!(kept.status, 200, "{}", String::from_utf8_lossy(&kept.body));
    assert_eq!(kept.json()["external_ref"], "SX-2023-000123");

    // The same request again with its idempotency key replays the record, not a duplicate.
    let mut keyed = consultation(lg, "带幂等键的登记");
    keyed["external_ref"] = json!("SX-2023-000777");
    let with_key = |k: &'static str| {
        TestRequest::post()
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {client}")))
            .insert_header(("Idempotency-Key", k))
            .set_json(&keyed)
    };
    let once = app.call(with_key("ref-key-1")).await;
    assert_eq!(once.status, 201, "{}", String::from_utf8_lossy(&once.body));
    let twice = app.call(with_key("ref-key-1")).await;
    assert_eq!(
        twice.status,
        201,
        "{}",
        String::from_utf8_lossy(&twice.body)
    );
    assert_eq!(twice.json()["id"], once.json()["id"]);
    assert_eq!(twice.json()["external_ref"], "SX-2023-000777");
}

async fn aid_application_refs_are_unique_per_account_returned_and_filterable(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let person = app.token_of("integration");
    let client = client_token(&app).await;
    let path = "/api/v1/aid-applications";
    let with_ref = |seq: u32, r: &str| {
        let mut b = application(
            lg,
            &id_number("1950-03-01", seq),
            "2023-03-01T10:00:00+08:00",
        );
        b["external_ref"] = json!(r);
        b
    };

    let first = created(&app, path, &person, &with_ref(1, "YZ-42")).await;
    assert_eq!(first["external_ref"], "YZ-42");
    let first_id = first["id"].as_i64().expect("id");
    refused(&app, path, &person, &with_ref(2, "YZ-42")).await;
    let other_id = created(&app, path, &client, &with_ref(3, "YZ-42")).await["id"]
        .as_i64()
        .expect("id");
    // Without a reference, as before.
    let plain = application(lg, &id_number("1950-03-01", 4), "2023-03-01T10:00:00+08:00");
    let none = created(&app, path, &person, &plain).await;
    assert_eq!(none["external_ref"], Value::Null);

    let read = app.get(&format!("{path}/{first_id}"), "aid.officer").await;
    assert_eq!(read.json()["external_ref"], "YZ-42");
    let mut found = ids(&app
        .get(&format!("{path}?external_ref=YZ-42"), "admin")
        .await);
    found.sort_unstable();
    assert_eq!(found, vec![first_id, other_id]);
    assert!(ids(&app
        .get(&format!("{path}?external_ref=YZ-43"), "admin")
        .await)
    .is_empty());
    app.get(&format!("{path}?external_ref=%E5%8F%B7"), "admin")
        .await
        .assert_problem(400);
}
