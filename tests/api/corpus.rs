//! The bad-input corpus: malformed and truncated JSON, wrong types, missing and extra fields, huge
//! strings and arrays, oversize bodies, invalid UTF-8, zero-width and RTL characters, SQL and
//! script injection strings in every text field and query parameter, bad page sizes, tampered
//! cursors, impossible dates and ID numbers with wrong check digits. Every refusal is a 4xx
//! problem+json, and the row counts of every table are unchanged afterwards.
//!
//! The corpus is generated: from the OpenAPI document (operations, parameters, body schemas) and
//! from one valid base request per write operation, built on real records (`prepare`). A write
//! operation of the document without a base request fails the test, so the corpus grows with
//! every resource.

use std::cell::Cell;
use std::collections::BTreeSet;

use actix_web::http::{header, Method};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{Days, NaiveDate};
use serde_json::{json, Value};

use crate::aid::id_number;
use crate::backend_tests;
use crate::helpers::{report, spawn_app, Backend, TestApp, TestResponse, MAX_BODY};

backend_tests!(
    malformed_bodies_and_bad_paths_are_refused_and_change_nothing,
    bad_query_parameters_are_400s_or_match_nothing,
    injection_strings_are_stored_verbatim_or_refused,
);

/// SQL, script and lookup injection strings, sent in every text field and query parameter.
const INJECTIONS: &[&str] = &[
    "'; DROP TABLE units; --",
    "\" OR 1=1 --",
    "1; SELECT pg_sleep(5)",
    "<script>alert(1)</script>",
    "%' OR '1'='1",
    "\\x00",
    "${jndi:ldap://x}",
    "1' UNION SELECT password_hash FROM users --",
    "_%",
];

/// Bad values of a path parameter (sent percent-encoded when needed), besides the injections.
const BAD_PATH_VALUES: &[&str] = &["-1", "0", "99999999999999999999", "abc", "1;DROP", "1.5"];

/// The login operation, which needs no token and answers 401/429 to wrong credentials.
const LOGIN: &str = "POST /api/v1/auth/token";

/// The password of the accounts the corpus creates.
const CORPUS_PASSWORD: &str = "corpus passphrase 1";

/// A field name that no body accepts.
const UNKNOWN_FIELD: &str = "corpus_unexpected";

/// Marks where raw JSON text replaces a value (for numbers and escapes `Value` cannot hold).
const RAW_MARKER: &str = "__corpus_raw_value__";

// ---------------------------------------------------------------------------------------------
// The tests

/// Every write operation: each body, header and path mutation is a 4xx problem+json; then no
/// table has changed, and each base request, sent unchanged, succeeds.
async fn malformed_bodies_and_bad_paths_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = Spec::load();
    let ctx = Ctx::new(&app).await;
    let mut bases = Vec::new();
    for kind in KINDS {
        bases.push(prepare(&app, &ctx, *kind).await);
    }
    spec.assert_every_write_has_a_base(&bases);
    // Logging in and failing to are recorded (the row counts leave those events out), and the
    // password mutations below delay the account for a while (429): its base request is proved
    // before the corpus.
    for base in bases.iter().filter(|b| b.op == LOGIN) {
        expect_success(
            &send_json(&app, base, base.body.as_ref()).await,
            &base.label,
        );
    }

    let before = app.row_counts();
    let mut failures = Failures::default();
    let mut totals = Totals::default();
    let mut classes: std::collections::BTreeMap<&str, usize> = Default::default();
    for base in &bases {
        let mut count = Totals::default();
        if let Some(body) = &base.body {
            let schema = spec.body_schema(base.op);
            for m in field_mutations(&spec, &schema, body, base.op == LOGIN) {
                count.field += 1;
                *classes.entry(m.class).or_default() += 1;
                let res = send_payload(&app, base, &base.path(), Some(&m.payload), &[]).await;
                failures.check_problem(&res, base.refusals(), &base.label, &m.name);
                if let Some(field) = m.field.as_deref().filter(|_| res.status == 422) {
                    failures.check_named(&res, field, &base.label, &m.name);
                }
            }
            for m in whole_body_mutations(&schema, body) {
                // The login also takes a form: the client credentials grant, whose refusals
                // are RFC 6749 JSON (tests/api/clients.rs).
                if base.op == LOGIN
                    && m.payload.content_type == Some("application/x-www-form-urlencoded")
                {
                    continue;
                }
                count.whole += 1;
                *classes.entry(m.class).or_default() += 1;
                let res = send_payload(&app, base, &base.path(), Some(&m.payload), &[]).await;
                failures.check_problem(&res, base.refusals(), &base.label, &m.name);
            }
        }
        for (name, header_name, value) in header_mutations(&spec, base.op) {
            count.header += 1;
            let payload = base.body.as_ref().map(Payload::json);
            let mut sent = base.clone();
            if header_name == header::IF_MATCH.as_str() {
                sent.if_match = None;
            }
            let res = send_payload(
                &app,
                &sent,
                &base.path(),
                payload.as_ref(),
                &[(header_name, value)],
            )
            .await;
            failures.check_problem(&res, &[400], &base.label, &name);
        }
        for (name, value) in base
            .params
            .iter()
            .map(|(n, _)| *n)
            .flat_map(bad_path_values)
        {
            count.path += 1;
            let path = base.path_with(Some((name, &value)));
            let payload = base.body.as_ref().map(Payload::json);
            let res = send_payload(&app, base, &path, payload.as_ref(), &[]).await;
            failures.check_problem(&res, &[400, 404], &base.label, &format!("path {path}"));
        }
        println!(
            "corpus {}: {} field mutations, {} whole-body mutations, {} header mutations, {} bad path values",
            base.label, count.field, count.whole, count.header, count.path
        );
        totals.add(&count);
    }
    // Path parameters of the reads.
    for op in spec.operations().iter().filter(|o| o.method == "get") {
        let names = op.path_params();
        if names.is_empty() {
            continue;
        }
        let mut sent = 0;
        for name in &names {
            for (_, value) in bad_path_values(name) {
                let Some(path) = op.path_with(name, &value) else {
                    failures.push(format!(
                        "{}: no values for its other path parameters",
                        op.key
                    ));
                    break;
                };
                let res = app.call(app.req(Method::GET, &path, Some("admin"))).await;
                failures.check_problem(&res, &[400, 404], &op.key, &format!("path {path}"));
                sent += 1;
            }
        }
        totals.path += sent;
        println!("corpus {}: {sent} bad path values", op.key);
    }
    report(&format!(
        "corpus ({backend:?}): {} operations with base requests, {} field mutations, {} whole-body mutations, {} header mutations, {} bad path values: every one a 4xx problem+json, row counts of all tables unchanged",
        bases.len(),
        totals.field,
        totals.whole,
        totals.header,
        totals.path
    ));
    println!("corpus mutations by class: {classes:?}");
    for change in changed_tables(&before, &app.row_counts()) {
        failures.push(format!("a refused request changed a table: {change}"));
    }
    failures.assert_none("refused requests");

    // The base requests, unchanged, succeed: the refusals were for the mutations.
    for base in bases.iter().filter(|b| b.op != LOGIN) {
        let res = send_json(&app, base, base.body.as_ref()).await;
        expect_success(&res, &base.label);
    }
}

/// Every query parameter of every read: injections, huge values, invisible characters, bad page
/// sizes, tampered and foreign cursors and impossible dates are a 400 problem+json, or, for
/// free-text filters, a 200 that matches nothing. No table changes.
async fn bad_query_parameters_are_400s_or_match_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = Spec::load();
    let ctx = Ctx::new(&app).await;
    // Records to list (and to page through).
    for kind in [
        Kind::CreateConsultation,
        Kind::PutConsultation,
        Kind::Terminate,
        Kind::RecordAttempt,
    ] {
        let base = prepare(&app, &ctx, kind).await;
        expect_success(
            &send_json(&app, &base, base.body.as_ref()).await,
            &base.label,
        );
    }
    let before = app.row_counts();
    let exports_before = export_events(&app);
    let lists: Vec<Operation> = spec
        .operations()
        .into_iter()
        // (A list under a record's path, such as a webhook's deliveries, pages as the others do.)
        .filter(|o| o.method == "get" && !o.path.contains('{') && !o.query_params(&spec).is_empty())
        .collect();

    // A real cursor of each list that has a second page.
    let mut cursors: Vec<(String, String)> = Vec::new();
    for op in &lists {
        let params = op.query_params(&spec);
        if !params.iter().any(|p| p.kind == QueryKind::Cursor) {
            continue;
        }
        let mut query = required_query(&params);
        query.push(("limit".into(), "1".into()));
        let res = app
            .get(&format!("{}?{}", op.path, encode_query(&query)), "admin")
            .await;
        assert_eq!(
            res.status,
            200,
            "{}: {}",
            op.key,
            String::from_utf8_lossy(&res.body)
        );
        if let Some(c) = res.json()["next_cursor"].as_str() {
            cursors.push((op.key.clone(), c.to_owned()));
        }
    }
    assert!(
        cursors.len() >= 4,
        "too few lists with a second page to tamper with: {cursors:?}"
    );

    let mut failures = Failures::default();
    let mut total = 0;
    for op in &lists {
        let params = op.query_params(&spec);
        let mut sent = 0;
        for base in required_query_variants(&params) {
            let key = match base.as_slice() {
                [] => op.key.clone(),
                required => format!("{}?{}", op.key, encode_query(required)),
            };
            let res = app
                .get(&format!("{}?{}", op.path, encode_query(&base)), "admin")
                .await;
            assert_eq!(
                res.status,
                200,
                "{key}: {}",
                String::from_utf8_lossy(&res.body)
            );
            sent += bad_query_corpus(&app, op, &key, &params, &base, &cursors, &mut failures).await;
        }
        total += sent;
        println!(
            "corpus {}: {sent} bad query values over {} parameters",
            op.key,
            params.len()
        );
    }
    report(&format!(
        "corpus ({backend:?}): {total} bad query values over {} reads: each a 400 problem+json or a filter matching nothing",
        lists.len()
    ));
    tamper_with_cursors(&app, &spec, &lists, &cursors, &mut failures).await;
    // LIKE wildcards match themselves: no stored text holds '%' or '_' here.
    for path in [
        "/api/v1/consultations?q=%25",
        "/api/v1/consultations?q=_",
        "/api/v1/consultations?q=%25%25",
        "/api/v1/units?q=%25",
        "/api/v1/units?q=_",
        "/api/v1/staff?q=%25",
        "/api/v1/staff?q=_",
    ] {
        let res = app.get(path, "admin").await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let items = json_items(&res).unwrap_or_default();
        assert!(items.is_empty(), "{path} matched everything: {items:?}");
    }
    let all = app.get("/api/v1/consultations", "admin").await.json();
    assert!(
        all["items"].as_array().is_some_and(|i| !i.is_empty()),
        "there are consultations to match: {all}"
    );

    // Exports of personal data are reads that the trail records (issue 12): not counted here.
    let mut after = app.row_counts();
    let exports = export_events(&app) - exports_before;
    after
        .iter_mut()
        .filter(|(t, _)| *t == "audit_events")
        .for_each(|(_, n)| *n -= exports);
    for change in changed_tables(&before, &after) {
        failures.push(format!("a read changed a table: {change}"));
    }
    failures.assert_none("bad query parameters");
}

