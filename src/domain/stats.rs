//! Supervision figures (附件1 item 3, 附件2): progress against the annual targets, and the
//! groupings of the breakdowns. The rules here are pure: which aid applications count as cases,
//! what share of a target is expected by a day, when a unit is on track, how figures roll up a
//! tree of units.
//!
//! Rules, as the API documents them:
//!
//! - A consultation counts in the year (China time) in which it was received, for the unit that
//!   registered it, whatever its review state.
//! - An aid case counts for the year in which the application was received, for the legal aid
//!   centre that handles it (the target of 附件2 is the centre's), once aid was granted: its
//!   state is one of [`GRANTED`]. Applications record when aid was decided (`decided_at`), but
//!   the figures count by the day of reception, as the list's period filter does, so that the
//!   targets view and the lists agree case by case.
//! - The share expected by a day is the share of the year's working days (business calendar)
//!   that have passed, the day itself included; a past year expects 100%, a future year 0%; a
//!   current year whose holiday schedule is not published expects an unknown share.
//! - Satisfaction counts follow-ups completed in the year: satisfied answers over people
//!   reached who answered (the unreachable are not in the denominator), as
//!   `GET /follow-ups/satisfaction` counts them.
//! - A subtree's figures are the sums of its units' own figures (so totals equal the sum of
//!   their parts); its consultation and aid targets are its own plus its children's rolled-up
//!   targets (absent only when no unit of the subtree has one); its satisfaction rate is the
//!   weighted one (all satisfied over all reached); its satisfaction target is its own, else the
//!   highest of its children's.

use chrono::{Datelike, NaiveDate};

use crate::domain::aid::{AidState, DeadlineKind};
use crate::domain::calendar::BusinessCalendar;

crate::code_table! {
    /// How a consultation breakdown groups.
    pub enum ConsultationGroupBy as "stats_consultation_group_by" {
        /// The unit that registered it.
        Unit = "unit": "登记单位",
        /// The month received (China time).
        Month = "month": "月份",
        /// Each topic (a consultation with two topics counts under both).
        Topic = "topic": "咨询事项",
        /// The channel.
        Channel = "channel": "咨询方式",
        /// The kind of site.
        Site = "site": "服务地点类型",
        /// Each special group (a person of two groups counts under both; `none` for none).
        SpecialGroup = "special_group": "特殊群体",
        /// The outcome.
        Outcome = "outcome": "办理结果",
        /// The age group (`unknown` when not recorded).
        AgeGroup = "age_group": "年龄段",
    }
}

crate::code_table! {
    /// How an aid breakdown groups.
    pub enum AidGroupBy as "stats_aid_group_by" {
        /// The unit that received the application.
        Unit = "unit": "受理单位",
        /// The month received (China time).
        Month = "month": "月份",
        /// The state now.
        State = "state": "办理状态",
        /// The matter.
        Matter = "matter": "援助事项",
        /// On the green channel or not.
        GreenChannel = "green_channel": "绿色通道",
        /// Urgent aid (先行提供) or not.
        Urgent = "urgent": "先行提供",
        /// The step now under way, and whether its deadline has passed.
        StepTimeliness = "step_timeliness": "当前环节时限",
    }
}

crate::code_table! {
    /// Progress of a count against its target.
    pub enum ProgressStatus as "stats_progress" {
        /// Done at least the share expected by today.
        OnTrack = "on_track": "进度正常",
        /// Done less than the share expected by today.
        Behind = "behind": "进度滞后",
        /// No target is set.
        NoTarget = "no_target": "未设目标",
        /// The year's holiday schedule is not published: the expected share is unknown.
        Unknown = "unknown": "无法判断（当年节假日安排未发布）",
    }
}

crate::code_table! {
    /// Satisfaction against its target.
    pub enum SatisfactionStatus as "stats_satisfaction_status" {
        /// The rate reaches the target.
        Meets = "meets": "达标",
        /// The rate is below the target.
        Below = "below": "未达标",
        /// Nobody reached has answered yet.
        NoAnswers = "no_answers": "暂无回访结果",
        /// No target is set.
        NoTarget = "no_target": "未设目标",
    }
}

crate::code_table! {
    /// A yes-or-no group (green channel, urgent).
    pub enum Flag as "stats_flag" {
        /// Yes.
        Yes = "yes": "是",
        /// No.
        No = "no": "否",
    }
}

