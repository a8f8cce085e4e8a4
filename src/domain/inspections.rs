//! Supervision of the programme (附件1 举措3, 8): the county bureau's spot checks of the system
//! (at least 4 a month), its monthly meeting (月例会, at least 1 a month), its quarterly on-site
//! inspection (at least 1 a quarter) with the plan's checklist, and the rectification of what an
//! inspection finds.

use chrono::{Datelike, NaiveDate};

/// Spot checks of the system a month, at least: "县局管理人员每月进行系统值班抽查检查不少于4次"
/// (附件1 举措3).
pub const MIN_SPOT_CHECKS_PER_MONTH: i64 = 4;
/// Working meetings a month, at least: "县局每月至少召开1次工作例会" (附件1 举措3; the 月例会 of
/// 举措8).
pub const MIN_MEETINGS_PER_MONTH: i64 = 1;
/// On-site inspections a quarter, at least: "每季度……实地开展1次专项检查" (附件1 举措3).
pub const MIN_ON_SITE_PER_QUARTER: i64 = 1;

crate::code_table! {
    /// The kind of supervision (附件1 举措3, 8).
    pub enum InspectionKind as "inspection_kind" {
        /// A spot check of the system and the duty (系统值班抽查), at least 4 a month.
        SpotCheck = "spot_check": "系统值班抽查",
        /// The monthly working meeting, at least 1 a month.
        MonthlyMeeting = "monthly_meeting": "月例会",
        /// The quarterly on-site inspection with the checklist, at least 1 a quarter.
        OnSiteInspection = "on_site_inspection": "季度实地专项检查",
    }
}

crate::code_table! {
    /// The checklist of the on-site inspection, in the plan's words (附件1 举措3: "包括：群众对惠民
    /// 工程工作是否知晓，场所设置是否规范，标识标牌是否醒目，职责制度是否上墙；系统监管是否到位，信息录入
    /// 是否真实完整、咨询审核是否及时；台帐档案等资料是否齐全，电话回访群体是否满意等内容").
    pub enum ChecklistItem as "inspection_checklist_item" {
        /// Whether people know the programme (publicity).
        PublicAwareness = "public_awareness": "群众对惠民工程工作是否知晓",
        /// Whether the premises are laid out to the standard.
        SiteLayout = "site_layout": "场所设置是否规范",
        /// Whether signs and plates are prominent.
        Signage = "signage": "标识标牌是否醒目",
        /// Whether duties and rules are posted on the wall.
        DutiesPosted = "duties_posted": "职责制度是否上墙",
        /// Whether the system is supervised.
        SystemSupervision = "system_supervision": "系统监管是否到位",
        /// Whether entries are true and complete.
        RecordsTrueComplete = "records_true_complete": "信息录入是否真实完整",
        /// Whether consultations are reviewed in time.
        TimelyReview = "timely_review": "咨询审核是否及时",
        /// Whether ledgers and files are complete.
        FilesComplete = "files_complete": "台帐档案等资料是否齐全",
        /// Whether the people called back are satisfied.
        FollowUpSatisfaction = "follow_up_satisfaction": "电话回访群体是否满意",
    }
}

crate::code_table! {
    /// Where the rectification an inspection required stands (on the day it is read, China time).
    pub enum RectificationStatus as "rectification_status" {
        /// No rectification required.
        NotRequired = "not_required": "无需整改",
        /// Required, not done, due today or later.
        Pending = "pending": "整改中",
        /// Required, not done, the due day has passed.
        Overdue = "overdue": "逾期未整改",
        /// Done.
        Done = "done": "已整改",
    }
}

crate::code_table! {
    /// How a month or quarter stands against its minimum.
    pub enum ComplianceStatus as "compliance_status" {
        /// The minimum is reached.
        Met = "met": "达标",
        /// The period is over and the minimum was not reached.
        Short = "short": "未达标",
        /// The period is running (it holds today) and the minimum is not reached yet.
        InProgress = "in_progress": "进行中",
        /// The period has not begun.
        NotStarted = "not_started": "未开始",
    }
}

