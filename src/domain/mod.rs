//! Pure rules of the programme: no actix, no diesel.

pub mod codes;
pub mod masking;
pub mod roles;
pub mod targets;
pub mod text;
pub mod units;
