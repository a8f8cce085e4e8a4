//! The demo's aid applications: about seventy a year (附件2), most of them special-group cases
//! on the green channel (migrant workers' wages, support for the elderly and minors, work
//! injuries, domestic violence), received at the legal aid centre or on its behalf by a township
//! office, each driven through the workflow by the store's own `act` at the times of its story —
//! so that every state of [`AidState`](crate::domain::aid::AidState) is present today, with a few
//! steps late on purpose, urgent aid assigned before review, materials requested, objections.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::applicants::application;
use super::rng::Rng;
use super::roster::Roster;
use super::year::{add_working_days, at, next_working, working_days_before, Story};
use crate::db::DbConnection;
use crate::domain::aid::{
    self, AidAction, ClosingOutcome, QualityGrade, StepInput, TerminationGround, UrgentGround,
};
use crate::domain::calendar::BusinessCalendar;
use crate::error::ApiError;
use crate::precondition::IfMatch;
use crate::store::aid::{self as store, AidRow, ApplicantRow, Reader};
use crate::store::idempotency::Idempotency;

/// Applications received over the year besides the ones that show each open state today.
const REGULAR: usize = 58;

/// A step of a case's story: when, and what (none: the application is received).
#[derive(Debug, Clone)]
pub struct Step {
    pub at: NaiveDateTime,
    pub action: Option<AidAction>,
    pub input: StepInput,
}

/// An application and its story.
#[derive(Debug, Clone)]
pub struct Case {
    pub row: AidRow,
    pub applicant: ApplicantRow,
    pub steps: Vec<Step>,
}

use AidAction as A;

/// A way a case goes: (action, working days after receipt).
type Path = &'static [(A, i64)];

/// The ways a case goes, as (action, working days after receipt) — the regular cases draw the
/// days again around these.
const STANDARD: &[(A, i64)] = &[
    (A::Accept, 1),
    (A::Approve, 4),
    (A::Assign, 6),
    (A::SignAgreement, 8),
    (A::Start, 9),
    (A::Close, 70),
    (A::File, 80),
    (A::Review, 88),
];
const GREEN: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::Approve, 1),
    (A::Assign, 2),
    (A::SignAgreement, 3),
    (A::Start, 4),
    (A::Close, 50),
    (A::File, 58),
    (A::Review, 63),
];
/// Urgent aid (先行提供): assigned on the day, the decision and its papers follow.
const URGENT: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::Assign, 0),
    (A::SignAgreement, 1),
    (A::Approve, 2),
    (A::Start, 2),
    (A::Close, 45),
    (A::File, 55),
    (A::Review, 60),
];
const MATERIALS: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::RequestMaterials, 2),
    (A::ReceiveMaterials, 8),
    (A::Approve, 10),
    (A::Assign, 12),
    (A::SignAgreement, 14),
    (A::Start, 15),
    (A::Close, 80),
    (A::File, 90),
    (A::Review, 96),
];
const LAPSED: &[(A, i64)] = &[(A::Accept, 0), (A::RequestMaterials, 2), (A::Withdraw, 16)];
const WITHDRAWN: &[(A, i64)] = &[(A::Withdraw, 2)];
const REJECTED: &[(A, i64)] = &[(A::Accept, 0), (A::Reject, 4)];
const DISMISSED: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::Reject, 4),
    (A::Object, 10),
    (A::DismissObjection, 13),
];
const UPHELD: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::Reject, 4),
    (A::Object, 9),
    (A::UpholdObjection, 12),
    (A::Assign, 14),
    (A::SignAgreement, 16),
    (A::Start, 17),
    (A::Close, 80),
    (A::File, 92),
    (A::Review, 99),
];
const TERMINATED: &[(A, i64)] = &[
    (A::Accept, 0),
    (A::Approve, 3),
    (A::Assign, 4),
    (A::SignAgreement, 6),
    (A::Start, 7),
    (A::Terminate, 30),
];
/// Review and assignment both late (7 and 3 natural days).
const LATE: &[(A, i64)] = &[
    (A::Accept, 1),
    (A::Approve, 9),
    (A::Assign, 14),
    (A::SignAgreement, 16),
    (A::Start, 17),
    (A::Close, 70),
    (A::File, 84),
    (A::Review, 90),
];

