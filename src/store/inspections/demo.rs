//! A deterministic year of the Qinshui bureau's supervision up to a day, for the demo: the twelve
//! months ending with the current one. Each month a meeting and four or five spot checks of the
//! townships in turn, each quarter an on-site inspection of one township with the checklist —
//! except that the month two before the current one has only three spot checks (short) and the
//! quarter before the current one has no on-site inspection (short). Some spot checks find
//! something to rectify: the older ones were put right, two of the last two complete months were
//! not (overdue), the current month's are pending or overdue.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::{insert, Check, InspectionInput};
use crate::db::DbConnection;
use crate::domain::codes::CodeTable;
use crate::domain::inspections::{quarter_of, quarter_span, ChecklistItem, InspectionKind};
use crate::error::ApiError;
use crate::store::audit::AuditLog;
use crate::store::units;

/// The township offices of the demo county, by unit code.
const TOWNSHIP_CODES: [&str; 12] = [
    "140521-SFS-LG",
    "140521-SFS-ZC",
    "140521-SFS-TW",
    "140521-SFS-ZCX",
    "140521-SFS-ZZ",
    "140521-SFS-DS",
    "140521-SFS-JF",
    "140521-SFS-ZCZ",
    "140521-SFS-HD",
    "140521-SFS-GX",
    "140521-SFS-SZ",
    "140521-SFS-SL",
];

/// What the bureau's spot checks find, in turn.
const FINDINGS: [&str; 4] = [
    "系统中3条咨询登记缺少答复内容，信息录入不完整",
    "值班表显示当班，抽查时值班电话无人接听",
    "上周咨询登记未及时审核，积压5条",
    "“今日我当班”公示栏未更新当日值班人员",
];

/// The day, moved back to the Friday before when it falls on a weekend.
fn weekday_on_or_before(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Days::new(1),
        Weekday::Sun => day - Days::new(2),
        _ => day,
    }
}

fn unit_id(tx: &mut DbConnection, code: &str) -> Result<i64, ApiError> {
    Ok(units::by_code(tx, code)?
        .ok_or_else(|| ApiError::Internal(format!("demo unit {code} missing")))?
        .id)
}

/// Seeds the demo year of inspections of the Qinshui bureau (unit `140521`) up to `today`
/// inside a write, and answers how many it made.
pub fn seed_demo_year(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let bureau = unit_id(tx, "140521")?;
    let towns = TOWNSHIP_CODES
        .iter()
        .map(|code| unit_id(tx, code))
        .collect::<Result<Vec<i64>, _>>()?;
    let this_month = today.with_day(1).unwrap_or(today);
    let this_quarter = quarter_of(today);
    // The quarter before the current one: no on-site inspection.
    let (skip_year, skip_quarter) = if this_quarter == 1 {
        (today.year() - 1, 4)
    } else {
        (today.year(), this_quarter - 1)
    };
    let skipped = quarter_span(skip_year, skip_quarter);
    let base = |held_on: NaiveDate, kind: InspectionKind| InspectionInput {
        unit_id: bureau,
        kind,
        held_on,
        staff_id: None,
        inspectors: Some("县司法局督查组".into()),
        summary: None,
        findings: None,
        unit_ids: Vec::new(),
        checklist: Vec::new(),
        rectification_required: false,
        rectification_due: None,
        rectification_done_on: None,
        rectification_done_by: None,
        rectification_note: None,
    };
    let mut made = 0usize;
    let mut seq = 0usize;
    for back in (0..12u32).rev() {
        let Some(first) = this_month.checked_sub_months(Months::new(back)) else {
            continue;
        };
        let on = |d: u32| weekday_on_or_before(first.with_day(d).unwrap_or(first));
        // The monthly meeting, with every township office.
        let meeting = on(6);
        if meeting <= today {
            let mut m = base(meeting, InspectionKind::MonthlyMeeting);
            m.summary = Some("通报上月惠民工程工作进展，讲评系统值班抽查情况，部署本月工作".into());
            m.unit_ids = towns.clone();
            insert(tx, log, &m)?;
            made += 1;
        }
        // Spot checks: three in the short month, four or five in the others.
        let checks = match back {
            2 => 3,
            _ if back % 3 == 0 => 5,
            _ => 4,
        };
        for (j, d) in [3u32, 9, 15, 21, 27].into_iter().take(checks).enumerate() {
            let held_on = on(d);
            if held_on > today {
                continue;
            }
            seq += 1;
            let town = towns[(back as usize * 5 + j) % towns.len()];
            let mut s = base(held_on, InspectionKind::SpotCheck);
            s.summary = Some("通过系统监控和电话询问抽查值班和咨询登记情况".into());
            s.unit_ids = vec![town];
            // The first check of each of the last two complete months finds something that
            // stays undone (overdue); every fourth check finds something.
            let left_open = j == 0 && (back == 1 || back == 2);
            if left_open || seq % 4 == 1 {
                let due = held_on + Days::new(10);
                s.findings = Some(FINDINGS[(seq / 4) % FINDINGS.len()].into());
                s.rectification_required = true;
                s.rectification_due = Some(due);
                let done_on = held_on + Days::new(7);
                if !left_open && done_on <= today && back >= 1 {
                    s.rectification_done_on = Some(done_on);
                    s.rectification_done_by = Some("被检查司法所所长".into());
                    s.rectification_note = Some("已补录并完成整改，县局复核通过".into());
                }
            }
            insert(tx, log, &s)?;
            made += 1;
        }
        // The on-site inspection of the quarter, in its middle month.
        let in_skipped = skipped.is_some_and(|(a, b)| first >= a && first <= b);
        if first.month() % 3 == 2 && !in_skipped {
            let held_on = on(18);
            if held_on <= today {
                let town = towns[(back as usize * 7 + 3) % towns.len()];
                let failing = ChecklistItem::ALL[back as usize % ChecklistItem::ALL.len()];
                let mut o = base(held_on, InspectionKind::OnSiteInspection);
                o.summary = Some("对照《行动计划》逐项实地检查".into());
                o.unit_ids = vec![town];
                o.checklist = ChecklistItem::ALL
                    .iter()
                    .map(|item| Check {
                        item: *item,
                        passed: *item != failing,
                        note: (*item == failing).then(|| format!("{}：存在不足", item.label())),
                    })
                    .collect();
                o.findings = Some(format!("{}不达标，其余项目合格", failing.label()));
                o.rectification_required = true;
                let due = held_on + Days::new(15);
                o.rectification_due = Some(due);
                let done_on = held_on + Days::new(12);
                if done_on <= today && back >= 1 {
                    o.rectification_done_on = Some(done_on);
                    o.rectification_done_by = Some("被检查司法所".into());
                    o.rectification_note = Some("已按要求整改到位".into());
                }
                insert(tx, log, &o)?;
                made += 1;
            }
        }
    }
    Ok(made)
}
