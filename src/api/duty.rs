//! Duty shifts ("今日我当班"): who is on duty where, in which half of which day; created one at a
//! time, as an all-or-nothing batch, or from a weekly pattern over working days.

use actix_web::{delete, get, patch, post, HttpResponse};
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::access::reach_of;
use crate::api::endpoint::{self, endpoint, record_view, Source};
use crate::domain::duty::{DayOfWeek, DutyKind, DutyPeriod, StaffKind};
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::duty::{DutyShiftFilter, Shift, ShiftChange, ShiftInput, ShiftPerson};
use crate::time::to_cst;
use crate::validation;

pub use crate::store::duty::MAX_BATCH;
/// The longest span a pattern may cover, in days.
pub const MAX_PATTERN_DAYS: i64 = 93;

/// A person on a shift (public facts only: no phone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShiftStaff {
    /// Staff id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: StaffKind,
}

impl From<ShiftPerson> for ShiftStaff {
    fn from(p: ShiftPerson) -> Self {
        ShiftStaff {
            id: p.id,
            name: p.name,
            kind: p.kind,
        }
    }
}

record_view! {
    /// A duty shift.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 12, "unit_id": 4, "date": "2023-03-06", "period": "morning", "kind": "station_duty",
        "place": "龙港镇公共法律服务工作站", "note": null,
        "staff": [{"id": 7, "name": "王敏", "kind": "judicial_office_staff"}],
        "version": 1, "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
    }))]
    pub struct DutyShift {
        /// Id.
        pub id: i64,
        /// The unit on whose roster the shift is.
        pub unit_id: i64,
        /// The day.
        pub date: NaiveDate,
        /// The part of the day.
        pub period: DutyPeriod,
        /// What the people do.
        pub kind: DutyKind,
        /// Where: the station, a village or enterprise, a market-day site.
        pub place: Option<String>,
        /// A note.
        pub note: Option<String>,
        /// The people on the shift.
        pub staff: Vec<ShiftStaff>,
    }
}

impl From<Shift> for DutyShift {
    fn from(s: Shift) -> Self {
        DutyShift {
            id: s.id,
            unit_id: s.unit_id,
            date: s.date,
            period: s.period,
            kind: s.kind,
            place: s.place,
            note: s.note,
            staff: s.staff.into_iter().map(ShiftStaff::from).collect(),
            version: s.version,
            created_at: to_cst(s.created_at),
            updated_at: to_cst(s.updated_at),
        }
    }
}

/// A new shift.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "date": "2023-03-06", "period": "morning", "kind": "station_duty",
    "place": "龙港镇公共法律服务工作站", "staff_ids": [7]
}))]
pub struct NewDutyShift {
    /// The unit, in the caller's subtree.
    pub unit_id: i64,
    /// The day.
    pub date: NaiveDate,
    /// The part of the day.
    pub period: DutyPeriod,
    /// What the people do.
    pub kind: DutyKind,
    /// Where.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<String>,
    /// A note.
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub note: Option<String>,
    /// The people on the shift (1 to 10), in the caller's subtree and active.
    #[schema(min_items = 1, max_items = 10)]
    #[validate(length(min = 1, max = 10))]
    pub staff_ids: Vec<i64>,
}

/// Changes to a shift; absent fields stay, `null` clears place or note.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": "afternoon", "staff_ids": [7, 9]}))]
pub struct DutyShiftPatch {
    /// Move to another unit's roster.
    pub unit_id: Option<i64>,
    /// Another day.
    pub date: Option<NaiveDate>,
    /// Another part of the day.
    pub period: Option<DutyPeriod>,
    /// Another kind.
    pub kind: Option<DutyKind>,
    /// New place, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<Option<String>>,
    /// New note, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub note: Option<Option<String>>,
    /// The people (replaces the list).
    #[schema(min_items = 1, max_items = 10)]
    #[validate(length(min = 1, max = 10))]
    pub staff_ids: Option<Vec<i64>>,
}

impl NewDutyShift {
    /// The shift to write.
    pub fn input(&self) -> ShiftInput {
        ShiftInput {
            unit_id: self.unit_id,
            date: self.date,
            period: self.period,
            kind: self.kind,
            place: self.place.clone(),
            note: self.note.clone(),
            staff_ids: self.staff_ids.clone(),
        }
    }
}

impl DutyShiftPatch {
    /// The change to write.
    pub fn change(&self) -> ShiftChange {
        ShiftChange {
            unit_id: self.unit_id,
            date: self.date,
            period: self.period,
            kind: self.kind,
            place: self.place.clone(),
            note: self.note.clone(),
            staff_ids: self.staff_ids.clone(),
        }
    }
}