/// Injection strings in every text field of every write: refused (4xx problem+json, nothing
/// written) where the field has a strict format; stored and answered verbatim, or refused, in
/// free text. Never a 5xx; the audit chain stays intact and every table still counts.
async fn injection_strings_are_stored_verbatim_or_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = Spec::load();
    let ctx = Ctx::new(&app).await;
    let start = app.row_counts();
    let mut failures = Failures::default();
    let (mut accepted, mut refused) = (0, 0);
    for kind in KINDS {
        let mut base = prepare(&app, &ctx, *kind).await;
        let Some(body) = base.body.clone() else {
            continue;
        };
        let schema = spec.body_schema(base.op);
        let texts: Vec<Field> = walk(&spec, &schema, &body)
            .into_iter()
            .filter(|f| get(&body, &f.path).is_some_and(Value::is_string))
            .collect();
        let (mut ok, mut no) = (0, 0);
        for field in &texts {
            // Injections accepted in a field of strict format, and accepted but not answered.
            let (mut strict, mut lost) = (Vec::new(), Vec::new());
            let mut sample = String::new();
            for injection in INJECTIONS {
                let Some(current) = base.body.as_ref() else {
                    break;
                };
                let sent = with(current, &field.path, json!(injection));
                let counts = app.row_counts();
                let res = send_json(&app, &base, Some(&sent)).await;
                let what = format!("{} = {injection:?}", field.name());
                if res.status.is_success() {
                    ok += 1;
                    let answer = serde_json::from_slice::<Value>(&res.body).unwrap_or_default();
                    // A workflow step's note (a correction's reason) is kept in the
                    // application's timeline.
                    let in_timeline = match answer["id"].as_i64() {
                        Some(id)
                            if base
                                .label
                                .starts_with("POST /api/v1/aid-applications/{id}/")
                                || base.label == "PATCH /api/v1/aid-applications/{id}" =>
                        {
                            let path = format!("/api/v1/aid-applications/{id}/events");
                            contains_text(&app.get(&path, "admin").await.json(), injection)
                        }
                        _ => false,
                    };
                    let echoed = contains_text(&answer, injection) || in_timeline;
                    match field.text() {
                        Text::Strict => strict.push(*injection),
                        Text::Free if !echoed => lost.push(*injection),
                        Text::Free | Text::Secret => {}
                    }
                    if sample.is_empty() && !(strict.is_empty() && lost.is_empty()) {
                        sample = snippet(&res.body);
                    }
                    // The write changed its record (a version, a workflow step): start again
                    // from fresh records.
                    base = prepare(&app, &ctx, *kind).await;
                } else {
                    no += 1;
                    failures.check_problem(&res, base.refusals_of_text(), &base.label, &what);
                    if app.row_counts() != counts {
                        failures.push(format!(
                            "{}: {what}: refused with {} but a table changed",
                            base.label, res.status
                        ));
                    }
                }
            }
            if !strict.is_empty() {
                failures.push(format!(
                    "{}: {}: {} injections accepted in a field of strict format: {strict:?}\n    e.g. {sample}",
                    base.label,
                    field.name(),
                    strict.len()
                ));
            }
            if !lost.is_empty() {
                failures.push(format!(
                    "{}: {}: {} injections accepted (2xx) but neither in the answer nor in the timeline, e.g. {:?}\n    e.g. {sample}",
                    base.label,
                    field.name(),
                    lost.len(),
                    lost[0]
                ));
            }
        }
        println!(
            "corpus {}: {} injections in {} text fields: {ok} stored, {no} refused",
            base.label,
            ok + no,
            texts.len()
        );
        accepted += ok;
        refused += no;
    }
    failures.assert_none("injections");

    let verify = app.get("/api/v1/audit-events/verify", "admin").await;
    assert_eq!(
        verify.status,
        200,
        "{}",
        String::from_utf8_lossy(&verify.body)
    );
    let verify = verify.json();
    assert_eq!(verify["intact"], true, "{verify}");
    // Every table still counts (`row_counts` fails on a missing table), and none lost rows.
    let counts = app.row_counts();
    // All events, those of logins included (`row_counts` leaves them out).
    let events = {
        use diesel::prelude::*;
        let mut conn = app.pool.get().expect("connection");
        huimin::db::schema::audit_events::table
            .count()
            .get_result::<i64>(&mut **conn)
            .ok()
    };
    assert_eq!(verify["checked"].as_i64(), events, "every event is checked");
    for ((table, was), (_, now)) in start.iter().zip(&counts) {
        assert!(now >= was, "{table} lost rows: {was} → {now}");
    }
    report(&format!(
        "corpus ({backend:?}): injection strings in every text field: {accepted} stored verbatim, {refused} refused; audit chain intact, no table lost rows"
    ));
}

/// The tables whose row counts differ, as `table: before → after`.
/// How many exports the trail records.
fn export_events(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use huimin::db::schema::audit_events;
    let mut conn = app.pool.get().expect("connection");
    let c: &mut huimin::db::DbConnection = &mut conn;
    audit_events::table
        .filter(audit_events::action.eq("export"))
        .count()
        .get_result(c)
        .expect("count")
}

fn changed_tables(before: &[(&str, i64)], after: &[(&str, i64)]) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|((_, b), (_, a))| a != b)
        .map(|((table, b), (_, a))| format!("{table}: {b} → {a}"))
        .collect()
}

/// Sends every bad value of every query parameter of a read (the other parameters as in
/// `base`); answers how many requests were sent.
async fn bad_query_corpus(
    app: &TestApp,
    op: &Operation,
    key: &str,
    params: &[QueryParam],
    base: &[(String, String)],
    cursors: &[(String, String)],
    failures: &mut Failures,
) -> usize {
    let mut sent = 0;
    for param in params {
        let others: Vec<(String, String)> = base
            .iter()
            .filter(|(n, _)| *n != param.name)
            .cloned()
            .collect();
        let mut values: Vec<(String, String)> = bad_query_values(param, &op.key, cursors)
            .into_iter()
            .map(|(what, v)| (what, percent_encode(&v)))
            .collect();
        values.push(("invalid UTF-8".into(), "%FF%FE".into()));
        values.push(("a broken escape".into(), "%E4%B8".into()));
        for (what, value) in values {
            let mut path = format!("{}?", op.path);
            if !others.is_empty() {
                path.push_str(&encode_query(&others));
                path.push('&');
            }
            path.push_str(&format!("{}={value}", param.name));
            let res = app.get(&path, "admin").await;
            sent += 1;
            let mutation = format!("{}={what}", param.name);
            if param.kind == QueryKind::FreeText && res.status == 200 {
                match json_items(&res) {
                    Some(items) if !items.is_empty() => failures.push(format!(
                        "{key}: {mutation}: a filter by a string no record holds matched {} rows",
                        items.len()
                    )),
                    // A file (CSV, XLSX) that is cut off or empty was sent as a success.
                    None if res.body.is_empty() => failures.push(format!(
                        "{key}: {mutation}: 200 with an empty body ({:?})",
                        res.header("content-type")
                    )),
                    _ => {}
                }
                continue;
            }
            failures.check_problem(&res, &[400], key, &mutation);
        }
    }
    sent
}

