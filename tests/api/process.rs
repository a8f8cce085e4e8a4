//! The real `huimin` binary in a process of its own, and a minimal HTTP/1.1 client to talk to
//! it: for tests of what only a separate process shows (signals, start-up, several instances).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use huimin::db::DbUrl;

use crate::helpers::PASSWORD;

/// An HTTP answer read whole from a separate process.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header lines, lower-cased.
    pub headers: String,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn is_problem(&self, status: u16) -> bool {
        self.status == status
            && self
                .headers
                .contains("content-type: application/problem+json")
            && serde_json::from_slice::<Value>(&self.body)
                .map(|p| p["status"] == status)
                .unwrap_or(false)
    }
}

/// One HTTP/1.1 request on a connection of its own (`Connection: close`).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok(Reply {
        status,
        headers: head,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The URL as the binary takes it in `DATABASE_URL`.
pub fn database_url(url: &DbUrl) -> String {
    match url {
        DbUrl::Postgres(u) => u.clone(),
        DbUrl::Sqlite(path) => format!("sqlite://{path}"),
    }
}

/// `huimin serve --demo` in a process of its own.
pub struct Service {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    log: PathBuf,
    _logdir: tempfile::TempDir,
}

impl Service {
    /// Starts the binary; returns at once (see [`Service::wait_ready`]).
    pub fn spawn(database_url: &str, env: &[(&str, &str)]) -> Service {
        let logdir = tempfile::tempdir().expect("temp dir");
        let log = logdir.path().join("huimin.log");
        let out = std::fs::File::create(&log).expect("log file");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_huimin"));
        cmd.args(["serve", "--demo", "--bind", &addr.to_string()])
            .env("DATABASE_URL", database_url)
            .env("HUIMIN_WORKERS", "2")
            // The process is under test, not the demo's figures: no year of activity.
            .env("HUIMIN_DEMO_YEAR", "off")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Service {
            child: cmd.spawn().expect("start huimin"),
            addr,
            log,
            _logdir: logdir,
        }
    }

    /// Waits until the service answers `/health/ready` (seeding the demo data takes a while).
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("huimin exited early ({status}):\n{}", self.log_text());
            }
            if let Ok(r) = http(self.addr, "GET", "/health/ready", None, None, &[]) {
                if r.status == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("huimin did not become ready:\n{}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn token(&self, username: &str) -> String {
        let r = http(
            self.addr,
            "POST",
            "/api/v1/auth/token",
            None,
            Some(&json!({"username": username, "password": PASSWORD})),
            &[],
        )
        .expect("login");
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{name} failed");
    }

    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
