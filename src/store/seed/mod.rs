//! The Qinshui demo data: the county bureau, its public legal service centre, legal aid centre
//! and 12 township judicial offices (DOMAIN.md, 附件2), their targets, staff, duty roster and one
//! account per role; and for `serve --demo`, a year of the county's activity up to today
//! (consultations, aid applications in every state of the workflow, follow-up calls, reviews),
//! generated deterministically from the date.

use chrono::{Duration, NaiveDate};
use diesel::Connection;

use crate::auth::password::hash_password;
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::domain::targets::SatisfactionPermille;
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::targets::TargetValues;
use crate::store::{audit, targets, units, users, Actor};

mod aid;
mod applicants;
mod consultations;
mod follow_ups;
mod rng;
mod roster;
mod texts;
mod year;

pub use roster::Roster;
pub use year::YearSummary;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "huimin-demo-2023";
/// The year of the seeded targets.
pub const DEMO_YEAR: i32 = 2023;
/// The legal aid centre's 2023 target of special-group aid cases.
pub const DEMO_AID_CASES: i32 = 70;

/// The 12 township judicial offices and their 2023 consultation targets (附件2).
pub const TOWNSHIPS: [(&str, &str, i32); 12] = [
    ("LG", "龙港镇", 800),
    ("ZC", "中村镇", 450),
    ("TW", "土沃乡", 200),
    ("ZCX", "张村乡", 150),
    ("ZZ", "郑庄镇", 600),
    ("DS", "端氏镇", 700),
    ("JF", "嘉峰镇", 700),
    ("ZCZ", "郑村镇", 500),
    ("HD", "胡底乡", 200),
    ("GX", "固县乡", 200),
    ("SZ", "柿庄镇", 300),
    ("SL", "十里乡", 200),
];

/// The demo provider account, linked to the staff record of the public legal service centre's
/// first duty lawyer.
pub const DEMO_PROVIDER: &str = "lawyer";

/// The demo accounts: username, display name, role, unit code.
pub const DEMO_ACCOUNTS: [(&str, &str, Role, &str); 6] = [
    ("admin", "沁水县司法局 管理员", Role::Admin, "140521"),
    (
        "staff.longgang",
        "龙港镇司法所 工作人员",
        Role::UnitStaff,
        "140521-SFS-LG",
    ),
    (
        "aid.officer",
        "沁水县法律援助中心 工作人员",
        Role::AidOfficer,
        "140521-FLYZ",
    ),
    (
        "lawyer",
        "公共法律服务中心 值班律师",
        Role::Provider,
        "140521-GGFLFW",
    ),
    ("auditor", "县局督查 审计员", Role::Auditor, "140521"),
    (
        "integration",
        "省级平台 对接账号",
        Role::Integration,
        "140521",
    ),
];

/// The code of the county bureau.
pub const COUNTY: &str = "140521";
/// The code of the public legal service centre.
pub const CENTRE: &str = "140521-GGFLFW";
/// The code of the legal aid centre.
pub const AID_CENTRE: &str = "140521-FLYZ";
/// The centre's annual consultation target (附件2).
pub const CENTRE_CONSULTATIONS: i32 = 1000;
/// The county's annual consultation target (附件2).
pub const COUNTY_CONSULTATIONS: i32 = 6000;
/// The satisfaction target of every unit, in percent (附件2).
pub const SATISFACTION_PERCENT: f64 = 95.0;

/// Seeds the demo data when the database has no unit yet: the units, their 2023 targets, the
/// staff, four weeks of duty roster from the Monday of the current week, and the accounts — no
/// activity (what the tests start from; `serve --demo` adds a year of it, see
/// [`seed_living_demo`]). Returns whether it seeded.
pub fn seed_demo(conn: &mut DbConnection, keys: &audit::AuditKeys) -> Result<bool, ApiError> {
    if units::any(conn)? {
        return Ok(false);
    }
    // Hash once, outside the transaction (argon2 is deliberately slow).
    let hash = hash_password(DEMO_PASSWORD).map_err(ApiError::Internal)?;
    let actor = Actor::system("seed-demo", keys);
    audit::write(conn, &actor, |tx, log| {
        let county = seed_base(tx, log, &hash)?;
        let today = crate::time::to_cst(log.at()).date_naive();
        let monday = crate::domain::duty::week_start(today);
        let roster = Roster::load(tx)?;
        roster::book(
            tx,
            log,
            county,
            &roster,
            monday,
            monday + Duration::days(27),
        )?;
        Ok(true)
    })
}

