//! Applications: submission, the list, the work queues, one application and its timeline.

use actix_web::{get, patch, post, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::reader_of;
use super::types::{AidCorrection, NewAidApplication};
use super::views::{one_view, page_of_views, AidApplication, AidEvent, AidTimeline};
use crate::api::endpoint::endpoint;
use crate::api::etag;
use crate::domain::aid::AidState;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::aid::AidFilter;

endpoint! {
    /// Submit an application (admins, unit staff accepting on the centre's behalf, aid officers,
    /// integrations). The applicant's ID number is required and checked; elderly (60 or over on the
    /// day of application), minors, disabled people, Art. 42 and Art. 32 cases and migrant workers
    /// claiming wages or work-injury compensation go on the green channel.
    create create_aid_application("/aid-applications", CreateAidApplication, NewAidApplication)
        -> AidApplication,
        tag = "aid",
        ok = "Submitted; the green channel and its reasons are set from the applicant",
        location = "The new application";
    |state, principal, idem, body| {
        let actor = state.actor(&principal);
        let (row, applicant) = body.to_rows(actor.at)?;
        let root = principal.unit_id;
        let (app, replayed) = store::run(&state.pool, move |c| {
            let ext = body.external_ref.as_deref();
            store::aid::create(c, &actor, root, row, applicant, ext, &*body, &idem)
        })
        .await?;
        let view = one_view(&state, &principal, app).await?;
        Ok(etag::created(
            &view,
            &format!("/api/v1/aid-applications/{}", view.id),
            replayed,
        ))
    }
}

endpoint! {
    /// List applications: township staff see those received in their subtree, aid officers their
    /// centre's, providers those assigned to them.
    list list_aid_applications("/aid-applications", ListAidApplications, AidFilter)
        -> AidApplication,
        tag = "aid", ok = "Applications of the caller's scope, newest first";
    |state, principal, filter, page| {
        let page = page.resolve("aid_applications")?;
        crate::validation::query_external_ref(filter.external_ref.as_deref())?;
        let who = reader_of(&principal);
        let result = crate::api::reads::read(&state.pool, move |c| {
            store::aid::list(c, who, &filter, &page)
        })
        .await?;
        Ok(HttpResponse::Ok().json(page_of_views(&state, &principal, result).await?))
    }
}

crate::code_table! {
    /// A work queue.
    pub enum QueueStep as "aid_queue" {
        /// Applications to accept.
        Accept = "accept": "待受理",
        /// Applications to review (accepted, waiting for materials, objections).
        Review = "review": "待审查",
        /// Approved (or urgent) applications to assign.
        Assign = "assign": "待指派",
        /// Assigned applications whose agreement is to be signed.
        Agreement = "agreement": "待签协议",
    }
}

/// The queue's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Which step.
    #[param(inline)]
    pub step: QueueStep,
    /// Only those past their deadline.
    pub overdue: Option<bool>,
}

endpoint! {
    /// A work queue of the caller's scope: urgent aid first, then the green channel, then the
    /// earliest deadline; `overdue=true` lists those past their deadline.
    list get_aid_queue("/aid-applications/queue", GetAidQueue, QueueQuery) -> AidApplication,
        tag = "aid", ok = "Urgent first, then the green channel, then the earliest deadline";
    |state, principal, query, page| {
        let page = page.resolve("aid_queue")?;
        use AidState as S;
        let states: Vec<AidState> = match query.step {
            QueueStep::Accept => vec![S::Submitted],
            QueueStep::Review => vec![S::Accepted, S::MaterialsRequested, S::Objection],
            QueueStep::Assign => vec![S::Approved],
            QueueStep::Agreement => vec![S::Assigned],
        };
        let overdue = query.overdue.unwrap_or(false).then(|| state.clock.now());
        let who = reader_of(&principal);
        let result = store::run(&state.pool, move |c| {
            store::aid::queue(c, who, &states, overdue, &page)
        })
        .await?;
        Ok(HttpResponse::Ok().json(page_of_views(&state, &principal, result).await?))
    }
}

endpoint! {
    /// Read an application of the caller's scope.
    get get_aid_application("/aid-applications/{id}", GetAidApplication) -> AidApplication,
        tag = "aid", id = "Application id",
        ok = "The application with its current deadline and the actions allowed";
    |state, principal, id| {
        let who = reader_of(&principal);
        let (app, follow_up) = store::run(&state.pool, move |c| {
            let app = store::aid::find(c, who, id)?;
            let follow_up = store::follow_ups::satisfaction_of(
                c,
                crate::domain::follow_up::SubjectKind::AidApplication,
                id,
            )?;
            Ok((app, follow_up))
        })
        .await?;
        let mut view = one_view(&state, &principal, app).await?;
        view.follow_up = crate::api::follow_ups::FollowUpSummary::from_stored(follow_up);
        Ok(etag::ok(&view))
    }
}

endpoint! {
    /// Correct the intake of an application before its decision (admins, unit staff, aid
    /// officers): the applicant (a wrong ID number, name, phone, special groups), the matter, the
    /// hardship ground, urgency, safe contact. Only the fields sent change; they are checked as at
    /// submission, and the green channel is recomputed (an officer's decision, on or off, stands).
    /// Only callers who see the applicant in full correct it (others: 403). After the decision,
    /// for a case already assigned as urgent aid, or once a materials notice has gone unanswered
    /// past its date, a correction is a 409.
    update correct_aid_application("/aid-applications/{id}", CorrectAidApplication, AidCorrection)
        -> AidApplication,
        tag = "aid", id = "Application id",
        ok = "Corrected (audited: the timeline names the fields changed and the reason); the \
            green channel and its reasons recomputed",
        also = [Conflict];
    |state, principal, id, if_match, body| {
        let actor = state.actor(&principal);
        let who = reader_of(&principal);
        let at = actor.at;
        let caller = (*principal).clone();
        let app = store::run(&state.pool, move |c| {
            store::aid::correct(
                c,
                &actor,
                who,
                id,
                &if_match,
                body.reason.trim(),
                |current| {
                    // Only a reader who sees the applicant in full corrects what it sees.
                    let sight = crate::privacy::sight_of_application(
                        &caller,
                        current.row.unit_id,
                        current.row.centre_id,
                        current.row.provider_staff_id,
                    );
                    if !matches!(sight, crate::privacy::Sight::Full) {
                        return Err(ApiError::forbidden(
                            "only the receiving unit, the centre and admins above them, who see the applicant in full, correct the intake",
                            "只有能查看申请人完整信息的接收单位、法律援助中心及其上级管理员可以更正受理信息",
                        ));
                    }
                    body.merged(current)?.to_rows(at)
                },
            )
        })
        .await?;
        Ok(etag::ok(&one_view(&state, &principal, app).await?))
    }
}

endpoint! {
    /// The application's timeline.
    read get_aid_events("/aid-applications/{id}/events", GetAidEvents) -> AidTimeline,
        tag = "aid", id = "Application id",
        ok = "Every step with actor, time and note, from the audit trail";
    |state, principal, id| {
        let who = reader_of(&principal);
        let rows = store::run(&state.pool, move |c| store::aid::events(c, who, id)).await?;
        let items = rows.into_iter().map(AidEvent::from).collect();
        Ok(HttpResponse::Ok().json(AidTimeline { items }))
    }
}
