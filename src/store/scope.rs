//! "The caller's subtree" as one SQL filter: a unit is in scope when its materialised path
//! starts with the path of the caller's unit. The filter is a portable SQL fragment (`||` and
//! text comparison mean the same on PostgreSQL and SQLite) with the root id bound as a parameter.

use diesel::sql_types::Bool;

use diesel::RunQueryDsl;

use crate::db::fragment::Fragment;
use crate::db::DbConnection;
use crate::error::ApiError;

/// A boolean SQL filter written by the program, with the root's id bound (twice).
pub type SubtreeFilter = Fragment<Bool>;

/// The ids of the units in the subtree of a root, as SQL in three pieces with the root's id bound
/// between the first and second and between the second and third. A unit is in the subtree when
/// its path starts with the root's, written as a range (paths hold only digits and `/`, which
/// sort below `~`) whose bounds are the root's path read once: an index on `units.path` serves
/// it, where `LIKE` with a computed pattern reads every unit (a province has sixteen thousand).
pub(crate) const SUBTREE_IDS: [&str; 3] = [
    "(SELECT scope_unit.id FROM units scope_unit WHERE scope_unit.path >= \
     (SELECT scope_root.path FROM units scope_root WHERE scope_root.id = ",
    ") AND scope_unit.path < (SELECT scope_root.path FROM units scope_root WHERE scope_root.id = ",
    ") || '~')",
];

/// `start IN` the subtree of `root`.
pub(crate) fn in_subtree<ST>(start: Fragment<ST>, root: i64) -> Fragment<ST> {
    let [open, middle, close] = SUBTREE_IDS;
    start
        .sql(" IN ")
        .sql(open)
        .bind(root)
        .sql(middle)
        .bind(root)
        .sql(close)
}

/// On `units`: the unit and its descendants. A root that does not exist matches nothing.
pub fn unit_in_subtree(root_unit_id: i64) -> SubtreeFilter {
    in_subtree(Fragment::new("units.id"), root_unit_id)
}

/// On any table with a unit column (`users.unit_id`, …): rows of units in the subtree.
pub fn unit_id_in_subtree(unit_column: &'static str, root_unit_id: i64) -> SubtreeFilter {
    in_subtree(Fragment::new(unit_column), root_unit_id)
}

