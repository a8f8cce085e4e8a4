//! Checkpoints and verification. A checkpoint is a signed statement of each chain's head (its last
//! sequence and link) to keep outside the database; `verify` recomputes every chain in scope and,
//! given a checkpoint, checks that each chain still reaches the checkpoint's sequence with the
//! same link — so a deleted tail, even with its head rolled back, is named.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{audit_chains, audit_events, units};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::store::scope::unit_id_in_subtree;

use super::chain::{event_mac, SERVICE_CHAIN};
use super::key::{AuditKeys, LEGACY_KEY_ID};
use super::{chain_hash, AuditRow, ChainReport, GENESIS_HASH};

/// The `format` of checkpoints this service writes and reads.
pub const CHECKPOINT_FORMAT: &str = "huimin-audit-checkpoint/1";

/// One chain's head in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointChain {
    /// The chain: the id of its root unit (0: the service's own chain).
    pub chain_id: i64,
    /// The chain's last sequence number when the checkpoint was taken.
    pub last_seq: i64,
    /// The MAC of that event (the chain's link).
    pub last_hash: String,
}

/// A signed statement of the trail's heads, printed by `huimin audit checkpoint`, to keep outside
/// the database (write-once storage, another site, paper). Its signature is an HMAC-SHA-256 with a
/// key derived from the audit key, so only a holder of that key can make one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, validator::Validate)]
#[schema(example = json!({
    "format": "huimin-audit-checkpoint/1",
    "taken_at": "2023-03-01T01:00:00.000000Z",
    "key_id": "3f2a9c0d41b7e685",
    "chains": [
        {"chain_id": 0, "last_seq": 131, "last_hash": "9b0e…"},
        {"chain_id": 1, "last_seq": 2204, "last_hash": "c41d…"}
    ],
    "signature": "5be1…"
}))]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Always `huimin-audit-checkpoint/1`.
    pub format: String,
    /// When it was taken (UTC, RFC 3339), exactly as signed.
    pub taken_at: String,
    /// The audit key that signed it (a fingerprint).
    pub key_id: String,
    /// Each chain's head.
    pub chains: Vec<CheckpointChain>,
    /// HMAC-SHA-256 (hex) over the fields above.
    pub signature: String,
}

impl Checkpoint {
    fn signed_fields(&self) -> Vec<Vec<u8>> {
        let mut fields = vec![
            b"huimin audit checkpoint v1".to_vec(),
            self.format.as_bytes().to_vec(),
            self.taken_at.as_bytes().to_vec(),
            self.key_id.as_bytes().to_vec(),
            self.chains.len().to_string().into_bytes(),
        ];
        for c in &self.chains {
            fields.push(c.chain_id.to_string().into_bytes());
            fields.push(c.last_seq.to_string().into_bytes());
            fields.push(c.last_hash.as_bytes().to_vec());
        }
        fields
    }

    /// Whether the checkpoint is of this format and signed by one of `keys`.
    pub fn is_signed_by(&self, keys: &AuditKeys) -> bool {
        let fields = self.signed_fields();
        let refs: Vec<Option<&[u8]>> = fields.iter().map(|f| Some(f.as_slice())).collect();
        self.format == CHECKPOINT_FORMAT
            && keys.checkpoint_signed(&self.key_id, &refs, &self.signature)
    }
}

/// Takes a checkpoint of every chain's head, signed with the current key.
pub fn checkpoint(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    now: DateTime<Utc>,
) -> Result<Checkpoint, ApiError> {
    let heads: Vec<(i64, i64, String)> = audit_chains::table
        .order(audit_chains::id.asc())
        .select((
            audit_chains::id,
            audit_chains::last_seq,
            audit_chains::last_hash,
        ))
        .load(conn)?;
    let mut cp = Checkpoint {
        format: CHECKPOINT_FORMAT.into(),
        taken_at: now.to_rfc3339_opts(SecondsFormat::Micros, true),
        key_id: keys.current_id().to_owned(),
        chains: heads
            .into_iter()
            .map(|(chain_id, last_seq, last_hash)| CheckpointChain {
                chain_id,
                last_seq,
                last_hash,
            })
            .collect(),
        signature: String::new(),
    };
    let fields = cp.signed_fields();
    let refs: Vec<Option<&[u8]>> = fields.iter().map(|f| Some(f.as_slice())).collect();
    cp.signature = keys.sign_checkpoint(&refs);
    Ok(cp)
}

