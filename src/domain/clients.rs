//! Rules of OAuth 2.0 clients (client credentials grant, RFC 6749 §4.4): which roles a client may
//! have, and the per-client request quota.

use crate::domain::roles::Role;

/// The roles a client may be registered with: machines that read their subtree and register
/// consultations and aid applications (`integration`), or read it for an audit (`auditor`).
/// Never a role that decides a case or manages accounts.
pub const CLIENT_ROLES: &[Role] = &[Role::Integration, Role::Auditor];

/// The quota of a client that has none of its own, in requests per [`WINDOW_SECS`].
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;

/// The quota's window, in seconds.
pub const WINDOW_SECS: u64 = 60;

/// The largest quota an admin may give a client.
pub const MAX_REQUESTS_PER_MINUTE: u32 = 100_000;

/// The state of one client's current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Seconds since the window started (a fixed window of [`WINDOW_SECS`]).
    pub elapsed_secs: u64,
    /// Requests counted in it, this one included.
    pub used: u32,
}

/// What the quota says of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The quota.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// Seconds until the window ends and the quota is whole again (at least 1).
    pub reset_secs: u64,
}

/// The verdict on a request of a client with quota `limit`, given its window (this request
/// counted).
pub fn verdict(limit: u32, window: Window) -> Verdict {
    let reset_secs = WINDOW_SECS.saturating_sub(window.elapsed_secs).max(1);
    Verdict {
        allowed: window.used <= limit,
        limit,
        remaining: limit.saturating_sub(window.used),
        reset_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_admits_its_limit_and_refuses_the_next() {
        let w = |used, elapsed_secs| Window { elapsed_secs, used };
        assert_eq!(
            verdict(3, w(1, 0)),
            Verdict {
                allowed: true,
                limit: 3,
                remaining: 2,
                reset_secs: 60
            }
        );
        assert!(verdict(3, w(3, 10)).allowed);
        assert_eq!(verdict(3, w(3, 10)).remaining, 0);
        let refused = verdict(3, w(4, 59));
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.reset_secs), (0, 1));
    }

    #[test]
    fn clients_never_have_a_deciding_role() {
        for role in [
            Role::Admin,
            Role::AidOfficer,
            Role::UnitStaff,
            Role::Provider,
        ] {
            assert!(!CLIENT_ROLES.contains(&role));
        }
    }
}
