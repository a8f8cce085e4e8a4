//! Typed configuration from the command line and `HUIMIN_*` environment variables.
//! Secrets are never printed (`hide_env_values`).

use std::time::Duration;

use clap::Args;

use crate::auth::JwtKeys;
use crate::db::{DbUrl, PoolSettings};
use crate::store::audit::key::MIN_AUDIT_KEY_LEN;
use crate::store::audit::AuditKeys;

/// The shortest JWT secret accepted.
pub const MIN_SECRET_LEN: usize = 32;

/// Settings shared by every sub-command.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database: `postgres://…`, `sqlite://path` or a file path.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "huimin.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// A PostgreSQL streaming replica of the database, for lists, the board, statistics and
    /// exports (see the README's "Read replica"); only with a PostgreSQL `DATABASE_URL`.
    #[arg(
        long,
        env = "HUIMIN_DATABASE_READ_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_read_url: Option<String>,
    /// Seconds after a caller's last successful write during which its reads go to the primary
    /// (per instance), so that it reads what it wrote although the replica lags.
    #[arg(
        long,
        env = "HUIMIN_READ_AFTER_WRITE_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub read_after_write_seconds: u64,
    /// Most pooled database connections.
    #[arg(long, env = "HUIMIN_DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub db_pool_size: u32,
    /// Seconds to wait for a database connection before answering 503.
    #[arg(
        long,
        env = "HUIMIN_DB_TIMEOUT_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub db_timeout_seconds: u64,
    /// HS256 secret for the tokens this service issues (at least 32 bytes).
    #[arg(long, env = "HUIMIN_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// `iss` of the tokens this service issues.
    #[arg(
        long,
        env = "HUIMIN_JWT_ISSUER",
        default_value = "huimin",
        global = true
    )]
    pub jwt_issuer: String,
    /// `aud` every token must carry.
    #[arg(
        long,
        env = "HUIMIN_JWT_AUDIENCE",
        default_value = "huimin-api",
        global = true
    )]
    pub jwt_audience: String,
    /// Lifetime of issued tokens, in seconds.
    #[arg(
        long,
        env = "HUIMIN_JWT_TTL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub jwt_ttl_seconds: i64,
    /// Longest accepted token lifetime (`exp - iat`), in seconds, for our tokens and external
    /// ones; at least the lifetime of issued tokens.
    #[arg(
        long,
        env = "HUIMIN_JWT_MAX_LIFETIME_SECONDS",
        default_value_t = crate::auth::jwt::DEFAULT_MAX_LIFETIME_SECS,
        global = true
    )]
    pub jwt_max_lifetime_seconds: i64,
    /// Addresses of reverse proxies (comma-separated IPs) whose `X-Forwarded-For` names the
    /// client for login throttling; from any other peer the header is ignored.
    #[arg(
        long,
        env = "HUIMIN_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Issuer (`iss`) of a provincial identity provider whose tokens are accepted.
    #[arg(long, env = "HUIMIN_IDP_ISSUER", global = true)]
    pub idp_issuer: Option<String>,
    /// PEM file with that provider's public key.
    #[arg(long, env = "HUIMIN_IDP_PUBLIC_KEY_FILE", global = true)]
    pub idp_public_key_file: Option<String>,
    /// That provider's algorithm: RS256 or EdDSA.
    #[arg(
        long,
        env = "HUIMIN_IDP_ALGORITHM",
        default_value = "RS256",
        global = true
    )]
    pub idp_algorithm: String,
    /// Largest accepted request body, in bytes.
    #[arg(
        long,
        env = "HUIMIN_MAX_BODY_BYTES",
        default_value_t = 262_144,
        global = true
    )]
    pub max_body_bytes: usize,
    /// Days after an aid case closes by which its follow-up call is due.
    #[arg(
        long,
        env = "HUIMIN_FOLLOW_UP_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub follow_up_days: i64,
    /// Days an aid applicant has to object to a refusal or a termination, from the day the
    /// decision was served (Shanxi: 15).
    #[arg(
        long,
        env = "HUIMIN_OBJECTION_DAYS",
        default_value_t = crate::domain::aid::OBJECTION_DAYS,
        global = true
    )]
    pub objection_days: u32,
    /// Years after closing during which a provider's (and its organisation's) aid cases still
    /// count in the conflict-of-interest check of an assignment.
    #[arg(
        long,
        env = "HUIMIN_CONFLICT_YEARS",
        default_value_t = crate::domain::aid::CONFLICT_YEARS,
        global = true
    )]
    pub conflict_years: u32,
    /// Share of consultations (with consent) that follow-up planning samples, in percent.
    #[arg(
        long,
        env = "HUIMIN_FOLLOW_UP_SHARE_PERCENT",
        default_value_t = 30,
        global = true
    )]
    pub follow_up_share_percent: u32,
    /// Requests per minute of an OAuth client that has no quota of its own (counted per
    /// instance; see the README).
    #[arg(
        long,
        env = "HUIMIN_CLIENT_REQUESTS_PER_MINUTE",
        default_value_t = crate::domain::clients::DEFAULT_REQUESTS_PER_MINUTE,
        global = true
    )]
    pub client_requests_per_minute: u32,
    /// Bearer token that `GET /metrics` requires (at least 16 bytes). Unset, the endpoint
    /// answers 404: request figures are not public.
    #[arg(
        long,
        env = "HUIMIN_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HUIMIN_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Secret that binds the audit trail's events (HMAC-SHA-256; at least 32 bytes). Never
    /// stored in the database; every instance of a deployment needs the same one.
    #[arg(long, env = "HUIMIN_AUDIT_KEY", global = true, hide_env_values = true)]
    pub audit_key: Option<String>,
    /// Earlier audit secrets, comma-separated, kept after a rotation to verify the events they
    /// bound (and the checkpoints they signed).
    #[arg(
        long,
        env = "HUIMIN_AUDIT_EARLIER_KEYS",
        global = true,
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub audit_earlier_keys: Vec<String>,
    /// Milliseconds between rounds of the webhook worker (0: no worker on this instance).
    #[arg(
        long,
        env = "HUIMIN_WEBHOOK_INTERVAL_MS",
        default_value_t = 2000,
        global = true
    )]
    pub webhook_interval_ms: u64,
    /// Deliver webhooks to loopback hosts only (tests and CI: nothing leaves the machine).
    #[arg(long, env = "HUIMIN_WEBHOOK_LOOPBACK_ONLY", global = true)]
    pub webhook_loopback_only: bool,
}

