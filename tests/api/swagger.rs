//! Swagger UI as a city auditor uses it: tags, summaries and enum values with their Chinese
//! names in the document, and, in headless Chromium driven over the DevTools protocol, "Try it
//! out" and "Execute" on every GET operation with what Swagger UI pre-fills: no 400, and the
//! ledger saved from "Download file" keeps its byte order mark.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::cdp;
use crate::helpers::{artifacts, spawn_app, Backend, TestApp};

backend_tests!(
    every_enum_value_has_its_chinese_label_in_the_description,
    try_it_out_on_every_get_operation_answers_no_400,
);

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every operation's summary and every tag carries its Chinese name from the one table of
/// `src/api/swagger/titles.rs`, beside the English; an operation or a tag without a row there
/// fails here, naming it.
#[test]
fn every_operation_and_tag_has_its_chinese_name() {
    use huimin::api::swagger::{tag_name, OPERATIONS, TAGS};
    let spec = serde_json::to_value(huimin::openapi()).expect("spec");
    let declared: Vec<&str> = spec["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut missing = Vec::new();
    let mut ids = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let id = op["operationId"].as_str().unwrap_or_default();
            ids.push(id);
            match OPERATIONS.iter().find(|(o, ..)| *o == id) {
                None => missing.push(format!(
                    "{method} {path}: operation {id} has no row in OPERATIONS (src/api/swagger/titles.rs)"
                )),
                Some((_, zh, en)) => {
                    assert!(has_chinese(zh) && !has_chinese(en) && !en.is_empty(), "{id}");
                    assert_eq!(op["summary"], format!("{zh} {en}"), "{id}");
                }
            }
            for tag in op["tags"].as_array().into_iter().flatten() {
                let tag = tag.as_str().unwrap_or_default();
                if !has_chinese(tag) {
                    missing.push(format!(
                        "{method} {path}: tag {tag} has no row in TAGS (src/api/swagger/titles.rs)"
                    ));
                } else if !declared.contains(&tag) {
                    missing.push(format!("{method} {path}: tag {tag} is not declared"));
                }
            }
        }
    }
    for tag in spec["tags"].as_array().into_iter().flatten() {
        let name = tag["name"].as_str().unwrap_or_default();
        let description = tag["description"].as_str().unwrap_or_default();
        if !has_chinese(name) || !has_chinese(description) {
            missing.push(format!(
                "tag {name} has no row in TAGS (src/api/swagger/titles.rs)"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    for (id, ..) in OPERATIONS {
        assert!(
            ids.contains(id),
            "OPERATIONS has a row for {id}, which is no operation"
        );
    }
    for (code, ..) in TAGS {
        let name = tag_name(code).expect("a row");
        assert!(
            declared.contains(&name.as_str()),
            "TAGS has a row for {code}, which is no tag"
        );
    }
    // An auditor filtering Swagger UI by 咨询 or by 援助 finds operations (its filter matches
    // tag names).
    for word in ["咨询", "援助"] {
        let found = spec["paths"]
            .as_object()
            .expect("paths")
            .values()
            .flat_map(|item| item.as_object().expect("operations").values())
            .filter(|op| {
                op["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t.as_str().unwrap_or_default().contains(word))
            })
            .count();
        assert!(found >= 5, "filtering by {word} finds {found} operations");
    }
}

/// Every enum value of the served document is named with its Chinese label from the served
/// code tables, in the description that goes with it: a schema's own, or a parameter's (what
/// Swagger UI shows beside the box).
async fn every_enum_value_has_its_chinese_label_in_the_description(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = app
        .call(TestRequest::get().uri(huimin::SPEC_PATH))
        .await
        .json();
    let dictionaries = app
        .call(TestRequest::get().uri("/api/v1/dictionaries"))
        .await
        .json();
    let mut labels: HashMap<String, Vec<String>> = HashMap::new();
    for entries in dictionaries.as_object().expect("tables").values() {
        for e in entries.as_array().expect("entries") {
            labels
                .entry(e["code"].as_str().expect("code").to_owned())
                .or_default()
                .push(e["label"].as_str().expect("label").to_owned());
        }
    }
    // Every enum, with the description that must name its values.
    fn enums(v: &Value, at: &str, described: Option<&str>, out: &mut Vec<(String, Value, String)>) {
        match v {
            Value::Object(m) => {
                let own = m.get("description").and_then(Value::as_str);
                if let Some(values) = m.get("enum") {
                    let text = described.or(own).unwrap_or_default().to_owned();
                    out.push((at.to_owned(), values.clone(), text));
                }
                let is_parameter = m.contains_key("in") && m.contains_key("name");
                for (k, x) in m {
                    let passed = if is_parameter && k == "schema" {
                        own
                    } else {
                        None
                    };
                    enums(x, &format!("{at}/{k}"), passed, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    enums(x, &format!("{at}/{i}"), None, out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    enums(&spec, "", None, &mut found);
    // A parameter whose schema is a reference to an enum names the values too.
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let reference = p["schema"]["$ref"]
                    .as_str()
                    .or(p["schema"]["items"]["$ref"].as_str());
                if let Some(reference) = reference {
                    let target = spec.pointer(reference.trim_start_matches('#'));
                    if let Some(values) = target.and_then(|t| t.get("enum")) {
                        found.push((
                            format!("{method} {path} parameter {}", p["name"]),
                            values.clone(),
                            p["description"].as_str().unwrap_or_default().to_owned(),
                        ));
                    }
                }
            }
        }
    }
    let mut unlabelled = Vec::new();
    for (at, values, description) in &found {
        for value in values.as_array().expect("enum values") {
            let code = value.as_str().unwrap_or_default();
            let named = labels.get(code).is_some_and(|ls| {
                ls.iter()
                    .any(|l| description.contains(&format!("{code} {l}")))
            });
            if !named {
                unlabelled.push(format!("{at}: {code}"));
            }
        }
    }
    assert!(
        unlabelled.is_empty(),
        "enum values without their Chinese label in the description (make the enum a code \
         table, `crate::code_table!`, served by GET /api/v1/dictionaries):\n{}",
        unlabelled.join("\n")
    );
    assert!(found.len() > 40, "{} enums checked", found.len());
}

/// What the test fills (and only where Swagger UI leaves a required box empty): a real id for
/// each `{id}` of a GET path, and dates for required ranges.
async fn fill_ins(app: &TestApp, spec: &Value) -> (BTreeMap<String, i64>, Value) {
    let unit = app.unit_id("140521-SFS-LG");
    let staff = app
        .get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("a staff member");
    let made = |res: crate::helpers::TestResponse| {
        assert!(
            res.status.is_success(),
            "{:?}",
            String::from_utf8_lossy(&res.body)
        );
        res.json()
    };
    made(
        app.post(
            "/api/v1/consultations",
            "admin",
            &json!({
                "unit_id": unit, "staff_id": staff, "received_at": "2023-03-07T09:40:00+08:00",
                "channel": "walk_in", "site": "fixed_station", "topics": ["support_maintenance"],
                "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉。",
                "outcome": "answered", "callback_consent": true
            }),
        )
        .await,
    );
    made(
        app.post(
            "/api/v1/follow-ups/plan",
            "admin",
            &json!({
                "unit_id": unit, "from": "2023-03-07", "to": "2023-03-07", "share_percent": 100
            }),
        )
        .await,
    );
    // An application granted, so that its documents have one to print.
    let aid = made(app.post("/api/v1/aid-applications", "admin", &json!({
        "unit_id": unit, "channel": "township_on_behalf", "received_at": "2023-03-01T10:00:00+08:00",
        "applicant": {"name": "赵某", "id_number": "140521198005050012", "phone": "13812345678", "address": "龙港镇"},
        "matter_category": "support_payments", "facts": "子女拒绝支付赡养费。", "hardship_check": "pledge"
    })).await);
    let mut aid = aid;
    for step in ["accept", "approve"] {
        aid = crate::aid::ok_step(
            app,
            "aid.officer",
            aid["id"].as_i64().expect("id"),
            step,
            aid["version"].as_i64().expect("version"),
            json!({}),
        )
        .await;
    }
    let paper = app
        .get(
            &format!("/api/v1/aid-applications/{}/papers", aid["id"]),
            "admin",
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("the grant");
    made(
        app.post(
            "/api/v1/duty-shifts",
            "admin",
            &json!({
                "unit_id": unit, "date": "2023-03-07", "period": "morning", "kind": "station_duty",
                "place": "龙港镇公共法律服务工作站", "staff_ids": [staff]
            }),
        )
        .await,
    );
    // An API client and a webhook (never delivered: the test app runs no worker), so that their
    // reads have a record.
    crate::clients::register(app, json!({})).await;
    made(
        app.post(
            "/api/v1/webhooks",
            "admin",
            &json!({"url": "http://127.0.0.1:9/hook", "types": ["consultation"]}),
        )
        .await,
    );
    // One of each record the overseers keep, so that their reads have an id to show.
    made(
        app.post(
            "/api/v1/activities",
            "admin",
            &crate::activities::activity(unit, "2023-03-07", &[staff]),
        )
        .await,
    );
    let section = json!([{"title": "亮点", "content": "做法与成效"}]);
    made(
        app.post(
            "/api/v1/monthly-reports",
            "admin",
            &json!({"unit_id": unit, "period": "2023-03", "highlights": section,
                    "typical_cases": section, "activity_briefs": section}),
        )
        .await,
    );
    made(
        app.post(
            "/api/v1/inspections",
            "admin",
            &json!({"unit_id": app.unit_id("140521"), "kind": "spot_check",
                    "held_on": "2023-03-08", "unit_ids": [unit],
                    "summary": "抽查值班和咨询登记情况"}),
        )
        .await,
    );
    made(
        app.post(
            "/api/v1/recognitions",
            "admin",
            &json!({"unit_id": unit, "year": 2023, "kind": "model_station",
                    "reason": "值班制度落实到位", "recognised_on": "2023-12-28",
                    "recognised_by": "沁水县司法局"}),
        )
        .await,
    );
    let mut ids = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(at) = path.find("/{id}") else {
            continue;
        };
        if item.get("get").is_none() {
            continue;
        }
        let list = app.get(&path[..at], "admin").await;
        let id = (list.status == 200)
            .then(|| list.json()["items"][0]["id"].as_i64())
            .flatten()
            .unwrap_or(1);
        ids.insert(path.clone(), id);
        if path.contains("{paper_id}") {
            ids.insert(format!("{path} paper_id"), paper);
        }
    }
    (ids, json!({"from": "2023-03-01", "to": "2023-03-31"}))
}

/// The file `name` saved into `dir`, once the browser has finished writing it.
fn downloaded(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    for _ in 0..2400 {
        // Chromium writes into a `.crdownload` file and renames it when done.
        if file.exists() {
            return file;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("Swagger UI saved no {name} into {}", dir.display());
}

/// The acceptance test of issue 15: an auditor authorizes with a token, and "Try it out" →
/// "Execute" on every GET operation, with what Swagger UI pre-fills, answers no 400 (each
/// status is recorded in `target/test-artifacts/`). The ledger saved through "Download file"
/// starts with the UTF-8 byte order mark and keeps its Chinese. The same drive on a document
/// whose cursor carries an example answers 400: the test sees what it is there to catch.
async fn try_it_out_on_every_get_operation_answers_no_400(backend: Backend) {
    let Some(chromium) = crate::browser::chromium() else {
        return;
    };
    let app = spawn_app(backend).await;
    let spec = app
        .call(TestRequest::get().uri(huimin::SPEC_PATH))
        .await
        .json();
    let (ids, required) = fill_ins(&app, &spec).await;
    let token = app.token_of("admin");
    let mut doctored = spec.clone();
    for p in doctored["paths"]["/api/v1/units"]["get"]["parameters"]
        .as_array_mut()
        .expect("parameters")
    {
        if p["name"] == "cursor" {
            p["example"] = json!("AAAAAAAAAAAAAAAAAAAAAAAA");
        }
    }
    let (addr, server) = app.serve_http();
    let name = format!("swagger-try-it-out-{backend:?}").to_lowercase();
    let shot = artifacts().join(format!("{name}.png"));
    let downloads = tempfile::tempdir().expect("downloads dir");
    let dir = downloads.path().to_owned();
    let (results, caught, csv, filtered) = tokio::task::spawn_blocking(move || {
        let drive = |only: Value| {
            format!(
                "({})({}, {}, {}, {only})",
                include_str!("swagger_ui.js"),
                json!(token),
                json!(ids),
                required
            )
        };
        let url = format!("http://{addr}/swagger-ui/");
        let mut browser = cdp::Browser::launch(&chromium);
        browser.allow_downloads(&dir);
        let page = browser.open(&url);
        let results = browser.evaluate(&page, &drive(Value::Null));
        browser.screenshot(&page, &shot);
        // Every CSV answer is saved; the ledger's is the one read here.
        let ledger = results
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["path"] == "/api/v1/consultations/export")
            .and_then(|r| r["download"].as_str())
            .expect("the ledger offered a download")
            .to_owned();
        let csv = std::fs::read(downloaded(&dir, &ledger)).expect("read the saved CSV");
        // The tag filter, as an auditor types 援助.
        let filtered = browser.evaluate(
            &page,
            "(async () => { const box = document.querySelector('.operation-filter-input'); \
               Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(box, '援助'); \
               box.dispatchEvent(new Event('input', { bubbles: true })); \
               await new Promise(r => setTimeout(r, 1500)); \
               return [...document.querySelectorAll('.opblock-tag')].map(t => t.getAttribute('data-tag')); })()",
        );
        // The same drive over a document that pre-fills a cursor.
        let page = browser.open(&url);
        browser.evaluate(
            &page,
            &format!(
                "(async () => {{ while (!document.querySelector('.opblock')) \
                   await new Promise(r => setTimeout(r, 50)); \
                 ui.specActions.updateSpec({}); \
                 await new Promise(r => setTimeout(r, 1000)); }})()",
                json!(doctored.to_string())
            ),
        );
        let caught = browser.evaluate(&page, &drive(json!(["/api/v1/units"])));
        (results, caught, csv, filtered)
    })
    .await
    .expect("browser");
    server.stop(true).await;

    let results = results.as_array().expect("results").clone();
    std::fs::write(
        artifacts().join(format!("{name}.json")),
        serde_json::to_string_pretty(&results).expect("json"),
    )
    .expect("write statuses");
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for r in &results {
        let status = r["status"].as_str().unwrap_or_default();
        eprintln!("{status} GET {} {}", r["path"], r["prefilled"]);
        *statuses.entry(status.to_owned()).or_default() += 1;
    }
    eprintln!(
        "statuses over {} GET operations: {statuses:?}",
        results.len()
    );
    let gets: Vec<&String> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| path)
        .collect();
    assert_eq!(results.len(), gets.len(), "every GET operation was tried");
    for r in &results {
        let status = r["status"].as_str().unwrap_or_default();
        let path = r["path"].as_str().unwrap_or_default();
        assert!(
            status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()),
            "GET {path}: Swagger UI sent nothing: {status}"
        );
        assert_ne!(
            status, "400",
            "GET {path} with what Swagger UI pre-fills: {r}"
        );
        assert!(
            has_chinese(r["summary"].as_str().unwrap_or_default()),
            "GET {path} shows no Chinese summary: {r}"
        );
    }
    // Most answer 200: the ids are real and the token is an admin's.
    assert!(
        statuses.get("200").copied().unwrap_or(0) + 2 >= results.len(),
        "{statuses:?}"
    );
    // The ledger as saved: the byte order mark, then the Chinese header row intact.
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "no byte order mark: {:?}",
        &csv[..csv.len().min(16)]
    );
    let text = std::str::from_utf8(&csv[3..]).expect("UTF-8");
    let header = huimin::api::ledger::HEADERS.join(",");
    assert!(text.starts_with(&header), "{text}");
    assert!(text.contains("子女不履行赡养义务怎么办"), "{text}");
    // Swagger UI's filter finds legal aid by its Chinese name.
    assert_eq!(filtered, json!(["法律援助 Legal aid"]), "filtered by 援助");
    // The drive fails where it must.
    assert_eq!(
        caught[0]["prefilled"]["query:cursor"], "AAAAAAAAAAAAAAAAAAAAAAAA",
        "{caught}"
    );
    assert_eq!(
        caught[0]["status"], "400",
        "a pre-filled cursor is caught: {caught}"
    );
}
