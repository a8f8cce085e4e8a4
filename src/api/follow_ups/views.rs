//! What a follow-up looks like to a caller: the view, its attempts, and the summary shown on
//! the consultation or case.

use actix_web::HttpResponse;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::endpoint::{from_record, record_view};
use crate::api::AppState;
use crate::auth::Principal;
use crate::domain::follow_up::{FollowUpMethod, FollowUpStatus, Satisfaction, SubjectKind};
use crate::domain::masking::mask_phone;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::follow_ups::FollowUpRow;
use crate::time::{cst, to_cst};

/// One attempt to reach the person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    /// When.
    pub attempted_at: DateTime<FixedOffset>,
    /// Whether the person was reached.
    pub reached: bool,
    /// A note.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

record_view! {
    /// A follow-up.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 5, "unit_id": 4, "subject_kind": "consultation", "subject_id": 101, "subject_href": "/api/v1/consultations/101",
        "staff_id": 7, "due_on": "2023-03-14", "overdue": false, "method": "phone", "status": "done", "failed_attempts": 0,
        "satisfaction": "satisfied", "comments": "答复很清楚", "problem": null, "rectification_due": null,
        "rectification_done_at": null, "rectification_note": null, "contact_phone": "138****5678", "safe_contact": false, "safe_contact_means": null,
        "completed_at": "2023-03-13T10:00:00+08:00", "attempts": null, "version": 2,
        "created_at": "2023-03-08T09:00:00+08:00", "updated_at": "2023-03-13T10:00:00+08:00"
    }))]
    pub struct FollowUp {
        /// Id.
        pub id: i64,
        /// The unit that calls back.
        pub unit_id: i64,
        /// What it follows up.
        pub subject_kind: SubjectKind,
        /// The consultation or application.
        pub subject_id: i64,
        /// Where to read it.
        pub subject_href: String,
        /// The staff member who calls.
        pub staff_id: Option<i64>,
        /// Due.
        pub due_on: NaiveDate,
        /// Whether it is open past its due day.
        pub overdue: bool,
        /// How.
        pub method: FollowUpMethod,
        /// Where it stands.
        pub status: FollowUpStatus,
        /// Attempts that did not reach the person (three make them unreachable).
        pub failed_attempts: i32,
        /// The answer.
        pub satisfaction: Option<Satisfaction>,
        /// The person's comments.
        pub comments: Option<String>,
        /// A problem found.
        pub problem: Option<String>,
        /// When it must be put right.
        pub rectification_due: Option<NaiveDate>,
        /// When it was put right.
        pub rectification_done_at: Option<DateTime<FixedOffset>>,
        /// How.
        pub rectification_note: Option<String>,
        /// The phone to call: in full only for the staff member who will call, masked for everyone
        /// else. For a safe-contact aid case (domestic violence), the safe channel's phone, never
        /// the applicant's own.
        pub contact_phone: Option<String>,
        /// A safe-contact aid case: reach the applicant only by `safe_contact_means`.
        pub safe_contact: bool,
        /// How to reach the applicant safely: for the staff member who will call only.
        pub safe_contact_means: Option<String>,
        /// When it was completed (reached, or found unreachable).
        pub completed_at: Option<DateTime<FixedOffset>>,
        /// The attempts (on single reads).
        pub attempts: Option<Vec<Attempt>>,
    }
}

/// Builds views of rows with their contact phones, masked unless the caller is the one who calls.
pub(crate) async fn views(
    state: &AppState,
    principal: &Principal,
    rows: Vec<FollowUpRow>,
    with_attempts: bool,
) -> Result<Vec<FollowUp>, ApiError> {
    let rows_for_query = rows.clone();
    let (contacts, attempts) = store::run(&state.pool, move |c| {
        let contacts = store::follow_ups::contacts(c, &rows_for_query)?;
        let attempts = if with_attempts {
            rows_for_query
                .iter()
                .map(|r| store::follow_ups::attempts(c, r.id))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        Ok((contacts, attempts))
    })
    .await?;
    let (phones, callers) = contacts;
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let mut attempts = attempts.into_iter();
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            let is_caller = row
                .staff_id
                .and_then(|s| callers.get(&s))
                .is_some_and(|account| principal.account_id == Some(*account));
            let contact = phones
                .get(&(row.subject_kind, row.subject_id))
                .cloned()
                .unwrap_or_default();
            let kind = row.subject_kind;
            let status = row.status;
            Ok(from_record!(row => FollowUp {
                id,
                unit_id: row.unit_id,
                subject_href: match kind {
                    SubjectKind::Consultation => {
                        format!("/api/v1/consultations/{}", row.subject_id)
                    }
                    SubjectKind::AidApplication => {
                        format!("/api/v1/aid-applications/{}", row.subject_id)
                    }
                },
                subject_kind: kind,
                subject_id: row.subject_id,
                staff_id: row.staff_id,
                overdue: status == FollowUpStatus::Open && row.due_on < today,
                due_on: row.due_on,
                method: row.method,
                status,
                failed_attempts: row.failed_attempts,
                satisfaction: row.satisfaction,
                comments: row.comments,
                problem: row.problem,
                rectification_due: row.rectification_due,
                rectification_done_at: row.rectification_done_at.map(to_cst),
                rectification_note: row.rectification_note,
                contact_phone: contact
                    .phone
                    .map(|p| if is_caller { p } else { mask_phone(&p) }),
                safe_contact: contact.safe_contact,
                safe_contact_means: contact.safe_means.filter(|_| is_caller),
                completed_at: row.completed_at.map(to_cst),
                attempts: attempts.next().map(|list| {
                    list.into_iter()
                        .map(|a| Attempt {
                            attempted_at: to_cst(a.attempted_at),
                            reached: a.reached,
                            note: a.note,
                            recorded_by: a.recorded_by,
                        })
                        .collect()
                }),
            }))
        })
        .collect()
}

/// The view of one row.
pub(super) async fn view_one(
    state: &AppState,
    principal: &Principal,
    row: FollowUpRow,
    with_attempts: bool,
) -> Result<FollowUp, ApiError> {
    let id = row.id;
    views(state, principal, vec![row], with_attempts)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::FOLLOW_UP, id))
}

/// A page of rows as views.
pub(super) async fn page_of(
    state: &AppState,
    principal: &Principal,
    rows: Page<FollowUpRow>,
) -> Result<HttpResponse, ApiError> {
    let items = views(state, principal, rows.items, false).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: rows.next_cursor,
    }))
}

/// A subject's follow-up, as shown on the consultation or case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpSummary {
    /// Where it stands.
    pub status: FollowUpStatus,
    /// The person's answer, when reached.
    pub satisfaction: Option<Satisfaction>,
}

impl FollowUpSummary {
    /// From the stored status and answer.
    pub fn from_stored(found: Option<(FollowUpStatus, Option<Satisfaction>)>) -> Option<Self> {
        found.map(|(status, satisfaction)| FollowUpSummary {
            status,
            satisfaction,
        })
    }
}
