//! Pages in a real browser: the "今日我当班" board and Swagger UI, in headless Chromium against
//! the app served over HTTP. Screenshots go to `target/test-artifacts/`. Without Chromium the
//! tests say so and pass, except in CI (`CI` set), where `.ci/run` installs it and they must run.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::{artifacts, spawn_app, Backend};

pub(crate) fn chromium() -> Option<PathBuf> {
    let found = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            !crate::helpers::in_ci(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("chromium is not installed: browser test not run");
    }
    found
}

/// Runs headless Chromium on a URL: a screenshot to `shot`, and the DOM after scripts ran.
fn browse(browser: &Path, url: &str, shot: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--virtual-time-budget=8000",
    ];
    let user_data = format!("--user-data-dir={}", profile.path().display());
    // A headless Chromium that has written its screenshot sometimes never exits on a loaded
    // machine: each run is stopped after a generous bound and tried again, so a stuck browser
    // cannot hold the suite (nothing is timed: the bound only ends a hang).
    let run = |extra: &[String]| {
        for _ in 0..3 {
            let out = Command::new("timeout")
                .args(["--kill-after=10", "180"])
                .arg(browser)
                .args(flags)
                .arg(&user_data)
                .args(extra)
                .arg(url)
                .output()
                .expect("run chromium");
            if !matches!(out.status.code(), Some(124) | Some(137) | None) {
                return out;
            }
            eprintln!("chromium did not exit: trying again");
        }
        panic!("chromium hung three times on {url}");
    };
    let status = run(&[
        "--window-size=1600,1400".to_owned(),
        format!("--screenshot={}", shot.display()),
    ]);
    assert!(
        status.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        std::fs::metadata(shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "screenshot {} is missing or empty",
        shot.display()
    );
    let dom = run(&["--dump-dom".to_owned()]);
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

#[actix_web::test]
async fn the_board_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let unit = app.unit_id("140521-SFS-LG");
    let page = app
        .get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
        .await
        .json();
    let head = page["items"][0]["id"].as_i64().unwrap();
    let name = page["items"][0]["name"].as_str().unwrap().to_owned();
    app.send_json(
        actix_web::http::Method::PATCH,
        &format!("/api/v1/staff/{head}"),
        "admin",
        &json!({"phone": "13812345678"}),
    )
    .await;
    app.send_json(
        actix_web::http::Method::PATCH,
        &format!("/api/v1/units/{unit}"),
        "admin",
        &json!({"phone": "0356-7022001"}),
    )
    .await;
    let res = app
        .post("/api/v1/duty-shifts", "admin", &json!({"unit_id": unit, "date": "2023-03-07", "period": "morning", "kind": "station_duty", "place": "龙港镇公共法律服务工作站", "staff_ids": [head]}))
        .await;
    assert_eq!(res.status, 201);
    let (addr, server) = app.serve_http();
    let url = format!(
        "http://{addr}/board/today?unit_id=1&date=2023-03-07&at=2023-03-07T09:30:00%2B08:00"
    );
    let shot = artifacts().join("board-today.png");
    let dom = tokio::task::spawn_blocking(move || browse(&browser, &url, &shot))
        .await
        .expect("browser");
    server.stop(true).await;
    assert!(dom.contains("今日我当班"), "{dom}");
    assert!(dom.contains("龙港镇司法所") && dom.contains(&name), "{dom}");
    assert!(
        dom.contains("正在值班"),
        "the morning shift is marked as on duty now"
    );
    assert!(dom.contains("0356-7022001"));
    assert!(
        !dom.contains("13812345678") && !dom.contains("138****5678"),
        "no personal phone on the board"
    );
    eprintln!(
        "board screenshot: {}",
        artifacts().join("board-today.png").display()
    );
}

#[actix_web::test]
async fn swagger_ui_renders_every_tag_in_chromium() {
    let Some(browser) = chromium() else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (addr, server) = app.serve_http();
    let url = format!("http://{addr}/swagger-ui/");
    let shot = artifacts().join("swagger-ui.png");
    let dom = tokio::task::spawn_blocking(move || browse(&browser, &url, &shot))
        .await
        .expect("browser");
    server.stop(true).await;
    for tag in [
        "auth",
        "units",
        "targets",
        "users",
        "staff",
        "duty",
        "calendar",
        "audit",
        "dictionaries",
        "operations",
    ] {
        // Shown with its Chinese name beside the English (`咨询 Consultations`).
        let tag = huimin::api::swagger::tag_name(tag).expect("a Chinese name");
        assert!(
            dom.contains(&format!("data-tag=\"{tag}\"")),
            "tag {tag} missing from Swagger UI"
        );
    }
    assert!(
        !dom.contains("Resolver error"),
        "Swagger UI reports unresolved references"
    );
}