/// The cases that show each open state today: (working days before today received, the
/// steps taken, urgent), steps at their nominal days (those after yesterday not yet taken).
const SHOWCASE: &[(i64, Path, bool)] = &[
    (1, &[], false),                                                // submitted
    (3, &[(A::Accept, 0)], false),                                  // accepted
    (9, &[(A::Accept, 1)], false),                                  // accepted, review late
    (5, &[(A::Accept, 0), (A::RequestMaterials, 2)], false),        // materials requested
    (3, &[(A::Accept, 0), (A::Approve, 2)], false),                 // approved
    (8, &[(A::Accept, 0), (A::Approve, 2)], false),                 // approved, assignment late
    (4, &[(A::Accept, 0), (A::Approve, 1), (A::Assign, 2)], false), // assigned
    (
        6,
        &[
            (A::Accept, 0),
            (A::Approve, 1),
            (A::Assign, 2),
            (A::SignAgreement, 4),
        ],
        false,
    ),
    (12, &[(A::Accept, 0), (A::Reject, 3), (A::Object, 9)], false), // objection
    (7, &[(A::Accept, 0), (A::Reject, 4)], false),                  // rejected
    (
        10,
        &[
            (A::Accept, 0),
            (A::Assign, 0),
            (A::SignAgreement, 1),
            (A::Approve, 2),
            (A::Start, 2),
        ],
        true,
    ),
    // Urgent aid assigned yesterday, its decision still to come.
    (1, &[(A::Accept, 0), (A::Assign, 0)], true),
    // Closed, the case file not yet handed in.
    (75, STANDARD, false),
    // Filed, the closing review still to come.
    (84, STANDARD, false),
    (45, DISMISSED, false),
    (60, TERMINATED, false),
    (40, LAPSED, false),
    (30, WITHDRAWN, false),
    (120, STANDARD, false),
    (90, UPHELD, false),
];

/// The year's cases, in the order they are received.
pub fn plan(
    roster: &Roster,
    calendar: &BusinessCalendar,
    first: NaiveDate,
    today: NaiveDate,
    rng: &Rng,
) -> Vec<Case> {
    let mut cases = Vec::new();
    for i in 0..REGULAR {
        let mut r = rng.fork(i as u64);
        let span = (today - first).num_days() - 2;
        let day = next_working(calendar, first + Duration::days(r.range(0, span)));
        let (row, applicant) = application(&mut r, roster, day);
        let urgent = row.urgent;
        let path: &[(A, i64)] = if urgent {
            URGENT
        } else {
            r.weighted(&[
                (if row.green_channel { GREEN } else { STANDARD }, 52),
                (MATERIALS, 10),
                (LAPSED, 3),
                (WITHDRAWN, 4),
                (REJECTED, 6),
                (DISMISSED, 3),
                (UPHELD, 2),
                (TERMINATED, 5),
                (LATE, 5),
            ])
        };
        // Regular cases take their steps a little sooner or later than nominal; the case file
        // follows the closing by one to four weeks.
        let mut steps: Vec<(A, i64)> = Vec::new();
        for (a, d) in path {
            let d = match (a, steps.last()) {
                (A::File, Some((_, closed))) => closed + r.range(5, 20),
                (A::Review, Some((_, filed))) => filed + r.range(2, 15),
                (_, _) if *d >= 30 => d + r.range(-20, 60),
                _ => *d,
            };
            steps.push((*a, d));
        }
        cases.push(story(&mut r, roster, calendar, row, applicant, day, &steps));
    }
    for (i, (back, steps, urgent)) in SHOWCASE.iter().enumerate() {
        let mut r = rng.fork(1000 + i as u64);
        let day = working_days_before(calendar, today, *back);
        let (mut row, applicant) = application(&mut r, roster, day);
        row.urgent = *urgent;
        row.urgent_ground = urgent.then_some(UrgentGround::DeadlineWithinSevenDays);
        cases.push(story(&mut r, roster, calendar, row, applicant, day, steps));
    }
    cases.sort_by_key(|c| c.steps[0].at);
    cases
}

/// Takes step `s` of case `c`: receives it (step 0) or acts on it, at the story's time.
pub fn step(
    tx: &mut DbConnection,
    story: &mut Story,
    cases: &[Case],
    c: usize,
    s: usize,
) -> Result<(), ApiError> {
    let case = &cases[c];
    let step = &case.steps[s];
    let county = story.county;
    match (step.action, story.aid_ids[c]) {
        (None, _) => {
            let (app, _) = store::create(
                tx,
                story.actor,
                county,
                case.row.clone(),
                case.applicant.clone(),
                None,
                &(),
                &Idempotency::default(),
            )?;
            story.aid_ids[c] = Some(app.row.id);
            story.summary.aid_applications += 1;
        }
        (Some(action), Some(id)) => {
            let settings = crate::config::Settings::default();
            let reader = Reader::Cases(county);
            let any = IfMatch::any();
            store::act(
                tx,
                story.actor,
                reader,
                id,
                &any,
                action,
                &step.input,
                &settings,
            )?;
            story.summary.aid_steps += 1;
        }
        (Some(_), None) => {
            return Err(ApiError::Internal(format!(
                "demo case {c} acted on before received"
            )))
        }
    }
    Ok(())
}

