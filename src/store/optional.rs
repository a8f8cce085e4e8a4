//! A list's optional filters: each applied only when the caller gave its value, in one line
//! (`q = q.filter_some(f.kind, |k| activities::kind.eq(k))`) instead of an `if let` each.

use diesel::query_dsl::methods::FilterDsl;

/// A query that takes a predicate only when a value is given.
pub trait FilterSome: Sized {
    /// The query filtered by `predicate(v)` when `value` is `Some(v)`, else unchanged.
    fn filter_some<T, P>(self, value: Option<T>, predicate: impl FnOnce(T) -> P) -> Self
    where
        Self: FilterDsl<P, Output = Self>,
    {
        match value {
            Some(v) => FilterDsl::filter(self, predicate(v)),
            None => self,
        }
    }
}

impl<Q> FilterSome for Q {}