crate::code_table! {
    /// Groups of a breakdown that are no value of the column's own code table.
    pub enum OtherGroup as "stats_other_group" {
        /// No special group recorded.
        None = "none": "非特殊群体",
        /// Not recorded (age group).
        Unknown = "unknown": "未登记",
    }
}

crate::code_table! {
    /// The step an application is at, and whether its deadline has passed (as of now). Steps
    /// already taken are not in it: their dates are in the audit trail only, not in columns.
    pub enum StepTimeliness as "stats_step_timeliness" {
        /// Under review, within 7 days.
        ReviewOnTime = "review_on_time": "审查中（未超期）",
        /// Under review, past 7 days.
        ReviewLate = "review_late": "审查中（已超期）",
        /// Waiting for materials, within the reply period.
        MaterialsReplyOnTime = "materials_reply_on_time": "补充材料中（未超期）",
        /// Waiting for materials, past the reply period.
        MaterialsReplyLate = "materials_reply_late": "补充材料中（已超期）",
        /// Approved, assignment within 3 days.
        AssignmentOnTime = "assignment_on_time": "待指派（未超期）",
        /// Approved, assignment past 3 days.
        AssignmentLate = "assignment_late": "待指派（已超期）",
        /// An official notice, assignment within 3 days of it.
        NoticeAssignmentOnTime = "notice_assignment_on_time": "通知辩护待指派（未超期）",
        /// An official notice, assignment past 3 days.
        NoticeAssignmentLate = "notice_assignment_late": "通知辩护待指派（已超期）",
        /// Assigned, agreement within 5 days.
        AgreementOnTime = "agreement_on_time": "待签协议（未超期）",
        /// Assigned, agreement past 5 days.
        AgreementLate = "agreement_late": "待签协议（已超期）",
        /// Objection before the bureau, within 5 days.
        ObjectionOnTime = "objection_on_time": "异议审查中（未超期）",
        /// Objection before the bureau, past 5 days.
        ObjectionLate = "objection_late": "异议审查中（已超期）",
        /// Closed, the case file within 30 days.
        FilingOnTime = "filing_on_time": "待提交立卷材料（未超期）",
        /// Closed, the case file past 30 days.
        FilingLate = "filing_late": "待提交立卷材料（已超期）",
        /// Filed, the closing review within 30 days.
        ClosingReviewOnTime = "closing_review_on_time": "待结案审查（未超期）",
        /// Filed, the closing review past 30 days.
        ClosingReviewLate = "closing_review_late": "待结案审查（已超期）",
        /// A step with a deadline the calendar cannot compute (its year's schedule is missing).
        DeadlineUnknown = "deadline_unknown": "期限无法计算（节假日安排未发布）",
        /// No step with a deadline under way (in progress, decided, withdrawn, …).
        NoDeadline = "no_deadline": "当前无法定时限",
    }
}

/// The states in which aid was granted: the application counts as an aid case. A terminated
/// case was given aid before it ended (Law Art. 48), so it counts.
pub const GRANTED: &[AidState] = &[
    AidState::Approved,
    AidState::Assigned,
    AidState::AgreementSigned,
    AidState::InProgress,
    AidState::Closed,
    AidState::Filed,
    AidState::Terminated,
];

/// The group of a step under a deadline, on time or late.
pub fn timeliness(kind: DeadlineKind, late: bool) -> StepTimeliness {
    use DeadlineKind as K;
    use StepTimeliness as T;
    match (kind, late) {
        (K::Review, false) => T::ReviewOnTime,
        (K::Review, true) => T::ReviewLate,
        (K::MaterialsReply, false) => T::MaterialsReplyOnTime,
        (K::MaterialsReply, true) => T::MaterialsReplyLate,
        (K::Assignment, false) => T::AssignmentOnTime,
        (K::Assignment, true) => T::AssignmentLate,
        (K::NoticeAssignment, false) => T::NoticeAssignmentOnTime,
        (K::NoticeAssignment, true) => T::NoticeAssignmentLate,
        (K::Agreement, false) => T::AgreementOnTime,
        (K::Agreement, true) => T::AgreementLate,
        (K::Objection, false) => T::ObjectionOnTime,
        (K::Objection, true) => T::ObjectionLate,
        (K::Filing, false) => T::FilingOnTime,
        (K::Filing, true) => T::FilingLate,
        (K::ClosingReview, false) => T::ClosingReviewOnTime,
        (K::ClosingReview, true) => T::ClosingReviewLate,
    }
}

