//! A PostgreSQL server of a test's own (`initdb` in a temporary folder, a free port), and a
//! streaming replica of it (`pg_basebackup`). Both stop, and their folders go, when dropped,
//! whether the test passed or not.

use std::path::PathBuf;
use std::process::Command;

use crate::process::free_port;

/// A PostgreSQL server of the test's own: `initdb` into a temporary folder, a free port, its
/// socket in that folder. The shared server is never touched.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl PrivatePostgres {
    /// The newest installed server binaries.
    pub fn binaries() -> Option<PathBuf> {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").exists().then_some((version, bin))
            })
            .collect();
        found.sort();
        found.pop().map(|(_, bin)| bin)
    }

    /// A new server (`initdb`), not started; none when no server binaries are installed.
    pub fn init() -> Option<PrivatePostgres> {
        let bin = Self::binaries()?;
        // initdb refuses to run as root: the server then runs as the `postgres` account.
        let as_postgres_user = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir = Self::folder(as_postgres_user);
        let pg = PrivatePostgres {
            dir,
            bin,
            port: free_port(),
            as_postgres_user,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        Some(pg)
    }

    /// The data folder.
    pub fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    /// Runs one of the server's programs (as the server's account), which must succeed.
    pub fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A streaming replica of `primary` (which must be running): `pg_basebackup -R -X stream`
    /// into a folder of its own, to start on a port of its own.
    pub fn replica_of(primary: &PrivatePostgres) -> PrivatePostgres {
        let replica = PrivatePostgres {
            dir: Self::folder(primary.as_postgres_user),
            bin: primary.bin.clone(),
            port: free_port(),
            as_postgres_user: primary.as_postgres_user,
        };
        let port = primary.port.to_string();
        replica.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &replica.data(),
                "-R",
                "-X",
                "stream",
                // At once, not after a spread checkpoint (which takes minutes).
                "--checkpoint=fast",
                "--no-sync",
            ],
        );
        replica
    }

    /// A temporary folder the server's account can write in.
    fn folder(as_postgres_user: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        if as_postgres_user {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
                .expect("chmod");
        }
        dir
    }

    /// Starts the server (a primary ready to stream its WAL to replicas; a replica, from its
    /// `standby.signal`, in hot standby) and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c wal_level=replica -c max_wal_senders=4",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server the hard way: every backend is killed, no checkpoint (as in a crash).
    pub fn stop_immediately(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }

    /// The URL of a database of this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres_user {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(exe)
                .args(args)
                .output()
        } else {
            Command::new(exe).args(args).output()
        };
    }
}
