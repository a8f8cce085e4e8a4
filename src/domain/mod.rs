//! Pure rules of the programme: no web framework, no database, no I/O.

pub mod access;
pub mod activity;
pub mod aid;
pub mod calendar;
pub mod clients;
pub mod codes;
pub mod consultation;
pub mod duty;
pub mod follow_up;
pub mod id_card;
pub mod inspections;
pub mod masking;
pub mod message;
pub mod monthly_report;
pub mod periods;
pub mod phone;
pub mod recognitions;
pub mod roles;
pub mod stats;
pub mod targets;
pub mod text;
pub mod throttle;
pub mod units;
