//! Who may take which step of the workflow, and what each step needs.

use super::{AidAction, ClosingOutcome, QualityGrade, TerminationGround, WorkKind};
use crate::domain::text::check_line;

/// The data given with a step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepInput {
    /// A note, kept with the step (the reason when `assign` departs from the applicant's choice).
    pub note: Option<String>,
    /// `request_materials`: every missing item, in one notice.
    pub materials: Option<Vec<String>>,
    /// `request_materials`: days the applicant has to reply.
    pub reply_days: Option<i64>,
    /// `reject`: the reasons, in writing.
    pub reasons: Option<String>,
    /// `terminate`: the Art. 48 ground.
    pub termination_ground: Option<TerminationGround>,
    /// `assign`: the provider (staff id).
    pub provider_staff_id: Option<i64>,
    /// `object`: the day the decision objected to was served on the applicant (default: the
    /// day it was made); the objection window counts from it.
    pub served_on: Option<chrono::NaiveDate>,
    /// `assign`, `change_provider`: why the provider is assigned despite a conflict of interest
    /// found (kept in the trail); without it a conflict blocks the assignment.
    pub conflict_override: Option<String>,
    /// `close`: how the case ended.
    pub outcome: Option<ClosingOutcome>,
    /// `close`: the amount recovered for the client, in fen (分), where there is one.
    pub amount_recovered_fen: Option<i64>,
    /// `close`: the documents handed in (judgment, mediation agreement, …).
    pub documents: Option<Vec<String>>,
    /// `review`: the quality grade of the closing review.
    pub quality_grade: Option<QualityGrade>,
}

/// A field of a step that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    /// The field.
    pub field: String,
    /// The error code (`required`, `invalid`).
    pub code: &'static str,
    /// Why, in words.
    pub message: &'static str,
}

/// Checks the data a step needs.
pub fn check_step(action: AidAction, input: &StepInput) -> Result<(), StepError> {
    use AidAction as A;
    let need = |ok: bool, field: &str, message: &'static str| {
        if ok {
            Ok(())
        } else {
            Err(StepError {
                field: field.to_owned(),
                code: "required",
                message,
            })
        }
    };
    match action {
        A::RequestMaterials => need(
            input.materials.is_some(),
            "materials",
            "list every missing material in this one notice (一次性告知)",
        )?,
        A::Reject => need(
            input.reasons.is_some(),
            "reasons",
            "a rejection is made in writing with its reasons",
        )?,
        A::Terminate => need(
            input.termination_ground.is_some(),
            "termination_ground",
            "name the Art. 48 ground",
        )?,
        A::Assign => need(
            input.provider_staff_id.is_some(),
            "provider_staff_id",
            "name the provider to assign",
        )?,
        A::ChangeProvider => {
            need(
                input.provider_staff_id.is_some(),
                "provider_staff_id",
                "name the new provider",
            )?;
            need(
                input.note.is_some(),
                "note",
                "give the reason for the change of provider",
            )?
        }
        A::Close => {
            need(input.outcome.is_some(), "outcome", "say how the case ended")?;
            need(
                input.documents.is_some(),
                "documents",
                "list the documents handed in (judgment, mediation agreement, …)",
            )?
        }
        A::Review => need(
            input.quality_grade.is_some(),
            "quality_grade",
            "grade the case (结案审查)",
        )?,
        A::Withdraw | A::Object | A::UpholdObjection | A::DismissObjection => need(
            input.note.is_some(),
            "note",
            "record what the applicant or the bureau said",
        )?,
        _ => {}
    }
    if input.served_on.is_some() && action != A::Object {
        return Err(StepError {
            field: "served_on".to_owned(),
            code: "unexpected",
            message: "only an objection says when the decision was served",
        });
    }
    let only = |given: bool, field: &str, ok: &[AidAction], message: &'static str| {
        if given && !ok.contains(&action) {
            Err(StepError {
                field: field.to_owned(),
                code: "unexpected",
                message,
            })
        } else {
            Ok(())
        }
    };
    only(
        input.conflict_override.is_some(),
        "conflict_override",
        &[A::Assign, A::ChangeProvider],
        "only an assignment overrides a conflict of interest",
    )?;
    only(
        input.outcome.is_some()
            || input.amount_recovered_fen.is_some()
            || input.documents.is_some(),
        "outcome",
        &[A::Close],
        "only closing says how the case ended",
    )?;
    only(
        input.quality_grade.is_some(),
        "quality_grade",
        &[A::Review],
        "only the closing review grades a case",
    )?;
    for (name, items) in [
        ("materials", &input.materials),
        ("documents", &input.documents),
    ] {
        for (i, item) in items.iter().flatten().enumerate() {
            if item.chars().count() > 200 || check_line(item).is_err() {
                return Err(StepError {
                    field: format!("{name}[{i}]"),
                    code: "invalid",
                    message: "one line of at most 200 characters",
                });
            }
        }
    }
    Ok(())
}

/// Checks an entry of the work log: a `termination_report` names its Art. 48 ground, and only
/// it does.
pub fn check_work_entry(
    kind: WorkKind,
    ground: Option<TerminationGround>,
) -> Result<(), StepError> {
    match (kind, ground) {
        (WorkKind::TerminationReport, None) => Err(StepError {
            field: "termination_ground".to_owned(),
            code: "required",
            message: "a termination report names the Art. 48 ground found",
        }),
        (WorkKind::TerminationReport, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(StepError {
            field: "termination_ground".to_owned(),
            code: "unexpected",
            message: "only a termination report names a ground",
        }),
    }
}
