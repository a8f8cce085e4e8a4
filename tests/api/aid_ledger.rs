//! The aid ledger: each step's date and whether it met its period; the list's date filters;
//! the export in CSV and XLSX, masked as the JSON is; the correction of the intake before the
//! decision.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::aid::{application, at, id_number, submit};
use crate::backend_tests;
use crate::casework::{lawyer, next, version};
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    each_step_records_its_date_and_whether_it_met_its_period,
    the_list_and_the_ledger_filter_by_received_decided_and_closed_days,
    the_ledger_exports_csv_and_xlsx_masked_as_the_json,
    the_intake_is_corrected_before_the_decision_only,
    a_work_log_entry_reaches_the_change_feed_as_its_own_kind,
);

/// The steps of an application as (action, period kind, due date, met).
fn steps(a: &Value) -> Vec<(String, Value, Value, Value)> {
    a["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap_or_default().to_owned(),
                s["period_kind"].clone(),
                s["due_date"].clone(),
                s["met"].clone(),
            )
        })
        .collect()
}

/// A civil case received on Wed 2023-03-01 at 10:00, taken through `path`: each step at the
/// China time given.
async fn case_through(app: &TestApp, seq: u32, path: &[(&str, &str)]) -> Value {
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let mut a = submit(
        app,
        "staff.longgang",
        &application(
            app.unit_id("140521-SFS-LG"),
            &id_number("1980-05-05", seq),
            "2023-03-01T10:00:00+08:00",
        ),
    )
    .await;
    let provider = lawyer(app).await;
    for (action, when) in path {
        app.state.clock.set(at(when));
        let body = match *action {
            "assign" => json!({"provider_staff_id": provider}),
            "close" => {
                json!({"outcome": "mediation", "amount_recovered_fen": 1_250_050, "documents": ["调解书"]})
            }
            "review" => json!({"quality_grade": "good"}),
            _ => json!({}),
        };
        a = next(app, "aid.officer", &a, action, body).await;
    }
    a
}

const FULL_PATH: [(&str, &str); 8] = [
    ("accept", "2023-03-01T10:30:00+08:00"),
    ("approve", "2023-03-09T09:00:00+08:00"),
    ("assign", "2023-03-10T09:00:00+08:00"),
    ("sign_agreement", "2023-03-20T09:00:00+08:00"),
    ("start", "2023-03-20T10:00:00+08:00"),
    ("close", "2023-04-03T10:00:00+08:00"),
    ("file", "2023-04-10T10:00:00+08:00"),
    ("review", "2023-04-20T10:00:00+08:00"),
];

async fn each_step_records_its_date_and_whether_it_met_its_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = case_through(&app, 51, &FULL_PATH).await;
    assert_eq!(a["state"], "filed");
    let s = steps(&a);
    let n = Value::Null;
    assert_eq!(
        s,
        [
            ("accept".into(), n.clone(), n.clone(), n.clone()),
            // Received Wed 03-01: the seven days are 03-02 … 03-08; decided on 03-09, late.
            (
                "approve".into(),
                json!("review"),
                json!("2023-03-08"),
                json!(false)
            ),
            // Approved Thu 03-09: three days end Sun 03-12, a rest day, so Mon 03-13; assigned
            // Fri 03-10, in time.
            (
                "assign".into(),
                json!("assignment"),
                json!("2023-03-13"),
                json!(true)
            ),
            // Assigned Fri 03-10: five days end Wed 03-15; signed Mon 03-20, late.
            (
                "sign_agreement".into(),
                json!("agreement"),
                json!("2023-03-15"),
                json!(false)
            ),
            ("start".into(), n.clone(), n.clone(), n.clone()),
            ("close".into(), n.clone(), n.clone(), n.clone()),
            // Closed Mon 04-03: thirty days end Wed 05-03, in the Labour Day holiday (04-29 to
            // 05-03, State Council 2022-12-08), so Thu 05-04; filed 04-10, in time.
            (
                "file".into(),
                json!("filing"),
                json!("2023-05-04"),
                json!(true)
            ),
            // Filed Mon 04-10: the centre's thirty days end Wed 05-10; reviewed 04-20.
            (
                "review".into(),
                json!("closing_review"),
                json!("2023-05-10"),
                json!(true)
            ),
        ]
    );
    let approve = &a["steps"][1];
    assert_eq!(approve["taken_at"], "2023-03-09T09:00:00+08:00");
    assert_eq!(approve["state"], "approved");
    assert_eq!(approve["due_at"], "2023-03-09T00:00:00+08:00");
    // The single read and the list show the same steps.
    let listed = app
        .every_item("/api/v1/aid-applications", "aid.officer")
        .await;
    let same = listed.iter().find(|l| l["id"] == a["id"]).expect("listed");
    assert_eq!(same["steps"], a["steps"]);
}

