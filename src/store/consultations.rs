//! Queries of consultations: registration, search, review, repeat visitors and the ledger.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use std::collections::HashMap;

use crate::db::fragment::Fragment;
use crate::db::schema::{consultations, staff, units};
use crate::db::DbConnection;
use crate::domain::consultation::{
    decide, AgeGroup, Channel, Outcome, ReviewDecision, ReviewState, Site, SpecialGroup, Topic,
};
use crate::domain::id_card::Sex;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::audit::AuditLog;
use crate::store::external_refs::{self, RefEntity};
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::check_referenced;
use crate::store::scope::{in_subtree, nothing, unit_id_in_subtree, unit_in_subtree, Reach};
use crate::store::write;
use crate::store::write::record;
use crate::store::Actor;
use diesel::sql_types::Bool;

/// A stored consultation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = consultations)]
#[diesel(treat_none_as_null = true)]
pub struct ConsultationRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit_id: i64,
    pub staff_id: Option<i64>,
    pub duty_shift_id: Option<i64>,
    pub received_at: NaiveDateTime,
    pub channel: Channel,
    pub site: Site,
    pub place: Option<String>,
    pub person_name: Option<String>,
    pub sex: Option<Sex>,
    pub age: Option<i32>,
    pub age_group: Option<AgeGroup>,
    pub birth_date: Option<NaiveDate>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub special_groups: String,
    pub topics: String,
    pub question: String,
    pub answer: Option<String>,
    pub outcome: Outcome,
    pub matters_count: i32,
    pub callback_consent: bool,
    pub review_state: ReviewState,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_requested_at: NaiveDateTime,
    pub registered_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Filters of the list and the ledger.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationFilter {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
    /// Received on or after this day (China time).
    pub from: Option<NaiveDate>,
    /// Received on or before this day (China time).
    pub to: Option<NaiveDate>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only with this topic.
    pub topic: Option<Topic>,
    /// Only with this special group.
    pub special_group: Option<SpecialGroup>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only in this review state.
    pub review_state: Option<ReviewState>,
    /// Only answered by this staff member.
    pub staff_id: Option<i64>,
    /// Text in the question or answer (no control or invisible characters).
    #[param(max_length = 100, pattern = "search")]
    pub q: Option<String>,
    /// Only records changed after this time (`updated_at` strictly later; RFC 3339, e.g.
    /// `2024-01-01T00:00:00Z`; a `+08:00` offset must be sent as `%2B08:00`). With keyset
    /// paging and the other filters, it fetches only what changed since a previous read.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_after: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Only the record with this external reference (as any account set it).
    #[param(min_length = 1, max_length = 64, pattern = "external_ref")]
    pub external_ref: Option<String>,
}

impl ConsultationFilter {
    /// Whether the filter names nothing but units: the list of a subtree as it stands.
    fn scope_only(&self) -> bool {
        let ConsultationFilter {
            unit_id: _,
            from,
            to,
            channel,
            topic,
            special_group,
            outcome,
            review_state,
            staff_id,
            q,
            updated_after,
            external_ref,
        } = self;
        from.is_none()
            && to.is_none()
            && channel.is_none()
            && topic.is_none()
            && special_group.is_none()
            && outcome.is_none()
            && review_state.is_none()
            && staff_id.is_none()
            && q.as_deref().map(str::trim).is_none_or(str::is_empty)
            && updated_after.is_none()
            && external_ref.is_none()
    }
}

/// Who reads: the caller's unit, and what it reaches of consultations.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// The caller's unit (references in a body must lie in its subtree).
    pub root: i64,
    /// The consultations reached: those of the subtree, or for providers those answered by
    /// their own staff record, wherever they were registered.
    pub reach: Reach,
}

type Boxed<'a> = consultations::BoxedQuery<'a, crate::db::MultiBackend>;

fn scoped<'a>(reader: Reader) -> Boxed<'a> {
    let q = consultations::table.into_boxed();
    match reader.reach {
        Reach::Subtree(root) => q.filter(unit_id_in_subtree("consultations.unit_id", root)),
        Reach::OwnStaff(Some(staff_id)) => q.filter(consultations::staff_id.eq(staff_id)),
        Reach::OwnStaff(None) => q.filter(nothing()),
    }
}

