//! Authentication: password hashes, JWT issue and verification, and the `Principal` extractor.

pub mod jwt;
pub mod limiter;
pub mod password;
pub mod principal;

pub use jwt::{Claims, JwtKeys};
pub use principal::Principal;
