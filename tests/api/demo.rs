//! The living demo (`serve --demo`): a year of Qinshui's activity up to a given day — loaded
//! through the audited store, every aid state present, figures in the intended ranges, the trail
//! intact, and the same day giving the same data (on two databases and on both backends).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::backend_tests;
use crate::helpers::{audit_keys, fresh_database, spawn_app_over, Backend, TestApp};
use huimin::db::schema::{aid_applications, consultations, duty_shifts, follow_ups, units};
use huimin::db::{DbPool, DbUrl, PoolSettings};
use huimin::domain::aid::AidState;
use huimin::domain::codes::CodeTable;
use huimin::store::seed::{self, TOWNSHIPS};
use serde_json::Value;

backend_tests!(
    the_demo_year_has_every_aid_state_and_figures_in_range,
    the_same_day_gives_the_same_demo_and_the_same_figures,
);

/// The day the tests load the demo up to (a Monday; the calendars of both years it spans are
/// published).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
}

fn load(backend: Backend, today: NaiveDate) -> (DbPool, DbUrl, crate::helpers::TestDb) {
    let (url, db) = fresh_database(backend);
    let settings = PoolSettings {
        max_size: 2,
        timeout: std::time::Duration::from_secs(30),
    };
    let pool = huimin::store::open(&url, &settings, &Default::default()).expect("database");
    let mut conn = pool.get().expect("connection");
    let started = std::time::Instant::now();
    assert!(seed::seed_living_demo(&mut conn, &audit_keys(), today).expect("demo"));
    eprintln!(
        "{backend:?}: living demo up to {today} loaded in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    // A second call finds the units and loads nothing.
    assert!(!seed::seed_living_demo(&mut conn, &audit_keys(), today).expect("demo again"));
    (pool, url, db)
}

/// A digest of what the demo stored: every consultation, application and follow-up, by content
/// (units by code, times to the microsecond), independent of the backend.
#[allow(clippy::type_complexity)]
fn fingerprint(pool: &DbPool) -> String {
    let mut pooled = pool.get().expect("connection");
    let conn: &mut huimin::db::DbConnection = &mut pooled;
    let codes: std::collections::HashMap<i64, String> = units::table
        .select((units::id, units::code))
        .load::<(i64, String)>(conn)
        .expect("units")
        .into_iter()
        .collect();
    let mut h = Sha256::new();
    let c: Vec<(
        i64,
        NaiveDateTime,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    )> = consultations::table
        .order(consultations::id.asc())
        .select((
            consultations::unit_id,
            consultations::received_at,
            consultations::topics,
            consultations::id_number,
            consultations::phone,
            consultations::question,
            consultations::special_groups,
        ))
        .load(conn)
        .expect("consultations");
    for row in &c {
        h.update(format!(
            "{}|{:?}\n",
            codes[&row.0],
            (row.1, &row.2, &row.3, &row.4, &row.5, &row.6)
        ));
    }
    let a: Vec<(
        i64,
        AidState,
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<i64>,
    )> = aid_applications::table
        .order(aid_applications::id.asc())
        .select((
            aid_applications::unit_id,
            aid_applications::state,
            aid_applications::received_at,
            aid_applications::state_entered_at,
            aid_applications::deadline_at,
            aid_applications::provider_staff_id,
        ))
        .load(conn)
        .expect("aid applications");
    for row in &a {
        h.update(format!(
            "{}|{:?}\n",
            codes[&row.0],
            (row.1.code(), row.2, row.3, row.4, row.5)
        ));
    }
    let f: Vec<(i64, i64, String, Option<String>, chrono::NaiveDate)> = follow_ups::table
        .order(follow_ups::id.asc())
        .select((
            follow_ups::unit_id,
            follow_ups::subject_id,
            diesel::dsl::sql::<diesel::sql_types::Text>("status"),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(
                "satisfaction",
            ),
            follow_ups::due_on,
        ))
        .load(conn)
        .expect("follow-ups");
    for row in &f {
        h.update(format!(
            "{}|{:?}\n",
            codes[&row.0],
            (row.1, &row.2, &row.3, row.4)
        ));
    }
    format!(
        "{} consultations, {} applications, {} follow-ups: {}",
        c.len(),
        a.len(),
        f.len(),
        hex::encode(h.finalize())
    )
}

async fn the_demo_year_has_every_aid_state_and_figures_in_range(backend: Backend) {
    // Arrange, act
    let today = today();
    let (pool, _url, _db) = load(backend, today);
    let mut pooled = pool.get().expect("connection");
    let conn: &mut huimin::db::DbConnection = &mut pooled;

    // Assert: every state of the workflow is present.
    let states: Vec<AidState> = aid_applications::table
        .select(aid_applications::state)
        .distinct()
        .load(conn)
        .expect("states");
    for state in AidState::ALL {
        assert!(states.contains(state), "no application is {}", state.code());
    }
    let apps: i64 = aid_applications::table
        .count()
        .get_result(conn)
        .expect("count");
    assert!((60..=90).contains(&apps), "{apps} applications");
    let green: i64 = aid_applications::table
        .filter(aid_applications::green_channel.eq(true))
        .count()
        .get_result(conn)
        .expect("count");
    let urgent: i64 = aid_applications::table
        .filter(aid_applications::urgent.eq(true))
        .count()
        .get_result(conn)
        .expect("count");
    assert!(green * 3 >= apps && green < apps, "{green} of {apps} green");
    assert!(urgent >= 1, "no urgent application");

    // Consultations: about a year's 6,000, each unit this year within reach of its target
    // pro rata (some ahead, some behind).
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1)
        .expect("date")
        .and_hms_opt(0, 0, 0)
        .expect("time")
        - chrono::Duration::hours(8);
    let total: i64 = consultations::table
        .count()
        .get_result(conn)
        .expect("count");
    assert!(
        (5_400..=6_600).contains(&total),
        "{total} consultations in a year"
    );
    let share = f64::from(today.ordinal()) / 365.0;
    let (mut ahead, mut behind) = (0, 0);
    for (suffix, town, target) in TOWNSHIPS {
        let unit: i64 = units::table
            .filter(units::code.eq(format!("140521-SFS-{suffix}")))
            .select(units::id)
            .first(conn)
            .expect("office");
        let done: i64 = consultations::table
            .filter(consultations::unit_id.eq(unit))
            .filter(consultations::received_at.ge(year_start))
            .count()
            .get_result(conn)
            .expect("count");
        let expected = f64::from(target) * share;
        let ratio = done as f64 / expected;
        assert!(
            (0.6..=1.4).contains(&ratio),
            "{town}: {done} against {expected:.0}"
        );
        if ratio >= 1.0 {
            ahead += 1;
        } else {
            behind += 1;
        }
    }
    assert!(ahead >= 2 && behind >= 2, "{ahead} ahead, {behind} behind");

    // Follow-ups: mostly satisfied, a few not, a few still open.
    let answered: Vec<Option<String>> = follow_ups::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "status = 'done'",
        ))
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >("satisfaction"))
        .load(conn)
        .expect("follow-ups");
    let unsatisfied = answered
        .iter()
        .filter(|s| s.as_deref() == Some("unsatisfied"))
        .count();
    let rate = 1.0 - unsatisfied as f64 / answered.len() as f64;
    assert!(
        answered.len() > 500,
        "{} follow-ups answered",
        answered.len()
    );
    assert!(
        unsatisfied > 0 && (0.93..0.99).contains(&rate),
        "satisfaction {rate:.3}"
    );

    // The duty roster around today.
    let shifts_today: i64 = duty_shifts::table
        .filter(duty_shifts::duty_date.eq(today))
        .count()
        .get_result(conn)
        .expect("count");
    assert!(shifts_today >= 1, "nobody on duty today");

    // The trail: every row above went through it, and it verifies.
    let report = huimin::store::audit::verify::verify(
        conn,
        &audit_keys(),
        huimin::store::audit::VerifyScope::All,
        None,
    )
    .expect("verify");
    assert!(report.intact, "{:?}", report.reason);
    assert!(report.checked > total, "{} events checked", report.checked);
}