fn filtered<'a>(reader: Reader, f: &ConsultationFilter) -> Boxed<'a> {
    filtered_from(scoped(reader), f)
}

/// [`filtered`], with a subtree reader's scope bound by its root's path rather than its id
/// (`units.path LIKE '/1/2/%'`): the planner then knows how much of the tree the reader covers
/// and reads a province's rows in time order, not unit by unit and sorted. One more query, for
/// the path.
fn filtered_by_path<'a>(
    conn: &mut DbConnection,
    reader: Reader,
    f: &ConsultationFilter,
) -> Result<Boxed<'a>, ApiError> {
    let Reach::Subtree(root) = reader.reach else {
        return Ok(filtered(reader, f));
    };
    let path: Option<String> = units::table
        .find(root)
        .select(units::path)
        .first(conn)
        .optional()?;
    let q = consultations::table.into_boxed();
    let q = match path {
        Some(path) => q.filter(
            consultations::unit_id.eq_any(
                units::table
                    .select(units::id)
                    .filter(units::path.like(format!("{path}%"))),
            ),
        ),
        None => q.filter(nothing()),
    };
    Ok(filtered_from(q, f))
}

fn filtered_from<'a>(mut q: Boxed<'a>, f: &ConsultationFilter) -> Boxed<'a> {
    q = q.filter_some(f.unit_id, |unit| {
        unit_id_in_subtree("consultations.unit_id", unit)
    });
    conditions(q, f)
}

/// The filter's conditions other than the units.
fn conditions<'a>(mut q: Boxed<'a>, f: &ConsultationFilter) -> Boxed<'a> {
    if let Some(from) = f.from {
        if let Some(t) = crate::time::day_start_utc(from) {
            q = q.filter(consultations::received_at.ge(t));
        }
    }
    if let Some(to) = f.to {
        if let Some(t) = crate::time::day_start_utc(to + chrono::Duration::days(1)) {
            q = q.filter(consultations::received_at.lt(t));
        }
    }
    q = q.filter_some(f.channel, |c| consultations::channel.eq(c));
    q = q.filter_some(f.topic, |t| consultations::topics.like(format!("%,{t},%")));
    q = q.filter_some(f.special_group, |g| {
        consultations::special_groups.like(format!("%,{g},%"))
    });
    q = q.filter_some(f.outcome, |o| consultations::outcome.eq(o));
    q = q.filter_some(f.review_state, |r| consultations::review_state.eq(r));
    q = q.filter_some(f.staff_id, |s| consultations::staff_id.eq(s));
    q = q.filter_some(f.updated_after, |t| {
        consultations::updated_at.gt(t.naive_utc())
    });
    if let Some(r) = &f.external_ref {
        q = q.filter(external_refs::carrying(
            "consultations.id",
            RefEntity::Consultation,
            r,
        ));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", crate::store::units::escape_like(text));
        q = q.filter(
            consultations::question
                .like(pattern.clone())
                .escape('\\')
                .or(consultations::answer.like(pattern).escape('\\')),
        );
    }
    q
}

