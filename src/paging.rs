//! Keyset pagination, shared by every list: `?limit=&cursor=` in, `{items, next_cursor}` out.
//! Lists are ordered by (time, id), (day, id), (rank, time, id) or by id; the cursor carries the
//! last row's key, signed for its list: a cursor that was altered, or that belongs to another
//! list, is a 400. The keyset predicate ("after the cursor") is built here too, for every list.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;
use diesel::BoolExpressionMethods;

use crate::db::fragment::{Bindable, Fragment};
use crate::db::MultiBackend;
use crate::error::ApiError;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// Paging parameters of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 20)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page of the same list, unchanged; omit for the first
    /// page (an empty value is the first page too). A cursor that was altered, or that belongs to
    /// another list, is a 400. (No example: a cursor is only ever copied from an answer, so
    /// Swagger UI leaves the box empty.)
    #[param(pattern = "^[A-Za-z0-9_-]{0,512}$")]
    pub cursor: Option<String>,
}

/// The position after which a page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// The sort time of the last row seen, for lists ordered by (time, id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<NaiveDateTime>,
    /// The rank of the last row seen, for lists ordered by a priority first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i64>,
    /// The id of the last row seen.
    pub id: i64,
}

impl Cursor {
    /// The position after a row of a list ordered by id.
    pub fn by_id(id: i64) -> Self {
        Cursor {
            at: None,
            rank: None,
            id,
        }
    }

    /// The position after a row of a list ordered by (day, id).
    pub fn by_day(day: chrono::NaiveDate, id: i64) -> Self {
        Cursor {
            at: Some(day.and_time(chrono::NaiveTime::MIN)),
            rank: None,
            id,
        }
    }

    /// The position after a row of a list ordered by (time, id).
    pub fn by_time(at: NaiveDateTime, id: i64) -> Self {
        Cursor {
            at: Some(at),
            rank: None,
            id,
        }
    }

    /// Encodes the cursor of `list` as opaque URL-safe text: its JSON, then its signature.
    pub fn encode(&self, list: &str) -> String {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        let mac = sign(list, &bytes);
        bytes.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes a cursor of `list`; anything altered, or signed for another list, is a 400.
    pub fn decode(text: &str, list: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "invalid cursor: pass the next_cursor of the previous page of this list unchanged",
                "游标无效：请原样传入此列表上一页的 next_cursor",
            )
        };
        if text.len() > 512 {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let split = bytes.len().checked_sub(MAC_LEN).ok_or_else(bad)?;
        let (json, mac) = bytes.split_at(split);
        let expected = sign(list, json);
        // Compared in constant time.
        if mac
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
        {
            return Err(bad());
        }
        let cursor: Cursor = serde_json::from_slice(json).map_err(|_| bad())?;
        if cursor.id < 0 {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// Bytes of the HMAC-SHA256 kept in a cursor.
const MAC_LEN: usize = 16;

static CURSOR_KEY: OnceLock<[u8; 32]> = OnceLock::new();

/// Sets the key that signs cursors. `huimin serve` derives it from the token secret, so that the
/// instances of one deployment accept each other's cursors; without it, a random key of this
/// process is used. Only the first call has an effect.
pub fn set_cursor_key(key: [u8; 32]) {
    let _ = CURSOR_KEY.set(key);
}

fn cursor_key() -> &'static [u8; 32] {
    CURSOR_KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut key);
        key
    })
}

/// HMAC-SHA256 (RFC 2104) of the list's name and the cursor's JSON, truncated.
fn sign(list: &str, json: &[u8]) -> [u8; MAC_LEN] {
    let key = cursor_key();
    let (mut ipad, mut opad) = ([0x36u8; 64], [0x5cu8; 64]);
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(list.as_bytes())
        .chain_update([0])
        .chain_update(json)
        .finalize();
    let outer = Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize();
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(&outer[..MAC_LEN]);
    mac
}

/// Validated paging parameters.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// The list's name: a cursor is valid only for the list that issued it.
    pub list: &'static str,
    /// Rows to return.
    pub limit: i64,
    /// Start after this position.
    pub after: Option<Cursor>,
}

