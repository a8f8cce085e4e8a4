//! Queries of the supervision figures. Every figure is counted by the database (`COUNT(*)` with
//! `GROUP BY`), over the indexes of migration `2026-12-02-000010_stats_indexes`; no row of a
//! consultation or an application is loaded into the service. The SQL is portable: the same
//! text runs on PostgreSQL and SQLite (`$n` parameters, `CAST`, `CASE`, `COALESCE`, `VALUES`
//! named `column1` on both), so both backends give the same numbers.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::schema::{aid_applications, consultations, unit_targets, units};
use crate::db::DbConnection;
use crate::domain::aid::DeadlineKind;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::CodeTable;
use crate::domain::consultation::{SpecialGroup, Topic};
use crate::domain::stats::{
    timeliness, AidGroupBy, ConsultationGroupBy, Flag, OtherGroup, StepTimeliness, GRANTED,
};
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::store::follow_ups::SatisfactionCount;
use crate::store::scope::{
    unit_id_in_subtree, unit_id_in_subtree_of_kind_sql, unit_id_in_subtree_sql, unit_in_subtree,
};
use crate::store::targets::TargetRow;

/// A unit of the subtree read.
#[derive(Debug, Clone, Queryable)]
pub struct UnitNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: UnitKind,
}

/// What the targets view is computed from: the subtree's units (in tree order), their targets
/// for the year, and the counts of the year per unit.
#[derive(Debug, Clone)]
pub struct YearCounts {
    /// The units, the root first, each before its descendants.
    pub units: Vec<UnitNode>,
    /// The targets of the year.
    pub targets: Vec<TargetRow>,
    /// (unit, consultations received in the year).
    pub consultations: Vec<(i64, i64)>,
    /// (centre, aid cases granted of applications received in the year).
    pub aid_cases: Vec<(i64, i64)>,
    /// Follow-ups completed in the year, by unit, status and satisfaction.
    pub satisfaction: Vec<SatisfactionCount>,
    /// The business calendar of the year.
    pub calendar: BusinessCalendar,
}

