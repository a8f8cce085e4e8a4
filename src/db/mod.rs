//! The database: one connection enum over PostgreSQL and SQLite, the pool, and migrations.

pub mod codes;
pub mod fragment;
pub mod schema;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// Migrations for PostgreSQL, embedded in the binary.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Migrations for SQLite, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend. Queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (a province, or a county that prefers a server).
    Postgresql(PgConnection),
    /// Embedded SQLite (a county, a laptop, a test).
    Sqlite(SqliteConnection),
}

/// A connection borrowed from the pool.
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// The backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as given.
    Postgres(String),
    /// A SQLite file path (from `sqlite://path`, `sqlite:path` or a plain path).
    Sqlite(String),
}

impl DbUrl {
    /// Picks the backend from the URL's scheme; never by trying to connect.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("DATABASE_URL `sqlite://` names no file".into());
            }
            return Ok(DbUrl::Sqlite(path.to_owned()));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL scheme `{scheme}://` is not supported: use postgres://…, sqlite://path or a file path"
            ));
        }
        Ok(DbUrl::Sqlite(url.to_owned()))
    }

    /// The URL with any password replaced, safe to print.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(path) => format!("sqlite://{path}"),
            DbUrl::Postgres(url) => redact_password(url),
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbUrl::Postgres(_))
    }

    /// Opens one connection to the backend the URL names.
    pub fn connect(&self, timeout: Duration) -> Result<DbConnection, String> {
        match self {
            DbUrl::Postgres(url) => {
                let url = with_connect_timeout(url, timeout);
                let mut conn = PgConnection::establish(&url).map_err(|e| {
                    format!(
                        "cannot connect to PostgreSQL at {}: {}",
                        self.redacted(),
                        e.to_string().trim()
                    )
                })?;
                // A write waiting for a lock held elsewhere (a stuck session, a maintenance job)
                // gives up after the timeout and answers 503, as SQLite's busy_timeout does.
                //
                // Statements are prepared once per connection, but planned for the values of
                // each execution: a generic plan knows neither the subtree nor the page size
                // (`LIMIT $n`), and for a list ordered by id it walks every row in id order.
                conn.batch_execute(&format!(
                    "SET lock_timeout = {}; SET plan_cache_mode = force_custom_plan",
                    timeout.as_millis().max(1000)
                ))
                .map_err(|e| format!("cannot configure the PostgreSQL session: {e}"))?;
                Ok(DbConnection::Postgresql(conn))
            }
            DbUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(|e| {
                    format!(
                        "cannot open SQLite database `{path}`: {}",
                        e.to_string().trim()
                    )
                })?;
                // busy_timeout first, so that switching to WAL waits for other connections.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    timeout.as_millis().max(1000)
                ))
                .map_err(|e| format!("cannot configure SQLite database `{path}`: {e}"))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={}", timeout.as_secs().max(1))
}

/// The r2d2 manager: connects by the URL's scheme and configures SQLite connections.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DbUrl,
    timeout: Duration,
    health: Arc<PoolHealth>,
}

/// What the pool knows about the database, shared by the pool and its connections.
#[derive(Debug, Default)]
struct PoolHealth {
    /// Connections found lost so far.
    losses: AtomicU64,
    /// The last attempt to open a connection failed: the database is away.
    unreachable: AtomicBool,
    /// A read replica only: its last read fell back to the primary (logged when this changes).
    fell_back: AtomicBool,
}

/// How long a request waits for a connection while the database is known to be away. Requests
/// then answer 503 at once instead of each holding a thread for the whole timeout, so that the
/// 503s of a busy service still come within the timeout; the pool keeps trying to connect in the
/// background, and the first success ends this.
const WAIT_WHILE_UNREACHABLE: Duration = Duration::from_millis(100);

/// How long a read waits for a connection to the read replica before it reads from the primary
/// instead (at most the pool's timeout). While the replica is known to be away, a read takes an
/// idle connection to it or none, without waiting: the pool keeps trying to connect in the
/// background, and reads return to the replica once it answers again.
pub const REPLICA_WAIT: Duration = Duration::from_millis(500);

/// A pooled connection with what the pool needs to know about it: whether it was lost, and which
/// connection losses (anywhere in the pool) it has been checked against since.
///
/// A database restart leaves every idle connection dead, and diesel only notices a dead
/// connection when a query on it fails. So when one connection is found lost, the pool's loss
/// count goes up, and every older connection answers `SELECT 1` at its next checkout before a
/// request may use it ([`DbPool::checkout`]): after the database returns, no request meets a dead
/// one.
pub struct TrackedConnection {
    conn: DbConnection,
    losses_seen: u64,
    health: Arc<PoolHealth>,
    lost: bool,
}