/// The share of a year's work expected by a day, as working days passed over working days of
/// the year (exact, so that comparisons need no rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `passed` of `total` working days.
    Share {
        /// Working days from 1 January to the day, both included.
        passed: i64,
        /// Working days of the year.
        total: i64,
    },
    /// The year's holiday schedule is not published.
    NoCalendar,
}

impl Expected {
    /// In percent, to one decimal (`None` when unknown).
    pub fn percent(self) -> Option<f64> {
        match self {
            Expected::Share { passed, total } if total > 0 => Some(percent(passed, total)),
            Expected::Share { .. } => Some(0.0),
            Expected::NoCalendar => None,
        }
    }
}

/// The share of `year` expected by `today`: all of a past year, none of a future one, and for
/// the current year the working days passed (today included) over the year's.
pub fn expected_share(year: i32, today: NaiveDate, calendar: &BusinessCalendar) -> Expected {
    if year < today.year() {
        return Expected::Share {
            passed: 1,
            total: 1,
        };
    }
    if year > today.year() {
        return Expected::Share {
            passed: 0,
            total: 1,
        };
    }
    if !calendar.covers(year) {
        return Expected::NoCalendar;
    }
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Expected::NoCalendar;
    };
    Expected::Share {
        passed: calendar.working_days(first, today).len() as i64,
        total: calendar.working_days(first, last).len() as i64,
    }
}

/// `part` over `whole` in percent, to one decimal (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// A count against its target by a day: on track when `done / target >= expected`.
pub fn progress(done: i64, target: Option<i64>, expected: Expected) -> ProgressStatus {
    let Some(target) = target else {
        return ProgressStatus::NoTarget;
    };
    match expected {
        Expected::NoCalendar => ProgressStatus::Unknown,
        Expected::Share { passed, total } => {
            // done / target >= passed / total, without division.
            if i128::from(done) * i128::from(total) >= i128::from(target) * i128::from(passed) {
                ProgressStatus::OnTrack
            } else {
                ProgressStatus::Behind
            }
        }
    }
}

/// Satisfaction against its target (tenths of a percent).
pub fn satisfaction_status(
    satisfied: i64,
    reached: i64,
    target_permille: Option<i32>,
) -> SatisfactionStatus {
    match target_permille {
        None => SatisfactionStatus::NoTarget,
        Some(_) if reached == 0 => SatisfactionStatus::NoAnswers,
        Some(t) if satisfied * 1000 >= i64::from(t) * reached => SatisfactionStatus::Meets,
        Some(_) => SatisfactionStatus::Below,
    }
}

/// The figures of a unit (its own) or of a subtree (rolled up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Consultations received in the year.
    pub consultations: i64,
    /// The consultation target.
    pub consultation_target: Option<i64>,
    /// Aid cases granted (received in the year).
    pub aid_cases: i64,
    /// The aid case target.
    pub aid_target: Option<i64>,
    /// People reached who answered a follow-up.
    pub reached: i64,
    /// Of those, satisfied.
    pub satisfied: i64,
    /// The satisfaction target, tenths of a percent.
    pub satisfaction_target: Option<i32>,
}