/// Every change of one character of a real cursor is refused.
async fn tamper_with_cursors(
    app: &TestApp,
    spec: &Spec,
    lists: &[Operation],
    cursors: &[(String, String)],
    failures: &mut Failures,
) {
    for (key, cursor) in cursors {
        let Some(op) = lists.iter().find(|o| &o.key == key) else {
            continue;
        };
        let base = required_query(&op.query_params(spec));
        let tampered = tampered_cursors(cursor);
        let mut accepted = Vec::new();
        for t in &tampered {
            let mut query = base.clone();
            query.push(("cursor".into(), t.clone()));
            let res = app
                .get(&format!("{}?{}", op.path, encode_query(&query)), "admin")
                .await;
            if res.status == 200 {
                accepted.push(decode_cursor(t));
            } else {
                let what = format!(
                    "cursor {} changed to {}",
                    decode_cursor(cursor),
                    decode_cursor(t)
                );
                failures.check_problem(&res, &[400], key, &what);
            }
        }
        if !accepted.is_empty() {
            failures.push(format!(
                "{key}: {} of {} single-character changes of the cursor {} were accepted (200), e.g. {:?}",
                accepted.len(),
                tampered.len(),
                decode_cursor(cursor),
                &accepted[..accepted.len().min(3)]
            ));
        }
        println!(
            "corpus {key}: {} tampered cursors, {} accepted",
            tampered.len(),
            accepted.len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Base requests: one valid request per write operation, on records of its own

/// Every kind of base request; `Spec::assert_every_write_has_a_base` checks that together they
/// cover every write operation of the document.
const KINDS: &[Kind] = &[
    Kind::Login,
    Kind::CreateUnit,
    Kind::PatchUnit,
    Kind::PutTargets,
    Kind::CreateUser,
    Kind::PatchUser,
    Kind::CreateClient,
    Kind::RotateClientSecret,
    Kind::DeactivateClient,
    Kind::CreateStaff,
    Kind::PatchStaff,
    Kind::PutCalendar,
    Kind::DeleteCalendar,
    Kind::CreateShift,
    Kind::PatchShift,
    Kind::DeleteShift,
    Kind::ShiftBatch,
    Kind::ShiftPattern,
    Kind::CreateConsultation,
    Kind::PutConsultation,
    Kind::ReviewConsultation,
    Kind::ReferToAid,
    Kind::CreateAid,
    Kind::GreenChannel,
    Kind::CorrectAid,
    Kind::VerifyHardship,
    Kind::LogWork,
    Kind::PutSubsidyRate,
    Kind::RequestMaterials,
    Kind::Reject,
    Kind::Assign,
    Kind::Terminate,
    Kind::Withdraw,
    Kind::PlanFollowUps,
    Kind::PatchFollowUp,
    Kind::RecordAttempt,
    Kind::CreateInspection,
    Kind::PatchInspection,
    Kind::CreateRecognition,
    Kind::PatchRecognition,
    Kind::VerifyCheckpoint,
    Kind::CreateWebhook,
    Kind::PatchWebhook,
    Kind::DeleteWebhook,
    Kind::Redeliver,
    Kind::CreateActivity,
    Kind::PatchActivity,
    Kind::DeleteActivity,
    Kind::SubmitReport,
    // Last: it ends the auditor's session, which no base request uses after it.
    Kind::Logout,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Login,
    CreateUnit,
    PatchUnit,
    PutTargets,
    CreateUser,
    PatchUser,
    CreateClient,
    RotateClientSecret,
    DeactivateClient,
    CreateStaff,
    PatchStaff,
    PutCalendar,
    DeleteCalendar,
    CreateShift,
    PatchShift,
    DeleteShift,
    ShiftBatch,
    ShiftPattern,
    CreateConsultation,
    PutConsultation,
    ReviewConsultation,
    ReferToAid,
    CreateAid,
    GreenChannel,
    CorrectAid,
    VerifyHardship,
    LogWork,
    PutSubsidyRate,
    RequestMaterials,
    Reject,
    Assign,
    Terminate,
    Withdraw,
    PlanFollowUps,
    PatchFollowUp,
    RecordAttempt,
    CreateInspection,
    PatchInspection,
    CreateRecognition,
    PatchRecognition,
    VerifyCheckpoint,
    CreateWebhook,
    PatchWebhook,
    DeleteWebhook,
    Redeliver,
    CreateActivity,
    PatchActivity,
    DeleteActivity,
    SubmitReport,
    Logout,
}

/// Ids of the demo data the base requests refer to, and a counter for unique values.
struct Ctx {
    /// 龙港镇司法所.
    lg: i64,
    /// A staff member of 龙港镇司法所.
    lg_staff: i64,
    /// A duty lawyer of the public legal service centre.
    lawyer: i64,
    /// A duty shift of `lg_staff` at 龙港镇司法所 on the morning of 2023-03-07.
    shift: i64,
    /// A consultation that aid applications are referred from.
    consultation: i64,
    seq: Cell<u32>,
}

impl Ctx {
    async fn new(app: &TestApp) -> Ctx {
        let lg = app.unit_id("140521-SFS-LG");
        let first_staff = |unit: i64| async move {
            let res = app
                .get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
                .await;
            res.json()["items"][0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("no staff in unit {unit}: {}", snippet(&res.body)))
        };
        let lg_staff = first_staff(lg).await;
        let mut ctx = Ctx {
            lg,
            lg_staff,
            lawyer: first_staff(app.unit_id("140521-GGFLFW")).await,
            shift: 0,
            consultation: 0,
            seq: Cell::new(0),
        };
        let shift = create(
            app,
            Method::POST,
            "/api/v1/duty-shifts",
            "admin",
            &shift_body(&ctx, lg_staff, "2023-03-07"),
        )
        .await;
        ctx.shift = shift["id"].as_i64().expect("shift id");
        let n = ctx.next();
        let consultation = create(
            app,
            Method::POST,
            "/api/v1/consultations",
            "admin",
            &consultation_body(&ctx, n, "2023-03-07T09:00:00+08:00"),
        )
        .await;
        ctx.consultation = consultation["id"].as_i64().expect("consultation id");
        ctx
    }

    /// A number not used before by this context.
    fn next(&self) -> u32 {
        self.seq.set(self.seq.get() + 1);
        self.seq.get()
    }
}

/// One valid request of a write operation, built on real records.
#[derive(Debug, Clone)]
struct Base {
    /// The operation as the document names it, e.g. `POST /api/v1/units`.
    op: &'static str,
    /// The operation, and the workflow step for aid actions.
    label: String,
    /// The path parameters and their valid values.
    params: Vec<(&'static str, String)>,
    /// Who sends it (`None`: no token).
    user: Option<&'static str>,
    /// The `If-Match` header (the record's current version).
    if_match: Option<String>,
    /// The JSON body.
    body: Option<Value>,
}

impl Base {
    fn new(op: &'static str, user: Option<&'static str>) -> Base {
        Base {
            op,
            label: op.to_owned(),
            params: Vec::new(),
            user,
            if_match: None,
            body: None,
        }
    }

    fn param(mut self, name: &'static str, value: impl ToString) -> Base {
        self.params.push((name, value.to_string()));
        self
    }

    fn body(mut self, body: Value) -> Base {
        self.body = Some(body);
        self
    }

    /// `If-Match` with the version of a record as answered.
    fn version_of(mut self, record: &Value) -> Base {
        let version = record["version"]
            .as_i64()
            .unwrap_or_else(|| panic!("{}: no version in {record}", self.op));
        self.if_match = Some(format!("\"{version}\""));
        self
    }

    fn step(mut self, step: &str) -> Base {
        self.label = format!("{} ({step})", self.op);
        self
    }

    fn method(&self) -> Method {
        let verb = self.op.split(' ').next().unwrap_or_default();
        Method::from_bytes(verb.as_bytes())
            .unwrap_or_else(|e| panic!("{}: bad method ({e})", self.op))
    }

    fn template(&self) -> &'static str {
        self.op.split_once(' ').map_or(self.op, |(_, p)| p)
    }

    fn path(&self) -> String {
        self.path_with(None)
    }

    /// The path, with one parameter replaced.
    fn path_with(&self, replace: Option<(&str, &str)>) -> String {
        let mut path = self.template().to_owned();
        for (name, value) in &self.params {
            let value = match replace {
                Some((n, bad)) if n == *name => bad,
                _ => value.as_str(),
            };
            path = path.replace(&format!("{{{name}}}"), value);
        }
        assert!(
            !path.contains('{'),
            "{}: a path parameter has no value",
            self.op
        );
        path
    }

    /// The statuses a refused mutation may have.
    fn refusals(&self) -> &'static [u16] {
        if self.op == LOGIN {
            // Wrong credentials are a 401, and repeated failures a 429.
            &[400, 401, 413, 415, 422, 429]
        } else {
            &[400, 413, 415, 422]
        }
    }

    /// The statuses an injection string may be refused with.
    fn refusals_of_text(&self) -> &'static [u16] {
        if self.op == LOGIN {
            &[400, 401, 422, 429]
        } else {
            &[400, 422]
        }
    }
}

/// Sends a request and asserts a 2xx; answers the JSON body.
async fn create(app: &TestApp, method: Method, path: &str, user: &str, body: &Value) -> Value {
    let res = app.send_json(method.clone(), path, user, body).await;
    assert!(
        res.status.is_success(),
        "preparing: {method} {path} {body} → {}: {}",
        res.status,
        snippet(&res.body)
    );
    res.json()
}

/// An aid application in a state, reached through the workflow: its id and the record.
async fn aid_application(app: &TestApp, ctx: &Ctx, steps: &[&str]) -> (i64, Value) {
    let mut record = create(
        app,
        Method::POST,
        "/api/v1/aid-applications",
        "admin",
        &aid_body(ctx, ctx.next()),
    )
    .await;
    let id = record["id"].as_i64().expect("application id");
    for step in steps {
        let body = match *step {
            "assign" => json!({"provider_staff_id": ctx.lawyer}),
            _ => json!({}),
        };
        let version = record["version"].as_i64().expect("version");
        let res = app
            .call(
                app.req(
                    Method::POST,
                    &format!("/api/v1/aid-applications/{id}/{step}"),
                    Some(crate::helpers::stepper(step)),
                )
                .insert_header((header::IF_MATCH, format!("\"{version}\"")))
                .set_json(body),
            )
            .await;
        assert_eq!(
            res.status,
            200,
            "preparing: {step} of application {id}: {}",
            snippet(&res.body)
        );
        record = res.json();
    }
    (id, record)
}

/// A follow-up of a consultation of its own: its id and the record.
async fn follow_up(app: &TestApp, ctx: &Ctx) -> (i64, Value) {
    let n = ctx.next();
    let day = date_after("2010-01-01", n);
    let mut consultation = consultation_body(ctx, n, &format!("{day}T09:00:00+08:00"));
    if let Some(person) = consultation["person"].as_object_mut() {
        person.remove("age");
    }
    if let Some(c) = consultation.as_object_mut() {
        c.remove("duty_shift_id");
    }
    let c = create(
        app,
        Method::POST,
        "/api/v1/consultations",
        "admin",
        &consultation,
    )
    .await;
    let plan = create(
        app,
        Method::POST,
        "/api/v1/follow-ups/plan",
        "admin",
        &json!({"unit_id": ctx.lg, "from": day, "to": day, "share_percent": 100}),
    )
    .await;
    let record = plan["created"]
        .as_array()
        .and_then(|items| items.iter().find(|f| f["subject_id"] == c["id"]))
        .cloned()
        .unwrap_or_else(|| panic!("preparing: no follow-up planned for {}: {plan}", c["id"]));
    (record["id"].as_i64().expect("follow-up id"), record)
}

/// A staff member of 龙港镇司法所 of its own (so that shifts never clash).
async fn staff_member(app: &TestApp, ctx: &Ctx) -> i64 {
    let s = create(
        app,
        Method::POST,
        "/api/v1/staff",
        "admin",
        &staff_body(ctx, ctx.next()),
    )
    .await;
    s["id"].as_i64().expect("staff id")
}

/// A day `n` days after `start`.
fn date_after(start: &str, n: u32) -> String {
    let start: NaiveDate = start.parse().expect("date");
    (start + Days::new(u64::from(n))).to_string()
}

fn inspection_body(ctx: &Ctx) -> Value {
    json!({
        "unit_id": ctx.lg, "kind": "spot_check", "held_on": "2023-03-07", "unit_ids": [ctx.lg],
        "inspectors": "县司法局督查组", "summary": "抽查值班和咨询登记情况",
        "findings": "3条咨询登记缺少答复内容", "rectification_required": true,
        "rectification_due": "2023-03-17", "rectification_done_on": "2023-03-15",
        "rectification_done_by": "龙港镇司法所 王敏", "rectification_note": "已补录"
    })
}

fn unit_body(ctx: &Ctx, n: u32) -> Value {
    json!({
        "parent_id": ctx.lg, "kind": "village_workstation", "code": format!("CORPUS-U{n}"),
        "name": format!("语料{n}村公共法律服务工作室"), "address": "龙港镇东关村村委会",
        "phone": "0356-7022148", "opening_hours": "周一至周五 8:30-17:30",
        "accessibility": ["step_free_access", "home_visits"], "accessibility_note": "东侧有轮椅坡道"
    })
}

fn user_body(ctx: &Ctx, n: u32) -> Value {
    json!({
        "username": format!("corpus.user{n}"), "password": CORPUS_PASSWORD,
        "display_name": "语料 用户", "role": "unit_staff", "unit_id": ctx.lg
    })
}

fn staff_body(ctx: &Ctx, n: u32) -> Value {
    json!({
        "unit_id": ctx.lg, "name": "语料律师", "kind": "lawyer", "title": "律师",
        "licence_no": format!("CORPUS-{n}"), "phone": "13812345678"
    })
}

fn shift_body(ctx: &Ctx, staff: i64, date: &str) -> Value {
    json!({
        "unit_id": ctx.lg, "date": date, "period": "morning", "kind": "station_duty",
        "place": "龙港镇公共法律服务工作站", "note": "带好登记簿", "staff_ids": [staff]
    })
}

fn consultation_body(ctx: &Ctx, n: u32, received_at: &str) -> Value {
    let seq = n % 1000;
    json!({
        "unit_id": ctx.lg, "staff_id": ctx.lg_staff, "duty_shift_id": ctx.shift, "received_at": received_at,
        "channel": "walk_in", "site": "fixed_station", "place": "龙港镇公共法律服务工作站",
        "person": {
            "name": "李某", "id_number": id_number("1949-12-31", seq), "phone": "138 1234 5678",
            "sex": if seq % 2 == 1 { "male" } else { "female" }, "age": 73
        },
        "special_groups": ["women"], "topics": ["support_maintenance", "marriage_family"],
        "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉。",
        "outcome": "answered", "matters_count": 2, "callback_consent": true
    })
}

fn activity_body(ctx: &Ctx, n: u32) -> Value {
    json!({
        "unit_id": ctx.lg, "kind": "themed_tour", "title": "“法律服务村村行”入户宣讲",
        "date": date_after("2021-01-01", n), "place": "龙港镇东关村",
        "topics": ["land_rights", "support_maintenance"], "audience": "村民", "audience_size": 65,
        "materials_count": 120, "staff_ids": [ctx.lg_staff], "notes": "发放惠民工程服务卡"
    })
}

fn aid_body(ctx: &Ctx, n: u32) -> Value {
    json!({
        "unit_id": ctx.lg, "channel": "township_on_behalf", "received_at": "2023-03-01T10:00:00+08:00",
        "applicant": {
            "name": "赵某", "id_number": id_number("1980-05-05", n % 1000), "phone": "13812345678",
            "address": "沁水县龙港镇", "special_groups": ["women"], "disabled": false,
            "guardian_name": "赵某某", "guardian_relation": "配偶", "guardian_phone": "13912345678"
        },
        "matter_category": "support_payments", "case_type": "赡养纠纷", "opposing_party": "赵某某",
        "facts": "子女拒绝支付赡养费。", "hardship_check": "pledge", "consultation_id": ctx.consultation,
        "preferred_provider_ids": [ctx.lawyer], "urgent": false, "safe_contact": false
    })
}

/// Builds the base request of a kind on fresh records of its own.
async fn prepare(app: &TestApp, ctx: &Ctx, kind: Kind) -> Base {
    let n = ctx.next();
    let lg = ctx.lg;
    let admin = Some("admin");
    match kind {
        Kind::Login => {
            let mut user = user_body(ctx, n);
            user["username"] = json!(format!("corpus.login{n}"));
            create(app, Method::POST, "/api/v1/users", "admin", &user).await;
            Base::new(LOGIN, None)
                .body(json!({"username": user["username"], "password": CORPUS_PASSWORD}))
        }
        Kind::Logout => Base::new("POST /api/v1/auth/logout", Some("auditor")),
        Kind::CreateUnit => Base::new("POST /api/v1/units", admin).body(unit_body(ctx, n)),
        Kind::PatchUnit => {
            let unit = create(app, Method::POST, "/api/v1/units", "admin", &unit_body(ctx, n)).await;
            Base::new("PATCH /api/v1/units/{id}", admin)
                .param("id", &unit["id"])
                .version_of(&unit)
                .body(json!({
                    "name": format!("语料{n}村工作室"), "code": format!("CORPUS-P{n}"),
                    "kind": "village_workstation", "parent_id": lg, "address": "龙港镇西关村",
                    "phone": "0356-7022149", "opening_hours": "周一至周六 8:30-12:00",
                    "accessibility": ["sign_language"], "accessibility_note": "可预约手语翻译",
                    "active": true
                }))
        }
        Kind::PutTargets => Base::new("PUT /api/v1/units/{id}/targets/{year}", admin)
            .param("id", lg)
            .param("year", 2040 + n % 60)
            .body(json!({"consultations": 800, "aid_cases": 30, "satisfaction_percent": 95.5})),
        Kind::CreateUser => Base::new("POST /api/v1/users", admin).body(user_body(ctx, n)),
        Kind::PatchUser => {
            let user = create(app, Method::POST, "/api/v1/users", "admin", &user_body(ctx, n)).await;
            Base::new("PATCH /api/v1/users/{id}", admin)
                .param("id", &user["id"])
                .version_of(&user)
                .body(json!({
                    "display_name": "语料 用户（改）", "role": "auditor", "unit_id": lg,
                    "active": true, "password": "another corpus passphrase"
                }))
        }
        Kind::CreateClient => Base::new("POST /api/v1/clients", admin)
            .body(json!({"name": format!("语料平台{n}"), "role": "integration", "unit_id": lg})),
        Kind::RotateClientSecret | Kind::DeactivateClient => {
            let body = json!({"name": format!("语料平台{n}"), "role": "integration", "unit_id": lg});
            let issued = create(app, Method::POST, "/api/v1/clients", "admin", &body).await;
            let client = &issued["client"];
            let op = if kind == Kind::RotateClientSecret {
                "POST /api/v1/clients/{id}/secret"
            } else {
                "POST /api/v1/clients/{id}/deactivate"
            };
            Base::new(op, admin)
                .param("id", &client["id"])
                .version_of(client)
        }
        Kind::CreateStaff => {
            Base::new("POST /api/v1/staff", admin).body(staff_body(ctx, n))
        }
        Kind::PatchStaff => {
            let staff = create(app, Method::POST, "/api/v1/staff", "admin", &staff_body(ctx, n)).await;
            Base::new("PATCH /api/v1/staff/{id}", admin)
                .param("id", &staff["id"])
                .version_of(&staff)
                .body(json!({
                    "name": "语料法律工作者", "kind": "grassroots_legal_worker", "title": "主任",
                    "licence_no": format!("CORPUS-P{n}"), "phone": "0356-7022148",
                    "active": true, "unit_id": lg
                }))
        }
        Kind::PutCalendar => Base::new("PUT /api/v1/calendar/{date}", admin)
            .param("date", date_after("2031-01-01", n))
            .body(json!({"kind": "holiday", "name": "语料假日"})),
        Kind::DeleteCalendar => {
            let date = date_after("2032-01-01", n);
            create(
                app,
                Method::PUT,
                &format!("/api/v1/calendar/{date}"),
                "admin",
                &json!({"kind": "workday", "name": "语料调休"}),
            )
            .await;
            Base::new("DELETE /api/v1/calendar/{date}", admin).param("date", date)
        }
        Kind::CreateShift => {
            let staff = staff_member(app, ctx).await;
            Base::new("POST /api/v1/duty-shifts", admin)
                .body(shift_body(ctx, staff, &date_after("2024-01-01", n)))
        }
        Kind::PatchShift | Kind::DeleteShift => {
            let staff = staff_member(app, ctx).await;
            let shift = create(
                app,
                Method::POST,
                "/api/v1/duty-shifts",
                "admin",
                &shift_body(ctx, staff, &date_after("2024-01-01", n)),
            )
            .await;
            if kind == Kind::DeleteShift {
                return Base::new("DELETE /api/v1/duty-shifts/{id}", admin)
                    .param("id", &shift["id"])
                    .version_of(&shift);
            }
            Base::new("PATCH /api/v1/duty-shifts/{id}", admin)
                .param("id", &shift["id"])
                .version_of(&shift)
                .body(json!({
                    "date": date_after("2024-06-01", n), "period": "afternoon", "kind": "village_visit",
                    "place": "东关村", "note": "走访", "staff_ids": [staff], "unit_id": lg
                }))
        }
        Kind::ShiftBatch => {
            let staff = staff_member(app, ctx).await;
            let mut second = shift_body(ctx, staff, &date_after("2025-01-01", n));
            second["period"] = json!("afternoon");
            second["kind"] = json!("village_visit");
            Base::new("POST /api/v1/duty-shifts/batch", admin).body(json!({"shifts": [
                shift_body(ctx, staff, &date_after("2025-01-01", n)), second
            ]}))
        }
        Kind::ShiftPattern => {
            let staff = staff_member(app, ctx).await;
            Base::new("POST /api/v1/duty-shifts/pattern", admin).body(json!({
                "unit_id": lg, "from": "2026-03-02", "to": "2026-03-15",
                "include_non_working_days": false,
                "slots": [
                    {"day": "tuesday", "period": "morning", "kind": "station_duty", "place": "龙港镇公共法律服务工作站", "staff_ids": [staff]},
                    {"day": "thursday", "period": "afternoon", "kind": "village_visit", "place": "东关村", "staff_ids": [staff]}
                ]
            }))
        }
        Kind::CreateConsultation => Base::new("POST /api/v1/consultations", admin)
            .body(consultation_body(ctx, n, "2023-03-07T09:40:00+08:00")),
        Kind::PutConsultation | Kind::ReviewConsultation | Kind::ReferToAid => {
            let c = create(
                app,
                Method::POST,
                "/api/v1/consultations",
                "admin",
                &consultation_body(ctx, n, "2023-03-07T09:40:00+08:00"),
            )
            .await;
            match kind {
                Kind::PutConsultation => {
                    let mut body = consultation_body(ctx, n, "2023-03-07T10:40:00+08:00");
                    body["question"] = json!("子女不履行赡养义务，能否申请法律援助？");
                    Base::new("PUT /api/v1/consultations/{id}", admin)
                        .param("id", &c["id"])
                        .version_of(&c)
                        .body(body)
                }
                Kind::ReviewConsultation => {
                    Base::new("POST /api/v1/consultations/{id}/review", admin)
                        .param("id", &c["id"])
                        .version_of(&c)
                        .body(json!({"decision": "return", "comment": "请补充答复内容"}))
                }
                _ => Base::new("POST /api/v1/consultations/{id}/refer-to-aid", admin)
                    .param("id", &c["id"]),
            }
        }
        Kind::CreateAid => Base::new("POST /api/v1/aid-applications", admin).body(aid_body(ctx, n)),
        Kind::CreateInspection => {
            Base::new("POST /api/v1/inspections", admin).body(inspection_body(ctx))
        }
        Kind::PatchInspection => {
            let made = create(app, Method::POST, "/api/v1/inspections", "admin", &inspection_body(ctx)).await;
            Base::new("PATCH /api/v1/inspections/{id}", admin)
                .param("id", &made["id"])
                .version_of(&made)
                .body(json!({
                    "summary": "复查值班记录", "findings": "值班电话无人接听", "inspectors": "县司法局督查组",
                    "rectification_done_on": null, "rectification_done_by": null,
                    "rectification_note": "待复核"
                }))
        }
        Kind::CreateRecognition | Kind::PatchRecognition => {
            // A fresh village room each time: a unit is recognised once a year per kind.
            let unit = create(app, Method::POST, "/api/v1/units", "admin", &unit_body(ctx, n)).await;
            let body = json!({
                "unit_id": unit["id"], "year": 2023, "kind": "model_station",
                "reason": "值班制度落实到位，咨询登记全面规范", "recognised_on": "2023-12-28",
                "recognised_by": "沁水县司法局"
            });
            if kind == Kind::CreateRecognition {
                Base::new("POST /api/v1/recognitions", admin).body(body)
            } else {
                let made = create(app, Method::POST, "/api/v1/recognitions", "admin", &body).await;
                Base::new("PATCH /api/v1/recognitions/{id}", admin)
                    .param("id", &made["id"])
                    .version_of(&made)
                    .body(json!({"reason": "回访满意度100%", "recognised_by": "县局月例会", "recognised_on": "2024-01-10"}))
            }
        }
        Kind::GreenChannel => {
            let (id, a) = aid_application(app, ctx, &[]).await;
            Base::new("POST /api/v1/aid-applications/{id}/green-channel", admin)
                .param("id", id)
                .version_of(&a)
                .body(json!({"green_channel": true, "reason": "独居，行动不便"}))
        }
        Kind::CorrectAid => {
            let (id, a) = aid_application(app, ctx, &["accept"]).await;
            Base::new("PATCH /api/v1/aid-applications/{id}", admin)
                .param("id", id)
                .version_of(&a)
                .body(json!({"reason": "核对身份证原件后更正", "case_type": "赡养费纠纷", "applicant": {"disabled": true}}))
        }
        Kind::VerifyHardship => {
            let (id, _) = aid_application(app, ctx, &[]).await;
            Base::new("POST /api/v1/aid-applications/{id}/hardship-verifications", admin)
                .param("id", id)
                .body(json!({"method": "data_platform", "result": "confirmed", "note": "低保系统核实"}))
        }
        Kind::LogWork => {
            let (id, _) = aid_application(app, ctx, &["accept", "approve", "assign"]).await;
            Base::new(
                "POST /api/v1/aid-applications/{id}/work-log",
                Some("aid.officer"),
            )
            .param("id", id)
            .body(json!({"kind": "meeting", "done_on": "2023-03-10", "note": "约见受援人，了解案情"}))
        }
        Kind::PutSubsidyRate => Base::new(
            "PUT /api/v1/aid-subsidy-rates/{year}/{matter}/{grade}",
            admin,
        )
        .param("year", 2040 + n % 60)
        .param("matter", "labour_wages")
        .param("grade", "good")
        .body(json!({"amount_fen": 150000})),
        Kind::RequestMaterials
        | Kind::Reject
        | Kind::Assign
        | Kind::Terminate
        | Kind::Withdraw => {
            let (steps, action, body): (&[&str], &str, Value) = match kind {
                Kind::RequestMaterials => (
                    &["accept"],
                    "request_materials",
                    json!({"materials": ["户口簿复印件", "经济困难状况说明表"], "reply_days": 10, "note": "一次性告知"}),
                ),
                Kind::Reject => (
                    &["accept"],
                    "reject",
                    json!({"reasons": "申请事项不属于法律援助范围。"}),
                ),
                Kind::Assign => (
                    &["accept", "approve"],
                    "assign",
                    json!({"provider_staff_id": ctx.lawyer, "note": "按申请人选择指派"}),
                ),
                Kind::Terminate => (
                    &["accept", "approve", "assign"],
                    "terminate",
                    json!({"termination_ground": "own_lawyer", "note": "受援人自行委托律师"}),
                ),
                _ => (&[], "withdraw", json!({"note": "申请人撤回申请"})),
            };
            let (id, a) = aid_application(app, ctx, steps).await;
            Base::new(
                "POST /api/v1/aid-applications/{id}/{action}",
                Some(crate::helpers::stepper(action)),
            )
                .param("id", id)
                .param("action", action)
                .version_of(&a)
                .body(body)
                .step(action)
        }
        Kind::PlanFollowUps => Base::new("POST /api/v1/follow-ups/plan", admin).body(json!({
            "unit_id": lg, "from": "2023-03-01", "to": "2023-03-31", "share_percent": 50, "due_on": "2023-04-10"
        })),
        Kind::PatchFollowUp => {
            let (id, f) = follow_up(app, ctx).await;
            Base::new("PATCH /api/v1/follow-ups/{id}", admin)
                .param("id", id)
                .version_of(&f)
                .body(json!({
                    "due_on": "2023-04-20", "staff_id": ctx.lg_staff, "method": "phone",
                    "rectification_done": false, "rectification_note": "已督促整改"
                }))
        }
        Kind::RecordAttempt => {
            let (id, f) = follow_up(app, ctx).await;
            Base::new("POST /api/v1/follow-ups/{id}/attempts", admin)
                .param("id", id)
                .version_of(&f)
                .body(json!({
                    "reached": true, "satisfaction": "unsatisfied", "comments": "答复不及时",
                    "problem": "等待时间过长", "rectification_due": "2023-04-30",
                    "note": "第一次电话回访", "attempted_at": "2023-04-01T10:00:00+08:00"
                }))
        }
        Kind::CreateWebhook => Base::new("POST /api/v1/webhooks", admin)
            .body(json!({"url": "https://platform.example.org/hook", "types": ["consultation"]})),
        Kind::PatchWebhook | Kind::DeleteWebhook | Kind::Redeliver => {
            let hook = create(
                app,
                Method::POST,
                "/api/v1/webhooks",
                "admin",
                &json!({"url": "https://platform.example.org/hook"}),
            )
            .await;
            match kind {
                Kind::PatchWebhook => Base::new("PATCH /api/v1/webhooks/{id}", admin)
                    .param("id", &hook["id"])
                    .version_of(&hook)
                    .body(json!({"url": "https://platform.example.org/hook2", "active": false})),
                Kind::DeleteWebhook => {
                    Base::new("DELETE /api/v1/webhooks/{id}", admin).param("id", &hook["id"])
                }
                _ => {
                    let id = hook["id"].as_i64().expect("id");
                    let delivery = crate::webhooks::queued_delivery(app, id);
                    Base::new(
                        "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
                        admin,
                    )
                    .param("id", &hook["id"])
                    .param("delivery_id", json!(delivery))
                }
            }
        }
        Kind::CreateActivity => {
            Base::new("POST /api/v1/activities", admin).body(activity_body(ctx, n))
        }
        Kind::PatchActivity | Kind::DeleteActivity => {
            let activity = create(
                app,
                Method::POST,
                "/api/v1/activities",
                "admin",
                &activity_body(ctx, n),
            )
            .await;
            if kind == Kind::DeleteActivity {
                return Base::new("DELETE /api/v1/activities/{id}", admin)
                    .param("id", &activity["id"])
                    .version_of(&activity);
            }
            Base::new("PATCH /api/v1/activities/{id}", admin)
                .param("id", &activity["id"])
                .version_of(&activity)
                .body(json!({
                    "unit_id": lg, "kind": "village_checkup", "title": "村规民约法治体检",
                    "date": date_after("2022-01-01", n), "place": "南山村", "topics": ["land_rights"],
                    "audience": "村“两委”成员", "audience_size": 12, "materials_count": 20,
                    "staff_ids": [ctx.lg_staff], "notes": "提出修改建议三条"
                }))
        }
        Kind::SubmitReport => {
            let section = |t: &str| json!([{"title": t, "content": format!("{t}的具体做法与成效。")}]);
            Base::new("POST /api/v1/monthly-reports", admin).body(json!({
                "unit_id": lg, "period": "2023-03", "highlights": section("半天值班+半天进村"),
                "typical_cases": section("赡养纠纷调解"), "activity_briefs": section("集会日流动服务")
            }))
        }
        Kind::VerifyCheckpoint => {
            let mut conn = app.pool.get().expect("connection");
            let checkpoint = huimin::store::audit::checkpoint(
                &mut conn,
                &crate::helpers::audit_keys(),
                chrono::Utc::now(),
            )
            .expect("checkpoint");
            Base::new("POST /api/v1/audit-events/verify", admin)
                .body(serde_json::to_value(checkpoint).expect("json"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document

/// The served contract, as JSON.
struct Spec(Value);

/// One operation of the document.
struct Operation {
    /// `GET /api/v1/units/{id}`.
    key: String,
    /// Lower case, as in the document.
    method: String,
    path: String,
    op: Value,
}

impl Spec {
    fn load() -> Spec {
        Spec(serde_json::to_value(huimin::openapi()).expect("the OpenAPI document as JSON"))
    }

    fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in self.0["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    out.push(Operation {
                        key: format!("{} {path}", method.to_uppercase()),
                        method: method.to_owned(),
                        path: path.clone(),
                        op: op.clone(),
                    });
                }
            }
        }
        out
    }

    /// Fails when a write operation of the document has no base request (or a base request
    /// names an operation the document does not have).
    fn assert_every_write_has_a_base(&self, bases: &[Base]) {
        let writes: BTreeSet<String> = self
            .operations()
            .into_iter()
            .filter(|o| o.method != "get")
            .map(|o| o.key)
            .collect();
        let covered: BTreeSet<String> = bases.iter().map(|b| b.op.to_owned()).collect();
        let missing: Vec<&String> = writes.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "write operations without a base request in corpus::prepare (add one to KINDS): {missing:?}"
        );
        let unknown: Vec<&String> = covered.difference(&writes).collect();
        assert!(
            unknown.is_empty(),
            "base requests of operations the document does not have: {unknown:?}"
        );
        for base in bases {
            let documented = self.body_schema_opt(base.op).is_some();
            assert_eq!(
                documented,
                base.body.is_some(),
                "{}: the document and the base request disagree on a JSON body",
                base.label
            );
        }
    }

    fn body_schema_opt(&self, op: &str) -> Option<Value> {
        let (method, path) = op.split_once(' ')?;
        let schema = self.0["paths"][path][method.to_lowercase()]["requestBody"]["content"]
            ["application/json"]["schema"]
            .clone();
        (!schema.is_null()).then(|| self.resolve(&schema).0)
    }

    /// The resolved schema of an operation's JSON body.
    fn body_schema(&self, op: &str) -> Value {
        self.body_schema_opt(op)
            .unwrap_or_else(|| panic!("{op}: no JSON request body in the document"))
    }

    /// Follows `$ref`s and `oneOf: [X, null]`; answers the schema and whether null is allowed.
    fn resolve(&self, schema: &Value) -> (Value, bool) {
        let mut nullable = false;
        let mut s = schema.clone();
        for _ in 0..16 {
            if let Some(name) = s["$ref"].as_str() {
                let name = name.trim_start_matches("#/components/schemas/").to_owned();
                s = self.0["components"]["schemas"][&name].clone();
                assert!(!s.is_null(), "unknown schema {name}");
                continue;
            }
            if let Some(alternatives) = s["oneOf"].as_array() {
                let others: Vec<&Value> = alternatives
                    .iter()
                    .filter(|a| a["type"] != "null")
                    .collect();
                nullable |= others.len() < alternatives.len();
                if let [one] = others.as_slice() {
                    s = (*one).clone();
                    continue;
                }
            }
            break;
        }
        if let Some(types) = s["type"].as_array() {
            nullable |= types.iter().any(|t| t == "null");
        }
        (s, nullable)
    }
}