/// The units of a subtree (by code), from the units list.
async fn subtree_of(app: &TestApp, code: &str) -> std::collections::HashSet<i64> {
    let units = app.every_item("/api/v1/units", "admin").await;
    let mut inside: std::collections::HashSet<i64> = units
        .iter()
        .filter(|u| u["code"] == code)
        .filter_map(|u| u["id"].as_i64())
        .collect();
    // Parents come in any order: widen until nothing is added.
    loop {
        let before = inside.len();
        for u in &units {
            if u["parent_id"].as_i64().is_some_and(|p| inside.contains(&p)) {
                inside.insert(u["id"].as_i64().expect("id"));
            }
        }
        if inside.len() == before {
            return inside;
        }
    }
}

/// The year's figures of a subtree as counted one record at a time through the lists, as an
/// auditor would without the statistics: consultations received in the year; applications
/// received in the year, granted, and handled by a centre of the subtree; follow-ups completed
/// in the year with an answer, and of those the satisfied.
async fn counted_through_the_lists(app: &TestApp, code: &str, year: i32) -> Value {
    let unit = app.unit_id(code);
    let inside = subtree_of(app, code).await;
    let in_year = |v: &Value| {
        v.as_str()
            .is_some_and(|t| t.starts_with(&format!("{year}-")) && t.ends_with("+08:00"))
    };
    let consultations = app
        .every_item(
            &format!("/api/v1/consultations?unit_id={unit}&from={year}-01-01&to={year}-12-31"),
            "auditor",
        )
        .await
        .len();
    let granted: Vec<&str> = huimin::domain::stats::GRANTED
        .iter()
        .map(|s| s.code())
        .collect();
    let aid_cases = app
        .every_item("/api/v1/aid-applications", "auditor")
        .await
        .iter()
        .filter(|a| in_year(&a["received_at"]))
        .filter(|a| granted.contains(&a["state"].as_str().unwrap_or_default()))
        .filter(|a| a["centre_id"].as_i64().is_some_and(|c| inside.contains(&c)))
        .count();
    let answered: Vec<Value> = app
        .every_item(
            &format!("/api/v1/follow-ups?unit_id={unit}&status=done"),
            "auditor",
        )
        .await
        .into_iter()
        .filter(|f| in_year(&f["completed_at"]) && !f["satisfaction"].is_null())
        .collect();
    let satisfied = answered
        .iter()
        .filter(|f| f["satisfaction"] != "unsatisfied")
        .count();
    serde_json::json!({
        "consultations": consultations, "aid_cases": aid_cases,
        "reached": answered.len(), "satisfied": satisfied,
    })
}

