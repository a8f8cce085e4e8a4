//! Authentication: password hashes, JWT issue and verification, and the `Principal` extractor.

pub mod client_secret;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod session;

pub use jwt::{Claims, Grant, JwtKeys};
pub use principal::Principal;
