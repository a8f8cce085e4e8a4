//! Masks that hold: every view of one person that a masked reader gets (consultation and aid
//! application JSON, lists, the timeline, follow-ups, the ledger in CSV and XLSX, the audit
//! trail), taken together, leaves at least 1,000 ID numbers possible; masked readers never see a
//! name, phone or address in full; the provider assigned to a case reaches its client; links to
//! earlier visits go only to readers who see both records in full.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::Method;
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use crate::aid::{application, at, id_number, ok_step, submit};
use crate::backend_tests;
use crate::helpers::{report, spawn_app, Backend, TestApp, PASSWORD};

backend_tests!(
    masked_views_of_a_person_leave_at_least_a_thousand_id_numbers,
    assigned_provider_sees_its_clients_contact_details,
    repeat_visit_links_only_for_readers_who_see_both_records_in_full,
);

/// The county's area code, known to anyone who knows where the person lives.
const AREA: &str = "140521";
const BIRTH: &str = "1975-08-19";
const SEQ: u32 = 123;
const NAME: &str = "孙建国";
const PHONE: &str = "13912345678";
const ADDRESS: &str = "沁水县龙港镇东街12号";
const GUARDIAN_PHONE: &str = "13700002222";

/// The masked readers: the auditor, the integration, a provider the case is not assigned to (it
/// answered the consultation), and unit staff of the county (another unit than the one holding
/// the records, whose subtree includes it).
const MASKED: [&str; 4] = ["auditor", "integration", "lawyer", "staff.county"];

/// What the test sets up.
struct World {
    consultation: i64,
    application: i64,
    /// The staff record the case is assigned to.
    assigned_staff: i64,
}