impl Config {
    /// The parsed database URL.
    pub fn db_url(&self) -> Result<DbUrl, String> {
        DbUrl::parse(&self.database_url)
    }

    /// The parsed read replica URL, if one is set: both it and `DATABASE_URL` must name
    /// PostgreSQL.
    pub fn db_read_url(&self) -> Result<Option<DbUrl>, String> {
        let Some(read) = self
            .database_read_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let read = DbUrl::parse(read).map_err(|e| {
            format!(
                "HUIMIN_DATABASE_READ_URL: {}",
                e.replace("DATABASE_URL ", "")
            )
        })?;
        if !read.is_postgres() || !self.db_url()?.is_postgres() {
            return Err("HUIMIN_DATABASE_READ_URL names a PostgreSQL streaming replica: it and DATABASE_URL must both be postgres://… URLs".into());
        }
        Ok(Some(read))
    }

    /// How long a caller's reads go to the primary after its last successful write.
    pub fn read_after_write(&self) -> Duration {
        Duration::from_secs(self.read_after_write_seconds.min(3600))
    }

    /// Settings of the programme's rules.
    pub fn settings(&self) -> Settings {
        Settings {
            follow_up_days: self.follow_up_days.clamp(1, 90),
            follow_up_share_percent: self.follow_up_share_percent.clamp(1, 100),
            objection_days: self.objection_days.clamp(5, 60),
            conflict_years: self.conflict_years.clamp(0, 30),
        }
    }

    /// The metrics token, checked for length.
    pub fn metrics_token(&self) -> Result<Option<MetricsToken>, String> {
        match &self.metrics_token {
            // An empty value (as a compose file passes an unset variable) means "not set".
            Some(t) if t.is_empty() => Ok(None),
            Some(t) if t.len() >= 16 => Ok(Some(MetricsToken::new(t))),
            Some(_) => Err("HUIMIN_METRICS_TOKEN must be at least 16 bytes long".into()),
            None => Ok(None),
        }
    }

