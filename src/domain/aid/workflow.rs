//! The workflow as data: the table of allowed transitions with the condition of each row, the
//! periods the law sets with the articles that set them, and the time limits a step must keep.

use chrono::{DateTime, NaiveDate, Utc};

use super::{AidAction, AidState, DeadlineKind, GREEN_TARGET_WORKING_DAYS};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::CodeTable;
use crate::domain::message::Message;
use crate::domain::periods::{self, Due, NoCalendar};

/// Days an applicant has to object to a refusal or a termination, counted from the day the
/// decision was served (the deployment may set its own: `HUIMIN_OBJECTION_DAYS`).
pub const OBJECTION_DAYS: u32 = 15;
/// The rule that sets [`OBJECTION_DAYS`].
pub const OBJECTION_BASIS: &str =
    "《法律援助法》第四十九条；山西省规定自收到决定之日起十五日内向设立法律援助机构的司法行政部门提出";

/// Years after closing during which a provider's cases (and its organisation's) count in the
/// conflict check of an assignment (the deployment may set its own: `HUIMIN_CONFLICT_YEARS`).
pub const CONFLICT_YEARS: u32 = 3;

/// When a row of [`TRANSITIONS`] applies, besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Always.
    Always,
    /// An application (not an official notice): it is accepted and reviewed.
    Applied,
    /// An official notice (通知辩护, Law Art. 25, 36): the centre assigns on the notice, with no
    /// review and no means test.
    Notice,
    /// Urgent aid (先行提供, Law Art. 44): assigned before the decision.
    Urgent,
    /// Urgent aid assigned and still awaiting its decision, which follows the assignment
    /// (approve: aid continues; reject: aid is terminated).
    AwaitingDecision,
    /// The decision is made (urgent aid is closed only once decided).
    Decided,
    /// No materials notice yet: missing materials are asked for once (一次性告知).
    FirstNotice,
    /// The filed case has had no closing review yet: it is reviewed once.
    NotReviewed,
}

/// Where an application stands: what the table and the periods look at.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// The state.
    pub state: AidState,
    /// Urgent aid (先行提供).
    pub urgent: bool,
    /// An official notice (通知辩护).
    pub notice: bool,
    /// Whether aid was decided (approved, ordered on objection, or assigned on a notice).
    pub decided: bool,
    /// Whether a materials notice was ever given.
    pub materials_asked: bool,
    /// Whether the centre reviewed the filed case (结案审查).
    pub reviewed: bool,
    /// After a termination: the state aid resumes in when the objection to it is upheld.
    pub resume: Option<AidState>,
    /// When the application was received.
    pub received_at: DateTime<Utc>,
    /// When the current state was entered.
    pub state_entered_at: DateTime<Utc>,
    /// Days the review period stood still for the materials notice.
    pub review_paused_days: u32,
    /// The reply deadline of an open materials notice (the end of its last day).
    pub materials_due_at: Option<DateTime<Utc>>,
}

impl Guard {
    /// Whether the condition holds for an application.
    pub fn holds(self, s: &Standing) -> bool {
        match self {
            Guard::Always => true,
            Guard::Applied => !s.notice,
            Guard::Notice => s.notice,
            Guard::Urgent => s.urgent && !s.notice,
            Guard::AwaitingDecision => s.urgent && !s.decided,
            Guard::Decided => s.decided,
            Guard::FirstNotice => !s.materials_asked,
            Guard::NotReviewed => !s.reviewed,
        }
    }

