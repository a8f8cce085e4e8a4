//! Who may take which step of the workflow, and what each step needs.

use super::{AidAction, TerminationGround};
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
    if let Some(items) = &input.materials {
        for (i, item) in items.iter().enumerate() {
            if item.chars().count() > 200 || check_line(item).is_err() {
                return Err(StepError {
                    field: format!("materials[{i}]"),
                    code: "invalid",
                    message: "one line of at most 200 characters",
                });
            }
        }
    }
    Ok(())
}