/// Consultations matching the filter, newest first.
pub fn list(
    conn: &mut DbConnection,
    reader: Reader,
    f: &ConsultationFilter,
    page: &PageRequest,
) -> Result<Page<ConsultationRow>, ApiError> {
    let newest_first =
        |conn: &mut DbConnection, q: Boxed<'static>| -> Result<Vec<ConsultationRow>, ApiError> {
            let mut q = q
                .select(ConsultationRow::as_select())
                .order((consultations::received_at.desc(), consultations::id.desc()))
                .limit(page.fetch_limit());
            if let Some(after) = page.after_time(
                "consultations.received_at",
                "consultations.id",
                Order::Descending,
            )? {
                q = q.filter(after);
            }
            Ok(q.load(conn)?)
        };
    let units = subtree_units(conn, reader, f.unit_id)?;
    let on_postgres = matches!(conn, DbConnection::Postgresql(_));
    let rows = match (reader.reach, units) {
        // A subtree of up to a county's size, on PostgreSQL, unfiltered: the page's ids in one
        // statement that reads the newest rows of each unit from the cursor and merges them.
        (Reach::Subtree(root), Some(units))
            if on_postgres && units.len() <= BY_UNIT_IN_SQL && f.scope_only() =>
        {
            let q = consultations::table
                .select(ConsultationRow::as_select())
                .filter(newest_by_unit(root, f.unit_id, page)?)
                .order((consultations::received_at.desc(), consultations::id.desc()));
            q.load(conn)?
        }
        // A small subtree (a village, a township): the newest rows of each unit, each an index
        // scan of (unit_id, received_at, id) that stops after a page, merged here. Its cost
        // does not grow with the table, where one query over the subtree either sorts every row
        // of the subtree or walks the whole table's time index until it finds a page.
        (_, Some(units)) if units.len() <= BY_UNIT_HERE => {
            let mut rows = Vec::new();
            for unit in units {
                let one = consultations::table
                    .into_boxed()
                    .filter(consultations::unit_id.eq(unit));
                rows.extend(newest_first(conn, conditions(one, f))?);
            }
            rows.sort_by_key(|r| std::cmp::Reverse((r.received_at, r.id)));
            rows.truncate(page.fetch_limit() as usize);
            rows
        }
        // A large one (a city, the province) holds a steady share of every day's rows: walking
        // the time index from the cursor finds a page after about a page divided by that share.
        _ => {
            let q = filtered_by_path(conn, reader, f)?;
            newest_first(conn, q)?
        }
    };
    page.finish(rows, |r| Cursor::by_time(r.received_at, r.id), Ok)
}

/// Subtrees of at most this many units are listed unit by unit by the service.
const BY_UNIT_HERE: usize = 32;

/// Subtrees of at most this many units (a county has a hundred and more) are listed unit by unit
/// in one statement on PostgreSQL.
const BY_UNIT_IN_SQL: usize = 400;

/// The units a subtree reader's list covers (its subtree, within the `unit` filter's subtree
/// when one is given), when there are at most [`BY_UNIT_IN_SQL`] of them.
fn subtree_units(
    conn: &mut DbConnection,
    reader: Reader,
    unit: Option<i64>,
) -> Result<Option<Vec<i64>>, ApiError> {
    let Reach::Subtree(root) = reader.reach else {
        return Ok(None);
    };
    let mut q = units::table
        .select(units::id)
        .filter(unit_in_subtree(root))
        // No order: a prepared statement's generic plan would then walk every unit in id order.
        .limit(BY_UNIT_IN_SQL as i64 + 1)
        .into_boxed();
    q = q.filter_some(unit, unit_in_subtree);
    let ids: Vec<i64> = q.load(conn)?;
    Ok((ids.len() <= BY_UNIT_IN_SQL).then_some(ids))
}

/// On consultations: those of a page of the subtree of `root` (within that of `unit`), newest
/// first (PostgreSQL): for each unit, its newest rows after the cursor, read from the index on
/// (unit_id, received_at, id) and stopping after a page; then the newest of those. The cost is a
/// page a unit, however large the table and however deep the page.
fn newest_by_unit(
    root: i64,
    unit: Option<i64>,
    page: &PageRequest,
) -> Result<Fragment<Bool>, ApiError> {
    let after = page.after_time_sql(
        "consultations.received_at",
        "consultations.id",
        Order::Descending,
    )?;
    let mut q = Fragment::<Bool>::new(
        "consultations.id IN (SELECT newest.id FROM units walk CROSS JOIN LATERAL (SELECT \
         consultations.received_at, consultations.id FROM consultations WHERE \
         consultations.unit_id = walk.id",
    );
    if let Some(after) = after {
        q = q.sql(" AND ").then(after);
    }
    q = q
        .sql(" ORDER BY consultations.received_at DESC, consultations.id DESC LIMIT ")
        .bind(page.fetch_limit())
        .sql(") newest WHERE ");
    q = in_subtree(q.sql("walk.id"), root);
    if let Some(unit) = unit {
        q = in_subtree(q.sql(" AND walk.id"), unit);
    }
    Ok(
        q.sql(" ORDER BY newest.received_at DESC, newest.id DESC LIMIT ")
            .bind(page.fetch_limit())
            .sql(")"),
    )
}