impl PageQuery {
    /// Validates the parameters of the list named `list`.
    pub fn resolve(&self, list: &'static str) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(bad_limit());
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(text) => Some(Cursor::decode(text, list)?),
        };
        Ok(PageRequest { list, limit, after })
    }
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to a page and computes the next cursor from the last row kept.
    pub fn finish<T, U>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> Cursor,
        map: impl FnMut(T) -> Result<U, ApiError>,
    ) -> Result<Page<U>, ApiError> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| key(r).encode(self.list))
        } else {
            None
        };
        let items = rows.into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

/// Which way a list runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest (lowest) first.
    Ascending,
    /// Newest (highest) first.
    Descending,
}

/// "After the cursor" as one SQL filter on any table (the keyset predicate), with the cursor's
/// values bound as parameters.
pub type Keyset<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

impl PageRequest {
    /// The rows after the cursor of a list ordered by (`time`, `id`), both columns named as
    /// `table.column`; none on the first page. A cursor without a time is not of this list: 400.
    pub fn after_time<QS: 'static>(
        &self,
        time: &'static str,
        id: &'static str,
        order: Order,
    ) -> Result<Option<Keyset<QS>>, ApiError> {
        Ok(self
            .after_time_sql(time, id, order)?
            .map(|f| Box::new(f) as Keyset<QS>))
    }

    /// [`Self::after_time`] as a fragment of SQL, for a statement written by hand.
    pub fn after_time_sql(
        &self,
        time: &'static str,
        id: &'static str,
        order: Order,
    ) -> Result<Option<Fragment<Bool>>, ApiError> {
        let Some(cursor) = &self.after else {
            return Ok(None);
        };
        let at = cursor.at.ok_or_else(not_of_this_list)?;
        Ok(Some(keyset(time, id, at, cursor.id, order)))
    }

    /// The rows after the cursor of a list ordered by (`day`, `id`), where `day` is a date
    /// column: the cursor's day is compared as a date (a time would never equal a day on SQLite).
    pub fn after_day<QS: 'static>(
        &self,
        day: &'static str,
        id: &'static str,
        order: Order,
    ) -> Result<Option<Keyset<QS>>, ApiError> {
        let Some(cursor) = &self.after else {
            return Ok(None);
        };
        let day_of = cursor.at.ok_or_else(not_of_this_list)?.date();
        Ok(Some(Box::new(keyset(day, id, day_of, cursor.id, order))))
    }

    /// The rows after the cursor of a list ordered by a rank first (highest first), then by
    /// (`time`, `id`) in `order`: a lower rank comes after, an equal one continues by time.
    pub fn after_rank_time<QS: 'static>(
        &self,
        rank: &'static str,
        time: &'static str,
        id: &'static str,
        order: Order,
    ) -> Result<Option<Keyset<QS>>, ApiError> {
        let Some(cursor) = &self.after else {
            return Ok(None);
        };
        let (Some(by_time), Some(r)) = (self.after_time::<QS>(time, id, order)?, cursor.rank)
        else {
            return Err(not_of_this_list());
        };
        let before = Fragment::<Bool>::new(rank).sql(" < ").bind(r);
        let same = Fragment::<Bool>::new(rank).sql(" = ").bind(r);
        Ok(Some(Box::new(before.or(same.and(by_time)))))
    }

    /// The rows after the cursor of a list ordered by `id` alone (named as `table.column`).
    pub fn after_id_of<QS>(&self, id: &'static str, order: Order) -> Option<Keyset<QS>> {
        let cursor = self.after.as_ref()?;
        Some(Box::new(
            Fragment::<Bool>::new(id).sql(order.after()).bind(cursor.id),
        ))
    }
}

/// The rows after `after` (a time and an id) of a read ordered by (`time`, `id`) ascending, both
/// columns named as `table.column`: how an export reads a whole list in batches.
pub fn after_time_id<QS: 'static>(
    time: &'static str,
    id: &'static str,
    after: (chrono::NaiveDateTime, i64),
) -> Keyset<QS> {
    Box::new(keyset(time, id, after.0, after.1, Order::Ascending))
}