async fn the_list_and_the_ledger_filter_by_received_decided_and_closed_days(backend: Backend) {
    let app = spawn_app(backend).await;
    // One case closed on 04-03, one approved on 03-09 only, one received only.
    let closed = case_through(&app, 61, &FULL_PATH[..6]).await;
    let decided = case_through(&app, 62, &FULL_PATH[..2]).await;
    app.state.clock.set(at("2023-03-20T23:30:00+08:00"));
    let received = submit(
        &app,
        "staff.longgang",
        &application(
            app.unit_id("140521-SFS-LG"),
            &id_number("1980-05-05", 63),
            "2023-03-20T23:30:00+08:00",
        ),
    )
    .await;
    let ids = |items: Vec<Value>| {
        let mut ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        ids.sort();
        ids
    };
    let (c, d, r) = (
        closed["id"].as_i64().unwrap(),
        decided["id"].as_i64().unwrap(),
        received["id"].as_i64().unwrap(),
    );
    for (query, expected) in [
        ("", vec![c, d, r]),
        // 23:30 on 03-20 in China is 15:30 UTC: the China day counts.
        ("received_from=2023-03-20", vec![r]),
        ("received_to=2023-03-19", vec![c, d]),
        ("received_from=2023-03-21", vec![]),
        ("decided_from=2023-03-09&decided_to=2023-03-09", vec![c, d]),
        ("decided_to=2023-03-08", vec![]),
        ("closed_from=2023-04-01&closed_to=2023-04-30", vec![c]),
        ("closed_from=2023-04-04", vec![]),
        ("state=approved", vec![d]),
        ("state=submitted&received_to=2023-03-20", vec![r]),
    ] {
        let listed = app
            .every_item(&format!("/api/v1/aid-applications?{query}"), "aid.officer")
            .await;
        assert_eq!(ids(listed), expected, "list {query}");
        // The ledger takes the same filters: its first column is the number.
        let csv = app
            .get(
                &format!("/api/v1/aid-applications/export?format=csv&{query}"),
                "aid.officer",
            )
            .await;
        assert_eq!(csv.status, 200, "{query}");
        let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
        let mut numbers: Vec<i64> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap()[0].parse().unwrap())
            .collect();
        numbers.sort();
        assert_eq!(numbers, expected, "ledger {query}");
    }
    for bad in [
        "received_from=2023-02-30",
        "decided_to=yesterday",
        "closed_from=2023-13-01",
    ] {
        app.get(&format!("/api/v1/aid-applications?{bad}"), "aid.officer")
            .await
            .assert_problem(400);
        app.get(
            &format!("/api/v1/aid-applications/export?format=csv&{bad}"),
            "aid.officer",
        )
        .await
        .assert_problem(400);
    }
}