/// The main type of a schema (`["string", "null"]` is a string).
fn main_type(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(t) => Some(t),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

impl Operation {
    fn params(&self, location: &str) -> Vec<&Value> {
        self.op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == location).collect())
            .unwrap_or_default()
    }

    fn path_params(&self) -> Vec<String> {
        self.params("path")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// The path with one parameter set to `value`; `None` when it has others.
    /// The path with `value` for `name` and, for the other parameters, an id (`1`): every
    /// other path parameter of a read is a record's id.
    fn path_with(&self, name: &str, value: &str) -> Option<String> {
        let mut path = self.path.replace(&format!("{{{name}}}"), value);
        for other in self.path_params() {
            if other != name {
                path = path.replace(&format!("{{{other}}}"), "1");
            }
        }
        (!path.contains('{')).then_some(path)
    }

    fn query_params(&self, spec: &Spec) -> Vec<QueryParam> {
        self.params("query")
            .into_iter()
            .map(|p| {
                let name = p["name"].as_str().expect("parameter name").to_owned();
                let (schema, _) = spec.resolve(&p["schema"]);
                let kind = match name.as_str() {
                    "limit" => QueryKind::Limit,
                    "cursor" => QueryKind::Cursor,
                    _ if schema.get("enum").is_some() => QueryKind::Enum,
                    _ => match (main_type(&schema), schema["format"].as_str()) {
                        (Some("integer"), _) => QueryKind::Integer,
                        (Some("boolean"), _) => QueryKind::Boolean,
                        (Some("string"), Some("date")) => QueryKind::Date,
                        (Some("string"), Some("date-time")) => QueryKind::DateTime,
                        (Some("string"), _) => QueryKind::FreeText,
                        other => panic!("{}: parameter {name} of unknown type {other:?}", self.key),
                    },
                };
                QueryParam {
                    required: p["required"] == true,
                    name,
                    kind,
                    schema,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryKind {
    Limit,
    Cursor,
    Integer,
    Boolean,
    Enum,
    Date,
    DateTime,
    /// A text filter: a value no record holds matches nothing.
    FreeText,
}

struct QueryParam {
    name: String,
    kind: QueryKind,
    required: bool,
    schema: Value,
}

/// Valid values for the required parameters of a read.
fn required_query(params: &[QueryParam]) -> Vec<(String, String)> {
    params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let value = match p.kind {
                QueryKind::Enum => p.schema["enum"][0].as_str().map(str::to_owned),
                QueryKind::Date if p.name == "to" => Some("2023-03-31".to_owned()),
                QueryKind::Date => Some("2023-03-01".to_owned()),
                QueryKind::Integer => p.schema["minimum"]
                    .as_i64()
                    .map(|m| m.max(2023).to_string()),
                _ => None,
            };
            let value =
                value.unwrap_or_else(|| panic!("no valid value for required parameter {}", p.name));
            (p.name.clone(), value)
        })
        .collect()
}

/// The required parameters of a read with each value of its required enums (`format=csv`,
/// `format=xlsx`; each step of a queue).
fn required_query_variants(params: &[QueryParam]) -> Vec<Vec<(String, String)>> {
    let mut variants = vec![required_query(params)];
    for p in params
        .iter()
        .filter(|p| p.required && p.kind == QueryKind::Enum)
    {
        let values: Vec<&str> = p.schema["enum"]
            .as_array()
            .map(|e| e.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        variants = variants
            .iter()
            .flat_map(|v| {
                values.iter().map(move |value| {
                    v.iter()
                        .map(|(n, old)| {
                            let new = if *n == p.name { value } else { old.as_str() };
                            (n.clone(), new.to_owned())
                        })
                        .collect()
                })
            })
            .collect();
    }
    variants
}

/// The bad values of a query parameter, each with a short description.
fn bad_query_values(
    param: &QueryParam,
    op: &str,
    cursors: &[(String, String)],
) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = INJECTIONS
        .iter()
        .map(|s| (format!("{s:?}"), (*s).to_owned()))
        .collect();
    values.push(("5000 characters".into(), "x".repeat(5000)));
    values.push(("zero-width space".into(), "a\u{200B}b".into()));
    values.push(("RTL override".into(), "a\u{202E}b".into()));
    values.push(("NUL".into(), "a\u{0}b".into()));
    let mut add = |items: &[&str]| {
        values.extend(items.iter().map(|s| (format!("{s:?}"), (*s).to_owned())));
    };
    match param.kind {
        QueryKind::Limit => add(&[
            "-1",
            "0",
            "201",
            "1000000",
            "1e3",
            "1.5",
            "ten",
            "99999999999999999999",
            "",
        ]),
        QueryKind::Integer => add(&["1.5", "1e3", "99999999999999999999", "", "ten"]),
        QueryKind::Boolean => add(&["maybe", "2", "", "yes!"]),
        QueryKind::Enum => add(&["", "UNKNOWN_CODE"]),
        QueryKind::Date => add(&["2023-02-30", "2023-13-01", "2023-00-10", "", "20230301"]),
        QueryKind::DateTime => add(&[
            "2023-02-30T10:00:00+08:00",
            "2023-03-07T25:00:00+08:00",
            "2023-03-07",
            "",
        ]),
        QueryKind::Cursor => {
            for (what, cursor) in bad_cursors(op, cursors) {
                values.push((what, cursor));
            }
        }
        QueryKind::FreeText => {}
    }
    values
}

/// Cursors that were tampered with, forged, or belong to another list.
fn bad_cursors(op: &str, cursors: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = vec![
        (
            "forged {\"id\":\"x\"}".to_owned(),
            URL_SAFE_NO_PAD.encode(br#"{"id":"x"}"#),
        ),
        (
            "forged {\"id\":-5}".to_owned(),
            URL_SAFE_NO_PAD.encode(br#"{"id":-5}"#),
        ),
        (
            "forged with an extra key".to_owned(),
            URL_SAFE_NO_PAD.encode(br#"{"id":1,"admin":true}"#),
        ),
        (
            "forged impossible time".to_owned(),
            URL_SAFE_NO_PAD.encode(br#"{"at":"2023-02-30T00:00:00","id":1}"#),
        ),
        (
            "random base64".to_owned(),
            URL_SAFE_NO_PAD.encode([0x9f, 0x13, 0xee, 0x02, 0x7a, 0xc4, 0x51, 0x88, 0x00, 0xff]),
        ),
        (
            "padded standard base64".to_owned(),
            STANDARD.encode(br#"{"id":1}"#) + "==",
        ),
        ("600 characters".to_owned(), "A".repeat(600)),
        ("not base64".to_owned(), "not a cursor!".to_owned()),
    ];
    // Cursors of other lists: one of another shape (a time-ordered list's for an id-ordered one,
    // and the other way round) and one of the same shape.
    let shape = |c: &str| -> BTreeSet<String> {
        serde_json::from_str::<Value>(&decode_cursor(c))
            .ok()
            .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
            .unwrap_or_default()
    };
    let own_shape = cursors.iter().find(|(o, _)| o == op).map(|(_, c)| shape(c));
    let others = || cursors.iter().filter(|(o, _)| o != op);
    let mut foreign: Vec<&(String, String)> = Vec::new();
    foreign.extend(others().find(|(_, c)| own_shape.as_ref() != Some(&shape(c))));
    foreign.extend(others().find(|(_, c)| own_shape.as_ref() == Some(&shape(c))));
    for (other, cursor) in foreign {
        out.push((format!("a cursor of {other}"), cursor.clone()));
    }
    out
}

/// A cursor's text, for messages.
fn decode_cursor(cursor: &str) -> String {
    String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(cursor).unwrap_or_default()).into_owned()
}

/// Every change of one character of a cursor (to two other characters of its alphabet).
fn tampered_cursors(cursor: &str) -> Vec<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let chars: Vec<u8> = cursor.bytes().collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        let at = ALPHABET.iter().position(|a| *a == chars[i]).unwrap_or(0);
        for step in [1, 7] {
            let mut changed = chars.clone();
            changed[i] = ALPHABET[(at + step) % 64];
            out.push(String::from_utf8_lossy(&changed).into_owned());
        }
    }
    out
}

/// Percent-encodes a query string.
fn encode_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `items` of a JSON page, if the response is one.
fn json_items(res: &TestResponse) -> Option<Vec<Value>> {
    serde_json::from_slice::<Value>(&res.body)
        .ok()?
        .get("items")?
        .as_array()
        .cloned()
}

/// The bad values of a path parameter: the fixed list and every injection, percent-encoded.
fn bad_path_values(name: &str) -> Vec<(&str, String)> {
    let mut values: Vec<String> = BAD_PATH_VALUES.iter().map(|s| (*s).to_owned()).collect();
    if name == "date" {
        values.extend(["2023-02-30", "2023-13-01", "20230301"].map(str::to_owned));
    }
    values.extend(INJECTIONS.iter().map(|s| percent_encode(s)));
    values.extend(["%FF%FE", "%00", "a%E2%80%8Bb"].map(str::to_owned));
    values.into_iter().map(|v| (name, v)).collect()
}

// ---------------------------------------------------------------------------------------------
// Walking a body

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// One field of a base body, with what the document says of it.
#[derive(Debug, Clone)]
struct Field {
    path: Vec<Step>,
    schema: Value,
    /// Listed in its object's `required`.
    required: bool,
    /// The document allows `null`.
    nullable: bool,
}

/// What a text field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    /// A code, an enum, a date, an ID or phone number, a username: any injection is refused.
    Strict,
    /// Names, notes, questions, addresses: injections are data.
    Free,
    /// A password: anything of the right length is a password.
    Secret,
}

impl Field {
    /// `person.id_number`, `shifts[0].date`.
    fn name(&self) -> String {
        path_name(&self.path)
    }

    /// The nearest key of the path.
    fn key(&self) -> &str {
        self.path
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Key(k) => Some(k.as_str()),
                Step::Index(_) => None,
            })
            .unwrap_or("")
    }

    fn is_element(&self) -> bool {
        matches!(self.path.last(), Some(Step::Index(_)))
    }

    fn text(&self) -> Text {
        let s = &self.schema;
        let key = self.key();
        if key.contains("password") {
            return Text::Secret;
        }
        if s.get("enum").is_some() || s.get("format").is_some() {
            return Text::Strict;
        }
        match s["pattern"].as_str() {
            // The documented rule of free text: no control or invisible characters.
            Some(p) if p.starts_with("^[^\\u0000") => Text::Free,
            Some(_) => Text::Strict,
            None if key.ends_with("phone") || key.ends_with("id_number") => Text::Strict,
            None => Text::Free,
        }
    }

    fn format(&self) -> Option<&str> {
        self.schema["format"].as_str()
    }

    fn is_integer(&self) -> bool {
        main_type(&self.schema) == Some("integer")
    }
}

fn path_name(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "body".into()
    } else {
        out
    }
}

/// Every field of a body (the first element of each array stands for all).
fn walk(spec: &Spec, schema: &Value, body: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    walk_into(spec, schema, body, &[], &mut out);
    out
}

fn walk_into(spec: &Spec, schema: &Value, value: &Value, path: &[Step], out: &mut Vec<Field>) {
    match value {
        Value::Object(fields) => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (key, v) in fields {
                let property = &schema["properties"][key];
                assert!(
                    !property.is_null(),
                    "base body field {key} at {} is not in the document",
                    path_name(path)
                );
                let (s, nullable) = spec.resolve(property);
                let mut p = path.to_vec();
                p.push(Step::Key(key.clone()));
                out.push(Field {
                    path: p.clone(),
                    schema: s.clone(),
                    required: required.contains(&key.as_str()),
                    nullable,
                });
                walk_into(spec, &s, v, &p, out);
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                let (s, nullable) = spec.resolve(&schema["items"]);
                let mut p = path.to_vec();
                p.push(Step::Index(0));
                out.push(Field {
                    path: p.clone(),
                    schema: s.clone(),
                    required: false,
                    nullable,
                });
                walk_into(spec, &s, first, &p, out);
            }
        }
        _ => {}
    }
}

