//! Outreach and training (举措5, 6, 8, 9): legal lectures, legal check-ups of villages and
//! enterprises, the themed tour "法律服务村村行", mobile stations on market days, publicity and
//! training sessions; counted in the monthly report.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, from_record, record_view, Source};
use crate::api::AppState;
use crate::domain::activity::{
    decode_id_list, ActivityKind, ActivityTopic, MAX_AUDIENCE, MAX_MATERIALS,
};
use crate::domain::codes::decode_code_list;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::activities::{ActivityFilter, ActivityRow, ActivityValues};
use crate::validation;

record_view! {
    /// An outreach or training activity.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 12, "unit_id": 4, "kind": "themed_tour", "title": "龙港镇“法律服务村村行”入户宣讲",
        "date": "2026-11-05", "place": "龙港镇东关村", "topics": ["land_rights", "support_maintenance"],
        "audience": "村民", "audience_size": 65, "materials_count": 120, "staff_ids": [7, 9],
        "notes": "发放惠民工程服务卡", "version": 1,
        "created_at": "2026-11-05T17:20:00+08:00", "updated_at": "2026-11-05T17:20:00+08:00"
    }))]
    pub struct Activity {
        /// Id.
        pub id: i64,
        /// The unit that held it.
        pub unit_id: i64,
        /// Kind.
        pub kind: ActivityKind,
        /// Title.
        pub title: String,
        /// The day it was held (China).
        pub date: NaiveDate,
        /// Where.
        pub place: String,
        /// What it was about.
        pub topics: Vec<ActivityTopic>,
        /// Who the audience was (villagers, workers of an enterprise, staff).
        pub audience: Option<String>,
        /// How many people it reached.
        pub audience_size: i32,
        /// How many materials were handed out (leaflets, service cards, handbooks).
        pub materials_count: i32,
        /// The staff who took part.
        pub staff_ids: Vec<i64>,
        /// Notes.
        pub notes: Option<String>,
    }
}

impl TryFrom<ActivityRow> for Activity {
    type Error = ApiError;
    fn try_from(row: ActivityRow) -> Result<Self, ApiError> {
        let topics = decode_code_list(&row.topics)
            .map_err(|e| ApiError::Internal(format!("activity {}: {e}", row.id)))?;
        let staff_ids = decode_id_list(&row.staff_ids).ok_or_else(|| {
            ApiError::Internal(format!("activity {}: a staff id is not a number", row.id))
        })?;
        Ok(from_record!(row => Activity {
            id: row.id,
            unit_id: row.unit_id,
            kind: row.kind,
            title: row.title,
            date: row.held_on,
            place: row.place,
            topics,
            audience: row.audience,
            audience_size: row.audience_size,
            materials_count: row.materials_count,
            staff_ids,
            notes: row.notes,
        }))
    }
}

/// A new activity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "kind": "themed_tour", "title": "龙港镇“法律服务村村行”入户宣讲",
    "date": "2026-11-05", "place": "龙港镇东关村", "topics": ["land_rights", "support_maintenance"],
    "audience": "村民", "audience_size": 65, "materials_count": 120, "staff_ids": [7, 9],
    "notes": "发放惠民工程服务卡"
}))]
pub struct NewActivity {
    /// The unit that held it, in the caller's subtree.
    pub unit_id: i64,
    /// Kind.
    pub kind: ActivityKind,
    /// Title.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub title: String,
    /// The day it was held (China); not after today.
    pub date: NaiveDate,
    /// Where (village, enterprise, market, hall).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: String,
    /// What it was about: one to 16 topics.
    #[schema(min_items = 1, max_items = 16)]
    #[validate(length(min = 1, max = 16))]
    pub topics: Vec<ActivityTopic>,
    /// Who the audience was.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub audience: Option<String>,
    /// How many people it reached (0 to 100000).
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub audience_size: i32,
    /// How many materials were handed out (0 to 1000000; default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1000000))]
    pub materials_count: i32,
    /// The staff who took part: active people of the caller's subtree, at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub staff_ids: Vec<i64>,
    /// Notes.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub notes: Option<String>,
}

/// Changes to an activity; absent fields stay, `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"audience_size": 72, "materials_count": 150}))]
pub struct ActivityPatch {
    /// Move to another unit of the caller's subtree.
    pub unit_id: Option<i64>,
    /// New kind.
    pub kind: Option<ActivityKind>,
    /// New title.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub title: Option<String>,
    /// New day (not after today).
    pub date: Option<NaiveDate>,
    /// New place.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<String>,
    /// New topics (one to 16).
    #[schema(min_items = 1, max_items = 16)]
    #[validate(length(min = 1, max = 16))]
    pub topics: Option<Vec<ActivityTopic>>,
    /// New audience, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub audience: Option<Option<String>>,
    /// New audience size.
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100000))]
    pub audience_size: Option<i32>,
    /// New count of materials.
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1000000))]
    pub materials_count: Option<i32>,
    /// New staff (replaces the list).
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub staff_ids: Option<Vec<i64>>,
    /// New notes, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub notes: Option<Option<String>>,
}