    fn refusal(self, action: AidAction, s: &Standing) -> Message {
        match self {
            Guard::Always => Message::new("allowed", "允许"),
            Guard::Applied => Message::new(
                "an official notice (通知辩护) is assigned on the notice, without acceptance or review",
                "通知辩护案件收到通知后直接指派，不经受理审查",
            ),
            Guard::Notice => Message::new(
                "only an official notice (通知辩护) is assigned without acceptance",
                "只有通知辩护案件不经受理直接指派",
            ),
            Guard::Urgent => Message::new(
                format!(
                    "only urgent aid (先行提供) is assigned before approval; the application is {}",
                    s.state.code()
                ),
                format!(
                    "只有先行提供法律援助的案件才在批准前指派；本申请当前为{}",
                    s.state.label()
                ),
            ),
            Guard::AwaitingDecision => Message::new(
                format!(
                    "`{}` after assignment is the decision on urgent aid given before review; this case is not awaiting one",
                    action.code()
                ),
                format!(
                    "指派后的“{}”仅用于先行提供法律援助后的补充审查决定；本案无待作出的决定",
                    action.label()
                ),
            ),
            Guard::Decided => Message::new(
                "urgent aid given before review is decided (approve or reject) before the case is closed",
                "先行提供法律援助的案件须先补办审查决定，方可结案",
            ),
            Guard::NotReviewed => Message::new(
                "the closing review of this case is done; it is reviewed once",
                "本案已作结案审查，不得重复审查",
            ),
            Guard::FirstNotice => Message::new(
                "missing materials are asked for once, in one notice (一次性告知); this application had its notice",
                "补充材料应一次性告知，本申请已告知过，不得再次要求补充",
            ),
        }
    }
}

/// The table of allowed transitions: (from, action, to, condition). An objection upheld against
/// a termination resumes aid in the state it was terminated from (see [`transition`]).
pub const TRANSITIONS: &[(AidState, AidAction, AidState, Guard)] = {
    use AidAction as A;
    use AidState as S;
    use Guard as G;
    &[
        (S::Submitted, A::Accept, S::Accepted, G::Applied),
        (S::Submitted, A::Assign, S::Assigned, G::Notice),
        (S::Submitted, A::Withdraw, S::Withdrawn, G::Always),
        (
            S::Accepted,
            A::RequestMaterials,
            S::MaterialsRequested,
            G::FirstNotice,
        ),
        (S::Accepted, A::Approve, S::Approved, G::Always),
        (S::Accepted, A::Reject, S::Rejected, G::Always),
        (S::Accepted, A::Assign, S::Assigned, G::Urgent),
        (S::Accepted, A::Withdraw, S::Withdrawn, G::Always),
        (
            S::MaterialsRequested,
            A::ReceiveMaterials,
            S::Accepted,
            G::Always,
        ),
        (S::MaterialsRequested, A::Withdraw, S::Withdrawn, G::Always),
        (S::Approved, A::Assign, S::Assigned, G::Always),
        (S::Approved, A::Withdraw, S::Withdrawn, G::Always),
        (S::Rejected, A::Object, S::Objection, G::Always),
        (S::Objection, A::UpholdObjection, S::Approved, G::Always),
        (
            S::Objection,
            A::DismissObjection,
            S::ObjectionDismissed,
            G::Always,
        ),
        (S::Assigned, A::Approve, S::Assigned, G::AwaitingDecision),
        (S::Assigned, A::Reject, S::Terminated, G::AwaitingDecision),
        (S::Assigned, A::SignAgreement, S::AgreementSigned, G::Always),
        (S::Assigned, A::Terminate, S::Terminated, G::Always),
        (S::Assigned, A::ChangeProvider, S::Assigned, G::Always),
        (
            S::AgreementSigned,
            A::Approve,
            S::AgreementSigned,
            G::AwaitingDecision,
        ),
        (
            S::AgreementSigned,
            A::Reject,
            S::Terminated,
            G::AwaitingDecision,
        ),
        (S::AgreementSigned, A::Start, S::InProgress, G::Always),
        (S::AgreementSigned, A::Terminate, S::Terminated, G::Always),
        (
            S::AgreementSigned,
            A::ChangeProvider,
            S::Assigned,
            G::Always,
        ),
        (
            S::InProgress,
            A::Approve,
            S::InProgress,
            G::AwaitingDecision,
        ),
        (S::InProgress, A::Reject, S::Terminated, G::AwaitingDecision),
        (S::InProgress, A::Close, S::Closed, G::Decided),
        (S::InProgress, A::Terminate, S::Terminated, G::Always),
        (S::InProgress, A::ChangeProvider, S::Assigned, G::Always),
        (S::Terminated, A::Object, S::Objection, G::Always),
        (S::Closed, A::File, S::Filed, G::Always),
        (S::Filed, A::Review, S::Filed, G::NotReviewed),
    ]
};

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    /// The current state.
    pub state: AidState,
    /// The action tried.
    pub action: AidAction,
    /// The actions allowed now.
    pub allowed: Vec<AidAction>,
    /// Why, in words.
    pub reason: Message,
}