/// Pending consultations, oldest request for review first.
pub fn review_queue(
    conn: &mut DbConnection,
    reader: Reader,
    unit: Option<i64>,
    page: &PageRequest,
) -> Result<Page<ConsultationRow>, ApiError> {
    let mut q = scoped(reader)
        .filter(consultations::review_state.eq(ReviewState::Pending))
        .select(ConsultationRow::as_select())
        .order((
            consultations::review_requested_at.asc(),
            consultations::id.asc(),
        ))
        .limit(page.fetch_limit());
    q = q.filter_some(unit, |unit| {
        unit_id_in_subtree("consultations.unit_id", unit)
    });
    if let Some(after) = page.after_time(
        "consultations.review_requested_at",
        "consultations.id",
        Order::Ascending,
    )? {
        q = q.filter(after);
    }
    let rows = q.load(conn)?;
    page.finish(rows, |r| Cursor::by_time(r.review_requested_at, r.id), Ok)
}

/// One batch of the ledger, oldest first, after `after`.
pub fn ledger_batch(
    conn: &mut DbConnection,
    reader: Reader,
    f: &ConsultationFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<ConsultationRow>, ApiError> {
    let mut q = filtered_by_path(conn, reader, f)?
        .select(ConsultationRow::as_select())
        .order((consultations::received_at.asc(), consultations::id.asc()))
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(crate::paging::after_time_id(
            "consultations.received_at",
            "consultations.id",
            after,
        ));
    }
    Ok(q.load(conn)?)
}

/// Names for the unit and staff ids of a reader's subtree, for the ledger's columns.
pub struct LedgerNames {
    /// Unit names by id.
    pub units: HashMap<i64, String>,
    /// Staff names by id.
    pub staff: HashMap<i64, String>,
}

/// The names the ledger prints for the units and staff of the subtree of `root`.
pub fn ledger_names(conn: &mut DbConnection, root: i64) -> Result<LedgerNames, ApiError> {
    let units: Vec<(i64, String)> = units::table
        .filter(unit_in_subtree(root))
        .select((units::id, units::name))
        .load(conn)?;
    let staff: Vec<(i64, String)> = staff::table
        .filter(unit_id_in_subtree("staff.unit_id", root))
        .select((staff::id, staff::name))
        .load(conn)?;
    Ok(LedgerNames {
        units: units.into_iter().collect(),
        staff: staff.into_iter().collect(),
    })
}

/// One consultation the reader may see.
pub fn find(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<ConsultationRow, ApiError> {
    scoped(reader)
        .filter(consultations::id.eq(id))
        .select(ConsultationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::CONSULTATION, id))
}

/// Earlier consultations of the same person (same ID number or phone) that the reader may see,
/// of `only_unit` when given (the records a unit's staff see in full): how many, and the most
/// recent twenty.
pub fn repeat_visits(
    conn: &mut DbConnection,
    reader: Reader,
    row: &ConsultationRow,
    only_unit: Option<i64>,
) -> Result<(i64, Vec<(i64, NaiveDateTime)>), ApiError> {
    if row.id_number.is_none() && row.phone.is_none() {
        return Ok((0, Vec::new()));
    }
    let same_person = |q: Boxed<'static>| {
        let mut q = q.filter(consultations::id.ne(row.id));
        q = q.filter_some(only_unit, |unit| consultations::unit_id.eq(unit));
        match (row.id_number.clone(), row.phone.clone()) {
            (Some(id), Some(phone)) => q.filter(
                consultations::id_number
                    .eq(id)
                    .or(consultations::phone.eq(phone)),
            ),
            (Some(id), None) => q.filter(consultations::id_number.eq(id)),
            (None, Some(phone)) => q.filter(consultations::phone.eq(phone)),
            (None, None) => q.filter(consultations::id.eq(-1)),
        }
    };
    let count: i64 = same_person(scoped(reader)).count().get_result(conn)?;
    let recent: Vec<(i64, NaiveDateTime)> = same_person(scoped(reader))
        .select((consultations::id, consultations::received_at))
        .order((consultations::received_at.desc(), consultations::id.desc()))
        .limit(20)
        .load(conn)?;
    Ok((count, recent))
}