/// Which chains a verification covers.
#[derive(Debug, Clone, Copy)]
pub enum VerifyScope {
    /// Every chain (the command line).
    All,
    /// Chains whose root unit lies in the subtree of this unit; the service's chain 0 too when
    /// the unit is the root of its tree.
    Subtree(i64),
}

/// A range of sequence numbers of one chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeqRange {
    /// The first missing sequence number.
    pub from: i64,
    /// The last missing sequence number.
    pub to: i64,
}

/// The result of recomputing one chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainCheck {
    /// The chain: the id of its root unit (0: the service's own chain).
    pub chain_id: i64,
    /// Whether every link holds (and the chain reaches the checkpoint, when one was given).
    pub intact: bool,
    /// Events checked before the first broken one.
    pub checked: i64,
    /// The sequence number the chain's head names.
    pub last_seq: i64,
    /// The sequence number of the first broken or missing event.
    pub first_broken_seq: Option<i64>,
    /// The id of the first broken event, when it is stored.
    pub first_broken_id: Option<i64>,
    /// Why the chain is broken.
    pub reason: Option<String>,
    /// Events the checkpoint names but the chain no longer has.
    pub missing: Option<SeqRange>,
}

impl ChainCheck {
    fn broken(&mut self, seq: i64, id: Option<i64>, reason: String) {
        self.intact = false;
        self.first_broken_seq = Some(seq);
        self.first_broken_id = id;
        self.reason = Some(reason);
    }
}

/// Recomputes the chains of `scope` and compares them with `checkpoint` when one is given (its
/// signature must hold: a 422 otherwise). A subtree that roots no chain is a 403.
pub fn verify(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    scope: VerifyScope,
    checkpoint: Option<&Checkpoint>,
) -> Result<ChainReport, ApiError> {
    if let Some(cp) = checkpoint {
        if !cp.is_signed_by(keys) {
            // The signature binds every field: any of them may be what was altered.
            let mut errors = vec![FieldError::new(
                "signature",
                "not_signed",
                "the checkpoint is not signed by this trail's audit key, or was altered after signing",
            )];
            errors.extend(["format", "taken_at", "key_id", "chains"].map(|field| {
                FieldError::new(field, "not_as_signed", "may not be as it was signed")
            }));
            return Err(ApiError::unprocessable(errors));
        }
    }
    let mut chains: Vec<i64> = match scope {
        VerifyScope::All => audit_chains::table.select(audit_chains::id).load(conn)?,
        VerifyScope::Subtree(root) => {
            let mut ids: Vec<i64> = audit_chains::table
                .filter(unit_id_in_subtree("audit_chains.id", root))
                .select(audit_chains::id)
                .load(conn)?;
            if is_tree_root(conn, root)? {
                ids.push(SERVICE_CHAIN);
            }
            ids
        }
    };
    // Chains the checkpoint names whose head is gone are checked too (within the scope).
    for c in checkpoint.map(|cp| cp.chains.as_slice()).unwrap_or(&[]) {
        if !chains.contains(&c.chain_id) && in_scope(conn, scope, c.chain_id)? {
            chains.push(c.chain_id);
        }
    }
    chains.sort_unstable();
    chains.dedup();
    if chains.is_empty() {
        return Err(ApiError::forbidden(
            "no chain of the audit trail has its root in your unit's subtree: verifying needs an account of a county bureau or above",
            "审计链的根均不在您单位的下属范围内：核验需要县级司法局或更高层级的账号",
        ));
    }
    let mut report = ChainReport {
        intact: true,
        checked: 0,
        first_broken_id: None,
        reason: None,
        chains: Vec::with_capacity(chains.len()),
        checkpoint_taken_at: checkpoint.map(|cp| cp.taken_at.clone()),
    };
    for chain in chains {
        let expected = checkpoint.and_then(|cp| cp.chains.iter().find(|c| c.chain_id == chain));
        let check = check_chain(conn, keys, chain, expected)?;
        report.checked += check.checked;
        if !check.intact && report.intact {
            report.intact = false;
            report.first_broken_id = check.first_broken_id;
            report.reason = Some(format!(
                "chain {chain}: {}",
                check.reason.as_deref().unwrap_or("broken")
            ));
        }
        report.chains.push(check);
    }
    Ok(report)
}

