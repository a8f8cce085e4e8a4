//! Diesel queries, one module per resource. Every write runs in one transaction with its audit
//! rows (see [`audit::write`]); every read is filtered to the caller's unit subtree.

pub mod aid;
pub mod audit;
pub mod board;
pub mod calendar;
pub mod consultations;
pub mod duty;
pub mod follow_ups;
pub mod idempotency;
pub mod scope;
pub mod seed;
pub mod staff;
pub mod targets;
pub mod units;
pub mod users;

use crate::db::{DbConnection, DbPool};
use crate::domain::roles::Role;
use crate::error::ApiError;

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
    /// The request id (or `cli` for command-line writes).
    pub request_id: String,
}

impl Actor {
    /// The service itself (seeding, command-line maintenance).
    pub fn system(request_id: &str) -> Self {
        Actor {
            id: None,
            name: "system".into(),
            role: None,
            unit_id: 0,
            request_id: request_id.into(),
        }
    }
}

/// Runs blocking diesel work on the blocking thread pool with a pooled connection.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = crate::db::checkout(&pool)?;
        let result = f(&mut conn);
        if let Err(ApiError::Unavailable(_)) = &result {
            conn.check_after_failure();
        }
        result
    })
    .await?
}

/// The current time as stored: UTC, truncated to microseconds (what both backends keep).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}
