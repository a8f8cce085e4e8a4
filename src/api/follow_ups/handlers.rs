//! Reading follow-ups, and recording attempts and changes.

use actix_web::{get, patch, post};

use super::types::{AttemptInput, DueQuery, FollowUpPatch};
use super::views::{page_of, view_one, FollowUp};
use crate::api::endpoint::endpoint;
use crate::api::etag::{self};
use crate::paging::Page;
use crate::store;
use crate::store::follow_ups::FollowUpFilter;

endpoint! {
    /// List follow-ups of the caller's subtree (every role but providers).
    list list_follow_ups("/follow-ups", ListFollowUps, FollowUpFilter) -> FollowUp,
        tag = "follow-ups", ok = "Follow-ups of the caller's subtree, by id", also = [Forbidden];
    |state, principal, filter, page| {
        let page = page.resolve("follow_ups")?;
        let root = principal.unit_id;
        let rows = crate::api::reads::read(&state.pool, move |c| {
            store::follow_ups::list(c, root, &filter, &page)
        })
        .await?;
        page_of(&state, &principal, rows).await
    }
}

endpoint! {
    /// The follow-ups to make in the caller's subtree, overdue first (every role but providers). The person's phone is shown in
    /// full only to the staff member who will call.
    list get_due_follow_ups("/follow-ups/due", GetDueFollowUps, DueQuery) -> FollowUp,
        tag = "follow-ups", ok = "Open follow-ups, the earliest due (the overdue) first",
        also = [Forbidden];
    |state, principal, query, page| {
        let page = page.resolve("follow_ups_due")?;
        let unit = query.unit_id;
        let root = principal.unit_id;
        let rows = store::run(&state.pool, move |c| {
            store::follow_ups::due(c, root, unit, &page)
        })
        .await?;
        page_of(&state, &principal, rows).await
    }
}

endpoint! {
    /// Read a follow-up of the caller's subtree (every role but providers).
    get get_follow_up("/follow-ups/{id}", GetFollowUp) -> FollowUp,
        tag = "follow-ups", id = "Follow-up id", ok = "The follow-up with its attempts",
        also = [Forbidden];
    |state, principal, id| {
        let root = principal.unit_id;
        let row = store::run(&state.pool, move |c| store::follow_ups::find(c, root, id)).await?;
        Ok(etag::ok(&view_one(&state, &principal, row, true).await?))
    }
}

endpoint! {
    /// Record an attempt to reach the person (admins, unit staff, aid officers).
    act record_follow_up_attempt("/follow-ups/{id}/attempts", RecordFollowUpAttempt, AttemptInput)
        -> FollowUp,
        tag = "follow-ups", id = "Follow-up id",
        ok = "Recorded: reached closes the follow-up; the third failure marks the person \
            unreachable",
        also = [Conflict];
    |state, principal, id, if_match, body| {
        let attempt = body.attempt()?;
        let actor = state.actor(&principal);
        let root = principal.unit_id;
        let row = store::run(&state.pool, move |c| {
            store::follow_ups::record_attempt(c, &actor, root, id, &if_match, &attempt)
        })
        .await?;
        Ok(etag::ok(&view_one(&state, &principal, row, true).await?))
    }
}

endpoint! {
    /// Assign the caller, move the due day, change the method, or record a rectification.
    update update_follow_up("/follow-ups/{id}", UpdateFollowUp, FollowUpPatch) -> FollowUp,
        tag = "follow-ups", id = "Follow-up id", ok = "Changed";
    |state, principal, id, if_match, body| {
        let actor = state.actor(&principal);
        let root = principal.unit_id;
        let change = body.change();
        let row = store::run(&state.pool, move |c| {
            store::follow_ups::update(c, &actor, root, id, &if_match, &change)
        })
        .await?;
        Ok(etag::ok(&view_one(&state, &principal, row, false).await?))
    }
}