/// The figures of `year` (China time, `from`..`to` as stored UTC instants) for the subtree of
/// `root`, which must lie in the subtree of `scope` (else 404).
pub fn year_counts(
    conn: &mut DbConnection,
    scope: i64,
    root: i64,
    year: i32,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> Result<YearCounts, ApiError> {
    crate::store::units::find(conn, scope, root)?;
    let units: Vec<UnitNode> = units::table
        .filter(unit_in_subtree(root))
        .order(units::path.asc())
        .select((units::id, units::parent_id, units::name, units::kind))
        .load(conn)?;
    let targets: Vec<TargetRow> = unit_targets::table
        .filter(unit_id_in_subtree("unit_targets.unit_id", root))
        .filter(unit_targets::year.eq(year))
        .select(TargetRow::as_select())
        .load(conn)?;
    let consultations: Vec<(i64, i64)> = consultations::table
        .filter(unit_id_in_subtree("consultations.unit_id", root))
        .filter(consultations::received_at.ge(from))
        .filter(consultations::received_at.lt(to))
        .group_by(consultations::unit_id)
        .select((consultations::unit_id, count_star()))
        .load(conn)?;
    let aid_cases: Vec<(i64, i64)> = aid_applications::table
        .filter(unit_id_in_subtree("aid_applications.centre_id", root))
        .filter(aid_applications::received_at.ge(from))
        .filter(aid_applications::received_at.lt(to))
        .filter(aid_applications::state.eq_any(GRANTED.to_vec()))
        .group_by(aid_applications::centre_id)
        .select((aid_applications::centre_id, count_star()))
        .load(conn)?;
    let satisfaction = crate::store::follow_ups::satisfaction_counts(conn, root, from, to)?;
    let (first, last) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let calendar = crate::store::calendar::load(conn, first, last)?;
    Ok(YearCounts {
        units,
        targets,
        consultations,
        aid_cases,
        satisfaction,
        calendar,
    })
}

/// One group of a breakdown: its code and how many.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct GroupCount {
    /// The group's code (a unit's id as text for units, `YYYY-MM` for months).
    #[diesel(sql_type = Text)]
    pub code: String,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A breakdown as counted: the groups, and the number of distinct records (which differs from
/// the sum of the groups when a record may fall in several: topics, special groups).
#[derive(Debug, Clone)]
pub struct Breakdown {
    /// The groups the database found (the API adds the empty ones).
    pub groups: Vec<GroupCount>,
    /// Distinct records counted.
    pub total: i64,
}

/// A month bucket: its code (`YYYY-MM`) and the instant it starts (stored UTC).
pub type Month = (String, NaiveDateTime);

/// `CASE WHEN {column} < $n THEN 'm0' WHEN … ELSE 'last' END` over the months' starts, the
/// parameters numbered from `first_param`.
fn month_case(column: &str, months: &[Month], first_param: usize) -> String {
    let last = months.last().map(|m| m.0.as_str()).unwrap_or("");
    if months.len() < 2 {
        // A period within one month: every row is in it (SQL has no `CASE` without a `WHEN`).
        return format!("CAST('{last}' AS TEXT)");
    }
    let mut sql = String::from("CASE");
    for (i, window) in months.windows(2).enumerate() {
        sql.push_str(&format!(
            " WHEN {column} < ${} THEN '{}'",
            first_param + i,
            window[0].0
        ));
    }
    sql.push_str(&format!(" ELSE '{last}' END"));
    sql
}

/// `(VALUES ('a'), ('b'), …)`: the codes of a table, to join a delimited list column on.
fn values_of<T: CodeTable>() -> String {
    let rows: Vec<String> = T::ALL.iter().map(|t| format!("('{}')", t.code())).collect();
    format!("(VALUES {})", rows.join(", "))
}

/// Runs a grouping query whose text holds the key's parameters first (`$1`…`$k`, one per value
/// of `key_binds`), then the root (`$k+1`, possibly twice), `from` and `to`. Parameters are
/// numbered in the order they first appear, as SQLite numbers `$name` parameters.
fn run_groups(
    conn: &mut DbConnection,
    sql: String,
    key_binds: &[NaiveDateTime],
    root: i64,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> Result<Vec<GroupCount>, ApiError> {
    let mut q = diesel::sql_query(sql).into_boxed::<crate::db::MultiBackend>();
    for at in key_binds {
        q = q.bind::<Timestamp, _>(*at);
    }
    Ok(q.bind::<BigInt, _>(root)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(conn)?)
}

/// Consultations of the subtree of `root` received in `period` (stored UTC, `from` included,
/// `to` not), counted by `group`. `months` are the month buckets of the period (for `month`).
pub fn consultation_breakdown(
    conn: &mut DbConnection,
    root: i64,
    period: (NaiveDateTime, NaiveDateTime),
    group: ConsultationGroupBy,
    months: &[Month],
) -> Result<Breakdown, ApiError> {
    use ConsultationGroupBy as G;
    let key_binds: Vec<NaiveDateTime> = if group == G::Month {
        months.iter().skip(1).map(|m| m.1).collect()
    } else {
        Vec::new()
    };
    let filter = |first: usize| {
        format!(
            "{} AND consultations.received_at >= ${} AND consultations.received_at < ${}",
            unit_id_in_subtree_sql("consultations.unit_id", &format!("${first}")),
            first + 1,
            first + 2
        )
    };
    let none = OtherGroup::None.code();
    let list = |column: &str, values: String| {
        // Two steps: the database counts each distinct list (a few dozen), then spreads those
        // counts over the codes they hold; so `LIKE` runs per distinct list, not per row.
        format!(
            "SELECT COALESCE(g.column1, '{none}') AS code, CAST(SUM(t.n) AS BIGINT) AS n \
             FROM (SELECT consultations.{column} AS v, COUNT(*) AS n FROM consultations \
             WHERE {} GROUP BY consultations.{column}) t \
             LEFT JOIN {values} g ON t.v LIKE '%,' || g.column1 || ',%' GROUP BY 1",
            filter(1)
        )
    };
    let simple = |key: String| {
        format!(
            "SELECT {key} AS code, COUNT(*) AS n FROM consultations WHERE {} GROUP BY 1",
            filter(key_binds.len() + 1)
        )
    };
    let sql = match group {
        G::Unit => simple("CAST(consultations.unit_id AS TEXT)".to_owned()),
        G::Month => simple(month_case("consultations.received_at", months, 1)),
        G::Channel => simple("consultations.channel".to_owned()),
        G::Site => simple("consultations.site".to_owned()),
        G::Outcome => simple("consultations.outcome".to_owned()),
        G::AgeGroup => simple(format!(
            "COALESCE(consultations.age_group, '{}')",
            OtherGroup::Unknown.code()
        )),
        G::Topic => list("topics", values_of::<Topic>()),
        G::SpecialGroup => list("special_groups", values_of::<SpecialGroup>()),
    };
    let groups = run_groups(conn, sql, &key_binds, root, period)?;
    let total = if join_counts_twice(group) {
        let sql = format!(
            "SELECT 'all' AS code, COUNT(*) AS n FROM consultations WHERE {}",
            filter(1)
        );
        run_groups(conn, sql, &[], root, period)?
            .first()
            .map_or(0, |g| g.n)
    } else {
        groups.iter().map(|g| g.n).sum()
    };
    Ok(Breakdown { groups, total })
}

/// Whether a grouping may count one consultation in several groups.
pub fn join_counts_twice(group: ConsultationGroupBy) -> bool {
    matches!(
        group,
        ConsultationGroupBy::Topic | ConsultationGroupBy::SpecialGroup
    )
}

/// `CASE` giving each application's [`StepTimeliness`] code: the kind of the deadline it is
/// under (stored with it), late when the stored deadline is before `now` (parameter
/// `now_param`); unknown when the calendar could not give the deadline's date.
fn timeliness_case(now_param: usize) -> String {
    let mut sql = format!(
        "CASE WHEN aid_applications.deadline_kind IS NULL THEN '{}' \
         WHEN aid_applications.deadline_at IS NULL THEN '{}'",
        StepTimeliness::NoDeadline.code(),
        StepTimeliness::DeadlineUnknown.code(),
    );
    for kind in DeadlineKind::ALL {
        sql.push_str(&format!(
            " WHEN aid_applications.deadline_kind = '{}' THEN CASE \
             WHEN aid_applications.deadline_at < ${now_param} THEN '{}' ELSE '{}' END",
            kind.code(),
            timeliness(*kind, true).code(),
            timeliness(*kind, false).code(),
        ));
    }
    sql.push_str(&format!(
        " ELSE '{}' END",
        StepTimeliness::NoDeadline.code()
    ));
    sql
}

/// Aid applications received in, or handled by a centre in, the subtree of `root` (the list's
/// scope), received in `period`, counted by `group`; `now` decides which deadlines have passed.
pub fn aid_breakdown(
    conn: &mut DbConnection,
    root: i64,
    period: (NaiveDateTime, NaiveDateTime),
    group: AidGroupBy,
    months: &[Month],
    now: NaiveDateTime,
) -> Result<Breakdown, ApiError> {
    use AidGroupBy as G;
    let flag = |column: &str| {
        format!(
            "CASE WHEN aid_applications.{column} THEN '{}' ELSE '{}' END",
            Flag::Yes.code(),
            Flag::No.code()
        )
    };
    let (key, extra): (String, Vec<NaiveDateTime>) = match group {
        G::Unit => ("CAST(aid_applications.unit_id AS TEXT)".to_owned(), vec![]),
        G::Month => (
            month_case("aid_applications.received_at", months, 1),
            months.iter().skip(1).map(|m| m.1).collect(),
        ),
        G::State => ("aid_applications.state".to_owned(), vec![]),
        G::Matter => ("aid_applications.matter_category".to_owned(), vec![]),
        G::GreenChannel => (flag("green_channel"), vec![]),
        G::Urgent => (flag("urgent"), vec![]),
        G::StepTimeliness => (timeliness_case(1), vec![now]),
    };
    let first = extra.len() + 1;
    let (root_param, from_param, to_param) = (format!("${first}"), first + 1, first + 2);
    let in_unit = unit_id_in_subtree_sql("aid_applications.unit_id", &root_param);
    // Applications name a legal aid centre as their centre: the kind tells the planner that
    // the subtree holds one or two, so it reads their applications by index.
    let in_centre = unit_id_in_subtree_of_kind_sql(
        "aid_applications.centre_id",
        UnitKind::LegalAidCentre,
        &root_param,
    );
    // The scope is "received in the subtree, or handled by a centre in it": two disjoint parts,
    // each reached through its own index (an `OR` of the two would read every application).
    let part = |filter: String| {
        format!(
            "SELECT aid_applications.unit_id, aid_applications.received_at, \
             aid_applications.state, aid_applications.matter_category, \
             aid_applications.green_channel, aid_applications.urgent, \
             aid_applications.deadline_kind, aid_applications.deadline_at \
             FROM aid_applications WHERE {filter} \
             AND aid_applications.received_at >= ${from_param} \
             AND aid_applications.received_at < ${to_param}"
        )
    };
    let sql = format!(
        "SELECT {key} AS code, COUNT(*) AS n FROM ({} UNION ALL {}) aid_applications GROUP BY 1",
        part(in_unit.clone()),
        part(format!("{in_centre} AND NOT {in_unit}")),
    );
    let groups = run_groups(conn, sql, &extra, root, period)?;
    let total = groups.iter().map(|g| g.n).sum();
    Ok(Breakdown { groups, total })
}

/// The names of units by id (for the unit groups of a breakdown).
pub fn unit_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String, String)>, ApiError> {
    Ok(units::table
        .filter(units::id.eq_any(ids))
        .order(units::path.asc())
        .select((units::id, units::name, units::path))
        .load(conn)?)
}

/// The units of the subtree of `root` (in tree order), which must lie in the subtree of `scope`.
pub fn subtree_units(
    conn: &mut DbConnection,
    scope: i64,
    root: i64,
) -> Result<Vec<(i64, String, String)>, ApiError> {
    crate::store::units::find(conn, scope, root)?;
    Ok(units::table
        .filter(unit_in_subtree(root))
        .order(units::path.asc())
        .select((units::id, units::name, units::path))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_month_is_one_bucket_without_a_case() {
        let start = chrono::NaiveDate::from_ymd_opt(2023, 3, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("time");
        assert_eq!(
            month_case("c.t", &[("2023-03".into(), start)], 1),
            "CAST('2023-03' AS TEXT)"
        );
    }

    #[test]
    fn month_buckets_compare_with_each_next_start() {
        let at = |d: u32| {
            NaiveDate::from_ymd_opt(2023, d, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        };
        let months = vec![
            ("2023-01".to_owned(), at(1)),
            ("2023-02".to_owned(), at(2)),
            ("2023-03".to_owned(), at(3)),
        ];
        assert_eq!(
            month_case("c.t", &months, 1),
            "CASE WHEN c.t < $1 THEN '2023-01' WHEN c.t < $2 THEN '2023-02' ELSE '2023-03' END"
        );
    }

    #[test]
    fn every_deadline_kind_has_one_timeliness_branch() {
        let sql = timeliness_case(1);
        for kind in DeadlineKind::ALL {
            let quoted = format!("deadline_kind = '{}'", kind.code());
            assert_eq!(sql.matches(&quoted).count(), 1, "{kind:?}");
        }
    }
}
