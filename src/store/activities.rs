//! Queries of outreach and training activities (举措5, 6, 8, 9).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{activities, staff};
use crate::db::DbConnection;
use crate::domain::activity::{encode_id_list, ActivityKind, ActivityTopic};
use crate::domain::codes::encode_code_list;
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::changes::changed_since_filter;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::find_in_subtree;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write::{self, first_version, record};
use crate::store::{audit, duty, units, Actor};

/// A stored activity. `topics` and `staff_ids` are delimited lists (`,a,b,`).
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_null = true)]
pub struct ActivityRow {
    pub id: i64,
    pub unit_id: i64,
    pub kind: ActivityKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub topics: String,
    pub audience: Option<String>,
    pub audience_size: i32,
    pub materials_count: i32,
    pub staff_ids: String,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(ActivityRow, "activity" in "activities", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

changed_since_filter! {
    /// Filters of the activity list.
    pub struct ActivityFilter {
        /// Only activities of this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only this kind.
        pub kind: Option<ActivityKind>,
        /// Only activities about this topic.
        pub topic: Option<ActivityTopic>,
        /// Only activities this person took part in.
        pub staff_id: Option<i64>,
        /// Only activities on or after this day.
        pub from: Option<NaiveDate>,
        /// Only activities on or before this day.
        pub to: Option<NaiveDate>,
    }
}

/// The fields of an activity as written.
#[derive(Debug, Clone)]
pub struct ActivityValues {
    pub unit_id: i64,
    pub kind: ActivityKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub topics: Vec<ActivityTopic>,
    pub audience: Option<String>,
    pub audience_size: i32,
    pub materials_count: i32,
    pub staff_ids: Vec<i64>,
    pub notes: Option<String>,
}

/// Activities of units in the subtree of `root`, by (date, id).
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &ActivityFilter,
    page: &PageRequest,
) -> Result<Page<ActivityRow>, ApiError> {
    let mut query = activities::table
        .filter(unit_id_in_subtree("activities.unit_id", root))
        .select(ActivityRow::as_select())
        .order((activities::held_on.asc(), activities::id.asc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_day("activities.held_on", "activities.id", Order::Ascending)? {
        query = query.filter(after);
    }
    query = query.filter_some(filter.unit_id, |unit| {
        unit_id_in_subtree("activities.unit_id", unit)
    });
    query = query.filter_some(filter.kind, |kind| activities::kind.eq(kind));
    query = query.filter_some(filter.topic, |topic| {
        activities::topics.like(format!("%,{topic},%"))
    });
    query = query.filter_some(filter.staff_id, |staff_id| {
        activities::staff_ids.like(format!("%,{staff_id},%"))
    });
    query = query.filter_some(filter.from, |from| activities::held_on.ge(from));
    query = query.filter_some(filter.to, |to| activities::held_on.le(to));
    query = query.filter_some(filter.updated_after, |t| {
        activities::updated_at.gt(t.naive_utc())
    });
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_day(r.held_on, r.id), Ok)
}

find_in_subtree! {
    /// One activity of the subtree of `root`.
    ActivityRow in activities, "activities.unit_id", ACTIVITY
}

/// The unit and the people, checked in the subtree of `root` (422 on their fields).
fn check_refs(tx: &mut DbConnection, root: i64, v: &ActivityValues) -> Result<(), ApiError> {
    units::find_referenced(tx, root, v.unit_id, "unit_id")?;
    duty::check_staff(tx, root, &v.staff_ids, "staff_ids")?;
    Ok(())
}

fn insert_row(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    v: &ActivityValues,
) -> Result<ActivityRow, ApiError> {
    Ok(diesel::insert_into(activities::table)
        .values((
            activities::unit_id.eq(v.unit_id),
            activities::kind.eq(v.kind),
            activities::title.eq(&v.title),
            activities::held_on.eq(v.held_on),
            activities::place.eq(&v.place),
            activities::topics.eq(encode_code_list(&v.topics)),
            activities::audience.eq(&v.audience),
            activities::audience_size.eq(v.audience_size),
            activities::materials_count.eq(v.materials_count),
            activities::staff_ids.eq(encode_id_list(&v.staff_ids)),
            activities::notes.eq(&v.notes),
            first_version!(activities, now),
        ))
        .returning(activities::all_columns)
        .get_result(tx)?)
}

/// Records an activity of a unit of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    values: ActivityValues,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(ActivityRow, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        check_refs(tx, root, &values)?;
        insert_row(tx, log.at(), &values)
    })
}

/// Changes an activity of the subtree of `root` to what `change` makes of it.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: impl FnOnce(&ActivityRow) -> Result<ActivityValues, ApiError>,
) -> Result<ActivityRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let v = change(current)?;
        check_refs(tx, root, &v)?;
        Ok(
            diesel::update(activities::table.filter(activities::id.eq(id)))
                .set(&ActivityRow {
                    id,
                    unit_id: v.unit_id,
                    kind: v.kind,
                    title: v.title,
                    held_on: v.held_on,
                    place: v.place,
                    topics: encode_code_list(&v.topics),
                    audience: v.audience,
                    audience_size: v.audience_size,
                    materials_count: v.materials_count,
                    staff_ids: encode_id_list(&v.staff_ids),
                    notes: v.notes,
                    version: current.version + 1,
                    created_at: current.created_at,
                    updated_at: log.at(),
                })
                .returning(activities::all_columns)
                .get_result(tx)?,
        )
    })
}

