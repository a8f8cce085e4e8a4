//! The Qinshui demo data: the county bureau, its public legal service centre, legal aid centre
//! and 12 township judicial offices (DOMAIN.md, 附件2), their 2023 targets, and one account per
//! role.

use crate::auth::password::hash_password;
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::domain::targets::SatisfactionPermille;
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::precondition::IfMatch;
use chrono::Datelike;

use crate::domain::duty::{DutyKind, DutyPeriod, StaffKind};
use crate::store::duty::{self, ShiftInput};
use crate::store::targets::TargetValues;
use crate::store::{audit, targets, units, users, Actor};

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

/// Seeds the demo data when the database has no unit yet. Returns whether it seeded.
pub fn seed_demo(conn: &mut DbConnection, keys: &audit::AuditKeys) -> Result<bool, ApiError> {
    if units::any(conn)? {
        return Ok(false);
    }
    // Hash once, outside the transaction (argon2 is deliberately slow).
    let hash = hash_password(DEMO_PASSWORD).map_err(ApiError::Internal)?;
    let actor = Actor::system("seed-demo", keys);
    audit::write(conn, &actor, |tx, log| {
        let county = units::insert_unchecked(
            tx,
            log,
            None,
            UnitKind::CountyBureau,
            "140521",
            "沁水县司法局",
            Some("山西省晋城市沁水县"),
            None,
        )?;
        let centre = units::insert_unchecked(
            tx,
            log,
            Some(&county),
            UnitKind::PublicLegalServiceCentre,
            "140521-GGFLFW",
            "沁水县公共法律服务中心",
            Some("山西省晋城市沁水县"),
            None,
        )?;
        let aid = units::insert_unchecked(
            tx,
            log,
            Some(&county),
            UnitKind::LegalAidCentre,
            "140521-FLYZ",
            "沁水县法律援助中心",
            Some("山西省晋城市沁水县"),
            None,
        )?;
        let satisfaction = SatisfactionPermille::from_percent(95.0)
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .stored();
        let any = IfMatch::any();
        let target = |consultations: Option<i32>, aid_cases: Option<i32>| TargetValues {
            consultations,
            satisfaction_permille: Some(satisfaction),
            aid_cases,
        };
        targets::upsert(
            tx,
            log,
            centre.id,
            DEMO_YEAR,
            &any,
            target(Some(1000), None),
        )?;
        targets::upsert(
            tx,
            log,
            aid.id,
            DEMO_YEAR,
            &any,
            target(None, Some(DEMO_AID_CASES)),
        )?;
        for (suffix, town, consultations) in TOWNSHIPS {
            let office = units::insert_unchecked(
                tx,
                log,
                Some(&county),
                UnitKind::JudicialOffice,
                &format!("140521-SFS-{suffix}"),
                &format!("{town}司法所"),
                Some(&format!("山西省晋城市沁水县{town}")),
                None,
            )?;
            targets::upsert(
                tx,
                log,
                office.id,
                DEMO_YEAR,
                &any,
                target(Some(consultations), None),
            )?;
        }
        // The county total (6000) as the bureau's own target.
        targets::upsert(
            tx,
            log,
            county.id,
            DEMO_YEAR,
            &any,
            target(Some(6000), Some(DEMO_AID_CASES)),
        )?;
        let centre_lawyer = seed_roster(tx, log, &county)?;
        for (username, name, role, unit_code) in DEMO_ACCOUNTS {
            let unit = units::by_code(tx, unit_code)?
                .ok_or_else(|| ApiError::Internal(format!("demo unit {unit_code} missing")))?;
            let row = users::insert(tx, log, username, &hash, name, role, unit.id)?;
            // The demo provider is the centre's first duty lawyer: it reaches the cases
            // assigned to that staff record.
            if username == DEMO_PROVIDER {
                users::link_staff_unchecked(tx, log, &row, centre_lawyer)?;
            }
        }
        Ok(true)
    })
}

/// Fictional names for the demo staff.
const DEMO_NAMES: [&str; 28] = [
    "王敏", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴婷", "徐明", "孙悦",
    "马超", "朱红", "胡斌", "郭勇", "何平", "高峰", "林琳", "罗军", "郑华", "梁晨", "谢芳", "宋涛",
    "唐丽", "许刚", "韩梅", "冯雪",
];