/// The actions allowed for an application now.
pub fn allowed_actions(s: &Standing) -> Vec<AidAction> {
    let mut out: Vec<AidAction> = TRANSITIONS
        .iter()
        .filter(|(from, _, _, guard)| *from == s.state && guard.holds(s))
        .map(|(_, action, _, _)| *action)
        .collect();
    out.dedup();
    out
}

/// The actions allowed for an application at `now`: those of the table, less a reply to a
/// materials notice whose date has passed (the application is then deemed withdrawn: the
/// officer withdraws it).
pub fn allowed_actions_at(s: &Standing, now: DateTime<Utc>) -> Vec<AidAction> {
    let late = s.materials_due_at.is_some_and(|due| now >= due);
    allowed_actions(s)
        .into_iter()
        .filter(|a| !(late && *a == AidAction::ReceiveMaterials))
        .collect()
}

/// The state an action leads to, or why it may not be taken now.
pub fn transition(s: &Standing, action: AidAction) -> Result<AidState, IllegalTransition> {
    let rows: Vec<&(AidState, AidAction, AidState, Guard)> = TRANSITIONS
        .iter()
        .filter(|(from, a, _, _)| *from == s.state && *a == action)
        .collect();
    if let Some((_, _, to, _)) = rows.iter().find(|(_, _, _, guard)| guard.holds(s)) {
        return Ok(match (action, s.resume) {
            (AidAction::UpholdObjection, Some(resume)) => resume,
            _ => *to,
        });
    }
    Err(IllegalTransition {
        reason: match rows.first() {
            Some((_, _, _, guard)) => guard.refusal(action, s),
            None => Message::new(
                format!(
                    "`{}` is not allowed while the application is {} ({})",
                    action.code(),
                    s.state.code(),
                    s.state.label()
                ),
                format!(
                    "申请当前为{}，不能执行“{}”（{}）",
                    s.state.label(),
                    action.label(),
                    action.code()
                ),
            ),
        },
        state: s.state,
        action,
        allowed: allowed_actions(s),
    })
}

/// Whether the intake of an application may still be corrected (its applicant, matter, hardship
/// ground, urgency, safe contact): only before the decision, while it is received, accepted or
/// waiting for materials (and not past the materials notice's date: it is then deemed withdrawn). Afterwards the decision stands on what was recorded, and a wrong fact
/// is a ground to terminate (Art. 48) or to decide an objection, never an edit.
pub fn check_correctable(s: &Standing, now: DateTime<Utc>) -> Result<(), Message> {
    use AidState as S;
    let before_decision =
        matches!(s.state, S::Submitted | S::Accepted | S::MaterialsRequested) && !s.decided;
    if s.state == S::MaterialsRequested && s.materials_due_at.is_some_and(|due| now >= due) {
        return Err(Message::new(
            "the materials notice went unanswered past its date: the application is deemed withdrawn (视为撤回), and its intake is no longer corrected",
            "补充材料期限已过，视为撤回申请，不再更正受理信息",
        ));
    }
    if before_decision {
        Ok(())
    } else {
        Err(Message::new(
            format!(
                "the intake is corrected only before the decision; the application is {}",
                s.state.code()
            ),
            format!(
                "受理信息只能在作出决定前更正；本申请当前为{}",
                s.state.label()
            ),
        ))
    }
}

/// A period of the workflow: how many days, and the rule that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// Its length in days.
    pub days: u32,
    /// The rule that sets it.
    pub basis: &'static str,
}

