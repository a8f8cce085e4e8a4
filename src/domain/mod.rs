//! Pure rules of the programme: no actix, no diesel.

pub mod codes;
pub mod masking;
pub mod roles;
pub mod text;
pub mod targets;
pub mod units;
