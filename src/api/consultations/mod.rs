//! Consultations (举措3, 4): every consultation registered in full (全面登记、全程留痕), reviewed
//! by managers (咨询审核), searched, and exported as the ledger (台账).

mod input;
mod views;

pub use input::{NewConsultation, PersonInput, ReviewInput};
pub use views::{Consultation, EarlierVisit, Person, RepeatVisits, Review};

use input::to_row;
use views::repeat_view;

use std::collections::HashMap;

use actix_web::{get, post, put, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::endpoint::endpoint;
use crate::api::etag::{self};
use crate::auth::Principal;
use crate::domain::consultation::ReviewDecision;
use crate::error::ApiError;
use crate::paging::Page;
use crate::privacy;
use crate::store;
use crate::store::consultations::{ConsultationFilter, ConsultationRow, Reader};
use crate::store::external_refs::RefEntity;
use crate::validation;

/// The links to earlier visits of the same person that the caller may be given on `row`: none
/// at all (not even a count) unless the caller sees `row` in full, and then only links to
/// records it also sees in full (see `privacy::RepeatLinks`).
fn repeat_visits(
    c: &mut crate::db::DbConnection,
    who: Reader,
    links: privacy::RepeatLinks,
    row: &store::consultations::ConsultationRow,
) -> Result<Option<RepeatVisits>, ApiError> {
    match links.for_record(row.unit_id) {
        Some(only_unit) => {
            let (count, recent) = store::consultations::repeat_visits(c, who, row, only_unit)?;
            Ok(Some(repeat_view(count, recent)))
        }
        None => Ok(None),
    }
}

/// What a principal reaches of consultations (the `Consultations` rule of the access table):
/// its subtree, or for providers those answered by their own staff record.
pub fn reader_of(principal: &Principal) -> Reader {
    Reader {
        root: principal.unit_id,
        reach: crate::api::access::reach_of(principal),
    }
}

/// A page of consultations and the external references of its rows.
fn with_refs(
    c: &mut crate::db::DbConnection,
    rows: Page<ConsultationRow>,
) -> Result<(Page<ConsultationRow>, HashMap<i64, String>), ApiError> {
    let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
    let refs = store::external_refs::of(c, RefEntity::Consultation, &ids)?;
    Ok((rows, refs))
}

/// A consultation after a change, with its external reference.
fn changed(
    c: &mut crate::db::DbConnection,
    row: ConsultationRow,
) -> Result<(ConsultationRow, Option<String>), ApiError> {
    let external_ref = store::external_refs::one(c, RefEntity::Consultation, row.id)?;
    Ok((row, external_ref))
}

endpoint! {
    /// List and search consultations of the caller's scope (providers: those they answered).
    list list_consultations("/consultations", ListConsultations, ConsultationFilter) -> Consultation,
        tag = "consultations",
        ok = "Consultations of the caller's scope, newest first (by received_at, then id); new \
            registrations never shift later pages";
    |state, principal, filter, page| {
        let page = page.resolve("consultations")?;
        validation::query_text("q", filter.q.as_deref(), 100)?;
        validation::query_external_ref(filter.external_ref.as_deref())?;
        let who = reader_of(&principal);
        let (rows, mut refs) = crate::api::reads::read(&state.pool, move |c| {
            let rows = store::consultations::list(c, who, &filter, &page)?;
            with_refs(c, rows)
        })
        .await?;
        let page = rows.try_map(|row| {
            let external_ref = refs.remove(&row.id);
            Ok(Consultation::view(row, &principal, None)?.with_external_ref(external_ref))
        })?;
        Ok(HttpResponse::Ok().json(page))
    }
}

endpoint! {
    /// Register a consultation (every role but auditors). An ID number is checked (GB 11643) and
    /// gives birth date, age and sex; elderly and minor people are marked as special groups.
    create create_consultation("/consultations", CreateConsultation, NewConsultation)
        -> Consultation,
        tag = "consultations",
        ok = "Registered; for callers who see it in full, `repeat_visits` lists earlier \
            consultations of the same person that they also see in full (`null` for everyone \
            else)",
        location = "The new consultation";
    |state, principal, idem, body| {
        let actor = state.actor(&principal);
        let row = to_row(&body, &actor)?;
        let who = reader_of(&principal);
        let links = privacy::RepeatLinks::of(&principal);
        let external_ref = body.external_ref.clone();
        let (stored, repeat, replayed) = store::run(&state.pool, move |c| {
            let ext = body.external_ref.as_deref();
            let (stored, replayed) =
                store::consultations::create(c, &actor, who.root, &row, ext, &*body, &idem)?;
            let repeat = repeat_visits(c, who, links, &stored)?;
            Ok((stored, repeat, replayed))
        })
        .await?;
        let view = Consultation::view(stored, &principal, repeat)?.with_external_ref(external_ref);
        Ok(etag::created(
            &view,
            &format!("/api/v1/consultations/{}", view.id),
            replayed,
        ))
    }
}

endpoint! {
    /// Read a consultation of the caller's scope.
    get get_consultation("/consultations/{id}", GetConsultation) -> Consultation,
        tag = "consultations", id = "Consultation id",
        ok = "The consultation; for callers who see it in full, with earlier consultations of the \
            same person that they also see in full";
    |state, principal, id| {
        let who = reader_of(&principal);
        let links = privacy::RepeatLinks::of(&principal);
        let (row, repeat, follow_up) = store::run(&state.pool, move |c| {
            let row = store::consultations::find(c, who, id)?;
            let repeat = repeat_visits(c, who, links, &row)?;
            let follow_up = store::follow_ups::satisfaction_of(
                c,
                crate::domain::follow_up::SubjectKind::Consultation,
                id,
            )?;
            let external_ref = store::external_refs::one(c, RefEntity::Consultation, id)?;
            Ok((row, repeat, (follow_up, external_ref)))
        })
        .await?;
        let (follow_up, external_ref) = follow_up;
        let mut view = Consultation::view(row, &principal, repeat)?.with_external_ref(external_ref);
        view.follow_up = crate::api::follow_ups::FollowUpSummary::from_stored(follow_up);
        Ok(etag::ok(&view))
    }
}

endpoint! {
    /// Correct a consultation: the body is the whole registration as it should read (the staff of
    /// its unit's subtree and admins; not integrations, not providers). A reviewed entry returns to
    /// review.
    replace update_consultation("/consultations/{id}", UpdateConsultation, NewConsultation)
        -> Consultation,
        tag = "consultations", id = "Consultation id",
        ok = "The corrected consultation; an approved or returned entry goes back to review";
    |state, principal, id, if_match, body| {
        let actor = state.actor(&principal);
        let next = to_row(&body, &actor)?;
        let who = reader_of(&principal);
        let given = body.external_ref.clone();
        let (row, external_ref) = store::run(&state.pool, move |c| {
            // The reference is the registration's: a correction may repeat it, not change it.
            store::consultations::find(c, who, id)?;
            let current = store::external_refs::one(c, RefEntity::Consultation, id)?;
            store::external_refs::unchanged(given.as_deref(), current.as_deref())?;
            let row = store::consultations::update(c, &actor, who, id, &if_match, next)?;
            Ok((row, current))
        })
        .await?;
        Ok(etag::ok(
            &Consultation::view(row, &principal, None)?.with_external_ref(external_ref),
        ))
    }
}

endpoint! {
    /// Review a pending consultation (咨询审核): approve it, or return it with a comment (admin of
    /// the unit's subtree). Deciding an entry that is not pending is a 409.
    act review_consultation("/consultations/{id}/review", ReviewConsultation, ReviewInput)
        -> Consultation,
        tag = "consultations", id = "Consultation id", ok = "Reviewed", also = [Conflict];
    |state, principal, id, if_match, body| {
        if body.decision == ReviewDecision::Return && body.comment.is_none() {
            return Err(ApiError::invalid_field(
                "comment",
                "required",
                "a returned consultation needs a comment saying what to correct",
            ));
        }
        let actor = state.actor(&principal);
        let who = reader_of(&principal);
        let (row, external_ref) = store::run(&state.pool, move |c| {
            let (decision, comment) = (body.decision, body.comment.as_deref());
            let row =
                store::consultations::review(c, &actor, who, id, &if_match, decision, comment)?;
            changed(c, row)
        })
        .await?;
        Ok(etag::ok(
            &Consultation::view(row, &principal, None)?.with_external_ref(external_ref),
        ))
    }
}

/// An entry waiting for review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewQueueItem {
    /// How long it has waited, in seconds.
    pub waiting_seconds: i64,
    /// The consultation.
    pub consultation: Consultation,
}