/// Seeds the living demo when the database has no unit yet: the units, staff and accounts of
/// [`seed_demo`], then a year of Qinshui's activity up to `today` (China time; see
/// [`seed_demo_year`]), all in one transaction: either the whole demo is stored or none of it.
/// The same `today` gives the same data. Returns whether it seeded.
pub fn seed_living_demo(
    conn: &mut DbConnection,
    keys: &audit::AuditKeys,
    today: NaiveDate,
) -> Result<bool, ApiError> {
    if units::any(conn)? {
        return Ok(false);
    }
    let hash = hash_password(DEMO_PASSWORD).map_err(ApiError::Internal)?;
    // The calendar of the year's legal periods (normally installed when the store opens).
    crate::store::calendar::install_published(conn, crate::clock::Clock::default().stamp())?;
    conn.transaction(|tx| {
        let system = Actor::system("seed-demo", keys);
        // The units exist the day before the year's first activity.
        let first = year::first_day(today);
        system
            .clock
            .set(year::at(first - Duration::days(1), 8, 0).and_utc());
        let county = audit::write(tx, &system, |tx, log| seed_base(tx, log, &hash))?;
        // The year's work is the county's: its events go to the county's chain.
        let actor = Actor {
            unit_id: county,
            ..system
        };
        seed_demo_year(tx, &actor, today)?;
        Ok(true)
    })
}

/// Loads a year of activity up to `today` (China time) into the demo's units, each write
/// through the store's own functions and the audit trail, with the actor's clock set to the
/// time the write happens in the story (a day's register at the end of that day, each step of an
/// aid case at its own time), in the order of those times.
pub fn seed_demo_year(
    tx: &mut DbConnection,
    actor: &Actor,
    today: NaiveDate,
) -> Result<year::YearSummary, ApiError> {
    let summary = year::seed(tx, actor, today)?;
    // The other resources' year, each by the `seed_demo_year` beside its store module, each
    // record dated by the story (the trail records when the demo wrote it): the outreach, the
    // offices' monthly reports (whose figures count the year just written), the bureau's
    // inspections and the year's recognitions.
    crate::store::activities::seed_demo_year(tx, actor, today)?;
    crate::store::monthly_reports::seed_demo_year(tx, actor, today)?;
    audit::write(tx, actor, |tx, log| {
        crate::store::inspections::seed_demo_year(tx, log, today)?;
        crate::store::recognitions::seed_demo_year(tx, log, today)
    })?;
    Ok(summary)
}

/// The units, the 2023 targets, the staff and the accounts, inside the seeding write. Returns
/// the county bureau's id.
fn seed_base(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    hash: &str,
) -> Result<i64, ApiError> {
    let county = units::insert_unchecked(
        tx,
        log,
        None,
        UnitKind::CountyBureau,
        COUNTY,
        "沁水县司法局",
        Some("山西省晋城市沁水县"),
        None,
    )?;
    units::insert_unchecked(
        tx,
        log,
        Some(&county),
        UnitKind::PublicLegalServiceCentre,
        CENTRE,
        "沁水县公共法律服务中心",
        Some("山西省晋城市沁水县"),
        None,
    )?;
    units::insert_unchecked(
        tx,
        log,
        Some(&county),
        UnitKind::LegalAidCentre,
        AID_CENTRE,
        "沁水县法律援助中心",
        Some("山西省晋城市沁水县"),
        None,
    )?;
    for (suffix, town, _) in TOWNSHIPS {
        units::insert_unchecked(
            tx,
            log,
            Some(&county),
            UnitKind::JudicialOffice,
            &format!("140521-SFS-{suffix}"),
            &format!("{town}司法所"),
            Some(&format!("山西省晋城市沁水县{town}")),
            None,
        )?;
    }
    seed_targets(tx, log, DEMO_YEAR)?;
    roster::add_staff(tx, log)?;
    let centre_lawyer = Roster::load(tx)?.lawyers[0];
    for (username, name, role, unit_code) in DEMO_ACCOUNTS {
        let unit = unit_by_code(tx, unit_code)?;
        let row = users::insert(tx, log, username, hash, name, role, unit.id)?;
        // The demo provider is the centre's first duty lawyer: it reaches the cases
        // assigned to that staff record.
        if username == DEMO_PROVIDER {
            users::link_staff_unchecked(tx, log, &row, centre_lawyer)?;
        }
    }
    Ok(county.id)
}

