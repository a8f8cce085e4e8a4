//! Units and targets: the demo tree, paging, scoping, changes with If-Match.

use actix_web::http::{header, Method};
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend};

backend_tests!(
    admin_lists_the_15_qinshui_units,
    longgang_target_is_800_at_95_percent,
    paging_walks_every_unit_once,
    township_account_sees_only_its_own_unit,
    admin_creates_a_village_station_under_a_township,
    creating_with_the_same_idempotency_key_replays,
    stale_if_match_is_a_412_and_changes_nothing,
    moving_a_unit_moves_its_subtree,
    targets_are_set_and_replaced_with_versions,
    non_admin_cannot_change_units,
);

async fn admin_lists_the_15_qinshui_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/v1/units?limit=100", "admin").await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 15);
    assert!(body["next_cursor"].is_null());
    let names: Vec<&str> = items.iter().filter_map(|u| u["name"].as_str()).collect();
    for town in [
        "龙港镇",
        "中村镇",
        "土沃乡",
        "张村乡",
        "郑庄镇",
        "端氏镇",
        "嘉峰镇",
        "郑村镇",
        "胡底乡",
        "固县乡",
        "柿庄镇",
        "十里乡",
    ] {
        assert!(
            names.contains(&format!("{town}司法所").as_str()),
            "{town} missing"
        );
    }
    assert!(names.contains(&"沁水县公共法律服务中心"));
    assert!(names.contains(&"沁水县法律援助中心"));
    let offices = app
        .get("/api/v1/units?kind=judicial_office", "admin")
        .await
        .json();
    assert_eq!(offices["items"].as_array().map(Vec::len), Some(12));
    assert!(offices["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["level"] == "township"));
}

async fn longgang_target_is_800_at_95_percent(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-LG");
    let res = app
        .get(&format!("/api/v1/units/{id}/targets"), "admin")
        .await;
    assert_eq!(res.status, 200);
    let t = &res.json()["items"][0];
    assert_eq!(t["year"], 2023);
    assert_eq!(t["consultations"], 800);
    assert_eq!(t["satisfaction_percent"], 95.0);
    let aid = app.unit_id("140521-FLYZ");
    let t = app
        .get(&format!("/api/v1/units/{aid}/targets"), "admin")
        .await
        .json();
    assert_eq!(t["items"][0]["aid_cases"], 70);
}

async fn paging_walks_every_unit_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/units?limit=4&cursor={c}"),
            None => "/api/v1/units?limit=4".to_owned(),
        };
        let body = app.get(&path, "admin").await.json();
        pages += 1;
        for u in body["items"].as_array().expect("items") {
            seen.push(u["id"].as_i64().expect("id"));
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ordered by id, no duplicates");
    assert_eq!(seen.len(), 15);
}

async fn township_account_sees_only_its_own_unit(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = app.unit_id("140521-SFS-LG");
    let other = app.unit_id("140521-SFS-ZC");
    let list = app.get("/api/v1/units", "staff.longgang").await.json();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![own]);
    assert_eq!(
        app.get(&format!("/api/v1/units/{own}"), "staff.longgang")
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/units/{other}"), "staff.longgang")
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/units/{other}/targets"), "staff.longgang")
        .await
        .assert_problem(404);
    // Not even an admin-like change through a forged scope: the PATCH is refused by role first.
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/units/{other}"),
            "staff.longgang",
            &json!({"name": "x"}),
        )
        .await;
    res.assert_problem(403);
}

async fn admin_creates_a_village_station_under_a_township(backend: Backend) {
    let app = spawn_app(backend).await;
    let parent = app.unit_id("140521-SFS-LG");
    let body = json!({
        "parent_id": parent, "kind": "village_workstation", "code": "140521-LG-001",
        "name": "东关村公共法律服务工作室", "address": "龙港镇东关村", "phone": "0356-7022101",
        "opening_hours": "每周三上午", "accessibility": ["home_visits", "step_free_access"]
    });
    let res = app.post("/api/v1/units", "admin", &body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let unit = res.json();
    assert_eq!(unit["level"], "village");
    assert_eq!(unit["version"], 1);
    assert_eq!(res.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/units/{}", unit["id"]))
    );
    assert_eq!(
        unit["accessibility"],
        json!(["step_free_access", "home_visits"])
    );
    // The township account now sees its village station too.
    let list = app.get("/api/v1/units", "staff.longgang").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    // A county bureau cannot sit under a village station.
    let bad = json!({"parent_id": unit["id"], "kind": "county_bureau", "code": "X1", "name": "x"});
    let p = app
        .post("/api/v1/units", "admin", &bad)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "kind");
    // A duplicate code is a conflict.
    app.post("/api/v1/units", "admin", &body)
        .await
        .assert_problem(409);
}