/// The review queue's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
}

endpoint! {
    /// Consultations waiting for review in the caller's subtree, oldest first, with how long each
    /// has waited (admin).
    list get_review_queue("/consultations/review-queue", GetReviewQueue, ReviewQueueQuery)
        -> ReviewQueueItem,
        tag = "consultations", ok = "Pending consultations, the longest waiting first",
        also = [Forbidden];
    |state, principal, query, page| {
        let page = page.resolve("review_queue")?;
        let unit = query.unit_id;
        let who = reader_of(&principal);
        let (rows, mut refs) = store::run(&state.pool, move |c| {
            let rows = store::consultations::review_queue(c, who, unit, &page)?;
            with_refs(c, rows)
        })
        .await?;
        let now = state.clock.stamp();
        let page = rows.try_map(|row| {
            let external_ref = refs.remove(&row.id);
            Ok(ReviewQueueItem {
                waiting_seconds: (now - row.review_requested_at).num_seconds().max(0),
                consultation: Consultation::view(row, &principal, None)?
                    .with_external_ref(external_ref),
            })
        })?;
        Ok(HttpResponse::Ok().json(page))
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_consultations)
        .service(create_consultation)
        .service(get_review_queue)
        .service(crate::api::ledger::export_consultations)
        .service(get_consultation)
        .service(update_consultation)
        .service(review_consultation);
}
