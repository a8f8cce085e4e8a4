//! The living demo (`serve --demo`): a year of Qinshui's activity up to a given day — loaded
//! through the audited store, every aid state present, figures in the intended ranges, the trail
//! intact, and the same day giving the same data (on two databases and on both backends).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::backend_tests;
use crate::helpers::{audit_keys, fresh_database, Backend};
use huimin::db::schema::{aid_applications, consultations, duty_shifts, follow_ups, units};
use huimin::db::{DbPool, PoolSettings};
use huimin::domain::aid::AidState;
use huimin::domain::codes::CodeTable;
use huimin::store::seed::{self, TOWNSHIPS};

backend_tests!(
    the_demo_year_has_every_aid_state_and_figures_in_range,
    the_same_day_gives_the_same_demo,
);

/// The day the tests load the demo up to (a Monday; the calendars of both years it spans are
/// published).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
}

fn load(backend: Backend, today: NaiveDate) -> (DbPool, crate::helpers::TestDb) {
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
    (pool, db)
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
    let (pool, _db) = load(backend, today);
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

async fn the_same_day_gives_the_same_demo(backend: Backend) {
    // Arrange, act: the same day on two fresh databases — on SQLite twice; on PostgreSQL and on
    // SQLite, which must agree to the byte.
    let (first, _a) = load(backend, today());
    let (second, _b) = load(Backend::Sqlite, today());

    // Assert
    let print = fingerprint(&first);
    assert!(print.contains(" consultations, "), "{print}");
    assert_eq!(print, fingerprint(&second));
}