async fn the_ledger_exports_csv_and_xlsx_masked_as_the_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = case_through(&app, 71, &FULL_PATH).await;
    let number = id_number("1980-05-05", 71);
    let csv = app
        .get("/api/v1/aid-applications/export?format=csv", "admin")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("aid-applications-"));
    assert!(csv.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| {
        rows[0]
            .get(headers.iter().position(|h| h == name).expect(name))
            .unwrap()
            .to_owned()
    };
    assert_eq!(cell("编号"), a["id"].to_string());
    assert_eq!(cell("接收单位"), "龙港镇司法所");
    assert_eq!(cell("接收时间"), "2023-03-01 10:00");
    assert_eq!(cell("申请人"), "赵某");
    assert_eq!(cell("身份证号"), number, "an admin sees it in full");
    assert_eq!(cell("联系电话"), "13812345678");
    assert_eq!(cell("事项类别"), "请求给付赡养费、抚养费、扶养费");
    assert_eq!(cell("状态"), "已归档");
    assert_eq!(cell("审查决定时间"), "2023-03-09 09:00");
    assert_eq!(cell("审查是否按期"), "否");
    assert_eq!(cell("指派时间"), "2023-03-10 09:00");
    assert_eq!(cell("指派是否按期"), "是");
    assert_eq!(cell("签订协议是否按期"), "否");
    assert_eq!(cell("结案方式"), "调解");
    assert_eq!(cell("挽回金额（元）"), "12500.5");
    assert_eq!(cell("立卷归档时间"), "2023-04-10 10:00");
    assert_eq!(cell("立卷是否按期"), "是");
    assert_eq!(cell("结案审查是否按期"), "是");
    assert_eq!(cell("质量等级"), "良好");
    assert!(!cell("办案补贴（元）").is_empty());
    assert_eq!(cell("当前期限"), "");

    // An auditor's ledger is masked as its JSON is, in CSV and XLSX alike; the JSON says how.
    let json = app
        .get(&format!("/api/v1/aid-applications/{}", a["id"]), "auditor")
        .await
        .json();
    let masked_id = json["applicant"]["id_number"].as_str().unwrap().to_owned();
    let masked_name = json["applicant"]["name"].as_str().unwrap().to_owned();
    assert_ne!(masked_id, number);
    let csv = app
        .get("/api/v1/aid-applications/export?format=csv", "auditor")
        .await;
    let text = String::from_utf8_lossy(&csv.body);
    assert!(
        text.contains(&masked_id) && text.contains(&masked_name) && text.contains("138****5678"),
        "{text}"
    );
    assert!(!text.contains(&number) && !text.contains("13812345678") && !text.contains("赵某,"));
    let xlsx = app
        .get("/api/v1/aid-applications/export?format=xlsx", "auditor")
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx
        .header("content-type")
        .unwrap()
        .starts_with("application/vnd.openxmlformats"));
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.clone()))
            .expect("a valid workbook");
    let sheet = book
        .worksheet_range("法律援助案件台账")
        .expect("the ledger sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    assert_eq!(rows[1][col("身份证号")], masked_id);
    assert_eq!(rows[1][col("申请人")], masked_name);
    assert_eq!(rows[1][col("挽回金额（元）")], "12500.5", "a number cell");
    app.get("/api/v1/aid-applications/export?format=pdf", "admin")
        .await
        .assert_problem(400);
    // Each export is an event of the trail, with its format and filters.
    let trail = app
        .get("/api/v1/audit-events?entity=aid_ledger&limit=10", "admin")
        .await
        .json();
    let mut formats: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export")
        .filter_map(|e| e["after"]["format"].as_str())
        .collect();
    formats.sort();
    assert_eq!(formats, ["csv", "csv", "xlsx"], "{trail}");
}

/// PATCH an application's intake as `user`, with `If-Match` of `a`.
async fn correct(
    app: &TestApp,
    user: &str,
    a: &Value,
    body: Value,
) -> crate::helpers::TestResponse {
    app.call(
        app.req(
            Method::PATCH,
            &format!("/api/v1/aid-applications/{}", a["id"]),
            Some(user),
        )
        .insert_header((header::IF_MATCH, format!("\"{}\"", version(a))))
        .set_json(body),
    )
    .await
}