pub(crate) async fn create_account(app: &TestApp, username: &str, role: &str, unit: i64) -> i64 {
    let res = app
        .post(
            "/api/v1/users",
            "admin",
            &json!({"username": username, "password": PASSWORD, "display_name": username,
                "role": role, "unit_id": unit}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_i64().unwrap()
}

/// Links an account to a staff record (`users.staff_id`, read as `Principal::staff_id`).
async fn link_staff(app: &TestApp, staff: i64, account: i64) {
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{account}"),
            "admin",
            &json!({"staff_id": staff}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

/// A person with a known ID number in the county registers a consultation at 龙港镇 answered by
/// the `lawyer` account's staff record, applies for aid from it, and the case is assigned to
/// another lawyer (linked to the account `lawyer.assigned`), run and closed; follow-ups are
/// planned for both.
async fn world(app: &TestApp) -> World {
    app.state.clock.set(at("2023-06-15T10:00:00+08:00"));
    let county = app.unit_id(AREA);
    let lg = app.unit_id("140521-SFS-LG");
    let centre = app.unit_id("140521-GGFLFW");
    let lawyers: Vec<i64> = app
        .get(&format!("/api/v1/staff?unit_id={centre}"), "admin")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let (answering, assigned) = (lawyers[0], lawyers[1]);
    let lawyer_account = app.get("/api/v1/users?role=provider", "admin").await.json()["items"][0]
        ["id"]
        .as_i64()
        .unwrap();
    link_staff(app, answering, lawyer_account).await;
    // The answering lawyer's account is moved to the county (before any token of it is issued),
    // so that it reads the consultation it answered at 龙港镇 under any scope rule.
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{lawyer_account}"),
            "admin",
            &json!({"unit_id": county}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    // The assigned lawyer's account sits at the county, so that it reaches the case whichever
    // unit's scope rule applies; what it may see of the client is the point here.
    let assigned_account = create_account(app, "lawyer.assigned", "provider", county).await;
    link_staff(app, assigned, assigned_account).await;
    create_account(app, "staff.county", "unit_staff", county).await;

    let id = id_number(BIRTH, SEQ);
    let res = app
        .post(
            "/api/v1/consultations",
            "admin",
            &json!({
                "unit_id": lg, "staff_id": answering, "received_at": "2023-06-10T09:40:00+08:00",
                "channel": "walk_in", "site": "fixed_station", "topics": ["support_maintenance"],
                "question": "子女不履行赡养义务怎么办？", "answer": "可申请法律援助。",
                "outcome": "referred_legal_aid", "callback_consent": true,
                "person": {"name": NAME, "id_number": id, "phone": PHONE}
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let consultation = res.json()["id"].as_i64().unwrap();

    let mut body = application(lg, &id, "2023-06-12T09:00:00+08:00");
    body["consultation_id"] = json!(consultation);
    body["applicant"]["name"] = json!(NAME);
    body["applicant"]["phone"] = json!(PHONE);
    body["applicant"]["address"] = json!(ADDRESS);
    body["applicant"]["guardian_name"] = json!("孙小红");
    body["applicant"]["guardian_relation"] = json!("女儿");
    body["applicant"]["guardian_phone"] = json!(GUARDIAN_PHONE);
    app.state.clock.set(at("2023-06-12T10:00:00+08:00"));
    let a = submit(app, "staff.longgang", &body).await;
    let aid = a["id"].as_i64().unwrap();
    let mut version = a["version"].as_i64().unwrap();
    for (action, step_body) in [
        ("accept", json!({})),
        ("approve", json!({})),
        ("assign", json!({"provider_staff_id": assigned})),
        ("sign_agreement", json!({})),
        ("start", json!({})),
        (
            "close",
            json!({"outcome": "mediation", "documents": ["调解书"]}),
        ),
    ] {
        version = ok_step(app, "aid.officer", aid, action, version, step_body).await["version"]
            .as_i64()
            .unwrap();
    }
    let res = app
        .post(
            "/api/v1/follow-ups/plan",
            "admin",
            &json!({"unit_id": lg, "from": "2023-06-01", "to": "2023-06-30",
                "share_percent": 100, "due_on": "2023-06-25"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    app.state.clock.set(at("2023-06-15T10:00:00+08:00"));
    World {
        consultation,
        application: aid,
        assigned_staff: assigned,
    }
}

/// Every page of a list.
async fn all_pages(app: &TestApp, path: &str, user: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let res = app.get(&url, user).await;
        if res.status != 200 {
            return out;
        }
        let page = res.json();
        out.push(page.clone());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// The rows of a ledger as objects keyed by the Chinese headers.
fn table_to_objects(rows: Vec<Vec<String>>) -> Vec<Value> {
    let mut rows = rows.into_iter();
    let Some(headers) = rows.next() else {
        return Vec::new();
    };
    rows.map(|r| {
        Value::Object(
            headers
                .iter()
                .cloned()
                .zip(r.into_iter().map(Value::String))
                .collect(),
        )
    })
    .collect()
}

/// Everything `user` can read about the person, as JSON values (ledgers as rows of objects).
async fn views_of(app: &TestApp, w: &World, user: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/api/v1/consultations/{}", w.consultation),
        format!("/api/v1/aid-applications/{}", w.application),
        format!("/api/v1/aid-applications/{}/events", w.application),
        format!(
            "/api/v1/aid-applications/{}/hardship-verifications",
            w.application
        ),
    ] {
        let res = app.get(&path, user).await;
        if res.status == 200 {
            out.push(res.json());
        }
    }
    let draft = app
        .post(
            &format!("/api/v1/consultations/{}/refer-to-aid", w.consultation),
            user,
            &json!({}),
        )
        .await;
    if draft.status == 200 {
        out.push(draft.json());
    }
    for list in [
        "/api/v1/consultations",
        "/api/v1/consultations/review-queue",
        "/api/v1/aid-applications",
        "/api/v1/aid-applications/queue",
        "/api/v1/follow-ups",
        "/api/v1/follow-ups/due",
        "/api/v1/audit-events",
    ] {
        out.extend(all_pages(app, list, user).await);
    }
    let follow_ups: Vec<i64> = all_pages(app, "/api/v1/follow-ups", user)
        .await
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f["id"].as_i64())
        .collect();
    for id in follow_ups {
        out.push(
            app.get(&format!("/api/v1/follow-ups/{id}"), user)
                .await
                .json(),
        );
    }
    let csv = app
        .get("/api/v1/consultations/export?format=csv", user)
        .await;
    if csv.status == 200 {
        let text = String::from_utf8(csv.body.clone()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        out.extend(table_to_objects(rows));
    }
    let xlsx = app
        .get("/api/v1/consultations/export?format=xlsx", user)
        .await;
    if xlsx.status == 200 {
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.clone()))
                .expect("a valid workbook");
        let sheet = book.worksheet_range("咨询台账").expect("the ledger sheet");
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        out.extend(table_to_objects(rows));
    }
    out
}

/// What the views say about the person's ID number.
#[derive(Debug, Default)]
struct Facts {
    /// Masked forms seen (`*` where hidden).
    patterns: BTreeSet<String>,
    years: BTreeSet<i32>,
    dates: BTreeSet<NaiveDate>,
    /// Odd (male) or even (female) sequence.
    parities: BTreeSet<u32>,
    /// Age in years on a day.
    ages: BTreeSet<(NaiveDate, i32)>,
    /// Age bounds on a day: (day, at least, below).
    bands: BTreeSet<(NaiveDate, i32, i32)>,
}

fn day_of(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .and_then(|s| s.get(..10))
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn number(v: &Value) -> Option<i32> {
    v.as_i64()
        .map(|n| n as i32)
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn band(label: &str) -> Option<(i32, i32)> {
    match label {
        "minor" | "未成年人" => Some((0, 18)),
        "adult" | "成年人" => Some((18, 60)),
        "elderly" | "老年人" => Some((60, 200)),
        _ => None,
    }
}

/// Collects the facts of a value; `day` is the date of the nearest record around it.
fn collect(v: &Value, day: Option<NaiveDate>, facts: &mut Facts, texts: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            let day = map
                .get("received_at")
                .or_else(|| map.get("接待时间"))
                .and_then(day_of)
                .or(day);
            for (k, v) in map {
                match k.as_str() {
                    "birth_year" | "出生年份" => facts.years.extend(number(v)),
                    "birth_date" | "出生日期" => facts.dates.extend(day_of(v)),
                    "sex" | "性别" => match v.as_str() {
                        Some("male" | "男") => {
                            facts.parities.insert(1);
                        }
                        Some("female" | "女") => {
                            facts.parities.insert(0);
                        }
                        _ => {}
                    },
                    "age" | "年龄" => {
                        if let (Some(d), Some(n)) = (day, number(v)) {
                            facts.ages.insert((d, n));
                        }
                    }
                    "age_group" | "年龄段" => {
                        if let (Some(d), Some((lo, hi))) = (day, v.as_str().and_then(band)) {
                            facts.bands.insert((d, lo, hi));
                        }
                    }
                    "special_groups" | "特殊群体" | "green_reasons" => {
                        let labels: Vec<String> = match v {
                            Value::Array(items) => items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_owned))
                                .collect(),
                            Value::String(s) => s.split('、').map(str::to_owned).collect(),
                            _ => Vec::new(),
                        };
                        for l in labels {
                            if let (Some(d), Some((lo, hi)), true) =
                                (day, band(&l), l != "adult" && l != "成年人")
                            {
                                facts.bands.insert((d, lo, hi));
                            }
                        }
                    }
                    _ => {}
                }
                collect(v, day, facts, texts);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, day, facts, texts)),
        Value::String(s) => {
            let b = s.as_bytes();
            if b.len() == 18
                && s.contains('*')
                && b.iter()
                    .all(|c| c.is_ascii_digit() || *c == b'X' || *c == b'*')
            {
                facts.patterns.insert(s.clone());
            }
            texts.push(s.clone());
        }
        _ => {}
    }
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The ID numbers of the county (valid date, valid check digit) consistent with every fact.
fn consistent_ids(f: &Facts, today: NaiveDate) -> usize {
    let weights = [7u32, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let dates = NaiveDate::from_ymd_opt(1900, 1, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| *d <= today)
        .filter(|d| f.years.iter().all(|y| d.year() == *y))
        .filter(|d| f.dates.iter().all(|x| d == x))
        .filter(|d| f.ages.iter().all(|(on, n)| age_on(*d, *on) == *n))
        .filter(|d| {
            f.bands.iter().all(|(on, lo, hi)| {
                let a = age_on(*d, *on);
                *lo <= a && a < *hi
            })
        });
    let mut count = 0;
    for d in dates {
        let prefix = format!("{AREA}{}", d.format("%Y%m%d"));
        for seq in 0..1000u32 {
            if f.parities.iter().any(|p| seq % 2 != *p) {
                continue;
            }
            let body = format!("{prefix}{seq:03}");
            let sum: u32 = body
                .bytes()
                .zip(weights)
                .map(|(c, w)| u32::from(c - b'0') * w)
                .sum();
            let id = format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char);
            let fits = f
                .patterns
                .iter()
                .all(|p| p.bytes().zip(id.bytes()).all(|(m, c)| m == b'*' || m == c));
            if fits {
                count += 1;
            }
        }
    }
    count
}

fn assert_nothing_in_full(user: &str, texts: &[String]) {
    let id = id_number(BIRTH, SEQ);
    let compact = BIRTH.replace('-', "");
    for secret in [
        id.as_str(),
        BIRTH,
        compact.as_str(),
        NAME,
        "孙小红",
        PHONE,
        GUARDIAN_PHONE,
        ADDRESS,
    ] {
        if let Some(t) = texts.iter().find(|t| t.contains(secret)) {
            panic!("{user} sees {secret:?} in full: {t}");
        }
    }
}

async fn masked_views_of_a_person_leave_at_least_a_thousand_id_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let today = NaiveDate::from_ymd_opt(2023, 6, 15).unwrap();
    // A full reader's views carry the person (so the masked readers' views are not empty by
    // accident): the holding unit's staff see the number and the birth date.
    let mut full = Facts::default();
    let mut full_texts = Vec::new();
    for v in views_of(&app, &w, "staff.longgang").await {
        collect(&v, None, &mut full, &mut full_texts);
    }
    let id = id_number(BIRTH, SEQ);
    assert!(full_texts.iter().any(|t| t == &id) && full_texts.iter().any(|t| t == PHONE));

    let mut together = Facts::default();
    let mut seen_by: HashMap<&str, usize> = HashMap::new();
    for user in MASKED {
        let views = views_of(&app, &w, user).await;
        let mut facts = Facts::default();
        let mut texts = Vec::new();
        for v in &views {
            collect(v, None, &mut facts, &mut texts);
            collect(v, None, &mut together, &mut Vec::new());
        }
        assert_nothing_in_full(user, &texts);
        assert!(
            !facts.patterns.is_empty(),
            "{user} sees the person's masked number somewhere: {facts:?}"
        );
        let n = consistent_ids(&facts, today);
        report(&format!(
            "masks: {user} ({} views): {n} ID numbers consistent with everything shown ({facts:?})",
            views.len()
        ));
        assert!(n >= 1_000, "{user}: only {n} candidates remain: {facts:?}");
        seen_by.insert(user, n);
    }
    // The masked readers together (pooling what each sees) still leave at least 1,000.
    let n = consistent_ids(&together, today);
    report(&format!(
        "masks: all masked readers together: {n} ID numbers consistent with everything shown"
    ));
    assert!(n >= 1_000, "together only {n} remain: {together:?}");
    assert!(
        together.years.contains(&1975) && together.parities.contains(&1),
        "the birth year and sex are shown, and the count takes them into account"
    );
    // Every masked reader saw something of the person.
    assert_eq!(seen_by.len(), MASKED.len());
    // The count is not blind: what masked readers used to get (`1405**********1235` beside the
    // birth date and sex) leaves one number, the person's.
    let old = Facts {
        patterns: [format!("1405**********{}", &id[14..])].into(),
        dates: [NaiveDate::parse_from_str(BIRTH, "%Y-%m-%d").unwrap()].into(),
        parities: [1].into(),
        ..Facts::default()
    };
    assert_eq!(consistent_ids(&old, today), 1);
}

async fn assigned_provider_sees_its_clients_contact_details(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let case = app
        .get(
            &format!("/api/v1/aid-applications/{}", w.application),
            "lawyer.assigned",
        )
        .await;
    assert_eq!(case.status, 200, "{}", String::from_utf8_lossy(&case.body));
    let case = case.json();
    assert_eq!(case["provider_staff_id"], w.assigned_staff);
    let a = &case["applicant"];
    assert_eq!(a["name"], NAME, "{a}");
    assert_eq!(a["phone"], PHONE);
    assert_eq!(a["address"], ADDRESS);
    assert_eq!(a["guardian_phone"], GUARDIAN_PHONE);
    // Nothing beyond: the ID number and the birth date stay masked.
    assert_eq!(a["id_number"], "1405**************");
    assert!(a["birth_date"].is_null() && a["age"].is_null(), "{a}");
    assert_eq!(a["birth_year"], 1975);
    // Nor the consultation it did not answer, nor the person in the ledger.
    assert_eq!(
        app.get(
            &format!("/api/v1/consultations/{}", w.consultation),
            "lawyer.assigned"
        )
        .await
        .status,
        404
    );
    let csv = app
        .get("/api/v1/consultations/export?format=csv", "lawyer.assigned")
        .await;
    assert!(!String::from_utf8_lossy(&csv.body).contains(PHONE));
    // The provider who is not assigned sees the case not at all, the other masked readers
    // masked.
    assert_eq!(
        app.get(
            &format!("/api/v1/aid-applications/{}", w.application),
            "lawyer"
        )
        .await
        .status,
        404
    );
    let audited = app
        .get(
            &format!("/api/v1/aid-applications/{}", w.application),
            "auditor",
        )
        .await
        .json();
    assert_eq!(audited["applicant"]["name"], "孙**");
    assert_eq!(audited["applicant"]["phone"], "139****5678");
    assert!(audited["applicant"]["address"].is_null());
}

async fn register(app: &TestApp, user: &str, unit: i64, person: Value) -> Value {
    let res = app
        .post(
            "/api/v1/consultations",
            user,
            &json!({
                "unit_id": unit, "received_at": "2023-06-14T09:40:00+08:00", "channel": "walk_in",
                "site": "fixed_station", "topics": ["labour_wages"], "question": "又来问工资的事。",
                "outcome": "answered", "person": person
            }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

async fn repeat_visit_links_only_for_readers_who_see_both_records_in_full(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let id = id_number(BIRTH, SEQ);
    // The holding unit's staff are linked to the earlier visit.
    let again = register(&app, "staff.longgang", lg, json!({"id_number": id})).await;
    assert_eq!(again["repeat_visits"]["count"], 1, "{again}");
    assert_eq!(again["repeat_visits"]["earlier"][0]["id"], w.consultation);

    // An integration registering a guessed number or phone learns nothing: a match and no
    // match answer alike, and so do later reads.
    let hit = register(&app, "integration", lg, json!({"id_number": id})).await;
    let phone_hit = register(&app, "integration", lg, json!({"phone": PHONE})).await;
    let miss = register(
        &app,
        "integration",
        lg,
        json!({"id_number": id_number("1975-08-20", SEQ)}),
    )
    .await;
    for c in [&hit, &phone_hit, &miss] {
        assert!(c["repeat_visits"].is_null(), "{c}");
        for user in ["integration", "auditor", "staff.county"] {
            let read = app
                .get(&format!("/api/v1/consultations/{}", c["id"]), user)
                .await
                .json();
            assert!(read["repeat_visits"].is_null(), "{user}: {read}");
        }
    }
    // The provider that answered the first visit gets no links on it either.
    let read = app
        .get(
            &format!("/api/v1/consultations/{}", w.consultation),
            "lawyer",
        )
        .await
        .json();
    assert!(read["repeat_visits"].is_null(), "{read}");

    // Staff of another unit, registering the same person at their own unit, see their own
    // record in full but not 龙港镇's: no link, exactly as when there is none.
    let zc_account = create_account(&app, "staff.zhongcun", "unit_staff", zc).await;
    assert!(zc_account > 0);
    let theirs = register(&app, "staff.zhongcun", zc, json!({"id_number": id})).await;
    assert_eq!(
        theirs["repeat_visits"],
        json!({"count": 0, "earlier": []}),
        "{theirs}"
    );
    // The admin of the county sees every record in full, and every link.
    let admin = app
        .get(&format!("/api/v1/consultations/{}", theirs["id"]), "admin")
        .await
        .json();
    let linked: BTreeSet<i64> = admin["repeat_visits"]["earlier"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    // (The phone-only registration shares no ID number with it.)
    let expected: BTreeSet<i64> = [w.consultation, again["id"].as_i64().unwrap()]
        .into_iter()
        .chain([hit["id"].as_i64().unwrap()])
        .collect();
    assert_eq!(linked, expected);
}