const _: () = assert!(MAX_AUDIENCE == 100_000 && MAX_MATERIALS == 1_000_000);

/// 422 when `date` is after today in China.
fn not_future(state: &AppState, date: NaiveDate) -> Result<(), ApiError> {
    let today = crate::domain::periods::china_date(state.clock.now());
    if date > today {
        return Err(ApiError::invalid_field(
            "date",
            "future",
            format!("{date} is after today ({today}): record an activity once it was held"),
        ));
    }
    Ok(())
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|s| s.trim().to_owned())
}

impl NewActivity {
    fn values(&self) -> ActivityValues {
        ActivityValues {
            unit_id: self.unit_id,
            kind: self.kind,
            title: self.title.trim().to_owned(),
            held_on: self.date,
            place: self.place.trim().to_owned(),
            topics: self.topics.clone(),
            audience: trimmed(&self.audience),
            audience_size: self.audience_size,
            materials_count: self.materials_count,
            staff_ids: self.staff_ids.clone(),
            notes: trimmed(&self.notes),
        }
    }
}

impl ActivityPatch {
    /// The activity as changed by this patch.
    fn apply(&self, current: &ActivityRow) -> Result<ActivityValues, ApiError> {
        let now = Activity::try_from(current.clone())?;
        let pick = validation::patched::<String>;
        Ok(ActivityValues {
            unit_id: self.unit_id.unwrap_or(now.unit_id),
            kind: self.kind.unwrap_or(now.kind),
            title: self
                .title
                .as_deref()
                .map_or(now.title, |t| t.trim().to_owned()),
            held_on: self.date.unwrap_or(now.date),
            place: self
                .place
                .as_deref()
                .map_or(now.place, |t| t.trim().to_owned()),
            topics: self.topics.clone().unwrap_or(now.topics),
            audience: pick(&self.audience, &now.audience),
            audience_size: self.audience_size.unwrap_or(now.audience_size),
            materials_count: self.materials_count.unwrap_or(now.materials_count),
            staff_ids: self.staff_ids.clone().unwrap_or(now.staff_ids),
            notes: pick(&self.notes, &now.notes),
        })
    }
}

endpoint! {
    /// List the outreach and training activities of the caller's subtree.
    list list_activities("/activities", ListActivities, ActivityFilter) -> Activity,
        tag = "activities", ok = "Activities of the caller's subtree, by date and id";
    |state, principal, filter, page| {
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::activities::list(c, root, &filter, p);
        endpoint::page(&state, page, "activities", Source::Replica, list, Activity::try_from).await
    }
}

endpoint! {
    /// Record an activity held by a unit of the caller's subtree (admin, unit staff, aid officers).
    create create_activity("/activities", CreateActivity, NewActivity) -> Activity,
        tag = "activities", ok = "Recorded", location = "The new activity";
    |state, principal, idem, body| {
        not_future(&state, body.date)?;
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let create = move |c: &mut _| {
            store::activities::create(c, &actor, root, body.values(), &*body, &idem)
        };
        endpoint::created(&state, "/api/v1/activities", create, Activity::try_from).await
    }
}

endpoint! {
    /// Read an activity of the caller's subtree.
    get get_activity("/activities/{id}", GetActivity) -> Activity,
        tag = "activities", id = "Activity id", ok = "The activity";
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::activities::find(c, root, id);
        endpoint::one(&state, find, Activity::try_from).await
    }
}

endpoint! {
    /// Change an activity of the caller's subtree (admin, unit staff, aid officers).
    update update_activity("/activities/{id}", UpdateActivity, ActivityPatch) -> Activity,
        tag = "activities", id = "Activity id", ok = "The changed activity";
    |state, principal, id, if_match, body| {
        if let Some(date) = body.date {
            not_future(&state, date)?;
        }
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update = move |c: &mut _| {
            store::activities::update(c, &actor, root, id, &if_match, |row| body.apply(row))
        };
        endpoint::one(&state, update, Activity::try_from).await
    }
}

endpoint! {
    /// Delete an activity recorded in error (admin, unit staff, aid officers); audited.
    delete delete_activity("/activities/{id}", DeleteActivity),
        tag = "activities", id = "Activity id", ok = "Deleted (the audit trail keeps it)";
    |state, principal, id, if_match| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let delete = move |c: &mut _| store::activities::delete(c, &actor, root, id, &if_match);
        endpoint::deleted(&state, delete).await
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_activities)
        .service(create_activity)
        .service(get_activity)
        .service(update_activity)
        .service(delete_activity);
}