/// The rectification status of an inspection on `today`: a due day is a date, so the
/// rectification is overdue from the day after it.
pub fn rectification_status(
    required: bool,
    due: Option<NaiveDate>,
    done_on: Option<NaiveDate>,
    today: NaiveDate,
) -> RectificationStatus {
    match (required, done_on, due) {
        (false, _, _) => RectificationStatus::NotRequired,
        (true, Some(_), _) => RectificationStatus::Done,
        (true, None, Some(due)) if due < today => RectificationStatus::Overdue,
        (true, None, _) => RectificationStatus::Pending,
    }
}

/// The status of a period `first..=last` with `done` of a `minimum` on `today`: met once the
/// minimum is reached (even while it runs); otherwise not started, in progress (it holds today),
/// or short (it is over).
pub fn period_status(
    done: i64,
    minimum: i64,
    first: NaiveDate,
    last: NaiveDate,
    today: NaiveDate,
) -> ComplianceStatus {
    if done >= minimum {
        ComplianceStatus::Met
    } else if today < first {
        ComplianceStatus::NotStarted
    } else if today <= last {
        ComplianceStatus::InProgress
    } else {
        ComplianceStatus::Short
    }
}

/// The worse of two statuses: short before in progress before not started before met.
pub fn worse(a: ComplianceStatus, b: ComplianceStatus) -> ComplianceStatus {
    fn rank(s: ComplianceStatus) -> u8 {
        match s {
            ComplianceStatus::Short => 3,
            ComplianceStatus::InProgress => 2,
            ComplianceStatus::NotStarted => 1,
            ComplianceStatus::Met => 0,
        }
    }
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// The first and last day of a month of a year (`None` for a month outside 1..=12).
pub fn month_span(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The first and last day of a quarter (1..=4) of a year.
pub fn quarter_span(year: i32, quarter: u32) -> Option<(NaiveDate, NaiveDate)> {
    let (first, _) = month_span(year, quarter.checked_sub(1)? * 3 + 1)?;
    let (_, last) = month_span(year, quarter * 3)?;
    Some((first, last))
}

/// The quarter (1..=4) of a day.
pub fn quarter_of(day: NaiveDate) -> u32 {
    (day.month() - 1) / 3 + 1
}

/// A rule an inspection breaks: the field, a code of the field error catalogue, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field (`checklist[2].note`, …).
    pub field: String,
    /// The catalogue's code.
    pub code: &'static str,
    /// Why, in English.
    pub message: String,
}

fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// One entry of the checklist as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckFact {
    /// The item.
    pub item: ChecklistItem,
    /// Passed (true) or failed.
    pub passed: bool,
    /// Whether a note explains it.
    pub has_note: bool,
}

/// What the rules of an inspection look at, as it will be stored.
#[derive(Debug, Clone)]
pub struct InspectionFacts<'a> {
    pub kind: InspectionKind,
    pub held_on: NaiveDate,
    /// The inspected units (for a meeting: the units that attended).
    pub unit_ids: &'a [i64],
    pub checklist: &'a [CheckFact],
    pub rectification_required: bool,
    pub rectification_due: Option<NaiveDate>,
    pub rectification_done_on: Option<NaiveDate>,
    pub rectification_done_by: bool,
}

