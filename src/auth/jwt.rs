//! JWTs: HS256 tokens this service issues, and RS256/EdDSA tokens of a provincial identity
//! provider when its public key and issuer are configured.

use std::collections::HashSet;

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::domain::roles::Role;

/// The claims of every token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The account id (for tokens of this service) or the identity provider's subject.
    pub sub: String,
    /// The role.
    pub role: Role,
    /// The unit the principal belongs to; it sees that unit's subtree.
    pub unit_id: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// The username, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Not before (seconds since the epoch), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The session (tokens of this service): logout revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<i64>,
    /// The account's token version when issued (tokens of this service): every change of the
    /// account's active flag, role, unit, password, staff link or external subject bumps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<i64>,
}

/// What a token of this service is issued for: an account's session.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    /// The account id.
    pub account_id: i64,
    /// Its username.
    pub username: &'a str,
    /// Its role.
    pub role: Role,
    /// Its unit.
    pub unit_id: i64,
    /// The session id.
    pub session_id: i64,
    /// The account's token version.
    pub token_version: i64,
}

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 30;
/// The default longest accepted token lifetime (`exp - iat`), in seconds.
pub const DEFAULT_MAX_LIFETIME_SECS: i64 = 12 * 3600;

/// A configured external identity provider.
#[derive(Clone)]
pub struct ExternalIssuer {
    /// Its `iss`.
    pub issuer: String,
    /// Its algorithm (RS256 or EdDSA).
    pub algorithm: Algorithm,
    /// Its public key.
    pub key: DecodingKey,
}

/// Keys and rules for issuing and checking tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Our issuer.
    pub issuer: String,
    /// The audience every token must name.
    pub audience: String,
    /// Lifetime of tokens we issue, in seconds.
    pub ttl_secs: i64,
    /// The longest lifetime (`exp - iat`) accepted of any token, ours or external.
    pub max_lifetime_secs: i64,
    external: Option<ExternalIssuer>,
    cursor_key: [u8; 32],
}

/// Why a token was refused (the message is safe to show; it never echoes the token).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct TokenError(pub crate::domain::message::Message);

impl TokenError {
    fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self(crate::domain::message::Message::new(en, zh))
    }
}

