//! Recognitions (附件1 举措10): the model stations (惠民工程示范站点) and pioneer posts (先锋岗) the
//! bureau selects each year, with the reason.

use actix_web::{get, patch, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, record_view, Source};
use crate::domain::recognitions::RecognitionKind;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::recognitions::{RecognitionFilter, RecognitionInput, RecognitionRow};
use crate::time::to_cst;
use crate::validation;

record_view! {
    /// A unit or person recognised for a year.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 3, "unit_id": 4, "staff_id": null, "year": 2023, "kind": "model_station",
        "reason": "值班制度落实到位，咨询登记全面规范", "recognised_on": "2023-12-28",
        "recognised_by": "沁水县司法局", "version": 1,
        "created_at": "2023-12-28T10:00:00+08:00", "updated_at": "2023-12-28T10:00:00+08:00"
    }))]
    pub struct Recognition {
        /// Id.
        pub id: i64,
        /// The unit recognised (for a pioneer post, the person's unit).
        pub unit_id: i64,
        /// The person recognised (pioneer posts).
        pub staff_id: Option<i64>,
        /// The year it is for.
        pub year: i32,
        /// Kind.
        pub kind: RecognitionKind,
        /// Why.
        pub reason: String,
        /// The day it was made.
        pub recognised_on: NaiveDate,
        /// Who made it.
        pub recognised_by: String,
    }
}

impl From<RecognitionRow> for Recognition {
    fn from(r: RecognitionRow) -> Self {
        Recognition {
            id: r.id,
            unit_id: r.unit_id,
            staff_id: r.staff_id,
            year: r.year,
            kind: r.kind,
            reason: r.reason,
            recognised_on: r.recognised_on,
            recognised_by: r.recognised_by,
            version: r.version,
            created_at: to_cst(r.created_at),
            updated_at: to_cst(r.updated_at),
        }
    }
}

/// A new recognition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "year": 2023, "kind": "model_station",
    "reason": "值班制度落实到位，咨询登记全面规范", "recognised_on": "2023-12-28",
    "recognised_by": "沁水县司法局"
}))]
pub struct NewRecognition {
    /// The unit recognised, in the caller's subtree (for a pioneer post, the person's unit).
    pub unit_id: i64,
    /// The person, one of the unit's staff: required for a pioneer post, absent for a model
    /// station.
    pub staff_id: Option<i64>,
    /// The year it is for, 2019 to the current one.
    #[schema(minimum = 2019, maximum = 2100)]
    #[validate(range(min = 2019, max = 2100))]
    pub year: i32,
    /// Kind.
    pub kind: RecognitionKind,
    /// Why.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub reason: String,
    /// The day it was made: in its year or the next, not after today.
    pub recognised_on: NaiveDate,
    /// Who made it (the bureau, a meeting).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub recognised_by: String,
}

impl NewRecognition {
    fn input(&self) -> RecognitionInput {
        RecognitionInput {
            unit_id: self.unit_id,
            staff_id: self.staff_id,
            year: self.year,
            kind: self.kind,
            reason: self.reason.trim().to_owned(),
            recognised_on: self.recognised_on,
            recognised_by: self.recognised_by.trim().to_owned(),
        }
    }
}

/// Changes to a recognition; absent fields stay, `null` clears `staff_id`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "值班制度落实到位，咨询登记全面规范，回访满意度100%"}))]
pub struct RecognitionPatch {
    /// Another unit.
    pub unit_id: Option<i64>,
    /// Another person, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<i64>)]
    pub staff_id: Option<Option<i64>>,
    /// Another year.
    #[schema(minimum = 2019, maximum = 2100)]
    #[validate(range(min = 2019, max = 2100))]
    pub year: Option<i32>,
    /// Another kind.
    pub kind: Option<RecognitionKind>,
    /// Another reason.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub reason: Option<String>,
    /// Another day.
    pub recognised_on: Option<NaiveDate>,
    /// Another maker.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub recognised_by: Option<String>,
}

impl RecognitionPatch {
    fn apply(&self, current: &RecognitionRow) -> RecognitionInput {
        let c = current.input();
        RecognitionInput {
            unit_id: self.unit_id.unwrap_or(c.unit_id),
            staff_id: validation::patched(&self.staff_id, &c.staff_id),
            year: self.year.unwrap_or(c.year),
            kind: self.kind.unwrap_or(c.kind),
            reason: self
                .reason
                .as_deref()
                .map_or(c.reason, |r| r.trim().to_owned()),
            recognised_on: self.recognised_on.unwrap_or(c.recognised_on),
            recognised_by: self
                .recognised_by
                .as_deref()
                .map_or(c.recognised_by, |r| r.trim().to_owned()),
        }
    }
}

endpoint! {
    /// List the recognitions of units and people of the caller's subtree.
    list list_recognitions("/recognitions", ListRecognitions, RecognitionFilter) -> Recognition,
        tag = "recognitions", ok = "Recognitions of the caller's subtree, the latest first";
    |state, principal, filter, page| {
        if let Some(year) = filter.year {
            crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
        }
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::recognitions::list(c, root, &filter, p);
        let view = |r| Ok(Recognition::from(r));
        endpoint::page(&state, page, "recognitions", Source::Replica, list, view).await
    }
}

endpoint! {
    /// Record a model station or pioneer post of the caller's subtree (admins); the same unit or
    /// person recognised twice as the same kind for one year is a 409.
    create create_recognition("/recognitions", CreateRecognition, NewRecognition) -> Recognition,
        tag = "recognitions", ok = "Recorded", location = "The new recognition", also = [Conflict];
    |state, principal, idem, body| {
        let input = body.input();
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let create = move |c: &mut _| {
            store::recognitions::create(c, &actor, root, &input, &*body, &idem)
        };
        let view = |r| Ok(Recognition::from(r));
        endpoint::created(&state, "/api/v1/recognitions", create, view).await
    }
}

endpoint! {
    /// Read a recognition of the caller's subtree.
    get get_recognition("/recognitions/{id}", GetRecognition) -> Recognition,
        tag = "recognitions", id = "Recognition id", ok = "The recognition";
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::recognitions::find(c, root, id);
        endpoint::one(&state, find, |r| Ok(Recognition::from(r))).await
    }
}

endpoint! {
    /// Change a recognition of the caller's subtree (admins).
    update update_recognition("/recognitions/{id}", UpdateRecognition, RecognitionPatch)
        -> Recognition, tag = "recognitions", id = "Recognition id",
        ok = "The changed recognition", also = [Conflict];
    |state, principal, id, if_match, body| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update = move |c: &mut _| {
            store::recognitions::update(c, &actor, root, id, &if_match, |row| body.apply(row))
        };
        endpoint::one(&state, update, |r| Ok(Recognition::from(r))).await
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_recognitions)
        .service(create_recognition)
        .service(get_recognition)
        .service(update_recognition);
}