/// Every rule an inspection breaks on `today` (none: it may be stored).
///
/// - It happened: `held_on` is not after today.
/// - A spot check names the units whose system and duty were checked; an on-site inspection is
///   the visit of exactly one unit (visit several, record several), with every item of the
///   checklist exactly once, a failed item with a note; other kinds carry no checklist.
/// - Rectification: when required, a due day on or after `held_on`; done on a day between
///   `held_on` and today, by someone named; none of these when not required.
pub fn check(f: &InspectionFacts, today: NaiveDate) -> Vec<Invalid> {
    let mut out = Vec::new();
    if f.held_on > today {
        out.push(invalid(
            "held_on",
            "future",
            "an inspection is recorded once it has taken place",
        ));
    }
    let mut seen_units = std::collections::BTreeSet::new();
    for (i, unit) in f.unit_ids.iter().enumerate() {
        if !seen_units.insert(unit) {
            out.push(invalid(
                format!("unit_ids[{i}]"),
                "duplicate",
                "the unit is named twice",
            ));
        }
    }
    match f.kind {
        InspectionKind::SpotCheck if f.unit_ids.is_empty() => out.push(invalid(
            "unit_ids",
            "required",
            "name the units whose system and duty were checked",
        )),
        InspectionKind::OnSiteInspection if f.unit_ids.len() != 1 => out.push(invalid(
            "unit_ids",
            "invalid",
            "an on-site inspection is the visit of exactly one unit; record one inspection per unit visited",
        )),
        _ => {}
    }
    if f.kind == InspectionKind::OnSiteInspection {
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in f.checklist.iter().enumerate() {
            if !seen.insert(c.item) {
                out.push(invalid(
                    format!("checklist[{i}].item"),
                    "duplicate",
                    "the item is listed twice",
                ));
            }
            if !c.passed && !c.has_note {
                out.push(invalid(
                    format!("checklist[{i}].note"),
                    "required",
                    "say what was found wanting",
                ));
            }
        }
        use crate::domain::codes::CodeTable;
        let missing: Vec<&str> = ChecklistItem::ALL
            .iter()
            .filter(|item| !seen.contains(item))
            .map(|item| item.code())
            .collect();
        if !missing.is_empty() {
            out.push(invalid(
                "checklist",
                "incomplete",
                format!(
                    "an on-site inspection answers every item of the checklist; missing: {}",
                    missing.join(", ")
                ),
            ));
        }
    } else if !f.checklist.is_empty() {
        out.push(invalid(
            "checklist",
            "unexpected",
            "only an on-site inspection has a checklist",
        ));
    }
    if f.rectification_required {
        match f.rectification_due {
            None => out.push(invalid(
                "rectification_due",
                "required",
                "a required rectification has a due day",
            )),
            Some(due) if due < f.held_on => out.push(invalid(
                "rectification_due",
                "range",
                "the due day is on or after the day of the inspection",
            )),
            Some(_) => {}
        }
        match (f.rectification_done_on, f.rectification_done_by) {
            (Some(done), by) => {
                if done < f.held_on {
                    out.push(invalid(
                        "rectification_done_on",
                        "range",
                        "a rectification is done on or after the day of the inspection",
                    ));
                } else if done > today {
                    out.push(invalid(
                        "rectification_done_on",
                        "future",
                        "a rectification is recorded as done once it is done",
                    ));
                }
                if !by {
                    out.push(invalid(
                        "rectification_done_by",
                        "required",
                        "name who put it right",
                    ));
                }
            }
            (None, true) => out.push(invalid(
                "rectification_done_on",
                "required",
                "say on which day it was put right",
            )),
            (None, false) => {}
        }
    } else {
        for (present, field) in [
            (f.rectification_due.is_some(), "rectification_due"),
            (f.rectification_done_on.is_some(), "rectification_done_on"),
            (f.rectification_done_by, "rectification_done_by"),
        ] {
            if present {
                out.push(invalid(
                    field,
                    "unexpected",
                    "no rectification is required (set rectification_required)",
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::{assert_codes_match_serde, CodeTable};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn all_passed() -> Vec<CheckFact> {
        ChecklistItem::ALL
            .iter()
            .map(|item| CheckFact {
                item: *item,
                passed: true,
                has_note: false,
            })
            .collect()
    }

    fn facts<'a>(
        kind: InspectionKind,
        units: &'a [i64],
        checklist: &'a [CheckFact],
    ) -> InspectionFacts<'a> {
        InspectionFacts {
            kind,
            held_on: day("2023-03-07"),
            unit_ids: units,
            checklist,
            rectification_required: false,
            rectification_due: None,
            rectification_done_on: None,
            rectification_done_by: false,
        }
    }

    fn fields(v: &[Invalid]) -> Vec<(&str, &str)> {
        v.iter().map(|i| (i.field.as_str(), i.code)).collect()
    }

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<InspectionKind>();
        assert_codes_match_serde::<ChecklistItem>();
        assert_codes_match_serde::<RectificationStatus>();
        assert_codes_match_serde::<ComplianceStatus>();
        assert_eq!(ChecklistItem::ALL.len(), 9, "the plan's nine questions");
    }

    #[test]
    fn overdue_from_the_day_after_the_due_day() {
        let due = Some(day("2023-03-20"));
        let s = |today: &str| rectification_status(true, due, None, day(today));
        assert_eq!(s("2023-03-20"), RectificationStatus::Pending);
        assert_eq!(s("2023-03-21"), RectificationStatus::Overdue);
        assert_eq!(
            rectification_status(true, due, Some(day("2023-03-25")), day("2023-04-01")),
            RectificationStatus::Done
        );
        assert_eq!(
            rectification_status(false, None, None, day("2023-04-01")),
            RectificationStatus::NotRequired
        );
    }

    #[test]
    fn three_spot_checks_are_short_once_the_month_is_over() {
        let (first, last) = month_span(2023, 2).expect("february");
        assert_eq!(last, day("2023-02-28"));
        let s = |done, today: &str| period_status(done, 4, first, last, day(today));
        assert_eq!(s(3, "2023-03-01"), ComplianceStatus::Short);
        assert_eq!(s(3, "2023-02-28"), ComplianceStatus::InProgress);
        assert_eq!(s(4, "2023-02-10"), ComplianceStatus::Met);
        assert_eq!(s(0, "2023-01-31"), ComplianceStatus::NotStarted);
        assert_eq!(
            quarter_span(2023, 4),
            Some((day("2023-10-01"), day("2023-12-31")))
        );
        assert_eq!(quarter_of(day("2023-06-30")), 2);
        assert_eq!(
            worse(ComplianceStatus::Met, ComplianceStatus::Short),
            ComplianceStatus::Short
        );
        assert_eq!(
            worse(ComplianceStatus::InProgress, ComplianceStatus::Met),
            ComplianceStatus::InProgress
        );
    }

    #[test]
    fn an_on_site_inspection_answers_the_whole_checklist_for_one_unit() {
        let today = day("2023-04-01");
        let full = all_passed();
        assert!(check(&facts(InspectionKind::OnSiteInspection, &[4], &full), today).is_empty());
        let partial = &full[..7];
        let v = check(
            &facts(InspectionKind::OnSiteInspection, &[4, 5], partial),
            today,
        );
        assert_eq!(
            fields(&v),
            vec![("unit_ids", "invalid"), ("checklist", "incomplete")]
        );
        assert!(v[1]
            .message
            .contains("files_complete, follow_up_satisfaction"));
        let mut failed = full.clone();
        failed[2].passed = false;
        failed.push(full[0]);
        assert_eq!(
            fields(&check(
                &facts(InspectionKind::OnSiteInspection, &[4], &failed),
                today
            )),
            vec![
                ("checklist[2].note", "required"),
                ("checklist[9].item", "duplicate")
            ]
        );
        assert_eq!(
            fields(&check(&facts(InspectionKind::SpotCheck, &[], &full), today)),
            vec![("unit_ids", "required"), ("checklist", "unexpected")]
        );
        assert!(check(&facts(InspectionKind::MonthlyMeeting, &[], &[]), today).is_empty());
    }

    #[test]
    fn rectification_rules() {
        let today = day("2023-04-01");
        let mut f = facts(InspectionKind::SpotCheck, &[4], &[]);
        f.rectification_required = true;
        assert_eq!(
            fields(&check(&f, today)),
            vec![("rectification_due", "required")]
        );
        f.rectification_due = Some(day("2023-03-01"));
        f.rectification_done_on = Some(day("2023-04-02"));
        assert_eq!(
            fields(&check(&f, today)),
            vec![
                ("rectification_due", "range"),
                ("rectification_done_on", "future"),
                ("rectification_done_by", "required")
            ]
        );
        f.rectification_due = Some(day("2023-03-20"));
        f.rectification_done_on = Some(day("2023-03-19"));
        f.rectification_done_by = true;
        assert!(check(&f, today).is_empty());
        f.rectification_required = false;
        assert_eq!(
            fields(&check(&f, today)),
            vec![
                ("rectification_due", "unexpected"),
                ("rectification_done_on", "unexpected"),
                ("rectification_done_by", "unexpected")
            ]
        );
        let mut later = facts(InspectionKind::MonthlyMeeting, &[], &[]);
        later.held_on = day("2023-04-02");
        assert_eq!(fields(&check(&later, today)), vec![("held_on", "future")]);
    }
}