    /// Pool settings.
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            max_size: self.db_pool_size.max(1),
            timeout: Duration::from_secs(self.db_timeout_seconds.max(1)),
        }
    }

    /// The audit trail's keys. Without a secret, `demo` mode uses the public demo key (a demo
    /// trail is then not protected); otherwise the service refuses to start.
    pub fn audit_keys(&self, demo: bool) -> Result<AuditKeys, String> {
        let earlier: Vec<&[u8]> = self
            .audit_earlier_keys
            .iter()
            .map(|k| k.trim().as_bytes())
            .filter(|k| !k.is_empty())
            .collect();
        match &self.audit_key {
            Some(key) => AuditKeys::new(key.as_bytes(), &earlier).map_err(|_| {
                format!("HUIMIN_AUDIT_KEY and each of HUIMIN_AUDIT_EARLIER_KEYS must be at least {MIN_AUDIT_KEY_LEN} bytes long")
            }),
            None if demo => {
                log::warn!("HUIMIN_AUDIT_KEY is not set: demo mode binds the audit trail with the public demo key, so this trail can be rewritten unseen");
                Ok(AuditKeys::demo())
            }
            None => Err("HUIMIN_AUDIT_KEY is not set: a production start needs a secret of at least 32 bytes to bind the audit trail (or run with --demo to try the service)".into()),
        }
    }

    /// The token keys. Without a secret, `demo` mode uses a random one (tokens then die with the
    /// process); otherwise the service refuses to start.
    pub fn jwt_keys(&self, demo: bool) -> Result<JwtKeys, String> {
        let secret = match &self.jwt_secret {
            Some(s) if s.len() >= MIN_SECRET_LEN => s.clone().into_bytes(),
            Some(_) => {
                return Err(format!(
                    "HUIMIN_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes long"
                ))
            }
            None if demo => {
                log::warn!("HUIMIN_JWT_SECRET is not set: demo mode signs tokens with a random secret that dies with this process");
                format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()).into_bytes()
            }
            None => {
                return Err("HUIMIN_JWT_SECRET is not set: a production start needs a secret of at least 32 bytes to sign tokens (or run with --demo to try the service)".into())
            }
        };
        let mut keys = JwtKeys::new(
            &secret,
            self.jwt_issuer.clone(),
            self.jwt_audience.clone(),
            self.jwt_ttl_seconds.max(60),
        )?
        .with_max_lifetime(self.jwt_max_lifetime_seconds)
        .map_err(|e| format!("HUIMIN_JWT_MAX_LIFETIME_SECONDS: {e}"))?;
        match (&self.idp_issuer, &self.idp_public_key_file) {
            (Some(issuer), Some(file)) => {
                let pem = std::fs::read(file)
                    .map_err(|e| format!("cannot read HUIMIN_IDP_PUBLIC_KEY_FILE {file}: {e}"))?;
                keys = keys.with_external(JwtKeys::external_from_pem(
                    issuer.clone(),
                    &self.idp_algorithm,
                    &pem,
                )?);
            }
            (None, None) => {}
            _ => {
                return Err(
                    "HUIMIN_IDP_ISSUER and HUIMIN_IDP_PUBLIC_KEY_FILE must be set together".into(),
                )
            }
        }
        Ok(keys)
    }
}

/// Settings of the programme's rules (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Days after an aid case closes by which its follow-up is due.
    pub follow_up_days: i64,
    /// Share of consultations with consent that planning samples, in percent.
    pub follow_up_share_percent: u32,
    /// Days an aid applicant has to object to a refusal or a termination.
    pub objection_days: u32,
    /// Years after closing during which cases count in the conflict check.
    pub conflict_years: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            follow_up_days: 7,
            follow_up_share_percent: 30,
            objection_days: crate::domain::aid::OBJECTION_DAYS,
            conflict_years: crate::domain::aid::CONFLICT_YEARS,
        }
    }
}

/// The token `GET /metrics` requires, kept as its SHA-256 digest: compared in constant time and
/// never printed.
#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    /// The token's digest.
    pub fn new(token: &str) -> Self {
        use sha2::Digest;
        MetricsToken(sha2::Sha256::digest(token.as_bytes()).into())
    }

    /// Whether `given` is the token (compares digests, in time independent of where they differ).
    pub fn admits(&self, given: &str) -> bool {
        let other = MetricsToken::new(given);
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn read_url(database: &str, read: &str) -> Result<Option<DbUrl>, String> {
        Cli::try_parse_from([
            "huimin",
            "--database-url",
            database,
            "--database-read-url",
            read,
        ])
        .map_err(|e| e.to_string())?
        .config
        .db_read_url()
    }

    #[test]
    fn a_read_replica_needs_postgresql_on_both_sides() {
        assert_eq!(
            read_url("postgres://h/db", "postgres://r/db").unwrap(),
            Some(DbUrl::Postgres("postgres://r/db".into()))
        );
        assert_eq!(read_url("postgres://h/db", "").unwrap(), None);
        for (database, read) in [
            ("huimin.db", "postgres://r/db"),
            ("postgres://h/db", "sqlite://replica.db"),
            ("postgres://h/db", "mysql://r/db"),
        ] {
            let e = read_url(database, read).unwrap_err();
            assert!(e.contains("HUIMIN_DATABASE_READ_URL"), "{e}");
        }
    }
}