record!(ConsultationRow, "consultation" in "consultations", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// Checks the references of a registration against the writer's subtree.
pub fn check_refs(tx: &mut DbConnection, root: i64, row: &ConsultationRow) -> Result<(), ApiError> {
    crate::store::units::find_referenced(tx, root, row.unit_id, "unit_id")?;
    if let Some(sid) = row.staff_id {
        check_referenced(tx, "staff", sid, root, "staff_id", "staff member")?;
    }
    if let Some(shift) = row.duty_shift_id {
        check_referenced(
            tx,
            "duty_shifts",
            shift,
            root,
            "duty_shift_id",
            "duty shift",
        )?;
    }
    Ok(())
}

/// Registers a consultation (the row is complete but for its id).
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    row: &ConsultationRow,
    external_ref: Option<&str>,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(ConsultationRow, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        let stored = add(tx, root, row)?;
        if let Some(r) = external_ref {
            external_refs::insert(tx, RefEntity::Consultation, stored.id, actor, r, log.at())?;
        }
        Ok(stored)
    })
}

fn add(
    tx: &mut DbConnection,
    root: i64,
    row: &ConsultationRow,
) -> Result<ConsultationRow, ApiError> {
    check_refs(tx, root, row)?;
    Ok(diesel::insert_into(consultations::table)
        .values(row)
        .returning(consultations::all_columns)
        .get_result(tx)?)
}

/// Registers a consultation inside a write already under way and records it as [`create`]
/// does: for the writes that register several (a day's register, as the demo loads it).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    root: i64,
    row: &ConsultationRow,
) -> Result<ConsultationRow, ApiError> {
    let stored = add(tx, root, row)?;
    write::record_created(log, &stored);
    Ok(stored)
}

fn save(tx: &mut DbConnection, next: &ConsultationRow) -> Result<ConsultationRow, ApiError> {
    Ok(
        diesel::update(consultations::table.filter(consultations::id.eq(next.id)))
            .set(next)
            .returning(consultations::all_columns)
            .get_result(tx)?,
    )
}

/// Replaces a consultation with `next` (a whole registration); an entry that was reviewed
/// returns to review.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    next: ConsultationRow,
) -> Result<ConsultationRow, ApiError> {
    write::update(
        conn,
        actor,
        if_match,
        "update",
        |tx| find(tx, reader, id),
        |tx, log, current| {
            check_refs(tx, reader.root, &next)?;
            let now = log.at();
            let pending = current.review_state == ReviewState::Pending;
            save(
                tx,
                &ConsultationRow {
                    id: current.id,
                    registered_by: current.registered_by.clone(),
                    created_at: current.created_at,
                    version: current.version + 1,
                    updated_at: now,
                    review_state: ReviewState::Pending,
                    review_requested_at: if pending {
                        current.review_requested_at
                    } else {
                        now
                    },
                    review_comment: current.review_comment.clone(),
                    reviewed_by: current.reviewed_by.clone(),
                    reviewed_at: current.reviewed_at,
                    ..next
                },
            )
        },
    )
}

/// Records a review decision.
pub fn review(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    decision: ReviewDecision,
    comment: Option<&str>,
) -> Result<ConsultationRow, ApiError> {
    crate::store::audit::write(conn, actor, |tx, log| {
        review_within(tx, log, actor, reader, id, if_match, decision, comment)
    })
}

/// Records a review decision inside a write already under way, as [`review`] does: for the
/// writes that review several (a reviewer's round, as the demo loads it).
#[allow(clippy::too_many_arguments)]
pub fn review_within(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    decision: ReviewDecision,
    comment: Option<&str>,
) -> Result<ConsultationRow, ApiError> {
    write::update_within(
        tx,
        log,
        if_match,
        decision_action(decision),
        |tx| find(tx, reader, id),
        |tx, log, current| {
            let next =
                decide(current.review_state, decision).map_err(|detail| ApiError::Conflict {
                    detail,
                    allowed_actions: Some(Vec::new()),
                })?;
            save(
                tx,
                &ConsultationRow {
                    review_state: next,
                    review_comment: comment.map(str::to_owned),
                    reviewed_by: Some(actor.name.clone()),
                    reviewed_at: Some(log.at()),
                    version: current.version + 1,
                    updated_at: log.at(),
                    ..current.clone()
                },
            )
        },
    )
}

fn decision_action(d: ReviewDecision) -> &'static str {
    match d {
        ReviewDecision::Approve => "review_approve",
        ReviewDecision::Return => "review_return",
    }
}