/// The annual targets of `year` (附件2): the centre and each township office their
/// consultations, the legal aid centre its 70 special-group cases (so that the county's
/// roll-up is 6,000 and 70); 95% satisfaction for every unit.
pub fn seed_targets(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    year: i32,
) -> Result<(), ApiError> {
    let satisfaction = SatisfactionPermille::from_percent(SATISFACTION_PERCENT)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .stored();
    let any = IfMatch::any();
    let target = |consultations: Option<i32>, aid_cases: Option<i32>| TargetValues {
        consultations,
        satisfaction_permille: Some(satisfaction),
        aid_cases,
    };
    let centre = unit_by_code(tx, CENTRE)?;
    targets::upsert(
        tx,
        log,
        centre.id,
        year,
        &any,
        target(Some(CENTRE_CONSULTATIONS), None),
    )?;
    let aid = unit_by_code(tx, AID_CENTRE)?;
    targets::upsert(
        tx,
        log,
        aid.id,
        year,
        &any,
        target(None, Some(DEMO_AID_CASES)),
    )?;
    for (suffix, _, consultations) in TOWNSHIPS {
        let office = unit_by_code(tx, &format!("140521-SFS-{suffix}"))?;
        targets::upsert(
            tx,
            log,
            office.id,
            year,
            &any,
            target(Some(consultations), None),
        )?;
    }
    // The bureau itself keeps only the satisfaction target: the county's 6000 consultations
    // and 70 aid cases are the roll-up of its units' targets (a subtree's target is its units'
    // own targets summed), and a bureau target of its own would count them twice.
    let county = unit_by_code(tx, COUNTY)?;
    targets::upsert(tx, log, county.id, year, &any, target(None, None))?;
    seed_subsidy_rates(tx, log, county.id, year)
}

/// The year's case subsidy rates, per matter and grade, in fen. Demo figures in the range
/// counties pay (criminal defence and civil cases alike), not a province's published table.
fn seed_subsidy_rates(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    county: i64,
    year: i32,
) -> Result<(), ApiError> {
    use crate::domain::aid::{MatterCategory, QualityGrade};
    use crate::domain::codes::CodeTable;
    for matter in MatterCategory::ALL {
        for grade in QualityGrade::ALL {
            let yuan = match grade {
                QualityGrade::Excellent => 1_800,
                QualityGrade::Good => 1_500,
                QualityGrade::Pass => 1_200,
                QualityGrade::Fail => 0,
            };
            crate::store::aid::rates::upsert(
                tx,
                log,
                county,
                (year, *matter, *grade),
                &IfMatch::any(),
                yuan * 100,
            )?;
        }
    }
    Ok(())
}

fn unit_by_code(tx: &mut DbConnection, code: &str) -> Result<units::UnitRow, ApiError> {
    units::by_code(tx, code)?.ok_or_else(|| ApiError::Internal(format!("demo unit {code} missing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_targets_add_up_with_the_centre_to_6000() {
        let offices: i32 = TOWNSHIPS.iter().map(|t| t.2).sum();
        assert_eq!(offices + CENTRE_CONSULTATIONS, COUNTY_CONSULTATIONS);
        assert_eq!(TOWNSHIPS.len(), 12);
    }
}