/// Several shifts, created all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"shifts": [
    {"unit_id": 4, "date": "2023-03-06", "period": "morning", "kind": "station_duty", "staff_ids": [7]},
    {"unit_id": 4, "date": "2023-03-08", "period": "afternoon", "kind": "village_visit", "place": "东关村", "staff_ids": [7]}
]}))]
pub struct DutyShiftBatch {
    /// The shifts (1 to 400).
    #[schema(min_items = 1, max_items = 400)]
    #[validate(length(min = 1, max = 400), nested)]
    pub shifts: Vec<NewDutyShift>,
}

/// One weekly slot of a pattern.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PatternSlot {
    /// The day of the week.
    pub day: DayOfWeek,
    /// The part of the day.
    pub period: DutyPeriod,
    /// What the people do.
    pub kind: DutyKind,
    /// Where.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<String>,
    /// The people (1 to 10).
    #[schema(min_items = 1, max_items = 10)]
    #[validate(length(min = 1, max = 10))]
    pub staff_ids: Vec<i64>,
}

/// A weekly pattern expanded over a date range.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "from": "2023-03-06", "to": "2023-03-31",
    "slots": [
        {"day": "monday", "period": "morning", "kind": "station_duty", "staff_ids": [7]},
        {"day": "wednesday", "period": "afternoon", "kind": "village_visit", "place": "东关村", "staff_ids": [7]}
    ]
}))]
pub struct DutyPattern {
    /// The unit whose roster it is.
    pub unit_id: i64,
    /// First day (included).
    pub from: NaiveDate,
    /// Last day (included); at most 93 days after `from`.
    pub to: NaiveDate,
    /// The weekly slots (1 to 50).
    #[schema(min_items = 1, max_items = 50)]
    #[validate(length(min = 1, max = 50), nested)]
    pub slots: Vec<PatternSlot>,
    /// Also create shifts on rest days and holidays (default false: only working days, with
    /// adjusted working days included).
    #[serde(default)]
    pub include_non_working_days: bool,
}

/// What a batch or pattern created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedShifts {
    /// The shifts created, by date.
    pub items: Vec<DutyShift>,
    /// Days of the range that a slot fell on but that are not working days (pattern only).
    pub skipped_dates: Vec<NaiveDate>,
}

impl DutyPattern {
    /// The shifts the pattern stands for, and the slot days skipped as non-working.
    pub fn expand(
        &self,
        calendar: &crate::domain::calendar::BusinessCalendar,
    ) -> (Vec<ShiftInput>, Vec<NaiveDate>) {
        let mut shifts = Vec::new();
        let mut skipped = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            let slots: Vec<&PatternSlot> = self
                .slots
                .iter()
                .filter(|s| s.day.weekday() == day.weekday())
                .collect();
            if !slots.is_empty() {
                if self.include_non_working_days || calendar.is_working_day(day) {
                    shifts.extend(slots.into_iter().map(|s| ShiftInput {
                        unit_id: self.unit_id,
                        date: day,
                        period: s.period,
                        kind: s.kind,
                        place: s.place.clone(),
                        note: None,
                        staff_ids: s.staff_ids.clone(),
                    }));
                } else {
                    skipped.push(day);
                }
            }
            day += Duration::days(1);
        }
        (shifts, skipped)
    }
}

fn created_response(
    items: Vec<DutyShift>,
    skipped_dates: Vec<NaiveDate>,
    replayed: bool,
) -> HttpResponse {
    let mut res = HttpResponse::Created();
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(CreatedShifts {
        items,
        skipped_dates,
    })
}

endpoint! {
    /// List duty shifts of the caller's subtree (providers: the shifts they are on).
    list list_duty_shifts("/duty-shifts", ListDutyShifts, DutyShiftFilter) -> DutyShift,
        tag = "duty", ok = "Shifts of the caller's subtree, by date and id";
    |state, principal, filter, page| {
        let reach = reach_of(&principal);
        let list = move |c: &mut _, p: &_| store::duty::list(c, reach, &filter, p);
        let view = |r| Ok(DutyShift::from(r));
        endpoint::page(&state, page, "duty_shifts", Source::Replica, list, view).await
    }
}

