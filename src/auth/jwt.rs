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
}

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
    external: Option<ExternalIssuer>,
    cursor_key: [u8; 32],
}

/// Why a token was refused (the message is safe to show; it never echoes the token).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct TokenError(pub String);

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

    /// Issues a token for an account.
    pub fn issue(
        &self,
        account_id: i64,
        username: &str,
        role: Role,
        unit_id: i64,
        now: i64,
    ) -> Result<String, String> {
        let claims = Claims {
            sub: account_id.to_string(),
            role,
            unit_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            name: Some(username.to_owned()),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("cannot sign token: {e}"))
    }

    /// Verifies a token: signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header =
            decode_header(token).map_err(|_| TokenError("the bearer token is malformed".into()))?;
        let (key, algorithm, issuer) = match header.alg {
            Algorithm::HS256 => (&self.decoding, Algorithm::HS256, self.issuer.as_str()),
            alg => match &self.external {
                Some(ext) if ext.algorithm == alg => (&ext.key, alg, ext.issuer.as_str()),
                _ => {
                    return Err(TokenError(format!(
                        "tokens signed with {alg:?} are not accepted"
                    )))
                }
            },
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = 30;
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
                TokenError(
                    match e.kind() {
                        K::ExpiredSignature => "the bearer token has expired",
                        K::InvalidAudience => "the bearer token is for another audience",
                        K::InvalidIssuer => "the bearer token is from an unknown issuer",
                        K::InvalidSignature => "the bearer token's signature is invalid",
                        K::MissingRequiredClaim(_) => "the bearer token lacks a required claim",
                        K::InvalidAlgorithm => "the bearer token's algorithm is not accepted",
                        _ => "the bearer token is invalid",
                    }
                    .into(),
                )
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

    #[test]
    fn issued_tokens_verify() {
        let now = chrono::Utc::now().timestamp();
        let token = keys().issue(7, "admin", Role::Admin, 1, now).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, Role::Admin);
        assert_eq!(claims.unit_id, 1);
    }

    #[test]
    fn expired_forged_and_foreign_tokens_fail() {
        let now = chrono::Utc::now().timestamp();
        let old = keys().issue(7, "a", Role::Admin, 1, now - 10_000).unwrap();
        assert_eq!(
            keys().verify(&old).unwrap_err().0,
            "the bearer token has expired"
        );
        let other = JwtKeys::new(
            b"another secret another secret!!!",
            "huimin".into(),
            "huimin-api".into(),
            600,
        )
        .unwrap();
        let forged = other.issue(7, "a", Role::Admin, 1, now).unwrap();
        assert!(keys().verify(&forged).is_err());
        let aud = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "huimin".into(),
            "elsewhere".into(),
            600,
        )
        .unwrap();
        assert!(keys()
            .verify(&aud.issue(7, "a", Role::Admin, 1, now).unwrap())
            .is_err());
        assert!(keys().verify("not.a.token").is_err());
        // alg none: header {"alg":"none"}
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.";
        assert!(keys().verify(none).is_err());
    }
}
