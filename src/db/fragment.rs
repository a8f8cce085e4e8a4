//! SQL written by the program, with values bound in it, that may be prepared once and reused.
//!
//! diesel's `sql()` marks every statement that holds one as never to be prepared and cached,
//! since it cannot know whether the text came from input. A [`Fragment`]'s text is made only of
//! `&'static str` pieces (column and table names, operators, subqueries of the program's own),
//! and every value is a bound parameter, so the statement's text depends on the program alone:
//! PostgreSQL parses and plans it once per connection, not on every request, and the set of
//! texts stays as small as the set of query shapes.

use std::marker::PhantomData;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};

use crate::db::MultiBackend;

/// One piece of a [`Fragment`].
#[derive(Debug, Clone)]
enum Piece {
    Sql(&'static str),
    BigInt(i64),
    Text(String),
    Timestamp(NaiveDateTime),
    Date(NaiveDate),
}

/// A value a [`Fragment`] binds.
pub trait Bindable {
    /// The piece that binds it.
    #[doc(hidden)]
    fn piece(self) -> PieceOf;
}

/// A bound value, ready to be placed in a fragment.
#[derive(Debug, Clone)]
pub struct PieceOf(Piece);

/// Each type a fragment binds, with the piece that carries it.
macro_rules! bindable {
    ($($t:ty => $piece:ident),+ $(,)?) => {$(
        impl Bindable for $t {
            fn piece(self) -> PieceOf {
                PieceOf(Piece::$piece(self))
            }
        }
    )+};
}

bindable!(
    i64 => BigInt,
    String => Text,
    NaiveDateTime => Timestamp,
    NaiveDate => Date,
);

/// An SQL expression of type `ST` written by the program: static text with bound values.
#[derive(Debug, Clone)]
pub struct Fragment<ST> {
    pieces: Vec<Piece>,
    sql_type: PhantomData<ST>,
}

impl<ST> Fragment<ST> {
    /// Starts with `sql`.
    pub fn new(sql: &'static str) -> Self {
        Fragment {
            pieces: vec![Piece::Sql(sql)],
            sql_type: PhantomData,
        }
    }

    /// Appends `sql`.
    pub fn sql(mut self, sql: &'static str) -> Self {
        self.pieces.push(Piece::Sql(sql));
        self
    }

    /// Appends a bound value.
    pub fn bind(mut self, value: impl Bindable) -> Self {
        self.pieces.push(value.piece().0);
        self
    }

    /// Appends another fragment's pieces (whatever its type).
    pub fn then<T>(mut self, other: Fragment<T>) -> Self {
        self.pieces.extend(other.pieces);
        self
    }
}

impl<ST: TypedExpressionType> Expression for Fragment<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<MultiBackend> for Fragment<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(s) => out.push_sql(s),
                Piece::BigInt(v) => out.push_bind_param::<BigInt, _>(v)?,
                Piece::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Piece::Timestamp(v) => out.push_bind_param::<Timestamp, _>(v)?,
                Piece::Date(v) => out.push_bind_param::<Date, _>(v)?,
            }
        }
        Ok(())
    }
}

/// A whole statement may be a fragment too (`SELECT …`, `UPDATE …`): it loads rows of `ST`.
impl<ST: TypedExpressionType> Query for Fragment<ST> {
    type SqlType = ST;
}

impl<ST, Conn> RunQueryDsl<Conn> for Fragment<ST> {}

impl<ST> QueryId for Fragment<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST: TypedExpressionType> SelectableExpression<QS> for Fragment<ST> {}

impl<QS, ST: TypedExpressionType> AppearsOnTable<QS> for Fragment<ST> {}

impl<ST, GB> ValidGrouping<GB> for Fragment<ST> {
    type IsAggregate = is_aggregate::Never;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::consultations;
    use crate::db::DbConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Bool;

    fn cacheable(query: &impl QueryFragment<MultiBackend>, backend: &MultiBackend) -> bool {
        query.is_safe_to_cache_prepared(backend).expect("asks")
    }

    fn filter() -> Fragment<Bool> {
        Fragment::<Bool>::new("(")
            .bind(3_i64)
            .sql(" > 2 AND ")
            .bind("x".to_owned())
            .sql(" = 'x')")
    }

    #[test]
    fn binds_its_values() {
        let mut conn = DbConnection::Sqlite(
            diesel::SqliteConnection::establish(":memory:").expect("an in-memory database"),
        );
        let yes: bool = diesel::select(filter())
            .get_result(&mut conn)
            .expect("runs");
        assert!(yes);
        let no: bool = diesel::select(Fragment::<Bool>::new("").bind(1_i64).sql(" = 2"))
            .get_result(&mut conn)
            .expect("runs");
        assert!(!no);
    }

    #[test]
    fn a_statement_holding_one_may_be_prepared_and_cached() {
        let query = consultations::table
            .into_boxed::<MultiBackend>()
            .select(consultations::id)
            .filter(filter());
        for backend in [
            MultiBackend::Postgresql(diesel::pg::Pg),
            MultiBackend::Sqlite(diesel::sqlite::Sqlite),
        ] {
            assert!(cacheable(&query, &backend));
        }
        let literal = consultations::table
            .into_boxed::<MultiBackend>()
            .select(consultations::id)
            .filter(diesel::dsl::sql::<Bool>("1 = 1"));
        assert!(
            !cacheable(&literal, &MultiBackend::Postgresql(diesel::pg::Pg)),
            "diesel's own literal is never cached: the test would not tell them apart"
        );
    }
}