fn story(
    r: &mut Rng,
    roster: &Roster,
    calendar: &BusinessCalendar,
    row: AidRow,
    applicant: ApplicantRow,
    day: NaiveDate,
    path: &[(A, i64)],
) -> Case {
    let received = at(day, r.range(9, 15) as u32, r.range(0, 59) as u32);
    let mut steps = vec![Step {
        at: received,
        action: None,
        input: StepInput::default(),
    }];
    let mut last = received;
    // A materials request needs the calendar of its reply deadline's year; without it, the
    // case goes the standard way.
    let path = match path.iter().any(|(a, _)| *a == A::RequestMaterials)
        && !calendar.covers((day + Duration::days(30)).year())
    {
        true => STANDARD,
        false => path,
    };
    let mut prev = None;
    for (action, days) in path {
        let on = add_working_days(calendar, day, *days);
        let mut when = at(on, 9, r.range(0, 120) as u32);
        if when <= last {
            when = last + Duration::minutes(r.range(20, 90));
        }
        last = when;
        steps.push(Step {
            at: when,
            action: Some(*action),
            input: input(r, roster, *action, prev),
        });
        prev = Some(*action);
    }
    let mut row = row;
    row.received_at = received;
    row.state_entered_at = received;
    row.created_at = received;
    row.updated_at = received;
    Case {
        row,
        applicant,
        steps,
    }
}

fn input(r: &mut Rng, roster: &Roster, action: A, prev: Option<A>) -> StepInput {
    let note = |s: &str| Some(s.to_owned());
    match action {
        A::RequestMaterials => StepInput {
            materials: Some(vec![
                "身份证复印件".into(),
                "经济困难状况说明表（已签字）".into(),
                "欠薪或损害的相关证据材料".into(),
            ]),
            reply_days: Some(i64::from(aid::MATERIALS_REPLY_DAYS)),
            ..Default::default()
        },
        A::Reject => StepInput {
            reasons: note("经核查，申请人家庭收入高于本县法律援助经济困难标准，且不属于免予核查经济困难状况的情形。"),
            ..Default::default()
        },
        A::Terminate => StepInput {
            termination_ground: Some(*r.pick(&[
                TerminationGround::OwnLawyer,
                TerminationGround::RecipientRequest,
                TerminationGround::ProceedingsEnded,
            ])),
            note: note("受援人书面申请终止，已告知相关权利。"),
            ..Default::default()
        },
        A::Withdraw => StepInput {
            note: note(if prev == Some(A::RequestMaterials) {
                "申请人逾期未补充材料，视为撤回申请。"
            } else {
                "申请人与对方达成和解，书面撤回申请。"
            }),
            ..Default::default()
        },
        A::Object => StepInput {
            note: note("申请人对不予援助决定提出异议，称其无固定收入来源。"),
            ..Default::default()
        },
        A::UpholdObjection => StepInput {
            note: note("经审查异议成立，责令法律援助中心给予法律援助。"),
            ..Default::default()
        },
        A::DismissObjection => StepInput {
            note: note("经审查异议不成立，维持不予法律援助决定。"),
            ..Default::default()
        },
        A::Close => StepInput {
            outcome: Some(*r.pick(&[
                ClosingOutcome::Judgment,
                ClosingOutcome::Mediation,
                ClosingOutcome::Mediation,
                ClosingOutcome::Settlement,
            ])),
            amount_recovered_fen: r.chance(0.6).then(|| r.range(3_000, 60_000) * 100),
            documents: Some(vec![
                "法律援助案件结案报告".into(),
                "判决书、调解书或和解协议复印件".into(),
                "委托协议及会见笔录".into(),
            ]),
            ..Default::default()
        },
        A::File => StepInput {
            note: note("立卷材料已提交法律援助中心。"),
            ..Default::default()
        },
        A::Review => StepInput {
            quality_grade: Some(*r.pick(&[
                QualityGrade::Excellent,
                QualityGrade::Good,
                QualityGrade::Good,
                QualityGrade::Good,
                QualityGrade::Pass,
            ])),
            note: note("卷宗材料齐全，办案质量符合要求。"),
            ..Default::default()
        },
        A::Assign => {
            let township_worker = r.chance(0.25);
            let provider = if township_worker {
                r.pick(&roster.offices).worker
            } else if r.chance(0.5) {
                roster.lawyers[0]
            } else {
                *r.pick(&roster.lawyers)
            };
            StepInput {
                provider_staff_id: Some(provider),
                ..Default::default()
            }
        }
        _ => StepInput::default(),
    }
}
