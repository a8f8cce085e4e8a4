//! Keyset pagination, shared by every list: `?limit=&cursor=` in, `{items, next_cursor}` out.
//! Lists are ordered by (time, id) or by id; the cursor carries the last row's key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    /// The `next_cursor` of the previous page, unchanged; omit for the first page. A cursor that
    /// was altered is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]{1,512}$", example = "eyJpZCI6MjB9")]
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

    /// The position after a row of a list ordered by (time, id).
    pub fn by_time(at: NaiveDateTime, id: i64) -> Self {
        Cursor {
            at: Some(at),
            rank: None,
            id,
        }
    }

    /// Encodes the cursor as opaque URL-safe text.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a cursor; anything tampered with is a 400.
    pub fn decode(text: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::BadRequest(
                "invalid cursor: pass the next_cursor of the previous page unchanged".into(),
            )
        };
        if text.len() > 512 {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.id < 0 {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// Validated paging parameters.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Rows to return.
    pub limit: i64,
    /// Start after this position.
    pub after: Option<Cursor>,
}

impl PageQuery {
    /// Validates the parameters.
    pub fn resolve(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(text) => Some(Cursor::decode(text)?),
        };
        Ok(PageRequest { limit, after })
    }
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// The id after which to start (0 for the first page).
    pub fn after_id(&self) -> i64 {
        self.after.as_ref().map(|c| c.id).unwrap_or(0)
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
            rows.last().map(|r| key(r).encode())
        } else {
            None
        };
        let items = rows.into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_tampering() {
        let c = Cursor::by_id(42);
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not base64!").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{\"id\":-1}")).is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{\"id\":1,\"x\":2}")).is_err());
    }

    #[test]
    fn limits_are_checked() {
        let q = |limit| PageQuery {
            limit: Some(limit),
            cursor: None,
        };
        assert!(q(0).resolve().is_err());
        assert!(q(-5).resolve().is_err());
        assert!(q(MAX_LIMIT + 1).resolve().is_err());
        assert_eq!(q(10).resolve().unwrap().fetch_limit(), 11);
    }

    #[test]
    fn finish_sets_next_cursor_only_when_more_rows_exist() {
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let page = req
            .finish(vec![1i64, 2, 3], |r| Cursor::by_id(*r), Ok)
            .unwrap();
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            Cursor::decode(page.next_cursor.as_deref().unwrap())
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