fn is_tree_root(conn: &mut DbConnection, unit: i64) -> Result<bool, ApiError> {
    let parent: Option<Option<i64>> = units::table
        .filter(units::id.eq(unit))
        .select(units::parent_id)
        .first(conn)
        .optional()?;
    Ok(matches!(parent, Some(None)))
}

fn in_scope(conn: &mut DbConnection, scope: VerifyScope, chain: i64) -> Result<bool, ApiError> {
    match scope {
        VerifyScope::All => Ok(true),
        VerifyScope::Subtree(root) if chain == SERVICE_CHAIN => is_tree_root(conn, root),
        VerifyScope::Subtree(root) => Ok(units::table
            .filter(units::id.eq(chain))
            .filter(unit_id_in_subtree("units.id", root))
            .count()
            .get_result::<i64>(conn)?
            > 0),
    }
}

fn check_chain(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    chain: i64,
    expected: Option<&CheckpointChain>,
) -> Result<ChainCheck, ApiError> {
    const BATCH: i64 = 1000;
    let head: Option<(i64, String)> = audit_chains::table
        .filter(audit_chains::id.eq(chain))
        .select((audit_chains::last_seq, audit_chains::last_hash))
        .first(conn)
        .optional()?;
    let mut check = ChainCheck {
        chain_id: chain,
        intact: true,
        checked: 0,
        last_seq: head.as_ref().map_or(0, |h| h.0),
        first_broken_seq: None,
        first_broken_id: None,
        reason: None,
        missing: None,
    };
    let mut prev = GENESIS_HASH.to_owned();
    let mut seq = 0i64;
    let mut keyed = false;
    'batches: loop {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::chain_id.eq(chain))
            .filter(audit_events::chain_seq.gt(seq))
            .order(audit_events::chain_seq.asc())
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let expect = seq + 1;
            if row.chain_seq != expect {
                check.broken(
                    expect,
                    None,
                    format!("event {expect} of the chain is missing"),
                );
                break 'batches;
            }
            let fault = if row.prev_hash != prev {
                Some("its link to the previous event does not match that event's MAC".to_owned())
            } else if row.key_id == LEGACY_KEY_ID {
                if chain != SERVICE_CHAIN || keyed {
                    Some("it claims the unkeyed hash of events older than the keys".to_owned())
                } else if chain_hash(&row) != row.hash {
                    Some("its content does not match its hash".to_owned())
                } else {
                    None
                }
            } else {
                keyed = true;
                match event_mac(keys, &row) {
                    None => Some(format!(
                        "it names audit key {} which this service does not hold",
                        row.key_id
                    )),
                    Some(mac) if mac != row.hash => {
                        Some("its content does not match its MAC".to_owned())
                    }
                    Some(_) => None,
                }
            };
            let fault = fault.or_else(|| {
                expected
                    .filter(|c| c.last_seq == row.chain_seq && c.last_hash != row.hash)
                    .map(|_| "its MAC differs from the one the checkpoint names".to_owned())
            });
            if let Some(why) = fault {
                check.broken(
                    row.chain_seq,
                    Some(row.id),
                    format!("event {expect}: {why}"),
                );
                break 'batches;
            }
            prev = row.hash;
            seq = expect;
            check.checked += 1;
        }
    }
    if !check.intact {
        return Ok(check);
    }
    match head {
        None => check.broken(
            seq + 1,
            None,
            "the chain's head is missing from the database".into(),
        ),
        Some((last_seq, last_hash)) if last_seq != seq || last_hash != prev => check.broken(
            seq + 1,
            None,
            format!("the chain's head names event {last_seq} but the chain ends at event {seq}"),
        ),
        Some(_) => {}
    }
    if let Some(cp) = expected.filter(|c| c.last_seq > seq) {
        let (from, to) = (seq + 1, cp.last_seq);
        if check.intact {
            check.broken(
                from,
                None,
                format!(
                    "events {from} to {to} are missing: the checkpoint names event {to}, the chain ends at event {seq}"
                ),
            );
        }
        check.missing = Some(SeqRange { from, to });
    }
    Ok(check)
}