/// The periods of the workflow, with the rules that set them.
pub const PERIODS: &[Period] = &[
    Period {
        kind: DeadlineKind::Review,
        days: 7,
        basis: "《法律援助法》第四十三条：自收到申请之日起七日内审查决定；补充材料的时间不计入。先行提供的（第四十四条），事后补办审查决定",
    },
    Period {
        kind: DeadlineKind::Assignment,
        days: 3,
        basis: "《法律援助法》第四十三条：决定给予法律援助的，自作出决定之日起三日内指派",
    },
    Period {
        kind: DeadlineKind::NoticeAssignment,
        days: 3,
        basis: "《法律援助法》第三十六条：法律援助机构收到办案机关通知后，三日内指派律师并通知办案机关",
    },
    Period {
        kind: DeadlineKind::Agreement,
        days: 5,
        basis: "《办理法律援助案件程序规定》：自指派之日起五日内与受援人签订委托协议",
    },
    Period {
        kind: DeadlineKind::Objection,
        days: 5,
        basis: "《法律援助法》第四十九条：司法行政部门自收到异议之日起五日内审查",
    },
    Period {
        kind: DeadlineKind::Filing,
        days: 30,
        basis: "《办理法律援助案件程序规定》：法律援助人员自结案之日起三十日内向法律援助机构提交立卷材料",
    },
    Period {
        kind: DeadlineKind::ClosingReview,
        days: 30,
        basis: "《办理法律援助案件程序规定》：法律援助机构自收到立卷材料之日起三十日内审查，并按规定支付办案补贴（《法律援助法》第五十二条）",
    },
];

/// The period of a deadline (the materials reply has none of its own: each notice sets it).
pub fn period(kind: DeadlineKind) -> Option<&'static Period> {
    PERIODS.iter().find(|p| p.kind == kind)
}

/// The periods running for an application now, with when each falls due (or why that cannot
/// be known: a year without a calendar): its state's own period, and for urgent aid assigned
/// before its decision also the decision's (the review period, which runs on).
pub fn running_periods(
    s: &Standing,
    calendar: &BusinessCalendar,
) -> Vec<(DeadlineKind, Result<Due, NoCalendar>)> {
    use AidState as S;
    use DeadlineKind as K;
    let after = |kind: DeadlineKind, start: DateTime<Utc>, paused: u32| {
        period(kind).map(|p| (kind, periods::due_after(start, p.days, paused, calendar)))
    };
    let review = || after(K::Review, s.received_at, s.review_paused_days);
    let awaiting = s.urgent && !s.decided;
    let own = match s.state {
        S::Submitted if s.notice => after(K::NoticeAssignment, s.received_at, 0),
        S::Submitted | S::Accepted => review(),
        S::MaterialsRequested => s
            .materials_due_at
            .map(|at| (K::MaterialsReply, Ok(Due::ending_at(at)))),
        S::Approved => after(K::Assignment, s.state_entered_at, 0),
        S::Assigned => after(K::Agreement, s.state_entered_at, 0),
        S::Objection => after(K::Objection, s.state_entered_at, 0),
        S::Closed => after(K::Filing, s.state_entered_at, 0),
        S::Filed if !s.reviewed => after(K::ClosingReview, s.state_entered_at, 0),
        _ => None,
    };
    let decision = match s.state {
        S::Assigned | S::AgreementSigned | S::InProgress if awaiting => review(),
        _ => None,
    };
    own.into_iter().chain(decision).collect()
}

/// The deadline an application is under now, if any, and when it falls due (or why that cannot
/// be known). When two run at once (urgent aid assigned before its decision: the agreement and
/// the decision), the earlier one.
pub fn current_deadline(
    s: &Standing,
    calendar: &BusinessCalendar,
) -> Option<(DeadlineKind, Result<Due, NoCalendar>)> {
    running_periods(s, calendar).into_iter().reduce(earlier)
}

/// The step that completes each period: the period is met when that step is taken before it
/// ends. (A period that ends otherwise, by withdrawal or termination, or a materials notice
/// that pauses the review, is not completed.)
pub const COMPLETED_BY: &[(DeadlineKind, &[AidAction])] = &[
    (
        DeadlineKind::Review,
        &[AidAction::Approve, AidAction::Reject],
    ),
    (DeadlineKind::MaterialsReply, &[AidAction::ReceiveMaterials]),
    (DeadlineKind::Assignment, &[AidAction::Assign]),
    (DeadlineKind::NoticeAssignment, &[AidAction::Assign]),
    (DeadlineKind::Agreement, &[AidAction::SignAgreement]),
    (
        DeadlineKind::Objection,
        &[AidAction::UpholdObjection, AidAction::DismissObjection],
    ),
    (DeadlineKind::Filing, &[AidAction::File]),
    (DeadlineKind::ClosingReview, &[AidAction::Review]),
];

/// A period completed by a step, and whether the step kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodKept {
    /// Which period.
    pub kind: DeadlineKind,
    /// When it fell due (or why that is not known).
    pub due: Result<Due, NoCalendar>,
    /// Whether the step was taken by then (unknown when the due date is).
    pub met: Option<bool>,
}

