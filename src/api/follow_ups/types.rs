//! Request bodies and queries of follow-ups, and what they become for the store.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::follow_up::{FollowUpMethod, Satisfaction};
use crate::error::ApiError;
use crate::store::follow_ups::{AttemptInput as Attempt, FollowUpChange};
use crate::validation;

/// The due list's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
}

/// An attempt to reach the person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reached": true, "satisfaction": "satisfied", "comments": "答复很清楚"}))]
pub struct AttemptInput {
    /// When (default: now).
    pub attempted_at: Option<DateTime<FixedOffset>>,
    /// Whether the person was reached.
    pub reached: bool,
    /// The answer (required when reached).
    pub satisfaction: Option<Satisfaction>,
    /// The person's comments.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub comments: Option<String>,
    /// A problem found.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub problem: Option<String>,
    /// When the problem must be put right.
    pub rectification_due: Option<NaiveDate>,
    /// A note on the attempt.
    #[schema(min_length = 1, max_length = 1000, pattern = "text")]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub note: Option<String>,
}

impl AttemptInput {
    /// The attempt to record: an answer exactly when the person was reached.
    pub fn attempt(&self) -> Result<Attempt, ApiError> {
        match (self.reached, self.satisfaction) {
            (true, None) => {
                return Err(ApiError::invalid_field(
                    "satisfaction",
                    "required",
                    "record the answer of the person reached",
                ))
            }
            (false, Some(_)) => {
                return Err(ApiError::invalid_field(
                    "satisfaction",
                    "unexpected",
                    "a person not reached gives no answer",
                ))
            }
            _ => {}
        }
        Ok(Attempt {
            attempted_at: self.attempted_at.map(|t| t.naive_utc()),
            reached: self.reached,
            satisfaction: self.satisfaction,
            comments: self.comments.clone(),
            problem: self.problem.clone(),
            rectification_due: self.rectification_due,
            note: self.note.clone(),
        })
    }
}

/// Changes to a follow-up.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"staff_id": 7, "due_on": "2023-03-20"}))]
pub struct FollowUpPatch {
    /// The staff member who will call.
    pub staff_id: Option<i64>,
    /// A new due day.
    pub due_on: Option<NaiveDate>,
    /// Another method.
    pub method: Option<FollowUpMethod>,
    /// The problem is put right (true) or not yet (false).
    pub rectification_done: Option<bool>,
    /// How it was put right.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub rectification_note: Option<String>,
}

impl FollowUpPatch {
    /// The change to write.
    pub fn change(&self) -> FollowUpChange {
        FollowUpChange {
            staff_id: self.staff_id,
            due_on: self.due_on,
            method: self.method,
            rectification_done: self.rectification_done,
            rectification_note: self.rectification_note.clone(),
        }
    }
}

/// A planning request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 4, "from": "2023-03-01", "to": "2023-03-31", "share_percent": 30, "due_on": "2023-04-10"}))]
pub struct PlanInput {
    /// The unit whose subtree's consultations to sample.
    pub unit_id: i64,
    /// First day of the period (consultations received, China time).
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Share to sample, 1 to 100 percent (default: the configured share).
    #[schema(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100))]
    pub share_percent: Option<u32>,
    /// Due day of the follow-ups (default: the configured days after today).
    pub due_on: Option<NaiveDate>,
}