fn add(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// Rolls the units' own figures up the tree. `units` are (id, parent id, own figures); a
/// parent outside the list is ignored (the root of the subtree read). Answers each unit's
/// subtree figures, in the order given.
pub fn roll_up(units: &[(i64, Option<i64>, Tally)]) -> Vec<Tally> {
    use std::collections::HashMap;
    let index: HashMap<i64, usize> = units
        .iter()
        .enumerate()
        .map(|(i, (id, _, _))| (*id, i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    for (i, (_, parent, _)) in units.iter().enumerate() {
        if let Some(p) = parent.and_then(|p| index.get(&p)) {
            children[*p].push(i);
        }
    }
    // Children before parents: a post-order walk from each root, without recursion.
    let mut order = Vec::with_capacity(units.len());
    let mut seen = vec![false; units.len()];
    for (start, (_, parent, _)) in units.iter().enumerate() {
        let is_root = parent.and_then(|p| index.get(&p)).is_none();
        if !is_root {
            continue;
        }
        let mut stack = vec![(start, false)];
        while let Some((i, expanded)) = stack.pop() {
            if expanded {
                order.push(i);
            } else if !seen[i] {
                seen[i] = true;
                stack.push((i, true));
                stack.extend(children[i].iter().map(|c| (*c, false)));
            }
        }
    }
    let mut out: Vec<Tally> = units.iter().map(|(_, _, own)| *own).collect();
    for i in order {
        let mut sum = units[i].2;
        let mut child_target: Option<i32> = None;
        for c in &children[i] {
            let t = out[*c];
            sum.consultations += t.consultations;
            sum.consultation_target = add(sum.consultation_target, t.consultation_target);
            sum.aid_cases += t.aid_cases;
            sum.aid_target = add(sum.aid_target, t.aid_target);
            sum.reached += t.reached;
            sum.satisfied += t.satisfied;
            child_target = child_target.max(t.satisfaction_target);
        }
        sum.satisfaction_target = sum.satisfaction_target.or(child_target);
        out[i] = sum;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::{assert_codes_match_serde, CodeTable};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<ConsultationGroupBy>();
        assert_codes_match_serde::<AidGroupBy>();
        assert_codes_match_serde::<ProgressStatus>();
        assert_codes_match_serde::<SatisfactionStatus>();
        assert_codes_match_serde::<Flag>();
        assert_codes_match_serde::<OtherGroup>();
        assert_codes_match_serde::<StepTimeliness>();
    }

    #[test]
    fn expected_share_counts_working_days_and_knows_what_it_does_not_know() {
        let calendar = BusinessCalendar::published();
        // 2023: 249 working days (State Council schedule); 1 January to 6 January has 4
        // (the 2nd is a holiday, the 7th and 8th a weekend).
        assert_eq!(
            expected_share(2023, d(2023, 1, 6), &calendar),
            Expected::Share {
                passed: 4,
                total: 249
            }
        );
        assert_eq!(
            expected_share(2023, d(2023, 12, 31), &calendar).percent(),
            Some(100.0)
        );
        assert_eq!(
            expected_share(2022, d(2023, 5, 1), &calendar).percent(),
            Some(100.0)
        );
        assert_eq!(
            expected_share(2024, d(2023, 5, 1), &calendar).percent(),
            Some(0.0)
        );
        assert_eq!(
            expected_share(2023, d(2023, 5, 1), &BusinessCalendar::default()),
            Expected::NoCalendar
        );
    }

    #[test]
    fn progress_compares_exactly() {
        let half = Expected::Share {
            passed: 1,
            total: 2,
        };
        assert_eq!(progress(50, Some(100), half), ProgressStatus::OnTrack);
        assert_eq!(progress(49, Some(100), half), ProgressStatus::Behind);
        assert_eq!(progress(0, None, half), ProgressStatus::NoTarget);
        assert_eq!(
            progress(0, Some(1), Expected::NoCalendar),
            ProgressStatus::Unknown
        );
        assert_eq!(
            satisfaction_status(19, 20, Some(950)),
            SatisfactionStatus::Meets
        );
        assert_eq!(
            satisfaction_status(18, 20, Some(950)),
            SatisfactionStatus::Below
        );
        assert_eq!(
            satisfaction_status(0, 0, Some(950)),
            SatisfactionStatus::NoAnswers
        );
        assert_eq!(
            satisfaction_status(1, 1, None),
            SatisfactionStatus::NoTarget
        );
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
    }

    #[test]
    fn a_subtree_is_the_sum_of_its_parts_and_rates_are_weighted() {
        let t = |c, ct, reached, satisfied, st| Tally {
            consultations: c,
            consultation_target: ct,
            aid_cases: 0,
            aid_target: None,
            reached,
            satisfied,
            satisfaction_target: st,
        };
        // county (1) → town A (2) → village (4); county → town B (3).
        let units = vec![
            (1, None, t(10, Some(100), 0, 0, None)),
            (2, Some(1), t(20, Some(200), 10, 10, Some(950))),
            (3, Some(1), t(30, None, 90, 45, Some(900))),
            (4, Some(2), t(5, None, 0, 0, None)),
        ];
        let rolled = roll_up(&units);
        assert_eq!(rolled[3], units[3].2);
        assert_eq!(rolled[1].consultations, 25);
        assert_eq!(rolled[1].consultation_target, Some(200));
        assert_eq!(rolled[0].consultations, 65);
        assert_eq!(rolled[0].consultation_target, Some(300));
        assert_eq!((rolled[0].reached, rolled[0].satisfied), (100, 55));
        // Weighted: 55 of 100, not the average of 100% and 50%.
        assert_eq!(percent(rolled[0].satisfied, rolled[0].reached), 55.0);
        assert_eq!(rolled[0].satisfaction_target, Some(950));
        assert_eq!(ProgressStatus::ALL.len(), 4);
    }
}