/// Writes a resource's `find`: its row by id, when the row's unit (`unit_column`) is in the
/// subtree of `root`; else a 404 naming `noun`. The doc comments before it are the function's.
macro_rules! find_in_subtree {
    ($(#[doc = $doc:tt])* $row:ident in $table:ident, $unit_column:tt, $noun:ident) => {
        $(#[doc = $doc])*
        pub fn find(
            conn: &mut $crate::db::DbConnection,
            root: i64,
            id: i64,
        ) -> Result<$row, $crate::error::ApiError> {
            $table::table
                .filter($table::id.eq(id))
                .filter($crate::store::scope::unit_id_in_subtree($unit_column, root))
                .select($row::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| $crate::error::ApiError::not_found($crate::error::nouns::$noun, id))
        }
    };
}
pub(crate) use find_in_subtree;

/// The boxed query of a list of `row`s of `table` whose unit is in the subtree of `root`, by id,
/// from the cursor of `page` on: what a filter then narrows and `page.finish` answers.
macro_rules! subtree_by_id {
    ($row:ident in $table:ident, $root:expr, $page:expr) => {{
        let unit_column = concat!(stringify!($table), ".unit_id");
        let mut query = $table::table
            .filter($crate::store::scope::unit_id_in_subtree(unit_column, $root))
            .select($row::as_select())
            .order($table::id.asc())
            .limit($page.fetch_limit())
            .into_boxed();
        let id_column = concat!(stringify!($table), ".id");
        if let Some(after) = $page.after_id_of(id_column, $crate::paging::Order::Ascending) {
            query = query.filter(after);
        }
        query
    }};
}
pub(crate) use subtree_by_id;

/// The same filter as [`unit_id_in_subtree`], as SQL text for a hand-written query whose root id
/// is bound at `placeholder` (`$1`, …).
pub fn unit_id_in_subtree_sql(unit_column: &str, placeholder: &str) -> String {
    let [open, middle, close] = SUBTREE_IDS;
    format!("{unit_column} IN {open}{placeholder}{middle}{placeholder}{close}")
}

/// [`unit_id_in_subtree_sql`] limited to the units of one kind (e.g. the legal aid centres that
/// handle applications): the planner then counts on a few units, not on the whole subtree.
pub fn unit_id_in_subtree_of_kind_sql(
    unit_column: &str,
    kind: crate::domain::units::UnitKind,
    placeholder: &str,
) -> String {
    let [open, middle, close] = SUBTREE_IDS;
    let open = open.replacen(
        " WHERE ",
        &format!(
            " WHERE scope_unit.kind = '{}' AND ",
            crate::domain::codes::CodeTable::code(kind)
        ),
        1,
    );
    format!("{unit_column} IN {open}{placeholder}{middle}{placeholder}{close}")
}

/// A row named by a field of a request body (`staff_id`, `unit_id`, …) must exist in the
/// caller's scope: a missing one, or one outside the scope, is a 422 on that field; any other
/// failure (a 503) stays what it is.
pub fn referenced<T>(
    found: Result<Option<T>, ApiError>,
    field: &str,
    what: &str,
) -> Result<T, ApiError> {
    match found {
        Ok(Some(row)) => Ok(row),
        Ok(None) | Err(ApiError::NotFound(_)) => Err(ApiError::invalid_field(
            field,
            "not_found",
            format!("the {what} does not exist or is outside your scope"),
        )),
        Err(other) => Err(other),
    }
}

/// A row of `table` named by a field of a request body (`staff_id`, `duty_shift_id`, …) must
/// exist in the subtree of `root` (by the table's `unit_id`): a missing one, or one outside the
/// scope, is a 422 on that field; a database failure stays what it is.
pub fn check_referenced(
    tx: &mut DbConnection,
    table: &'static str,
    id: i64,
    root: i64,
    field: &str,
    what: &str,
) -> Result<(), ApiError> {
    let exists: bool = diesel::select(
        in_subtree(
            Fragment::<Bool>::new("EXISTS (SELECT 1 FROM ")
                .sql(table)
                .sql(" WHERE ")
                .sql(table)
                .sql(".id = ")
                .bind(id)
                .sql(" AND ")
                .sql(table)
                .sql(".unit_id"),
            root,
        )
        .sql(")"),
    )
    .get_result(tx)?;
    referenced(Ok(exists.then_some(())), field, what)
}

/// Whose objects a caller reaches (the access table's scope rule, as the stores apply it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Objects of units in the subtree of this unit.
    Subtree(i64),
    /// A provider's own objects: those linked to its staff record, wherever they are. A
    /// provider whose account is linked to no staff record reaches nothing.
    OwnStaff(Option<i64>),
}

/// A filter that matches no row.
pub fn nothing() -> Fragment<Bool> {
    Fragment::new("1 = 0")
}

/// On any table with a unit column: rows of units whose parent is in the subtree of `root`
/// (e.g. the legal aid centres set up by a bureau in the subtree).
pub fn parent_in_subtree(unit_column: &'static str, root_unit_id: i64) -> SubtreeFilter {
    in_subtree(
        Fragment::new(unit_column)
            .sql(" IN (SELECT scope_child.id FROM units scope_child WHERE scope_child.parent_id"),
        root_unit_id,
    )
    .sql(")")
}

/// Service-wide data (the holiday calendar, the subsidy rates) is kept by the admins of a root
/// unit (a province, or a county deployment): anyone else is refused with `refusal` (403).
pub fn require_top_unit(
    tx: &mut DbConnection,
    actor: &crate::store::Actor,
    refusal: crate::domain::message::Message,
) -> Result<(), ApiError> {
    use crate::db::schema::units;
    use diesel::prelude::*;
    let parent: Option<Option<i64>> = units::table
        .filter(units::id.eq(actor.unit_id))
        .select(units::parent_id)
        .first(tx)
        .optional()?;
    match parent {
        Some(None) => Ok(()),
        _ => Err(ApiError::Forbidden(refusal)),
    }
}