async fn creating_with_the_same_idempotency_key_replays(backend: Backend) {
    let app = spawn_app(backend).await;
    let parent = app.unit_id("140521-SFS-ZZ");
    let body = json!({"parent_id": parent, "kind": "village_workstation", "code": "140521-ZZ-009", "name": "郑庄村工作室"});
    let send = |b: serde_json::Value| {
        let req = app
            .req(Method::POST, "/api/v1/units", Some("admin"))
            .insert_header(("Idempotency-Key", "unit-create-0001"))
            .set_json(b);
        app.call(req)
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status, 201);
    let before = app.row_counts();
    let again = send(body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(app.row_counts(), before, "a replay writes nothing");
    let mut other = body.clone();
    other["name"] = json!("另一个名字");
    send(other).await.assert_problem(422);
    assert_eq!(app.row_counts(), before);
}

async fn stale_if_match_is_a_412_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-DS");
    let path = format!("/api/v1/units/{id}");
    let current = app.get(&path, "admin").await;
    let etag = current.header("etag").expect("etag");
    assert_eq!(etag, "\"1\"");

    let patch = |tag: &str, body: serde_json::Value| {
        let req = app
            .req(Method::PATCH, &path, Some("admin"))
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .set_json(body);
        app.call(req)
    };
    let ok = patch(
        &etag,
        json!({"phone": "0356-7030001", "opening_hours": "周一至周五"}),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["version"], 2);
    assert_eq!(ok.header("etag").as_deref(), Some("\"2\""));

    let before = app.row_counts();
    let stale = patch(&etag, json!({"phone": "0356-7030002"})).await;
    let p = stale.assert_problem(412);
    assert_eq!(p["current_version"], 2);
    assert_eq!(app.row_counts(), before);
    assert_eq!(
        app.get(&path, "admin").await.json()["phone"],
        "0356-7030001"
    );

    // null clears an optional field.
    let cleared = patch("\"2\"", json!({"phone": null})).await;
    assert_eq!(cleared.status, 200);
    assert!(cleared.json()["phone"].is_null());
}

async fn moving_a_unit_moves_its_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let station = app
        .post(
            "/api/v1/units",
            "admin",
            &json!({"parent_id": lg, "kind": "village_workstation", "code": "V-1", "name": "村站"}),
        )
        .await
        .json();
    let sid = station["id"].as_i64().unwrap();
    let moved = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/units/{sid}"),
            "admin",
            &json!({"parent_id": zc}),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(moved.json()["parent_id"], zc);
    assert_eq!(
        app.get("/api/v1/units", "staff.longgang").await.json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // A unit cannot move under its own descendant.
    let cycle = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/units/{zc}"),
            "admin",
            &json!({"parent_id": sid}),
        )
        .await;
    assert!(cycle.status.is_client_error(), "{}", cycle.status);
}

async fn targets_are_set_and_replaced_with_versions(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.unit_id("140521-SFS-SL");
    let path = format!("/api/v1/units/{id}/targets/2024");
    let created = app
        .send_json(
            Method::PUT,
            &path,
            "admin",
            &json!({"consultations": 250, "satisfaction_percent": 97.5}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["satisfaction_percent"], 97.5);
    let replaced = app
        .call(
            app.req(Method::PUT, &path, Some("admin"))
                .insert_header((header::IF_MATCH, "\"1\""))
                .set_json(json!({"consultations": 260, "satisfaction_percent": 96})),
        )
        .await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.json()["version"], 2);
    let stale = app
        .call(
            app.req(Method::PUT, &path, Some("admin"))
                .insert_header((header::IF_MATCH, "\"1\""))
                .set_json(json!({"consultations": 1})),
        )
        .await;
    stale.assert_problem(412);
    let rounded = app
        .call(
            app.req(Method::PUT, &path, Some("admin"))
                .insert_header((header::IF_MATCH, "\"2\""))
                .set_json(json!({"consultations": 260, "satisfaction_percent": 95.55})),
        )
        .await;
    assert_eq!(rounded.status, 200);
    assert_eq!(
        rounded.json()["satisfaction_percent"],
        95.6,
        "kept to one decimal"
    );
    let bad = app
        .send_json(
            Method::PUT,
            &path,
            "admin",
            &json!({"satisfaction_percent": 100.5}),
        )
        .await
        .assert_problem(422);
    assert_eq!(bad["errors"][0]["field"], "satisfaction_percent");
    app.send_json(
        Method::PUT,
        &format!("/api/v1/units/{id}/targets/1800"),
        "admin",
        &json!({}),
    )
    .await
    .assert_problem(400);
    let list = app
        .get(&format!("/api/v1/units/{id}/targets"), "admin")
        .await
        .json();
    let years: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["year"].as_i64())
        .collect();
    assert_eq!(years, vec![2023, 2024]);
}

async fn non_admin_cannot_change_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.row_counts();
    let lg = app.unit_id("140521-SFS-LG");
    for user in [
        "staff.longgang",
        "aid.officer",
        "lawyer",
        "auditor",
        "integration",
    ] {
        app.post(
            "/api/v1/units",
            user,
            &json!({"parent_id": lg, "kind": "village_workstation", "code": "V-9", "name": "x"}),
        )
        .await
        .assert_problem(403);
        app.send_json(
            Method::PUT,
            &format!("/api/v1/units/{lg}/targets/2025"),
            user,
            &json!({"consultations": 1}),
        )
        .await
        .assert_problem(403);
    }
    // The role is checked before the body: a forbidden caller gets 403 even for a bad body.
    app.post("/api/v1/units", "auditor", &json!({"nonsense": true}))
        .await
        .assert_problem(403);
    assert_eq!(app.row_counts(), before);
}
