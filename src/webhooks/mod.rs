//! The webhook worker: one per `serve` instance, a task on the server's runtime, driven by the
//! clock. Each round it queues the new changes of every subscription (from the change feed, as
//! the subscription's owner reads it) and sends the deliveries that are due, signed as Standard
//! Webhooks sign. Instances share the work through leases in the database (see
//! [`crate::store::webhooks`]), so N instances never send one delivery at once, and a restart
//! loses nothing: what was queued stays queued, and the feed position moves only with the
//! deliveries it queued, in one transaction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use hmac::{KeyInit, Mac};

use crate::api::changes::{decode_after, read, resolve_types};
use crate::api::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::store;
use crate::store::webhooks::Claimed;

type HmacSha256 = hmac::Hmac<sha2_mac::Sha256>;

/// How long a delivery is retried.
pub fn retry_for() -> TimeDelta {
    TimeDelta::days(1)
}

/// The first retry's delay; each later one is four times longer, at most six hours.
const FIRST_RETRY_SECONDS: i64 = 5;
const LONGEST_RETRY_SECONDS: i64 = 6 * 3600;
/// A lease: how long an instance holds a subscription or a delivery it works on.
const LEASE_SECONDS: i64 = 60;
/// Changes queued per subscription and round, deliveries claimed per batch.
const QUEUE_BATCH: i64 = 200;
const SEND_BATCH: i64 = 20;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Between rounds.
    pub interval: Duration,
    /// Per request (connect and answer).
    pub timeout: Duration,
    /// Send only to loopback hosts (tests, CI): other deliveries fail without a request.
    pub loopback_only: bool,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
            loopback_only: false,
        }
    }
}