fn keyset(
    key: &'static str,
    id: &'static str,
    value: impl Bindable + Clone,
    last_id: i64,
    order: Order,
) -> Fragment<Bool> {
    let op = order.after();
    // The first bound (`key <= value` when descending) is implied by the rest; it is there so
    // that an index on (`key`, `id`) starts at the cursor rather than at the list's head.
    Fragment::<Bool>::new("(")
        .sql(key)
        .sql(order.at_or_after())
        .bind(value.clone())
        .sql(" AND (")
        .sql(key)
        .sql(op)
        .bind(value.clone())
        .sql(" OR (")
        .sql(key)
        .sql(" = ")
        .bind(value)
        .sql(" AND ")
        .sql(id)
        .sql(op)
        .bind(last_id)
        .sql(")))")
}

impl Order {
    fn after(self) -> &'static str {
        match self {
            Order::Ascending => " > ",
            Order::Descending => " < ",
        }
    }

    fn at_or_after(self) -> &'static str {
        match self {
            Order::Ascending => " >= ",
            Order::Descending => " <= ",
        }
    }
}

/// A cursor of another list's shape.
fn not_of_this_list() -> ApiError {
    ApiError::bad_request("invalid cursor for this list", "游标不属于此列表")
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each row mapped (to its view, say); the first failure fails it.
    pub fn try_map<U>(self, f: impl FnMut(T) -> Result<U, ApiError>) -> Result<Page<U>, ApiError> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

/// 400 for a `limit` outside 1..=[`MAX_LIMIT`].
pub fn bad_limit() -> ApiError {
    ApiError::bad_request(
        format!("limit must be between 1 and {MAX_LIMIT}"),
        format!("limit 须在 1 到 {MAX_LIMIT} 之间"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_tampering() {
        let c = Cursor::by_id(42);
        let text = c.encode("units");
        assert_eq!(Cursor::decode(&text, "units").unwrap(), c);
        // Another list's cursor, even of the same shape.
        assert!(Cursor::decode(&text, "users").is_err());
        // Every change of one character.
        for i in 0..text.len() {
            for replacement in ['A', 'z', '0', '_'] {
                let mut altered: Vec<char> = text.chars().collect();
                if altered[i] == replacement {
                    continue;
                }
                altered[i] = replacement;
                let altered: String = altered.into_iter().collect();
                assert!(Cursor::decode(&altered, "units").is_err(), "{altered}");
            }
        }
        // Unsigned JSON, as an earlier version issued.
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{\"id\":42}"), "units").is_err());
        assert!(Cursor::decode("not base64!", "units").is_err());
        assert!(Cursor::decode("", "units").is_err());
        // Signed, but not a cursor.
        let mut forged = b"{\"id\":-1}".to_vec();
        forged.extend_from_slice(&sign("units", b"{\"id\":-1}"));
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(&forged), "units").is_err());
    }

    #[test]
    fn limits_are_checked() {
        let q = |limit| PageQuery {
            limit: Some(limit),
            cursor: None,
        };
        assert!(q(0).resolve("units").is_err());
        assert!(q(-5).resolve("units").is_err());
        assert!(q(MAX_LIMIT + 1).resolve("units").is_err());
        assert_eq!(q(10).resolve("units").unwrap().fetch_limit(), 11);
    }

    #[test]
    fn finish_sets_next_cursor_only_when_more_rows_exist() {
        let req = PageRequest {
            list: "units",
            limit: 2,
            after: None,
        };
        let page = req
            .finish(vec![1i64, 2, 3], |r| Cursor::by_id(*r), Ok)
            .unwrap();
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            Cursor::decode(page.next_cursor.as_deref().unwrap(), "units")
                .unwrap()
                .id,
            2
        );
        let last = req
            .finish(vec![1i64, 2], |r| Cursor::by_id(*r), Ok)
            .unwrap();
        assert!(last.next_cursor.is_none());
    }
}
