//! The business calendar: public holidays and adjusted working days (调休), read by everyone and
//! kept by the admins of the deployment's top unit.

use actix_web::{delete, get, put, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::errors as e;
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::calendar::DayKind;
use crate::error::ApiError;
use crate::store;
use crate::time::to_cst;
use crate::validation;

/// A day that does not follow the week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"date": "2023-01-28", "kind": "workday", "name": "春节调休上班", "updated_at": "2023-01-01T00:00:00+08:00"}))]
pub struct CalendarDay {
    /// The day.
    pub date: NaiveDate,
    /// Holiday, or adjusted working day.
    pub kind: DayKind,
    /// What it is.
    pub name: String,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl From<store::calendar::CalendarDayRow> for CalendarDay {
    fn from(row: store::calendar::CalendarDayRow) -> Self {
        CalendarDay {
            kind: row.kind,
            date: row.day,
            name: row.name,
            updated_at: to_cst(row.updated_at),
        }
    }
}

/// The calendar's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// The year to list (2000 to 2100); this year (China Standard Time) when left out.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// The published holiday schedule a year's calendar holds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"notice": "国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号）", "issued_on": "2022-12-08", "installed_at": "2023-01-01T00:00:00+08:00"}))]
pub struct CalendarSchedule {
    /// The State Council's notice, cited.
    pub notice: String,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// When the service installed it.
    pub installed_at: DateTime<FixedOffset>,
}

/// The days of a year that do not follow the week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    /// The year.
    pub year: i32,
    /// The published schedule the year's days come from; null: the calendar does not hold the
    /// year's schedule, so legal periods that end in it cannot be counted (the aid deadlines say
    /// so rather than guess).
    pub schedule: Option<CalendarSchedule>,
    /// Holidays and adjusted working days, by date.
    pub items: Vec<CalendarDay>,
}

/// What a day becomes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "holiday", "name": "元旦"}))]
pub struct CalendarDayInput {
    /// Holiday, or adjusted working day.
    pub kind: DayKind,
    /// What it is.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: String,
}

#[utoipa::path(
    tag = "calendar",
    params(CalendarQuery),
    responses(
        (status = 200, description = "Holidays and adjusted working days of the year; other days follow the week (Monday to Friday work)", body = CalendarYear),
        e::Public,
    )
)]
#[get("/calendar")]
/// The holidays and adjusted working days of a year (no token).
pub async fn get_calendar(
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year.unwrap_or_else(|| {
        chrono::Datelike::year(&state.clock.now().with_timezone(&crate::time::cst()))
    });
    crate::domain::targets::check_year(year).map_err(ApiError::BadRequest)?;
    let (from, to) = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(f), Some(t)) => (f, t),
        _ => return Err(ApiError::BadRequest(crate::domain::targets::bad_year())),
    };
    let (schedule, rows) = store::run(&state.pool, move |c| {
        Ok((
            store::calendar::schedule(c, year)?,
            store::calendar::overrides(c, from, to)?,
        ))
    })
    .await?;
    let items = rows.into_iter().map(CalendarDay::from).collect();
    let schedule = schedule.map(|row| CalendarSchedule {
        notice: row.notice,
        issued_on: row.issued_on,
        installed_at: to_cst(row.installed_at),
    });
    Ok(HttpResponse::Ok().json(CalendarYear {
        year,
        schedule,
        items,
    }))
}

#[utoipa::path(
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "The day (YYYY-MM-DD)")),
    request_body = CalendarDayInput,
    responses(
        (status = 200, description = "Changed", body = CalendarDay),
        (status = 201, description = "Added", body = CalendarDay),
        e::Create,
        e::NotFound,
    ),
)]
#[put("/calendar/{date}")]
/// Make a day a holiday or an adjusted working day (admins of the top unit).
pub async fn put_calendar_day(
    state: web::Data<AppState>,
    principal: Authorized<op::PutCalendarDay>,
    date: web::Path<NaiveDate>,
    body: Json<CalendarDayInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let date = date.into_inner();
    let actor = state.actor(&principal);
    let (row, created) = store::run(&state.pool, move |c| {
        store::calendar::put(c, &actor, date, body.kind, body.name.trim())
    })
    .await?;
    let day = CalendarDay::from(row);
    Ok(if created {
        HttpResponse::Created().json(day)
    } else {
        HttpResponse::Ok().json(day)
    })
}

#[utoipa::path(
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "The day (YYYY-MM-DD)")),
    responses(
        (status = 204, description = "Removed: the day follows the week again"),
        e::Read, e::Forbidden,
    ),
)]
#[delete("/calendar/{date}")]
/// Remove a day's entry (admins of the top unit).
pub async fn delete_calendar_day(
    state: web::Data<AppState>,
    principal: Authorized<op::DeleteCalendarDay>,
    date: web::Path<NaiveDate>,
) -> Result<HttpResponse, ApiError> {
    let date = date.into_inner();
    let actor = state.actor(&principal);
    store::run(&state.pool, move |c| {
        store::calendar::delete(c, &actor, date)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_calendar)
        .service(put_calendar_day)
        .service(delete_calendar_day);
}