/// Whether a URL's host is a loopback address (127.0.0.0/8, ::1) or `localhost`.
pub fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The `webhook-signature` of a message: `v1,` and base64 of HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`, keyed with the secret's bytes (after `whsec_`, base64-decoded).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(key)
        .unwrap_or_else(|_| key.as_bytes().to_vec());
    let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A time as the database keeps it (microseconds): leases are compared for equality, and
/// SQLite compares times as text.
pub fn stored(t: NaiveDateTime) -> NaiveDateTime {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Deliveries queued.
    pub queued: usize,
    /// Deliveries sent and accepted.
    pub delivered: usize,
    /// Attempts that failed.
    pub failed: usize,
}

/// One round: queue new changes, then send what is due.
pub async fn round(state: &AppState, settings: &WorkerSettings) -> Result<Round, ApiError> {
    let queued = queue(state).await?;
    let (delivered, failed) = send_due(state, settings).await?;
    Ok(Round {
        queued,
        delivered,
        failed,
    })
}

/// The principal a subscription reads the feed as: its owner, as the account is now.
fn principal_of(owner: &store::users::UserRow) -> Principal {
    Principal {
        account_id: Some(owner.id),
        sub: owner.username.clone(),
        name: owner.username.clone(),
        role: owner.role,
        unit_id: owner.unit_id,
        staff_id: owner.staff_id,
        session_id: None,
        client: None,
    }
}

async fn queue(state: &AppState) -> Result<usize, ApiError> {
    let now = stored(state.clock.now().naive_utc());
    let lease = stored(now + TimeDelta::seconds(LEASE_SECONDS));
    let hooks = store::run(&state.pool, move |c| {
        store::webhooks::claim_subscriptions(c, now, lease)
    })
    .await?;
    let mut queued = 0;
    for hook in hooks {
        let owner_id = hook.owner_id;
        let owner = store::run(&state.pool, move |c| store::webhooks::owner(c, owner_id)).await?;
        let (items, to) = match owner.filter(|o| o.active) {
            Some(owner) => {
                let principal = principal_of(&owner);
                let types = resolve_types(&principal, Some(&hook.types)).unwrap_or_default();
                let page = read(state, &principal, types, hook.position(), QUEUE_BATCH).await?;
                let items = page
                    .items
                    .iter()
                    .map(|c| {
                        serde_json::to_string(c)
                            .map(|body| (c.id, body))
                            .map_err(|e| ApiError::Internal(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (items, decode_after(Some(&page.next))?)
            }
            // An account that is gone or disabled reads nothing: the position stays.
            None => (Vec::new(), hook.position()),
        };
        let (id, until) = (hook.id, now + retry_for());
        queued += store::run(&state.pool, move |c| {
            store::webhooks::enqueue(c, id, lease, &items, to, now, until)
        })
        .await?;
    }
    Ok(queued)
}

async fn send_due(state: &AppState, settings: &WorkerSettings) -> Result<(usize, usize), ApiError> {
    let (mut delivered, mut failed) = (0, 0);
    loop {
        let now = stored(state.clock.now().naive_utc());
        let lease = stored(now + TimeDelta::seconds(LEASE_SECONDS));
        let batch = store::run(&state.pool, move |c| {
            store::webhooks::claim_deliveries(c, now, lease, SEND_BATCH)
        })
        .await?;
        if batch.is_empty() {
            return Ok((delivered, failed));
        }
        for claimed in batch {
            let timestamp = state.clock.now().timestamp();
            let outcome = {
                let (claimed, settings) = (claimed.clone(), settings.clone());
                web::block(move || post(&claimed, timestamp, &settings))
                    .await
                    .unwrap_or_else(|e| Err((None, e.to_string())))
            };
            let d = &claimed.delivery;
            let done = stored(state.clock.now().naive_utc());
            let (ok, status, error, next) = match outcome {
                Ok(status) => (true, Some(status), None, None),
                Err((status, error)) => {
                    let wait = (FIRST_RETRY_SECONDS << (2 * d.attempts.clamp(0, 12)))
                        .min(LONGEST_RETRY_SECONDS);
                    let next = done + TimeDelta::seconds(wait);
                    (
                        false,
                        status,
                        Some(error),
                        (next <= d.retry_until).then_some(next),
                    )
                }
            };
            if ok {
                delivered += 1;
            } else {
                failed += 1;
            }
            let id = d.id;
            store::run(&state.pool, move |c| {
                store::webhooks::finish(c, id, lease, done, ok, status, error, next)
            })
            .await?;
        }
    }
}

/// Posts one delivery: the status when a 2xx answered, else the status (if any) and why.
fn post(
    claimed: &Claimed,
    timestamp: i64,
    settings: &WorkerSettings,
) -> Result<i32, (Option<i32>, String)> {
    let url = url::Url::parse(&claimed.url).map_err(|_| (None, "not a URL".to_owned()))?;
    let loopback = url.host().is_some_and(|h| is_loopback(&h));
    if settings.loopback_only && !loopback {
        return Err((
            None,
            "not sent: this instance sends to loopback hosts only".into(),
        ));
    }
    if url.scheme() != "https" && !loopback {
        return Err((
            None,
            "not sent: plain http to a host that is not loopback".into(),
        ));
    }
    let d = &claimed.delivery;
    let id = format!("evt_{}", d.event_id);
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(settings.timeout)
        .build();
    let answer = agent
        .post(url.as_str())
        .set("content-type", "application/json")
        .set("webhook-id", &id)
        .set("webhook-timestamp", &timestamp.to_string())
        .set(
            "webhook-signature",
            &sign(&claimed.secret, &id, timestamp, &d.body),
        )
        .send_string(&d.body);
    match answer {
        Ok(res) if (200..300).contains(&res.status()) => Ok(i32::from(res.status())),
        Ok(res) => Err((
            Some(i32::from(res.status())),
            format!("answered {} (redirects are not followed)", res.status()),
        )),
        Err(ureq::Error::Status(code, _)) => {
            Err((Some(i32::from(code)), format!("answered {code}")))
        }
        Err(ureq::Error::Transport(t)) => Err((None, format!("transport: {}", t.kind()))),
    }
}

/// A running worker; [`Worker::stop`] ends it after its current round.
pub struct Worker {
    stop: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Starts the worker on the current runtime.
    pub fn spawn(state: web::Data<AppState>, settings: WorkerSettings) -> Worker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = actix_web::rt::spawn(async move {
            while !flag.load(Ordering::SeqCst) {
                if let Err(e) = round(&state, &settings).await {
                    log::warn!("webhook round failed: {e}");
                }
                // Sleep in short steps, so that stopping is quick.
                let mut left = settings.interval;
                while !left.is_zero() && !flag.load(Ordering::SeqCst) {
                    let step = left.min(Duration::from_millis(100));
                    actix_web::rt::time::sleep(step).await;
                    left = left.saturating_sub(step);
                }
            }
        });
        Worker { stop, handle }
    }

    /// Stops after the current round and waits for it.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.handle.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn loopback_hosts() {
        for (u, yes) in [
            ("http://127.0.0.1:8080/x", true),
            ("http://127.9.9.9/x", true),
            ("http://[::1]/x", true),
            ("http://localhost/x", true),
            ("http://10.0.0.1/x", false),
            ("http://example.org/x", false),
        ] {
            let url = url::Url::parse(u).unwrap();
            assert_eq!(is_loopback(&url.host().unwrap()), yes, "{u}");
        }
    }
}