async fn the_intake_is_corrected_before_the_decision_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    // Entered as a man of 43, matter wages: in fact a woman of 73 claiming support payments.
    let mut body = application(
        app.unit_id("140521-SFS-LG"),
        &id_number("1980-05-05", 81),
        "2023-03-01T10:00:00+08:00",
    );
    body["matter_category"] = json!("labour_wages");
    let a = submit(&app, "staff.longgang", &body).await;
    assert_eq!(a["green_channel"], false);
    let a = next(&app, "aid.officer", &a, "accept", json!({})).await;
    let right = id_number("1950-01-20", 82);
    let fix = json!({
        "reason": "身份证号和事项录入错误，按身份证原件和申请表更正",
        "applicant": {"id_number": right},
        "matter_category": "support_payments"
    });
    // Providers do not correct intakes, nor does a reader who sees the applicant masked (the
    // county bureau's staff); a stale version is a 412.
    correct(&app, "lawyer", &a, fix.clone())
        .await
        .assert_problem(403);
    crate::masks::create_account(&app, "staff.county", "unit_staff", app.unit_id("140521")).await;
    correct(&app, "staff.county", &a, fix.clone())
        .await
        .assert_problem(403);
    let mut stale = a.clone();
    stale["version"] = json!(version(&a) - 1);
    correct(&app, "aid.officer", &stale, fix.clone())
        .await
        .assert_problem(412);
    // Checked as at submission: the check digit, a hardship ground with a pledge.
    let mut wrong = id_number("1950-01-20", 82);
    wrong.pop();
    wrong.push(if right.ends_with('1') { '2' } else { '1' });
    let p = correct(
        &app,
        "aid.officer",
        &a,
        json!({"reason": "更正", "applicant": {"id_number": wrong}}),
    )
    .await
    .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "applicant.id_number", "{p}");
    let p = correct(
        &app,
        "aid.officer",
        &a,
        json!({"reason": "更正", "hardship_ground": "no_fixed_income"}),
    )
    .await
    .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "hardship_ground", "{p}");
    // A correction that changes nothing, or with no reason, is refused.
    let p = correct(
        &app,
        "aid.officer",
        &a,
        json!({"reason": "核对", "matter_category": "labour_wages"}),
    )
    .await
    .assert_problem(422);
    assert_eq!(p["errors"][0]["code"], "no_change", "{p}");
    correct(
        &app,
        "aid.officer",
        &a,
        json!({"matter_category": "support_payments"}),
    )
    .await
    .assert_problem(422);
    let unchanged = app
        .get(&format!("/api/v1/aid-applications/{}", a["id"]), "admin")
        .await
        .json();
    assert_eq!(unchanged["version"], a["version"], "nothing half-written");

    let res = correct(&app, "aid.officer", &a, fix.clone()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.header("etag").unwrap(),
        format!("\"{}\"", version(&a) + 1)
    );
    let c = res.json();
    assert_eq!(c["applicant"]["id_number"], right);
    assert_eq!(c["applicant"]["sex"], "female");
    assert_eq!(c["applicant"]["age"], 73);
    assert_eq!(c["matter_category"], "support_payments");
    assert_eq!(c["state"], "accepted");
    assert_eq!(c["green_channel"], true, "an elderly applicant: {c}");
    assert_eq!(c["green_reasons"], json!(["elderly"]));
    // The other fields stay as they were.
    assert_eq!(c["applicant"]["phone"], "13812345678");
    assert_eq!(c["facts"], a["facts"]);
    // The timeline names the fields and the reason, never the numbers.
    let events = app
        .get(
            &format!("/api/v1/aid-applications/{}/events", a["id"]),
            "aid.officer",
        )
        .await
        .json();
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "correct");
    let note = last["note"].as_str().unwrap();
    assert!(
        note.contains("applicant.id_number")
            && note.contains("matter_category")
            && note.contains("按身份证原件")
            && note.contains("老年人"),
        "{note}"
    );
    assert!(!note.contains(&right) && !note.contains("1980"), "{note}");
    // An officer's decision stands: taken off the channel, a later correction leaves it off.
    let res = app
        .call(
            app.req(
                Method::POST,
                &format!("/api/v1/aid-applications/{}/green-channel", c["id"]),
                Some("aid.officer"),
            )
            .insert_header((header::IF_MATCH, format!("\"{}\"", version(&c))))
            .set_json(json!({"green_channel": false, "reason": "子女陪同办理，无需优先"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let off = res.json();
    let res = correct(
        &app,
        "aid.officer",
        &off,
        json!({"reason": "更正地址", "applicant": {"address": "沁水县龙港镇东关村"}}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let c = res.json();
    assert_eq!(c["green_channel"], false, "{c}");
    // Urgency corrected: the queue's priority follows; a ground is then required.
    let p = correct(
        &app,
        "aid.officer",
        &c,
        json!({"reason": "补录先行提供", "urgent": true}),
    )
    .await
    .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "urgent_ground", "{p}");
    // After the decision the intake stands.
    let c = next(&app, "aid.officer", &c, "approve", json!({})).await;
    let p = correct(
        &app,
        "aid.officer",
        &c,
        json!({"reason": "更正", "case_type": "赡养费纠纷"}),
    )
    .await
    .assert_problem(409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("before the decision"),
        "{p}"
    );
    // A materials notice unanswered past its date: deemed withdrawn, no longer corrected.
    app.state.clock.set(at("2023-03-01T10:00:00+08:00"));
    let mut body = application(
        app.unit_id("140521-SFS-LG"),
        &id_number("1980-05-05", 83),
        "2023-03-01T10:00:00+08:00",
    );
    body["matter_category"] = json!("labour_wages");
    let d = submit(&app, "staff.longgang", &body).await;
    let d = next(&app, "aid.officer", &d, "accept", json!({})).await;
    let d = next(
        &app,
        "aid.officer",
        &d,
        "request_materials",
        json!({"materials": ["劳动合同"], "reply_days": 5}),
    )
    .await;
    app.state.clock.set(at("2023-03-07T00:05:00+08:00"));
    let p = correct(
        &app,
        "aid.officer",
        &d,
        json!({"reason": "更正", "case_type": "欠薪"}),
    )
    .await
    .assert_problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("deemed withdrawn"),
        "{p}"
    );
}

async fn a_work_log_entry_reaches_the_change_feed_as_its_own_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = case_through(&app, 91, &FULL_PATH[..5]).await;
    assert_eq!(a["state"], "in_progress");
    let res = app
        .post(
            &format!("/api/v1/aid-applications/{}/work-log", a["id"]),
            "aid.officer",
            &json!({"kind": "meeting", "done_on": "2023-03-20", "note": "约见受援人，了解案情"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    crate::changes::settled(&app).await;
    let (entries, _) = crate::changes::all_items(&app, "admin", "&types=aid_work_entry").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["type"], "aid_work_entry");
    assert_eq!(e["action"], "log_work");
    assert_eq!(e["resource_id"], a["id"]);
    assert_eq!(e["data"]["kind"], "meeting");
    assert_eq!(e["data"]["application_id"], a["id"]);
    // The application's own changes all carry the application: none reads as a deletion.
    let (changes, _) = crate::changes::all_items(&app, "admin", "&types=aid_application").await;
    let mine: Vec<&Value> = changes
        .iter()
        .filter(|c| c["resource_id"] == a["id"])
        .collect();
    assert_eq!(mine.len(), 6, "create and five steps: {mine:?}");
    assert!(mine.iter().all(|c| c["data"]["id"] == a["id"]), "{mine:?}");
}
