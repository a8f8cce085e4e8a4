//! Supervision (附件1 举措3, 8): spot checks of the system, monthly meetings and quarterly
//! on-site inspections with the plan's checklist, the rectification each requires, and the
//! year's compliance with the minimums.

mod compliance;
mod types;

pub use compliance::{
    compliance, get_inspection_compliance, Compliance, ComplianceQuery, MonthCompliance,
    QuarterCompliance,
};
pub use types::{ChecklistEntry, Inspection, InspectionPatch, NewInspection};

use actix_web::{get, patch, post};

use crate::api::endpoint::{self, endpoint, Source};
use crate::domain::periods::china_date;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::inspections::InspectionFilter;

endpoint! {
    /// List the inspections made by units of the caller's subtree (every role but providers);
    /// `rectification=overdue` lists those whose rectification is past its due day and not done.
    list list_inspections("/inspections", ListInspections, InspectionFilter) -> Inspection,
        tag = "inspections", ok = "Inspections made in the caller's subtree, the latest first",
        also = [Forbidden];
    |state, principal, filter, page| {
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if to < from {
                return Err(ApiError::bad_request(
                    "`to` must be on or after `from`",
                    "`to` 须不早于 `from`",
                ));
            }
        }
        let today = china_date(state.clock.now());
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::inspections::list(c, root, &filter, today, p);
        let view = |s| Ok(Inspection::view(s, today));
        endpoint::page(&state, page, "inspections", Source::Replica, list, view).await
    }
}

endpoint! {
    /// Record a spot check, monthly meeting or on-site inspection made by a unit of the caller's
    /// subtree (admins).
    create create_inspection("/inspections", CreateInspection, NewInspection) -> Inspection,
        tag = "inspections", ok = "Recorded", location = "The new inspection";
    |state, principal, idem, body| {
        let input = body.input();
        let actor = state.actor(&principal);
        let (today, root) = (china_date(actor.at.and_utc()), principal.unit_id);
        let create = move |c: &mut _| {
            store::inspections::create(c, &actor, root, &input, &*body, &idem)
        };
        let view = |s| Ok(Inspection::view(s, today));
        endpoint::created(&state, "/api/v1/inspections", create, view).await
    }
}

endpoint! {
    /// Read an inspection made in the caller's subtree (every role but providers).
    get get_inspection("/inspections/{id}", GetInspection) -> Inspection,
        tag = "inspections", id = "Inspection id", ok = "The inspection", also = [Forbidden];
    |state, principal, id| {
        let (today, root) = (china_date(state.clock.now()), principal.unit_id);
        let find = move |c: &mut _| store::inspections::find(c, root, id);
        endpoint::one(&state, find, |s| Ok(Inspection::view(s, today))).await
    }
}

endpoint! {
    /// Change an inspection made in the caller's subtree, or record its rectification as done
    /// (`rectification_done_on`, `rectification_done_by`) (admins).
    update update_inspection("/inspections/{id}", UpdateInspection, InspectionPatch) -> Inspection,
        tag = "inspections", id = "Inspection id", ok = "The changed inspection";
    |state, principal, id, if_match, body| {
        let actor = state.actor(&principal);
        let (today, root) = (china_date(actor.at.and_utc()), principal.unit_id);
        let update = move |c: &mut _| {
            store::inspections::update(c, &actor, root, id, &if_match, |row| body.apply(row))
        };
        endpoint::one(&state, update, |s| Ok(Inspection::view(s, today))).await
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_inspections)
        .service(get_inspection_compliance)
        .service(create_inspection)
        .service(get_inspection)
        .service(update_inspection);
}
