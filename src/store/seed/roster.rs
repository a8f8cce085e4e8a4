//! The demo's people and duty roster: three duty lawyers at the public legal service centre, one
//! officer at the legal aid centre, a head and a grassroots legal worker in each township office;
//! the centre staffed every working day by its lawyers in turn, each township office on duty at
//! its station on Tuesday mornings and visiting villages on Thursday afternoons (举措5, 7).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::{unit_by_code, CENTRE, TOWNSHIPS};
use crate::db::schema::staff;
use crate::db::DbConnection;
use crate::domain::duty::{DutyKind, DutyPeriod, StaffKind};
use crate::error::ApiError;
use crate::store::audit::AuditLog;
use crate::store::duty::{self, ShiftInput};
use crate::store::units::UnitRow;

/// Fictional names for the demo staff.
const DEMO_NAMES: [&str; 28] = [
    "王敏", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴婷", "徐明", "孙悦",
    "马超", "朱红", "胡斌", "郭勇", "何平", "高峰", "林琳", "罗军", "郑华", "梁晨", "谢芳", "宋涛",
    "唐丽", "许刚", "韩梅", "冯雪",
];

/// A township office and its two staff.
#[derive(Debug, Clone)]
pub struct Office {
    /// The office.
    pub unit: UnitRow,
    /// The town's name (龙港镇).
    pub town: String,
    /// Its head (司法所所长): on station duty.
    pub head: i64,
    /// Its grassroots legal worker: on village visits with the head.
    pub worker: i64,
}

/// The demo's units and people, as stored.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The public legal service centre.
    pub centre: UnitRow,
    /// Its duty lawyers (the first is the demo `lawyer` account's staff record).
    pub lawyers: Vec<i64>,
    /// The legal aid centre.
    pub aid: UnitRow,
    /// Its officer.
    pub aid_officer: i64,
    /// The township offices, in the order of [`TOWNSHIPS`].
    pub offices: Vec<Office>,
}

/// Adds the demo staff inside the seeding write.
pub fn add_staff(tx: &mut DbConnection, log: &mut AuditLog) -> Result<(), ApiError> {
    let mut names = DEMO_NAMES.iter();
    let mut next_name = || names.next().copied().unwrap_or("值班人员");
    let centre = unit_by_code(tx, CENTRE)?;
    let aid = unit_by_code(tx, super::AID_CENTRE)?;
    for _ in 0..3 {
        add(
            tx,
            log,
            centre.id,
            next_name(),
            StaffKind::Lawyer,
            Some("值班律师"),
        )?;
    }
    add(
        tx,
        log,
        aid.id,
        next_name(),
        StaffKind::AidCentreStaff,
        None,
    )?;
    for (suffix, _, _) in TOWNSHIPS {
        let office = unit_by_code(tx, &format!("140521-SFS-{suffix}"))?;
        let head = Some("司法所所长");
        add(
            tx,
            log,
            office.id,
            next_name(),
            StaffKind::JudicialOfficeStaff,
            head,
        )?;
        let kind = StaffKind::GrassrootsLegalWorker;
        add(tx, log, office.id, next_name(), kind, None)?;
    }
    Ok(())
}

impl Roster {
    /// The demo's units and staff, read back (staff of a unit in the order they were added).
    pub fn load(tx: &mut DbConnection) -> Result<Roster, ApiError> {
        let of_unit = |tx: &mut DbConnection, unit: i64| -> Result<Vec<i64>, ApiError> {
            Ok(staff::table
                .filter(staff::unit_id.eq(unit))
                .order(staff::id.asc())
                .select(staff::id)
                .load(tx)?)
        };
        let centre = unit_by_code(tx, CENTRE)?;
        let aid = unit_by_code(tx, super::AID_CENTRE)?;
        let lawyers = of_unit(tx, centre.id)?;
        let aid_officer = first(&of_unit(tx, aid.id)?)?;
        let mut offices = Vec::new();
        for (suffix, town, _) in TOWNSHIPS {
            let unit = unit_by_code(tx, &format!("140521-SFS-{suffix}"))?;
            let people = of_unit(tx, unit.id)?;
            offices.push(Office {
                town: town.to_owned(),
                head: first(&people)?,
                worker: people.get(1).copied().unwrap_or(first(&people)?),
                unit,
            });
        }
        first(&lawyers)?;
        Ok(Roster {
            centre,
            lawyers,
            aid,
            aid_officer,
            offices,
        })
    }

    /// The shifts of the roster on the working days of `from..=to` (see the module's note).
    pub fn shifts(
        &self,
        calendar: &crate::domain::calendar::BusinessCalendar,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<ShiftInput> {
        let mut out = Vec::new();
        for (i, day) in calendar.working_days(from, to).into_iter().enumerate() {
            out.push(ShiftInput {
                unit_id: self.centre.id,
                date: day,
                period: DutyPeriod::FullDay,
                kind: DutyKind::StationDuty,
                place: Some("县公共法律服务中心大厅".into()),
                note: None,
                staff_ids: vec![self.lawyers[i % self.lawyers.len()]],
            });
            for office in &self.offices {
                let (period, kind, place, people) = match day.weekday() {
                    chrono::Weekday::Tue => (
                        DutyPeriod::Morning,
                        DutyKind::StationDuty,
                        format!("{}公共法律服务工作站", office.town),
                        vec![office.head],
                    ),
                    chrono::Weekday::Thu => (
                        DutyPeriod::Afternoon,
                        DutyKind::VillageVisit,
                        "辖区村（社区）".to_owned(),
                        vec![office.head, office.worker],
                    ),
                    _ => continue,
                };
                out.push(ShiftInput {
                    unit_id: office.unit.id,
                    date: day,
                    period,
                    kind,
                    place: Some(place),
                    note: None,
                    staff_ids: people,
                });
            }
        }
        out
    }
}

/// Books the roster's shifts of `from..=to` inside a write (as the batch booking does).
pub fn book(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    root: i64,
    roster: &Roster,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<duty::Shift>, ApiError> {
    let calendar = crate::store::calendar::load(tx, from, to)?;
    roster
        .shifts(&calendar, from, to)
        .iter()
        .map(|s| duty::insert(tx, log, root, s, ""))
        .collect()
}

fn first(ids: &[i64]) -> Result<i64, ApiError> {
    ids.first()
        .copied()
        .ok_or_else(|| ApiError::Internal("a demo unit has no staff".into()))
}

fn add(
    tx: &mut DbConnection,
    log: &mut AuditLog,
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