fn get<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
    })
}

/// A copy of `body` with the value at `path` replaced (or added, for a new key).
fn with(body: &Value, path: &[Step], new: Value) -> Value {
    let mut out = body.clone();
    let (last, parent) = path.split_last().expect("a field path");
    let parent = path_mut(&mut out, parent);
    match last {
        Step::Key(k) => {
            parent
                .as_object_mut()
                .expect("an object")
                .insert(k.clone(), new);
        }
        Step::Index(i) => parent[*i] = new,
    }
    out
}

/// A copy of `body` without the key at `path`.
fn without(body: &Value, path: &[Step]) -> Value {
    let mut out = body.clone();
    if let Some((Step::Key(k), parent)) = path.split_last() {
        if let Some(o) = path_mut(&mut out, parent).as_object_mut() {
            o.remove(k);
        }
    }
    out
}

fn path_mut<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Whether some string of a JSON document contains `text`.
fn contains_text(value: &Value, text: &str) -> bool {
    match value {
        Value::String(s) => s.contains(text),
        Value::Array(items) => items.iter().any(|v| contains_text(v, text)),
        Value::Object(fields) => fields.values().any(|v| contains_text(v, text)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// A request body as sent.
#[derive(Debug, Clone)]
struct Payload {
    /// `None`: no `Content-Type` header.
    content_type: Option<&'static str>,
    bytes: Vec<u8>,
}

impl Payload {
    fn json(body: &Value) -> Payload {
        Payload::raw(body.to_string().into_bytes())
    }

    fn raw(bytes: Vec<u8>) -> Payload {
        Payload {
            content_type: Some("application/json"),
            bytes,
        }
    }
}

/// One bad request body and what is wrong with it.
struct Mutation {
    name: String,
    payload: Payload,
    /// The field a 422 must name (the mutated one, a part of it or the object holding it).
    field: Option<String>,
    /// The kind of mutation, for the summary.
    class: &'static str,
}

impl Mutation {
    fn json(name: String, body: &Value) -> Mutation {
        Mutation {
            name,
            payload: Payload::json(body),
            field: None,
            class: "whole body",
        }
    }

    /// A mutation of one field.
    fn of_field(field: &[Step], what: &str, body: &Value) -> Mutation {
        Mutation {
            field: Some(path_name(field)),
            ..Mutation::json(format!("{}: {what}", path_name(field)), body)
        }
    }

    /// The body with raw JSON text at `path`.
    fn raw_at(what: &str, body: &Value, path: &[Step], raw: &str) -> Mutation {
        let marked = with(body, path, json!(RAW_MARKER)).to_string();
        let text = marked.replacen(&format!("\"{RAW_MARKER}\""), raw, 1);
        Mutation {
            name: format!("{}: {what}", path_name(path)),
            payload: Payload::raw(text.into_bytes()),
            field: Some(path_name(path)),
            class: "field",
        }
    }
}

/// Values of every JSON type but that of `value`.
fn wrong_types(value: &Value) -> Vec<(&'static str, Value)> {
    let same = |v: &Value| {
        std::mem::discriminant(v) == std::mem::discriminant(value)
            || (v.is_number() && value.is_number())
    };
    [
        ("a string", json!("1")),
        ("a number", json!(1)),
        ("a boolean", json!(true)),
        ("an object", json!({})),
        ("an array", json!([])),
    ]
    .into_iter()
    .filter(|(_, v)| !same(v))
    .collect()
}

/// A string with a character inserted in the middle.
fn insert_middle(s: &str, c: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mid = chars.len() / 2;
    chars[..mid]
        .iter()
        .chain(std::iter::once(&c))
        .chain(chars[mid..].iter())
        .collect()
}

/// An ID number with its check digit changed.
fn wrong_check_digit(id: &str) -> String {
    let (body, check) = id.split_at(id.len().saturating_sub(1));
    let other = if check == "1" { "2" } else { "1" };
    format!("{body}{other}")
}

/// Mutations of each field of a base body.
fn field_mutations(spec: &Spec, schema: &Value, body: &Value, read_only: bool) -> Vec<Mutation> {
    let mut out = Vec::new();
    let mut add = |class: &'static str, m: Mutation| out.push(Mutation { class, ..m });
    for field in walk(spec, schema, body) {
        let value = get(body, &field.path).expect("a walked field").clone();
        let set = |what: &str, v: Value| {
            Mutation::of_field(&field.path, what, &with(body, &field.path, v))
        };
        let raw = |what: &str, text: &str| Mutation::raw_at(what, body, &field.path, text);
        if value.is_null() {
            continue;
        }
        for (what, v) in wrong_types(&value) {
            add("wrong type", set(&format!("{what} instead"), v));
        }
        if !field.nullable {
            add("null", set("null", Value::Null));
        }
        if field.required && !field.is_element() {
            let missing = without(body, &field.path);
            add(
                "missing",
                Mutation::of_field(&field.path, "missing", &missing),
            );
        }
        match &value {
            Value::String(s) => {
                if field.text() != Text::Secret || read_only {
                    let class = "invisible, control, blank";
                    add(
                        class,
                        set("zero-width space", json!(insert_middle(s, '\u{200B}'))),
                    );
                    add(
                        class,
                        set("RTL override", json!(insert_middle(s, '\u{202E}'))),
                    );
                    add(class, set("NUL", json!(insert_middle(s, '\u{0}'))));
                    add(class, set("blank", json!("   ")));
                    add(class, raw("lone surrogate escape", "\"a\\ud800b\""));
                }
                add("empty", set("empty", json!("")));
                add(
                    "huge string",
                    set("20000 characters", json!("x".repeat(20_000))),
                );
                let bad_dates: &[&str] = match field.format() {
                    Some("date") => &["2023-02-30", "2023-13-01", "2023-00-10", "20230307"],
                    Some("date-time") => &[
                        "2023-02-30T10:00:00+08:00",
                        "2023-03-07T25:00:00+08:00",
                        "2023-03-07",
                        "yesterday",
                    ],
                    _ => &[],
                };
                for bad in bad_dates {
                    add("impossible date", set(bad, json!(bad)));
                }
                if field.key().ends_with("id_number") {
                    let class = "ID number";
                    add(class, set("wrong check digit", json!(wrong_check_digit(s))));
                    add(class, set("17 characters", json!(s[..s.len() - 1])));
                    add(class, set("letters", json!("14052119800505abcd")));
                }
                if field.key().ends_with("phone") {
                    add("phone", set("letters", json!("1381234567a")));
                    add("phone", set("words", json!("call me maybe")));
                }
            }
            Value::Number(_) => {
                let class = "number out of range";
                if field.is_integer() {
                    add(class, set("a fraction", json!(1.5)));
                    add(class, set("beyond 32 bits", json!(3_000_000_000_i64)));
                    add(class, raw("beyond 64 bits", "99999999999999999999"));
                }
                add(class, raw("beyond a double", "1e400"));
            }
            Value::Array(items) => {
                let element = items.first().cloned().unwrap_or_else(|| json!(1));
                add("huge array", huge_array(body, &field, &element));
                let wrong = if element.is_string() {
                    json!(1)
                } else {
                    json!("x")
                };
                let mut more = items.clone();
                more.push(wrong);
                add(
                    "wrong element",
                    set("an element of the wrong type", Value::Array(more)),
                );
            }
            _ => {}
        }
    }
    // An unknown field in every object.
    let mut objects: Vec<Vec<Step>> = vec![Vec::new()];
    objects.extend(
        walk(spec, schema, body)
            .into_iter()
            .filter(|f| get(body, &f.path).is_some_and(Value::is_object))
            .map(|f| f.path),
    );
    for path in objects {
        let mut p = path.clone();
        p.push(Step::Key(UNKNOWN_FIELD.into()));
        let extra = with(body, &p, json!(1));
        add(
            "unknown field",
            Mutation::of_field(&p, "an unknown field", &extra),
        );
    }
    out
}

/// An array of 10 000 elements, or of as many as fit under the body limit when that is still
/// more than the document allows (else 10 000, refused as too large).
fn huge_array(body: &Value, field: &Field, element: &Value) -> Mutation {
    let base_len = body.to_string().len();
    let element_len = element.to_string().len() + 1;
    let fit = MAX_BODY.saturating_sub(base_len + 64) / element_len;
    let max_items = field.schema["maxItems"].as_u64().unwrap_or(0) as usize;
    let n = if fit >= 10_000 || fit <= max_items {
        10_000
    } else {
        fit
    };
    Mutation::of_field(
        &field.path,
        &format!("{n} elements"),
        &with(body, &field.path, json!(vec![element.clone(); n])),
    )
}

/// Mutations of the body as a whole.
fn whole_body_mutations(schema: &Value, body: &Value) -> Vec<Mutation> {
    let text = body.to_string();
    let bytes = text.as_bytes();
    let raw = |name: &str, bytes: Vec<u8>| Mutation {
        name: name.to_owned(),
        payload: Payload::raw(bytes),
        field: None,
        class: "whole body",
    };
    let mut out = Vec::new();
    for cut in [1, bytes.len() / 4, bytes.len() / 2, bytes.len() - 1] {
        // Cut on a character boundary; the test for invalid UTF-8 is separate.
        let cut = (0..=cut)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        out.push(raw(
            &format!("truncated at byte {cut} of {}", bytes.len()),
            bytes[..cut].to_vec(),
        ));
    }
    out.push(raw("not JSON", b"{not json}".to_vec()));
    out.push(raw("single quotes", text.replace('"', "'").into_bytes()));
    out.push(raw("trailing garbage", format!("{text} x").into_bytes()));
    out.push(raw("two documents", format!("{text}{text}").into_bytes()));
    out.push(raw("trailing comma", {
        let mut t = text.clone();
        t.insert(t.len() - 1, ',');
        t.into_bytes()
    }));
    out.push(raw("nested 10 000 deep", {
        let mut t = "[".repeat(10_000);
        t.push_str(&"]".repeat(10_000));
        t.into_bytes()
    }));
    // Invalid UTF-8 inside the first string (or key).
    let at = text.find(":\"").map_or(2, |i| i + 2);
    let mut invalid = bytes.to_vec();
    invalid.splice(at..at, [0xff, 0xfe, 0xc3]);
    out.push(raw("invalid UTF-8 in a string", invalid));
    out.push(raw("a UTF-8 byte order mark", {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend_from_slice(bytes);
        b
    }));
    // A duplicated key.
    if let Some((key, value)) = body.as_object().and_then(|o| o.iter().next()) {
        let dup = format!("{{{}:{value},{}", json!(key), &text[1..]);
        out.push(raw("a duplicated key", dup.into_bytes()));
    }
    for (name, v) in [
        ("an array", json!([body])),
        ("an empty array", json!([])),
        ("a number", json!(1)),
        ("a string", json!("x")),
        ("null", Value::Null),
        ("true", json!(true)),
    ] {
        out.push(Mutation::json(format!("the body is {name}"), &v));
    }
    if schema["required"].as_array().is_some_and(|r| !r.is_empty()) {
        out.push(Mutation::json("an empty object".into(), &json!({})));
    }
    // Over the body limit (413), whatever the content.
    let mut big = body.clone();
    if let Some(o) = big.as_object_mut() {
        o.insert(UNKNOWN_FIELD.into(), json!("x".repeat(MAX_BODY + 10)));
    }
    out.push(Mutation {
        class: "oversize",
        ..Mutation::json(format!("over {MAX_BODY} bytes"), &big)
    });
    out.push(raw("empty", Vec::new()));
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/xml"),
    ] {
        out.push(Mutation {
            name: format!("Content-Type {}", content_type.unwrap_or("missing")),
            payload: Payload {
                content_type,
                bytes: bytes.to_vec(),
            },
            field: None,
            class: "content type",
        });
    }
    out
}

/// Bad `If-Match` and `Idempotency-Key` headers, where the operation documents them.
fn header_mutations(spec: &Spec, op: &str) -> Vec<(String, &'static str, String)> {
    let documented = |name: &str| {
        let (method, path) = op.split_once(' ').expect("an operation");
        spec.0["paths"][path][method.to_lowercase()]["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "header" && p["name"] == name))
    };
    let mut out = Vec::new();
    if documented("If-Match") {
        for bad in ["no quotes", "\"1", "W/", ""] {
            out.push((format!("If-Match {bad:?}"), "if-match", bad.to_owned()));
        }
    }
    if documented("Idempotency-Key") {
        for (what, bad) in [
            ("with a space", "a b".to_owned()),
            ("of 201 characters", "k".repeat(201)),
            ("empty", String::new()),
        ] {
            out.push((format!("Idempotency-Key {what}"), "idempotency-key", bad));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Sending and checking

async fn send_json(app: &TestApp, base: &Base, body: Option<&Value>) -> TestResponse {
    let payload = body.map(Payload::json);
    send_payload(app, base, &base.path(), payload.as_ref(), &[]).await
}

async fn send_payload(
    app: &TestApp,
    base: &Base,
    path: &str,
    payload: Option<&Payload>,
    headers: &[(&'static str, String)],
) -> TestResponse {
    let mut req = app.req(base.method(), path, base.user);
    if let Some(version) = &base.if_match {
        req = req.insert_header((header::IF_MATCH, version.clone()));
    }
    for (name, value) in headers {
        req = req.insert_header((*name, value.clone()));
    }
    if let Some(p) = payload {
        if let Some(content_type) = p.content_type {
            req = req.insert_header((header::CONTENT_TYPE, content_type));
        }
        req = req.set_payload(p.bytes.clone());
    }
    app.call(req).await
}

fn expect_success(res: &TestResponse, what: &str) {
    assert!(
        res.status.is_success(),
        "{what}: the base request failed with {}: {}",
        res.status,
        snippet(&res.body)
    );
}

/// The start of a body, for messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.into_owned(),
    }
}

/// What is wrong with a response that should be a problem with one of `allowed` statuses.
fn problem_error(res: &TestResponse, allowed: &[u16]) -> Option<String> {
    let status = res.status.as_u16();
    if !allowed.contains(&status) {
        return Some(format!("status {status}, expected one of {allowed:?}"));
    }
    if res.header("content-type").as_deref() != Some("application/problem+json") {
        return Some(format!(
            "content type {:?}, not application/problem+json",
            res.header("content-type")
        ));
    }
    let Ok(p) = serde_json::from_slice::<Value>(&res.body) else {
        return Some("the problem is not JSON".into());
    };
    if p["status"] != status {
        return Some(format!("problem status {} on a {status}", p["status"]));
    }
    if !p["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("urn:huimin:problem:"))
        || !p["title"].is_string()
        || !p["detail"].is_string()
    {
        return Some("type, title or detail missing".into());
    }
    if p["instance"].as_str() != res.header("x-request-id").as_deref() {
        return Some("instance is not the request id".into());
    }
    if status == 422 {
        let named = p["errors"].as_array().is_some_and(|errors| {
            !errors.is_empty()
                && errors.iter().all(|e| {
                    e["field"].is_string() && e["code"].is_string() && e["message"].is_string()
                })
        });
        if !named {
            return Some("a 422 without errors naming the fields".into());
        }
    }
    None
}

/// Failures collected over a corpus, reported together.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn push(&mut self, failure: String) {
        self.0.push(failure);
    }

    fn check_problem(&mut self, res: &TestResponse, allowed: &[u16], op: &str, mutation: &str) {
        if let Some(error) = problem_error(res, allowed) {
            self.push(format!(
                "{op}: {mutation}: {error}\n    response {}: {}",
                res.status,
                snippet(&res.body)
            ));
        }
    }

    /// A 422 names the mutated field, a part of it, or the object that holds it.
    fn check_named(&mut self, res: &TestResponse, field: &str, op: &str, mutation: &str) {
        let problem: Value = serde_json::from_slice(&res.body).unwrap_or_default();
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        let related = |n: &&str| {
            let within = |outer: &str, inner: &str| {
                inner == outer
                    || inner
                        .strip_prefix(outer)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            };
            within(n, field) || within(field, n)
        };
        if !named.iter().any(related) {
            self.push(format!(
                "{op}: {mutation}: the 422 names {named:?}, not {field}\n    response: {}",
                snippet(&res.body)
            ));
        }
    }

    fn assert_none(&self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{} failures among the {what}:\n{}",
            self.0.len(),
            self.0
                .iter()
                .take(60)
                .map(|f| format!("  - {f}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Requests sent per class.
#[derive(Default)]
struct Totals {
    field: usize,
    whole: usize,
    header: usize,
    path: usize,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.field += other.field;
        self.whole += other.whole;
        self.header += other.header;
        self.path += other.path;
    }
}