/// Demo staff and a four-week roster from the Monday of the current week: the centre staffed
/// every working day by its lawyers in turn; each township office on duty on Tuesday mornings
/// and visiting villages on Thursday afternoons. Returns the staff id of the centre's first
/// lawyer.
fn seed_roster(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    county: &units::UnitRow,
) -> Result<i64, ApiError> {
    use chrono::Duration;
    let root = county.id;
    let mut names = DEMO_NAMES.iter();
    let mut next_name = || names.next().copied().unwrap_or("值班人员");
    let centre = unit_by_code(tx, "140521-GGFLFW")?;
    let aid = unit_by_code(tx, "140521-FLYZ")?;
    let lawyers = (0..3)
        .map(|_| {
            add_staff(
                tx,
                log,
                centre.id,
                next_name(),
                StaffKind::Lawyer,
                Some("值班律师"),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    add_staff(
        tx,
        log,
        aid.id,
        next_name(),
        StaffKind::AidCentreStaff,
        None,
    )?;
    let mut offices = Vec::new();
    for (suffix, _, _) in TOWNSHIPS {
        let office = unit_by_code(tx, &format!("140521-SFS-{suffix}"))?;
        let head = add_staff(
            tx,
            log,
            office.id,
            next_name(),
            StaffKind::JudicialOfficeStaff,
            Some("司法所所长"),
        )?;
        let worker = add_staff(
            tx,
            log,
            office.id,
            next_name(),
            StaffKind::GrassrootsLegalWorker,
            None,
        )?;
        offices.push((office, head, worker));
    }

    let today = log
        .at()
        .and_utc()
        .with_timezone(&crate::time::cst())
        .date_naive();
    let monday = crate::domain::duty::week_start(today);
    let last = monday + Duration::days(27);
    let calendar = crate::store::calendar::load(tx, monday, last)?;
    let mut book = |unit_id: i64, date, period, kind, place: String, staff_ids: Vec<i64>| {
        let input = ShiftInput {
            unit_id,
            date,
            period,
            kind,
            place: Some(place),
            note: None,
            staff_ids,
        };
        duty::insert(tx, log, root, &input, "").map(|_| ())
    };
    for (i, day) in calendar.working_days(monday, last).into_iter().enumerate() {
        let lawyer = lawyers[i % lawyers.len()];
        book(
            centre.id,
            day,
            DutyPeriod::FullDay,
            DutyKind::StationDuty,
            "县公共法律服务中心大厅".into(),
            vec![lawyer],
        )?;
        for (office, head, worker) in &offices {
            let town = office.name.trim_end_matches("司法所");
            let (period, kind, place, people) = match day.weekday() {
                chrono::Weekday::Tue => (
                    DutyPeriod::Morning,
                    DutyKind::StationDuty,
                    format!("{town}公共法律服务工作站"),
                    vec![*head],
                ),
                chrono::Weekday::Thu => (
                    DutyPeriod::Afternoon,
                    DutyKind::VillageVisit,
                    "辖区村（社区）".to_owned(),
                    vec![*head, *worker],
                ),
                _ => continue,
            };
            book(office.id, day, period, kind, place, people)?;
        }
    }
    lawyers
        .first()
        .copied()
        .ok_or_else(|| ApiError::Internal("the demo centre has no lawyer".into()))
}

fn unit_by_code(tx: &mut DbConnection, code: &str) -> Result<units::UnitRow, ApiError> {
    units::by_code(tx, code)?.ok_or_else(|| ApiError::Internal(format!("demo unit {code} missing")))
}

fn add_staff(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    unit_id: i64,
    name: &str,
    kind: StaffKind,
    title: Option<&str>,
) -> Result<i64, ApiError> {
    let values = crate::store::staff::StaffValues {
        unit_id,
        name,
        kind,
        title,
        licence_no: None,
        phone: None,
    };
    Ok(crate::store::staff::insert(tx, log, values)?.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_targets_add_up_with_the_centre_to_6000() {
        let offices: i32 = TOWNSHIPS.iter().map(|t| t.2).sum();
        assert_eq!(offices + 1000, 6000);
        assert_eq!(TOWNSHIPS.len(), 12);
    }
}