endpoint! {
    /// Book a shift (admin, unit staff). A person already booked in an overlapping period of the
    /// same day is a 409 naming the clash.
    create create_duty_shift("/duty-shifts", CreateDutyShift, NewDutyShift) -> DutyShift,
        tag = "duty", ok = "Created", location = "The new shift", also = [Conflict];
    |state, principal, idem, body| {
        let (actor, root, input) = (state.actor(&principal), principal.unit_id, body.input());
        let create = move |c: &mut _| store::duty::create(c, &actor, &idem, root, &*body, &input);
        endpoint::created(&state, "/api/v1/duty-shifts", create, |r| Ok(DutyShift::from(r))).await
    }
}

endpoint! {
    /// Book several shifts at once, all or nothing (admin, unit staff): one clash or invalid shift
    /// and none is created. Errors name the shift as `shifts[i].field`.
    submit create_duty_shift_batch("/duty-shifts/batch", CreateDutyShiftBatch, DutyShiftBatch)
        -> CreatedShifts,
        tag = "duty", ok = "Every shift created", also = [Conflict];
    |state, principal, idem, body| {
        let actor = state.actor(&principal);
        let root = principal.unit_id;
        let inputs: Vec<ShiftInput> = body.shifts.iter().map(NewDutyShift::input).collect();
        let (shifts, replayed) = store::run(&state.pool, move |c| {
            store::duty::create_batch(c, &actor, &idem, root, &*body, &inputs)
        })
        .await?;
        Ok(created_response(
            shifts.into_iter().map(DutyShift::from).collect(),
            Vec::new(),
            replayed,
        ))
    }
}

endpoint! {
    /// Expand a weekly pattern over a date range (at most 93 days) into shifts, skipping rest days
    /// and public holidays and including adjusted working days (admin, unit staff). All or nothing.
    submit create_duty_shift_pattern("/duty-shifts/pattern", CreateDutyShiftPattern, DutyPattern)
        -> CreatedShifts,
        tag = "duty", ok = "The shifts the pattern stands for, all created", also = [Conflict];
    |state, principal, idem, body| {
        if body.to < body.from {
            return Err(ApiError::invalid_field(
                "to",
                "range",
                "must not be before `from`",
            ));
        }
        if (body.to - body.from).num_days() > MAX_PATTERN_DAYS {
            return Err(ApiError::invalid_field(
                "to",
                "range",
                format!("a pattern covers at most {MAX_PATTERN_DAYS} days"),
            ));
        }
        let actor = state.actor(&principal);
        let root = principal.unit_id;
        let ((shifts, skipped), replayed) = store::run(&state.pool, move |c| {
            let slot_staff: Vec<&[i64]> = body.slots.iter().map(|s| &s.staff_ids[..]).collect();
            let span = (body.from, body.to);
            store::duty::create_pattern(c, &actor, &idem, root, &*body, &slot_staff, span, |cal| {
                body.expand(cal)
            })
        })
        .await?;
        Ok(created_response(
            shifts.into_iter().map(DutyShift::from).collect(),
            skipped,
            replayed,
        ))
    }
}

endpoint! {
    /// Read a shift of the caller's subtree (providers: one they are on).
    get get_duty_shift("/duty-shifts/{id}", GetDutyShift) -> DutyShift,
        tag = "duty", id = "Shift id", ok = "The shift";
    |state, principal, id| {
        let reach = reach_of(&principal);
        let find = move |c: &mut _| store::duty::find_reached(c, reach, id);
        endpoint::one(&state, find, |r| Ok(DutyShift::from(r))).await
    }
}

endpoint! {
    /// Change a shift (admin, unit staff).
    update update_duty_shift("/duty-shifts/{id}", UpdateDutyShift, DutyShiftPatch) -> DutyShift,
        tag = "duty", id = "Shift id", ok = "The changed shift", also = [Conflict];
    |state, principal, id, if_match, body| {
        let (actor, root, change) = (state.actor(&principal), principal.unit_id, body.change());
        let update = move |c: &mut _| store::duty::update(c, &actor, root, id, &if_match, &change);
        endpoint::one(&state, update, |r| Ok(DutyShift::from(r))).await
    }
}

endpoint! {
    /// Delete a shift (admin, unit staff); audited.
    delete delete_duty_shift("/duty-shifts/{id}", DeleteDutyShift),
        tag = "duty", id = "Shift id", ok = "Deleted (the audit trail keeps it)";
    |state, principal, id, if_match| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let delete = move |c: &mut _| store::duty::delete(c, &actor, root, id, &if_match);
        endpoint::deleted(&state, delete).await
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_duty_shifts)
        .service(create_duty_shift)
        .service(create_duty_shift_batch)
        .service(create_duty_shift_pattern)
        .service(get_duty_shift)
        .service(update_duty_shift)
        .service(delete_duty_shift);
}