/// The period that `action`, taken at `at` on an application standing as `s`, completes, if
/// one of the periods running is completed by it.
pub fn period_kept(
    s: &Standing,
    action: AidAction,
    at: DateTime<Utc>,
    calendar: &BusinessCalendar,
) -> Option<PeriodKept> {
    running_periods(s, calendar)
        .into_iter()
        .find(|(kind, _)| {
            COMPLETED_BY
                .iter()
                .any(|(k, actions)| k == kind && actions.contains(&action))
        })
        .map(|(kind, due)| PeriodKept {
            kind,
            met: due.as_ref().ok().map(|d| d.met_by(at)),
            due,
        })
}

/// The earlier of two deadlines; one whose date is unknown is shown (it may be the earlier).
fn earlier(
    a: (DeadlineKind, Result<Due, NoCalendar>),
    b: (DeadlineKind, Result<Due, NoCalendar>),
) -> (DeadlineKind, Result<Due, NoCalendar>) {
    match (&a.1, &b.1) {
        (Ok(x), Ok(y)) if y.at < x.at => b,
        (Ok(_), Err(_)) => b,
        _ => a,
    }
}

/// The green channel's internal target for the current step: the end of the next working day
/// after the step began (China time), for the steps the centre acts on.
pub fn green_target(
    state: AidState,
    entered_on: NaiveDate,
    calendar: &BusinessCalendar,
) -> Option<NaiveDate> {
    use AidState as S;
    if !matches!(
        state,
        S::Submitted | S::Accepted | S::Approved | S::Assigned | S::Objection
    ) {
        return None;
    }
    let mut day = entered_on;
    let mut left = GREEN_TARGET_WORKING_DAYS;
    while left > 0 {
        day = day.succ_opt()?;
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    Some(day)
}

/// The last moment to object to a decision served on `served_on`: the end of the last day of
/// `days` days (rolled past rest days), or, when the calendar lacks that year, the end of the
/// last day unrolled (the earliest the window can end; later than that it cannot be known).
pub fn objection_window(
    served_on: NaiveDate,
    days: u32,
    calendar: &BusinessCalendar,
) -> Result<Due, NoCalendar> {
    periods::due(served_on, days, 0, calendar)
}

/// The time limits a step must keep besides the table: a materials reply within its date (a
/// late one is refused: the application is deemed withdrawn), an objection within its window.
pub fn check_timing(
    s: &Standing,
    action: AidAction,
    now: DateTime<Utc>,
    objection: Option<(NaiveDate, u32)>,
    calendar: &BusinessCalendar,
) -> Result<(), Message> {
    match action {
        AidAction::ReceiveMaterials => match s.materials_due_at {
            Some(due) if now >= due => Err(Message::new(
                format!(
                    "the materials came after their date ({}): the application is deemed withdrawn (视为撤回); withdraw it",
                    periods::china_date(due - chrono::Duration::seconds(1))
                ),
                format!(
                    "补充材料期限（{}）已过，视为撤回申请，应作撤回处理",
                    periods::china_date(due - chrono::Duration::seconds(1))
                ),
            )),
            _ => Ok(()),
        },
        AidAction::Object => {
            let (served_on, days) =
                objection.unwrap_or((periods::china_date(s.state_entered_at), OBJECTION_DAYS));
            let passed = Message::new(
                format!(
                    "an objection is made within {days} days of the decision being served ({served_on}); that time has passed"
                ),
                format!("异议应自收到决定之日（{served_on}）起{days}日内提出，已逾期"),
            );
            match objection_window(served_on, days, calendar) {
                Ok(due) if now < due.at => Ok(()),
                Ok(_) => Err(passed),
                // The holidays of the last day's year are unknown: within the unrolled days it
                // is surely in time; after them it cannot be known.
                Err(missing) => {
                    let unrolled = served_on
                        .checked_add_days(chrono::Days::new(u64::from(days)))
                        .map(periods::end_of_day);
                    if unrolled.is_some_and(|end| now < end) {
                        Ok(())
                    } else {
                        Err(missing.message())
                    }
                }
            }
        }
        _ => Ok(()),
    }
}