/// The same figures as the targets view gives them for the subtree.
fn as_the_view_gives_them(view: &Value) -> Value {
    let root = &view["units"][0]["subtree"];
    serde_json::json!({
        "consultations": root["consultations"]["done"], "aid_cases": root["aid_cases"]["done"],
        "reached": root["satisfaction"]["reached"], "satisfied": root["satisfaction"]["satisfied"],
    })
}

async fn the_same_day_gives_the_same_demo_and_the_same_figures(backend: Backend) {
    // Arrange, act: the same day on two fresh databases — on SQLite twice; on PostgreSQL and on
    // SQLite, which must agree to the byte.
    let (first, url_a, a) = load(backend, today());
    let (second, url_b, b) = load(Backend::Sqlite, today());

    // Assert: the same records.
    let print = fingerprint(&first);
    assert!(print.contains(" consultations, "), "{print}");
    assert_eq!(print, fingerprint(&second));
    drop((first, second));

    // The same figures: for the county and two townships, the targets view agrees with what the
    // lists count one by one, and the two databases agree to the digit.
    let one = spawn_app_over(backend, url_a, a).await;
    let other = spawn_app_over(Backend::Sqlite, url_b, b).await;
    let noon = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00+08:00").expect("time");
    for app in [&one, &other] {
        app.state.clock.set(noon.with_timezone(&chrono::Utc));
    }
    let year = today().year();
    for code in ["140521", "140521-SFS-JF", "140521-SFS-ZC"] {
        let path = |app: &TestApp| {
            format!(
                "/api/v1/stats/targets?year={year}&unit_id={}",
                app.unit_id(code)
            )
        };
        let view = one.get(&path(&one), "auditor").await;
        assert_eq!(view.status, 200, "{}", String::from_utf8_lossy(&view.body));
        let view = view.json();
        assert_eq!(
            view,
            other.get(&path(&other), "auditor").await.json(),
            "{code}: {backend:?} and SQLite disagree"
        );
        let counted = counted_through_the_lists(&one, code, year).await;
        eprintln!("{code}: {counted}");
        assert_eq!(as_the_view_gives_them(&view), counted, "{code}");
        assert!(
            counted["consultations"].as_u64() > Some(300),
            "{code}: {counted}"
        );
        assert!(counted["reached"].as_u64() > Some(30), "{code}: {counted}");
    }
    // The county's aid cases: the centre's, a year's worth.
    let county = counted_through_the_lists(&one, "140521", year).await;
    assert!(county["aid_cases"].as_u64() > Some(30), "{county}");
}
