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
pub mod optional;
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
    let primary = pool.clone();
    blocking(pool, move |deadline| on_primary(&primary, deadline, f)).await
}

/// Runs a blocking read as [`run`] does, on the read replica when there is one and the read
/// need not be `fresh`; otherwise, or when the replica gives no connection in time or the read
/// fails there as unavailable (a lost connection, a replica that stopped, a query cancelled by a
/// conflict with recovery), on the primary. So reads carry on while the replica is away, and a
/// replica known to be away costs them no wait (see [`crate::db::REPLICA_WAIT`]).
///
/// `f` must only read: a replica refuses writes. It may run twice (on the replica, then on the
/// primary).
pub async fn read<T, F>(pool: &DbPool, fresh: bool, f: F) -> Result<T, ApiError>
where
    F: Fn(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    if fresh || pool.replica().is_none() {
        return run(pool, f).await;
    }
    let primary = pool.clone();
    blocking(pool, move |_| {
        let cause = match primary.replica_checkout() {
            Some(Ok(mut conn)) => match f(&mut conn) {
                Err(ApiError::Unavailable(cause)) => {
                    conn.check_after_failure();
                    cause
                }
                done => {
                    primary.note_replica(true, "");
                    return done;
                }
            },
            Some(Err(e)) => e.0,
            None => String::new(),
        };
        primary.note_replica(false, &cause);
        // The primary gets its own timeout: the replica may have taken some of the request's.
        on_primary(&primary, Instant::now() + primary.timeout(), f)
    })
    .await
}

/// Runs `f` on a connection of the primary borrowed by `deadline`; a connection on which `f`
/// failed as unavailable is checked (see [`crate::db::TrackedConnection`]).
fn on_primary<T>(
    pool: &DbPool,
    deadline: Instant,
    f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut conn = pool.checkout(deadline)?;
    let result = f(&mut conn);
    if let Err(ApiError::Unavailable(_)) = &result {
        conn.check_after_failure();
    }
    result
}

/// Runs `work(deadline)` on the blocking thread pool, `deadline` being the pool's timeout from
/// now. Work that has not started by the deadline never starts and the request answers 503;
/// work that has started is awaited.
async fn blocking<T, W>(pool: &DbPool, work: W) -> Result<T, ApiError>
where
    W: FnOnce(Instant) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    const QUEUED: u8 = 0;
    const STARTED: u8 = 1;
    const ABANDONED: u8 = 2;
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
        work(deadline)
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
