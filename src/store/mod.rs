//! Diesel queries, one module per resource. Every write runs in one transaction with its audit
//! rows (see [`audit::write`]); every read is filtered to the caller's unit subtree.

pub mod activities;
pub mod aid;
pub mod audit;
pub mod board;
pub mod calendar;
pub mod changes;
pub mod clients;
pub mod consultations;
pub mod duty;
pub mod external_refs;
pub mod follow_ups;
pub mod idempotency;
pub mod inspections;
pub mod monthly_reports;
pub mod recognitions;
pub mod scope;
pub mod seed;
pub mod sessions;
pub mod staff;
pub mod stats;
pub mod targets;
pub mod throttle;
pub mod units;
pub mod users;
pub mod webhooks;
pub mod write;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::db::{DbConnection, DbPool, DbUrl, PoolSettings};
use crate::domain::roles::Role;
use crate::error::ApiError;

/// Opens the database for the service: connects, runs the migrations, and installs the
/// published holiday schedules the calendar does not hold yet.
pub fn open(
    url: &DbUrl,
    settings: &PoolSettings,
    clock: &crate::clock::Clock,
) -> Result<DbPool, String> {
    let pool = crate::db::connect_and_migrate(url, settings)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let installed =
        calendar::install_published(&mut conn, clock.stamp()).map_err(|e| e.to_string())?;
    if !installed.is_empty() {
        log::info!("installed the published holiday schedules of {installed:?}");
    }
    Ok(pool)
}

/// Who performs a write, as recorded in the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account id, when the actor is one of our accounts.
    pub id: Option<i64>,
    /// The username, token subject, or `system`.
    pub name: String,
    /// The role (none for the system).
    pub role: Option<Role>,
    /// The actor's unit.
    pub unit_id: i64,
    /// The server's own request id (or `cli` for command-line writes).
    pub request_id: String,
    /// The `X-Request-Id` the caller sent, recorded beside the server's.
    pub caller_request_id: Option<String>,
    /// The keys that bind the trail's events (from the configuration, never stored).
    pub audit_keys: audit::AuditKeys,
    /// When the request was taken, from the service's clock (UTC, to the microsecond): what the
    /// request's own checks compare with ("not in the future"). The write's stored times are
    /// [`audit::AuditLog::at`], read again once it holds the trail's lock.
    pub at: chrono::NaiveDateTime,
    /// The clock the write reads again once it holds the trail's lock, so that the trail's times
    /// rise with its sequence.
    pub clock: Arc<crate::clock::Clock>,
}

impl Actor {
    /// The service itself (seeding, command-line maintenance), binding its events with `keys`.
    pub fn system(request_id: &str, keys: &audit::AuditKeys) -> Self {
        Actor {
            id: None,
            name: "system".into(),
            role: None,
            unit_id: 0,
            request_id: request_id.into(),
            caller_request_id: None,
            audit_keys: keys.clone(),
            at: crate::clock::Clock::default().stamp(),
            clock: Default::default(),
        }
    }
}

/// Runs blocking diesel work on the blocking thread pool with a pooled connection.
///
/// The whole wait — for a free blocking thread, then for a connection — is bounded by the pool's
/// timeout: past it the request answers 503. Work that has not started by then never starts (so
/// a 503 never hides a write that commits later); work that has started is awaited.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    const QUEUED: u8 = 0;
    const STARTED: u8 = 1;
    const ABANDONED: u8 = 2;
    let pool = pool.clone();
    let deadline = Instant::now() + pool.timeout();
    let state = Arc::new(AtomicU8::new(QUEUED));
    let work_state = state.clone();
    let work = actix_web::web::block(move || {
        if work_state
            .compare_exchange(QUEUED, STARTED, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(ApiError::Unavailable("abandoned while queued".into()));
        }
        let mut conn = pool.checkout(deadline)?;
        let result = f(&mut conn);
        if let Err(ApiError::Unavailable(_)) = &result {
            conn.check_after_failure();
        }
        result
    });
    let mut work = std::pin::pin!(work);
    match tokio::time::timeout_at(deadline.into(), work.as_mut()).await {
        Ok(done) => done?,
        Err(_) => {
            if state
                .compare_exchange(QUEUED, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Err(ApiError::Unavailable(
                    "no blocking thread became free within the timeout".into(),
                ));
            }
            work.await?
        }
    }
}

/// Whether the database answers a query (readiness).
pub fn ping(conn: &mut DbConnection) -> Result<(), ApiError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SELECT 1")
        .map_err(|e| ApiError::Unavailable(format!("database check failed: {e}")))
}
