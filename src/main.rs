//! The `huimin` command: serve (default), migrate, seed, openapi, user and unit maintenance.

use std::io::BufRead;
use std::process::ExitCode;

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};

use huimin::api::AppState;
use huimin::config::Config;
use huimin::db::{self, DbConnection};
use huimin::domain::roles::Role;
use huimin::domain::units::UnitKind;
use huimin::store;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// huimin — free legal consultation and legal aid for special groups (惠民工程).
#[derive(Debug, Parser)]
#[command(name = "huimin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Load data sets.
    Seed {
        #[command(subcommand)]
        set: SeedSet,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage units.
    Unit {
        #[command(subcommand)]
        action: UnitAction,
    },
    /// Hash a password read from standard input (prints the argon2 PHC string).
    HashPassword,
    /// Checkpoint and verify the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Print a signed statement of every chain's head (JSON), to keep outside the database.
    Checkpoint {
        /// Use the public demo key when HUIMIN_AUDIT_KEY is not set (a `--demo` database).
        #[arg(long)]
        demo: bool,
    },
    /// Recompute every chain; with a checkpoint, also check that each chain still reaches it.
    /// Prints the report (JSON) and fails when the trail is not intact.
    Verify {
        /// A checkpoint printed by `huimin audit checkpoint`.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        /// Use the public demo key when HUIMIN_AUDIT_KEY is not set (a `--demo` database).
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Debug, Clone, clap::Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HUIMIN_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Seed the Qinshui demo data on an empty database and allow a missing JWT secret.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Subcommand)]
enum SeedSet {
    /// The Qinshui County units, 2023 targets and one account per role.
    Demo,
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add an account; the password is read from standard input.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Role: admin, unit_staff, aid_officer, provider, auditor, integration.
        #[arg(long)]
        role: Role,
        /// Code of the account's unit.
        #[arg(long)]
        unit_code: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UnitAction {
    /// Create the root unit of a deployment (e.g. a county bureau).
    AddRoot {
        /// Kind: county_bureau, city_bureau, province_department, …
        #[arg(long)]
        kind: UnitKind,
        /// Unique code (e.g. the administrative division code).
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli
        .command
        .unwrap_or(Command::Serve(ServeArgs::default_from_env()))
    {
        Command::Serve(args) => serve(&cli.config, &args),
        Command::Migrate => connect(&cli.config).map(|_| println!("migrations are up to date")),
        Command::Seed { set: SeedSet::Demo } => seed(&cli.config),
        Command::Audit { action } => audit(&cli.config, action),
        Command::Openapi => huimin::openapi()
            .to_pretty_json()
            .map(|s| println!("{s}"))
            .map_err(|e| e.to_string()),
        Command::User { action } => user(&cli.config, action),
        Command::Unit { action } => unit(&cli.config, action),
        Command::HashPassword => read_password()
            .and_then(|p| huimin::auth::password::hash_password(&p).map(|h| println!("{h}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("huimin: {message}");
            ExitCode::FAILURE
        }
    }
}

impl ServeArgs {
    fn default_from_env() -> Self {
        ServeArgs {
            bind: std::env::var("HUIMIN_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            demo: false,
        }
    }
}

fn connect(config: &Config) -> Result<db::DbPool, String> {
    let url = config.db_url()?;
    log::info!("database: {}", url.redacted());
    huimin::store::open(&url, &config.pool_settings(), &Default::default())
}

fn one_connection(
    config: &Config,
) -> Result<r2d2::PooledConnection<db::ConnectionManager>, String> {
    connect(config)?.get().map_err(|e| e.to_string())
}

fn seed(config: &Config) -> Result<(), String> {
    // Demo data: the public demo key binds its trail when no key is configured.
    let keys = config.audit_keys(true)?;
    let mut conn = one_connection(config)?;
    seed_demo(&mut conn, &keys)
}

fn audit(config: &Config, action: AuditAction) -> Result<(), String> {
    match action {
        AuditAction::Checkpoint { demo } => {
            let keys = config.audit_keys(demo)?;
            let mut conn = one_connection(config)?;
            let cp = store::audit::checkpoint(&mut conn, &keys, chrono::Utc::now())
                .map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&cp).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        AuditAction::Verify { checkpoint, demo } => {
            let keys = config.audit_keys(demo)?;
            let checkpoint = match checkpoint {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    Some(
                        serde_json::from_str::<store::audit::Checkpoint>(&text)
                            .map_err(|e| format!("{} is not a checkpoint: {e}", path.display()))?,
                    )
                }
                None => None,
            };
            let mut conn = one_connection(config)?;
            let report = store::audit::verify::verify(
                &mut conn,
                &keys,
                store::audit::VerifyScope::All,
                checkpoint.as_ref(),
            )
            .map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            println!("{text}");
            if report.intact {
                Ok(())
            } else {
                Err(format!(
                    "the audit trail is not intact: {}",
                    report.reason.unwrap_or_default()
                ))
            }
        }
    }
}

fn seed_demo(conn: &mut DbConnection, keys: &store::audit::AuditKeys) -> Result<(), String> {
    // A year of activity up to today, China time, on the service clock.
    let today = huimin::time::to_cst(huimin::clock::Clock::default().stamp()).date_naive();
    let started = std::time::Instant::now();
    // `HUIMIN_DEMO_YEAR=off`: the demo's units, staff, roster and accounts without the year of
    // activity (for tests of the process itself, which need a service, not its figures).
    let year = std::env::var("HUIMIN_DEMO_YEAR").map_or(true, |v| v != "off");
    let seeded = if year {
        store::seed::seed_living_demo(conn, keys, today)
    } else {
        store::seed::seed_demo(conn, keys)
    };
    match seeded {
        Ok(true) => {
            println!(
                "seeded the Qinshui demo data in {:.1} s: 15 units, targets, {}, accounts {} (password `{}`)",
                started.elapsed().as_secs_f64(),
                if year {
                    format!("a year of activity up to {today}")
                } else {
                    "no activity (HUIMIN_DEMO_YEAR=off)".to_owned()
                },
                store::seed::DEMO_ACCOUNTS.map(|a| a.0).join(", "),
                store::seed::DEMO_PASSWORD
            );
            Ok(())
        }
        Ok(false) => {
            println!("the database already has units: demo data not seeded");
            Ok(())
        }
        Err(e) => Err(format!("seeding failed: {e}")),
    }
}

fn read_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("HUIMIN_NEW_PASSWORD") {
        return Ok(p);
    }
    eprintln!("password (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.chars().count() < huimin::auth::password::MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must have at least {} characters",
            huimin::auth::password::MIN_PASSWORD_LEN
        ));
    }
    Ok(p)
}

fn user(config: &Config, action: UserAction) -> Result<(), String> {
    let UserAction::Add {
        username,
        role,
        unit_code,
        display_name,
    } = action;
    huimin::validation::username(&username).map_err(|e| {
        format!(
            "the username `{username}` is not valid: {}",
            e.message.unwrap_or_default()
        )
    })?;
    let keys = config.audit_keys(false)?;
    let password = read_password()?;
    let hash = huimin::auth::password::hash_password(&password)?;
    let mut conn = one_connection(config)?;
    let unit = store::units::by_code(&mut conn, &unit_code)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no unit has the code `{unit_code}`"))?;
    let actor = store::Actor::system("cli", &keys);
    let user = store::audit::write(&mut conn, &actor, |tx, log| {
        store::users::insert(
            tx,
            log,
            &username,
            &hash,
            display_name.as_deref().unwrap_or(&username),
            role,
            unit.id,
        )
    })
    .map_err(|e| e.to_string())?;
    println!(
        "added account {} (id {}) as {} of {}",
        user.username, user.id, role, unit.name
    );
    Ok(())
}

fn unit(config: &Config, action: UnitAction) -> Result<(), String> {
    let UnitAction::AddRoot { kind, code, name } = action;
    let keys = config.audit_keys(false)?;
    let mut conn = one_connection(config)?;
    let actor = store::Actor::system("cli", &keys);
    let row = store::audit::write(&mut conn, &actor, |tx, log| {
        store::units::insert_unchecked(tx, log, None, kind, &code, &name, None, None)
    })
    .map_err(|e| e.to_string())?;
    println!(
        "added root unit {} (id {}, code {})",
        row.name, row.id, row.code
    );
    Ok(())
}

fn serve(config: &Config, args: &ServeArgs) -> Result<(), String> {
    let keys = config.jwt_keys(args.demo)?;
    let audit_keys = config.audit_keys(args.demo)?;
    huimin::paging::set_cursor_key(keys.cursor_key());
    let read_url = config.db_read_url()?;
    let mut pool = connect(config)?;
    if args.demo {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        seed_demo(&mut conn, &audit_keys)?;
    }
    {
        // A trail carried over from before the audit key is bound by the key from now on.
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let actor = store::Actor::system("startup", &audit_keys);
        if store::audit::seal_legacy(&mut conn, &actor).map_err(|e| e.to_string())? {
            println!("sealed the audit trail's legacy events with the audit key");
        }
    }
    let workers = config
        .workers
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .max(1);
    let blocking = (config.db_pool_size as usize / workers).max(1);
    if let Some(read_url) = read_url {
        // Opened lazily, never migrated: the service starts while the replica is away.
        log::info!(
            "read replica: {} (lists, the board, statistics and exports; a caller's reads stay on the primary for {} s after its writes)",
            read_url.redacted(),
            config.read_after_write().as_secs()
        );
        pool = pool.with_replica(db::build_replica_pool(&read_url, &config.pool_settings())?);
    }
    let mut state = AppState::new(pool, audit_keys)?;
    state.recent_writers = huimin::api::reads::RecentWriters::new(config.read_after_write());
    state.settings = config.settings();
    state.client_limits = huimin::api::rate_limit::ClientLimiter::new(
        config
            .client_requests_per_minute
            .clamp(1, huimin::domain::clients::MAX_REQUESTS_PER_MINUTE),
    );
    state.metrics_token = config.metrics_token()?;
    state.trusted_proxies = config.trusted_proxies.clone();
    let state = web::Data::new(state);
    let worker_state = state.clone();
    let webhook_settings =
        (config.webhook_interval_ms > 0).then(|| huimin::webhooks::WorkerSettings {
            interval: std::time::Duration::from_millis(config.webhook_interval_ms),
            loopback_only: config.webhook_loopback_only,
            ..Default::default()
        });
    let keys = web::Data::new(keys);
    let max_body = config.max_body_bytes;
    println!("huimin listening on http://{}", args.bind);
    println!(
        "  Swagger UI:   http://{}{}",
        args.bind,
        huimin::SWAGGER_PATH
    );
    println!("  OpenAPI:      http://{}{}", args.bind, huimin::SPEC_PATH);
    if args.demo {
        println!(
            "  Log in:       POST /api/v1/auth/token {{\"username\": \"admin\", \"password\": \"{}\"}}",
            store::seed::DEMO_PASSWORD
        );
        println!(
            "                (also staff.longgang, aid.officer, lawyer, auditor, integration)"
        );
    }
    let server = HttpServer::new(move || huimin::build_app(state.clone(), keys.clone(), max_body))
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(30)
        .bind(&args.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?
        .run();
    actix_web::rt::System::new()
        .block_on(async move {
            // The webhook worker runs beside the server and stops after it, cleanly.
            let worker = webhook_settings
                .map(|settings| huimin::webhooks::Worker::spawn(worker_state, settings));
            let served = server.await;
            if let Some(worker) = worker {
                worker.stop().await;
            }
            served
        })
        .map_err(|e| format!("server error: {e}"))
}