impl std::ops::Deref for TrackedConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for TrackedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl TrackedConnection {
    /// Called after a request on this connection failed with a 503-class error: when the
    /// connection no longer answers, it is discarded and every other pooled connection is
    /// checked before its next use.
    pub fn check_after_failure(&mut self) {
        if self.conn.batch_execute("SELECT 1").is_err() {
            self.lost = true;
            self.health.losses.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = TrackedConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<TrackedConnection, ConnectError> {
        let losses_seen = self.health.losses.load(Ordering::SeqCst);
        let result = self.url.connect(self.timeout);
        self.health
            .unreachable
            .store(result.is_err(), Ordering::SeqCst);
        Ok(TrackedConnection {
            conn: result.map_err(ConnectError)?,
            losses_seen,
            health: self.health.clone(),
            lost: false,
        })
    }

    fn is_valid(&self, conn: &mut TrackedConnection) -> Result<(), ConnectError> {
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, conn: &mut TrackedConnection) -> bool {
        conn.lost
            || match &mut conn.conn {
                DbConnection::Postgresql(c) => diesel::r2d2::R2D2Connection::is_broken(c),
                DbConnection::Sqlite(c) => diesel::r2d2::R2D2Connection::is_broken(c),
            }
    }
}

/// The pool every request borrows from: the primary database, and beside it the pool of its
/// read replica when one is configured (`HUIMIN_DATABASE_READ_URL`).
#[derive(Debug, Clone)]
pub struct DbPool {
    pool: r2d2::Pool<ConnectionManager>,
    health: Arc<PoolHealth>,
    timeout: Duration,
    /// How long a checkout waits while the database is known to be away.
    wait_while_unreachable: Duration,
    replica: Option<Arc<DbPool>>,
}

impl DbPool {
    /// How long a request may wait for a connection (`HUIMIN_DB_TIMEOUT_SECONDS`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// This pool with `replica` (from [`build_replica_pool`]) beside it for the reads that may
    /// be served by it (see `crate::store::read`).
    pub fn with_replica(mut self, replica: DbPool) -> Self {
        self.replica = Some(Arc::new(replica));
        self
    }

    /// The read replica's pool, if one is configured.
    pub fn replica(&self) -> Option<&DbPool> {
        self.replica.as_deref()
    }

    /// Borrows a connection to the read replica for a read, waiting at most [`REPLICA_WAIT`]
    /// (and not at all while the replica is known to be away); none: read from the primary.
    pub fn replica_checkout(&self) -> Option<Result<PooledConn, Unavailable>> {
        let replica = self.replica()?;
        Some(replica.checkout(Instant::now() + REPLICA_WAIT.min(replica.timeout)))
    }

    /// Notes whether a read was served by the read replica (`true`) or fell back to the primary,
    /// and logs when that changes (the cause names no person: a connection or server error).
    pub fn note_replica(&self, served: bool, cause: &str) {
        let Some(replica) = self.replica() else {
            return;
        };
        let fell_back = replica.health.fell_back.swap(!served, Ordering::SeqCst);
        if served && fell_back {
            log::info!("the read replica serves reads again");
        } else if !served && !fell_back {
            log::warn!("the read replica is unavailable, reads go to the primary: {cause}");
        }
    }

    /// Borrows a connection, waiting at most the pool's timeout.
    pub fn get(&self) -> Result<PooledConn, Unavailable> {
        self.checkout(Instant::now() + self.timeout)
    }

    /// Borrows a connection by `deadline`, or answers 503. A connection older than the pool's
    /// last connection loss is first checked with `SELECT 1` (see [`TrackedConnection`]); dead
    /// ones are discarded and the next is tried. While the database is known to be away, the
    /// wait is short (see [`WAIT_WHILE_UNREACHABLE`]).
    pub fn checkout(&self, deadline: Instant) -> Result<PooledConn, Unavailable> {
        for _ in 0..=self.pool.max_size() {
            let mut wait = deadline.saturating_duration_since(Instant::now());
            let unreachable = self.health.unreachable.load(Ordering::SeqCst);
            if unreachable {
                wait = wait.min(self.wait_while_unreachable);
            }
            let mut conn = if !wait.is_zero() {
                self.pool
                    .get_timeout(wait)
                    .map_err(|e| Unavailable(format!("no database connection available: {e}")))?
            } else if unreachable {
                // Not waiting for a database known to be away (a replica): an idle connection
                // will do, if there is one.
                match self.pool.try_get() {
                    Some(conn) => conn,
                    None => break,
                }
            } else {
                break;
            };
            let losses = self.health.losses.load(Ordering::SeqCst);
            if conn.losses_seen == losses {
                return Ok(conn);
            }
            if conn.conn.batch_execute("SELECT 1").is_ok() {
                conn.losses_seen = losses;
                return Ok(conn);
            }
            conn.lost = true;
        }
        Err(Unavailable(
            "no working database connection within the timeout".into(),
        ))
    }
}

/// No working connection could be borrowed in time; the message says why (and is logged, never
/// sent to a client).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// A failure to open a database connection; the message names the database and the cause.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(pub String);

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections kept.
    pub max_size: u32,
    /// How long a request waits for a connection (and a connection attempt may take).
    pub timeout: Duration,
}

/// Opens one connection first (so a wrong URL fails at once with its real cause), runs the
/// embedded migrations, then builds the pool.
pub fn connect_and_migrate(url: &DbUrl, settings: &PoolSettings) -> Result<DbPool, String> {
    let mut first = url.connect(settings.timeout)?;
    run_migrations(&mut first)?;
    drop(first);
    Ok(build_pool(url, settings))
}

/// Builds the pool of a read replica without connecting (connections open on demand, so the
/// service starts while the replica is away). No migrations run on it: a streaming replica is
/// read-only and receives the primary's schema. Only PostgreSQL has replicas.
pub fn build_replica_pool(url: &DbUrl, settings: &PoolSettings) -> Result<DbPool, String> {
    if !url.is_postgres() {
        return Err(format!(
            "HUIMIN_DATABASE_READ_URL must name a PostgreSQL streaming replica, not {}",
            url.redacted()
        ));
    }
    let mut pool = build_pool(url, settings);
    pool.wait_while_unreachable = Duration::ZERO;
    Ok(pool)
}

/// Builds the pool without connecting (connections open on demand).
pub fn build_pool(url: &DbUrl, settings: &PoolSettings) -> DbPool {
    let health = Arc::new(PoolHealth::default());
    let manager = ConnectionManager {
        url: url.clone(),
        timeout: settings.timeout,
        health: health.clone(),
    };
    let pool = r2d2::Pool::builder()
        .max_size(settings.max_size)
        .min_idle(Some(0))
        .connection_timeout(settings.timeout)
        // A SELECT 1 on every checkout costs ~20% of a cheap request; connections are checked
        // only after a connection loss instead (see `checkout`).
        .test_on_check_out(false)
        .build_unchecked(manager);
    DbPool {
        pool,
        health,
        timeout: settings.timeout,
        wait_while_unreachable: WAIT_WHILE_UNREACHABLE,
        replica: None,
    }
}

/// The advisory lock key that serialises migrations across instances on PostgreSQL.
pub const MIGRATION_LOCK_KEY: i64 = 0x6875_696d_696e; // "huimin"

/// Runs the pending embedded migrations of the connection's backend. On PostgreSQL an advisory
/// lock makes a second instance wait while the first migrates.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), String> {
    match conn {
        DbConnection::Postgresql(c) => {
            // Migrations wait as long as it takes: for the lock, and for the tables they alter.
            c.batch_execute(&format!(
                "SET lock_timeout = 0; SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"
            ))
            .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let result = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| format!("migration failed: {e}"));
            let unlock = c
                .batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| format!("cannot release the migration lock: {e}"));
            result.and(unlock)
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(|e| format!("migration failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            DbUrl::parse("postgres://u:p@h/db").unwrap(),
            DbUrl::Postgres("postgres://u:p@h/db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite://huimin.db").unwrap(),
            DbUrl::Sqlite("huimin.db".into())
        );
        assert_eq!(
            DbUrl::parse("/var/lib/huimin.db").unwrap(),
            DbUrl::Sqlite("/var/lib/huimin.db".into())
        );
        assert!(DbUrl::parse("mysql://h/db")
            .unwrap_err()
            .contains("mysql://"));
        assert!(DbUrl::parse("").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DbUrl::parse("postgres://huimin:s3cret@db:5432/huimin").unwrap();
        assert_eq!(url.redacted(), "postgres://huimin:***@db:5432/huimin");
        assert!(!url.redacted().contains("s3cret"));
    }

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db", Duration::from_secs(3)),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable", Duration::from_secs(3)),
            "postgres://h/db?sslmode=disable&connect_timeout=3"
        );
    }
}