impl JwtKeys {
    /// Keys from the shared secret.
    pub fn new(
        secret: &[u8],
        issuer: String,
        audience: String,
        ttl_secs: i64,
    ) -> Result<Self, String> {
        let bad = |e: jsonwebtoken::errors::Error| format!("unusable JWT secret: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(bad)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad)?,
            issuer,
            audience,
            ttl_secs,
            max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS.max(ttl_secs),
            external: None,
            cursor_key: sha2::Sha256::new()
                .chain_update(b"huimin cursor key\0")
                .chain_update(secret)
                .finalize()
                .into(),
        })
    }

    /// A key for signing list cursors, derived from the secret: every instance that shares the
    /// secret accepts the others' cursors (see [`crate::paging::set_cursor_key`]).
    pub fn cursor_key(&self) -> [u8; 32] {
        self.cursor_key
    }

    /// Sets the longest accepted lifetime; it may not be below the lifetime of issued tokens.
    pub fn with_max_lifetime(mut self, max_lifetime_secs: i64) -> Result<Self, String> {
        if max_lifetime_secs < self.ttl_secs {
            return Err(format!(
                "the longest accepted token lifetime ({max_lifetime_secs} s) is shorter than the lifetime of issued tokens ({} s)",
                self.ttl_secs
            ));
        }
        self.max_lifetime_secs = max_lifetime_secs;
        Ok(self)
    }

    /// A keyed digest of `value` for `purpose`, derived from the secret (hex): what the login
    /// counters are keyed by, so that the database holds no username or address typed at login.
    pub fn keyed_digest(&self, purpose: &str, value: &str) -> String {
        hex::encode(
            sha2::Sha256::new()
                .chain_update(self.cursor_key)
                .chain_update(b"\0")
                .chain_update(purpose.as_bytes())
                .chain_update(b"\0")
                .chain_update(value.as_bytes())
                .finalize(),
        )
    }

    /// The configured external issuer, if any.
    pub fn external_issuer(&self) -> Option<&str> {
        self.external.as_ref().map(|e| e.issuer.as_str())
    }

    /// Also accepts tokens of an external identity provider.
    pub fn with_external(mut self, external: ExternalIssuer) -> Self {
        self.external = Some(external);
        self
    }

    /// Parses a PEM public key for RS256 or EdDSA.
    pub fn external_from_pem(
        issuer: String,
        algorithm: &str,
        pem: &[u8],
    ) -> Result<ExternalIssuer, String> {
        let (algorithm, key) = match algorithm {
            "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)),
            "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(pem)),
            other => {
                return Err(format!(
                    "identity provider algorithm `{other}` is not supported (RS256 or EdDSA)"
                ))
            }
        };
        let key =
            key.map_err(|e| format!("cannot read the identity provider's public key: {e}"))?;
        Ok(ExternalIssuer {
            issuer,
            algorithm,
            key,
        })
    }

    /// Issues a token for an account's session.
    pub fn issue(&self, grant: &Grant<'_>, now: i64) -> Result<String, String> {
        let claims = Claims {
            sub: grant.account_id.to_string(),
            role: grant.role,
            unit_id: grant.unit_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            name: Some(grant.username.to_owned()),
            nbf: None,
            sid: Some(grant.session_id),
            ver: Some(grant.token_version),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("cannot sign token: {e}"))
    }

    /// Verifies a token: signature, algorithm, issuer, audience, expiry, `nbf` and `iat` not in
    /// the future, and a lifetime within the maximum.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// [`Self::verify`] at a given time (seconds since the epoch) for the checks of `iat` and
    /// the lifetime.
    pub fn verify_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = self.verify_signed(token)?;
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::new(
                "the bearer token is issued in the future",
                "令牌的签发时间在将来",
            ));
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
            return Err(TokenError::new(
                "the bearer token is not valid yet",
                "令牌尚未生效",
            ));
        }
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if lifetime > self.max_lifetime_secs {
            return Err(TokenError::new(
                format!(
                    "the bearer token's lifetime ({lifetime} s) exceeds the accepted maximum ({} s)",
                    self.max_lifetime_secs
                ),
                format!(
                    "令牌的有效期（{lifetime} 秒）超过允许的最长期限（{} 秒）",
                    self.max_lifetime_secs
                ),
            ));
        }
        Ok(claims)
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token)
            .map_err(|_| TokenError::new("the bearer token is malformed", "令牌格式错误"))?;
        let (key, algorithm, issuer) = match header.alg {
            Algorithm::HS256 => (&self.decoding, Algorithm::HS256, self.issuer.as_str()),
            alg => match &self.external {
                Some(ext) if ext.algorithm == alg => (&ext.key, alg, ext.issuer.as_str()),
                _ => {
                    return Err(TokenError::new(
                        format!("tokens signed with {alg:?} are not accepted"),
                        format!("不接受以 {alg:?} 签名的令牌"),
                    ))
                }
            },
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        validation.validate_nbf = true;
        validation.set_audience(&[self.audience.as_str()]);
        validation.set_issuer(&[issuer]);
        validation.required_spec_claims = ["exp", "iat", "iss", "aud", "sub"]
            .into_iter()
            .map(String::from)
            .collect::<HashSet<_>>();
        decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                let (en, zh) = match e.kind() {
                    K::ExpiredSignature => ("the bearer token has expired", "令牌已过期"),
                    K::ImmatureSignature => ("the bearer token is not valid yet", "令牌尚未生效"),
                    K::InvalidAudience => (
                        "the bearer token is for another audience",
                        "令牌的受众不是本服务",
                    ),
                    K::InvalidIssuer => (
                        "the bearer token is from an unknown issuer",
                        "令牌的签发方未知",
                    ),
                    K::InvalidSignature => {
                        ("the bearer token's signature is invalid", "令牌签名无效")
                    }
                    K::MissingRequiredClaim(_) => (
                        "the bearer token lacks a required claim",
                        "令牌缺少必需的声明",
                    ),
                    K::InvalidAlgorithm => (
                        "the bearer token's algorithm is not accepted",
                        "不接受令牌的签名算法",
                    ),
                    _ => ("the bearer token is invalid", "令牌无效"),
                };
                TokenError::new(en, zh)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "huimin".into(),
            "huimin-api".into(),
            600,
        )
        .unwrap()
    }

    fn grant() -> Grant<'static> {
        Grant {
            account_id: 7,
            username: "admin",
            role: Role::Admin,
            unit_id: 1,
            session_id: 11,
            token_version: 3,
        }
    }

    /// A token of this service with the given claims changed.
    fn signed(change: impl FnOnce(&mut Claims)) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = Claims {
            sub: "7".into(),
            role: Role::Admin,
            unit_id: 1,
            iss: "huimin".into(),
            aud: "huimin-api".into(),
            iat: now,
            exp: now + 600,
            name: None,
            nbf: None,
            sid: Some(11),
            ver: Some(3),
        };
        change(&mut claims);
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn issued_tokens_verify() {
        let now = chrono::Utc::now().timestamp();
        let token = keys().issue(&grant(), now).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, Role::Admin);
        assert_eq!(claims.unit_id, 1);
        assert_eq!(claims.sid, Some(11));
        assert_eq!(claims.ver, Some(3));
    }

    #[test]
    fn expired_forged_and_foreign_tokens_fail() {
        let now = chrono::Utc::now().timestamp();
        let old = keys().issue(&grant(), now - 10_000).unwrap();
        assert_eq!(
            keys().verify(&old).unwrap_err().0.en,
            "the bearer token has expired"
        );
        let other = JwtKeys::new(
            b"another secret another secret!!!",
            "huimin".into(),
            "huimin-api".into(),
            600,
        )
        .unwrap();
        let forged = other.issue(&grant(), now).unwrap();
        assert!(keys().verify(&forged).is_err());
        let aud = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "huimin".into(),
            "elsewhere".into(),
            600,
        )
        .unwrap();
        assert!(keys().verify(&aud.issue(&grant(), now).unwrap()).is_err());
        assert!(keys().verify("not.a.token").is_err());
        // alg none: header {"alg":"none"}
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.";
        assert!(keys().verify(none).is_err());
    }

    #[test]
    fn tokens_from_the_future_are_refused() {
        let now = chrono::Utc::now().timestamp();
        let nbf = signed(|c| c.nbf = Some(now + 120));
        assert_eq!(
            keys().verify(&nbf).unwrap_err().0.en,
            "the bearer token is not valid yet"
        );
        let iat = signed(|c| {
            c.iat = now + 120;
            c.exp = now + 600;
        });
        assert_eq!(
            keys().verify(&iat).unwrap_err().0.en,
            "the bearer token is issued in the future"
        );
        // Within the leeway both are accepted (clocks differ a little).
        assert!(keys()
            .verify(&signed(|c| {
                c.nbf = Some(now + 10);
                c.iat = now + 10;
            }))
            .is_ok());
    }

    #[test]
    fn lifetimes_above_the_maximum_are_refused() {
        let now = chrono::Utc::now().timestamp();
        let keys = keys().with_max_lifetime(3600).unwrap();
        let long = signed(|c| c.exp = now + 3601);
        assert!(keys
            .verify(&long)
            .unwrap_err()
            .0
            .en
            .contains("exceeds the accepted maximum"));
        assert!(keys.verify(&signed(|c| c.exp = now + 3600)).is_ok());
        // An old iat does not buy a longer life either.
        let backdated = signed(|c| {
            c.iat = now - 86_400;
            c.exp = now + 60;
        });
        assert!(keys.verify(&backdated).is_err());
        // The maximum may not be below the lifetime of issued tokens.
        assert!(self::keys().with_max_lifetime(599).is_err());
    }

    #[test]
    fn keyed_digests_depend_on_the_secret_and_the_purpose() {
        let a = keys().keyed_digest("account", "admin");
        assert_eq!(a.len(), 64);
        assert_ne!(a, keys().keyed_digest("address", "admin"));
        let other = JwtKeys::new(
            b"another secret another secret!!!",
            "huimin".into(),
            "huimin-api".into(),
            600,
        )
        .unwrap();
        assert_ne!(a, other.keyed_digest("account", "admin"));
    }
}
