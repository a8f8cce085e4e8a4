//! Where a read goes when a read replica is configured (`HUIMIN_DATABASE_READ_URL`).
//!
//! The rule: the lists of the programme's records, the public duty board, the statistics and the
//! exports read through [`read`], which sends them to the replica; everything else (single
//! records, writes, tokens and sessions, queues, the change feed, the audit trail, readiness)
//! stays on the primary through `store::run`. A caller who made a successful write (a request
//! other than GET or HEAD answered 2xx) in the last `HUIMIN_READ_AFTER_WRITE_SECONDS` reads from
//! the primary too, so that it sees what it wrote while the replica lags. The window is kept per
//! instance, by [`middleware`] alone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

use crate::api::AppState;
use crate::auth::session::Checked;
use crate::auth::Principal;
use crate::db::{DbConnection, DbPool};
use crate::error::ApiError;

/// Most callers remembered per instance before those past the window are dropped.
const CAPACITY: usize = 10_000;

/// Who wrote: an account (people, mapped identities and OAuth clients all have one), or a
/// token's subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Writer {
    Account(i64),
    Subject(String),
}

impl Writer {
    fn of(principal: &Principal) -> Self {
        match principal.account_id {
            Some(id) => Writer::Account(id),
            None => Writer::Subject(principal.sub.clone()),
        }
    }
}

/// The callers who wrote within the window, on this instance, with the time of their last
/// successful write.
#[derive(Debug)]
pub struct RecentWriters {
    window: Duration,
    last: Mutex<HashMap<Writer, Instant>>,
}

impl Default for RecentWriters {
    fn default() -> Self {
        RecentWriters::new(Duration::from_secs(5))
    }
}

impl RecentWriters {
    /// Callers are remembered for `window` after a write (`HUIMIN_READ_AFTER_WRITE_SECONDS`).
    pub fn new(window: Duration) -> Self {
        RecentWriters {
            window,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Notes a successful write of `principal` at `now`.
    pub fn wrote(&self, principal: &Principal, now: Instant) {
        if self.window.is_zero() {
            return;
        }
        let writer = Writer::of(principal);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= CAPACITY && !last.contains_key(&writer) {
            last.retain(|_, at| now.saturating_duration_since(*at) < self.window);
        }
        last.insert(writer, now);
    }

    /// Whether `principal` wrote within the window before `now` (its reads then go to the
    /// primary).
    pub fn wrote_recently(&self, principal: &Principal, now: Instant) -> bool {
        let writer = Writer::of(principal);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match last.get(&writer) {
            Some(at) if now.saturating_duration_since(*at) < self.window => true,
            Some(_) => {
                last.remove(&writer);
                false
            }
            None => false,
        }
    }

    /// How many callers are remembered.
    pub fn len(&self) -> usize {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no caller is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

tokio::task_local! {
    /// Whether the reads of the request being handled must see the primary.
    static FRESH: bool;
}

/// Whether the request being handled must read from the primary: its caller wrote within the
/// window. Outside a request (or before [`middleware`]) every read is fresh.
pub fn fresh() -> bool {
    FRESH.try_with(|fresh| *fresh).unwrap_or(true)
}

/// Runs a read of a list, the board, the statistics or an export: on the read replica unless
/// the caller must read fresh (see [`fresh`] and `store::read`).
pub async fn read<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: Fn(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    crate::store::read(pool, fresh(), f).await
}

/// Middleware (after the token check): decides whether the request reads fresh, and notes the
/// caller as a recent writer when a request other than GET or HEAD is answered 2xx.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let principal = req
        .extensions()
        .get::<Checked>()
        .and_then(|c| c.0.as_ref().ok())
        .cloned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(principal), Some(state)) = (principal, state) else {
        return FRESH.scope(false, next.call(req)).await;
    };
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let fresh = state
        .recent_writers
        .wrote_recently(&principal, Instant::now());
    let res = FRESH.scope(fresh, next.call(req)).await?;
    if writes && res.status().is_success() {
        state.recent_writers.wrote(&principal, Instant::now());
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Role;

    fn principal(account_id: Option<i64>, sub: &str) -> Principal {
        Principal {
            account_id,
            sub: sub.into(),
            name: sub.into(),
            role: Role::UnitStaff,
            unit_id: 1,
            staff_id: None,
            session_id: None,
            client: None,
        }
    }

    #[test]
    fn a_writer_reads_fresh_within_the_window_only() {
        let writers = RecentWriters::new(Duration::from_secs(5));
        let (a, b) = (principal(Some(1), "a"), principal(Some(2), "b"));
        let t0 = Instant::now();
        writers.wrote(&a, t0);
        assert!(writers.wrote_recently(&a, t0 + Duration::from_secs(4)));
        assert!(!writers.wrote_recently(&b, t0 + Duration::from_secs(1)));
        assert!(!writers.wrote_recently(&a, t0 + Duration::from_secs(5)));
        // The expired entry is gone.
        assert!(writers.is_empty());
        // A later write opens the window again.
        writers.wrote(&a, t0 + Duration::from_secs(6));
        assert!(writers.wrote_recently(&a, t0 + Duration::from_secs(7)));
    }

    #[test]
    fn callers_without_an_account_are_told_apart_by_subject() {
        let writers = RecentWriters::new(Duration::from_secs(5));
        let t0 = Instant::now();
        writers.wrote(&principal(None, "idp:x"), t0);
        assert!(writers.wrote_recently(&principal(None, "idp:x"), t0));
        assert!(!writers.wrote_recently(&principal(None, "idp:y"), t0));
    }

    #[test]
    fn memory_stays_bounded_by_dropping_expired_writers() {
        let writers = RecentWriters::new(Duration::from_secs(5));
        let t0 = Instant::now();
        for id in 0..CAPACITY as i64 {
            writers.wrote(&principal(Some(id), "x"), t0);
        }
        assert_eq!(writers.len(), CAPACITY);
        writers.wrote(&principal(Some(-1), "x"), t0 + Duration::from_secs(10));
        assert_eq!(writers.len(), 1);
    }

    #[test]
    fn a_zero_window_remembers_nobody() {
        let writers = RecentWriters::new(Duration::ZERO);
        let t0 = Instant::now();
        writers.wrote(&principal(Some(1), "a"), t0);
        assert!(!writers.wrote_recently(&principal(Some(1), "a"), t0));
        assert!(writers.is_empty());
    }
}