/// Deletes an activity of the subtree of `root` (the trail keeps it).
pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    write::delete(
        conn,
        actor,
        if_match,
        |tx| find(tx, root, id),
        |tx| {
            diesel::delete(activities::table.filter(activities::id.eq(id))).execute(tx)?;
            Ok(())
        },
    )
}

/// The kinds a township office holds in turn through the demo year, with where and about what.
const DEMO_PLAN: [(ActivityKind, &str, &[ActivityTopic]); 6] = {
    use ActivityKind as K;
    use ActivityTopic as T;
    [
        (
            K::ThemedTour,
            "“法律服务村村行 服务群众零距离”入户宣讲",
            &[T::LandRights, T::SupportMaintenance],
        ),
        (
            K::MobileStation,
            "集会日流动法律咨询",
            &[T::MarriageFamily, T::SocialSecurity],
        ),
        (
            K::LegalLecture,
            "进村普法讲座",
            &[T::MarriageFamily, T::SupportMaintenance],
        ),
        (
            K::VillageCheckup,
            "村规民约法治体检",
            &[T::LandAcquisitionDemolition, T::LandRights],
        ),
        (
            K::EnterpriseCheckup,
            "企业用工法治体检",
            &[T::SocialSecurity, T::Other],
        ),
        (
            K::Publicity,
            "惠民工程宣传",
            &[T::HuiminProgramme, T::SchoolingMedical],
        ),
    ]
};

/// A year of demo activities up to `today`, deterministic: every township judicial office of
/// the Qinshui demo county holds an outreach activity about every two weeks (kinds in turn, the
/// themed tour most often), and the county bureau a training session each month; returns how
/// many were written. Writes nothing when the demo county is absent.
pub fn seed_demo_year(
    conn: &mut DbConnection,
    actor: &Actor,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let Some(county) = units::by_code(conn, "140521")? else {
        return Ok(0);
    };
    let offices: Vec<(i64, String)> = crate::db::schema::units::table
        .filter(crate::store::scope::unit_in_subtree(county.id))
        .filter(crate::db::schema::units::kind.eq(UnitKind::JudicialOffice))
        .order(crate::db::schema::units::id.asc())
        .select((crate::db::schema::units::id, crate::db::schema::units::name))
        .load(conn)?;
    let first_staff = |conn: &mut DbConnection, unit: i64| -> Result<Vec<i64>, ApiError> {
        Ok(staff::table
            .filter(staff::unit_id.eq(unit))
            .filter(staff::active.eq(true))
            .order(staff::id.asc())
            .select(staff::id)
            .limit(2)
            .load(conn)?)
    };
    let start = today - chrono::Days::new(364);
    let mut planned = Vec::new();
    for (n, (unit, name)) in offices.iter().enumerate() {
        let people = first_staff(conn, *unit)?;
        let town = name.trim_end_matches("司法所").to_owned();
        let mut day = start + chrono::Days::new((n % 14) as u64);
        let mut turn = n;
        while day <= today {
            let (kind, title, topics) = DEMO_PLAN[turn % DEMO_PLAN.len()];
            let seed = (n * 31 + turn * 17) % 97;
            planned.push(ActivityValues {
                unit_id: *unit,
                kind,
                title: format!("{town}{title}"),
                held_on: day,
                place: format!("{town}{}村", ["东关", "南山", "西庄", "北坡"][turn % 4]),
                topics: topics.to_vec(),
                audience: Some(if kind == ActivityKind::EnterpriseCheckup {
                    "企业职工".into()
                } else {
                    "村民".into()
                }),
                audience_size: 20 + seed as i32,
                materials_count: 50 + (seed as i32) * 3,
                staff_ids: people.clone(),
                notes: None,
            });
            turn += 1;
            day = day + chrono::Days::new(if turn % 3 == 0 { 7 } else { 14 });
        }
    }
    let training_staff = first_staff(conn, county.id)?;
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 20).unwrap_or(start);
    while month <= today {
        if month >= start {
            planned.push(ActivityValues {
                unit_id: county.id,
                kind: ActivityKind::Training,
                title: format!("{}月惠民工程业务培训（月例会）", month.month()),
                held_on: month,
                place: "沁水县司法局会议室".into(),
                topics: vec![ActivityTopic::RulesStandards, ActivityTopic::MassWork],
                audience: Some("各司法所所长、法律服务工作者".into()),
                audience_size: 28,
                materials_count: 30,
                staff_ids: training_staff.clone(),
                notes: Some("集中授课与业务交流研讨".into()),
            });
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(today + chrono::Days::new(1));
    }
    let count = planned.len();
    // In short transactions (a few dozen rows each), so that the change feed of a busy server is
    // never held back for long by the seeding.
    for chunk in planned.chunks(40) {
        audit::write(conn, actor, |tx, log| {
            for v in chunk {
                let row = insert_row(tx, log.at(), v)?;
                write::record_created(log, &row);
            }
            Ok(())
        })?;
    }
    Ok(count)
}
