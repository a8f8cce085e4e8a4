//! Integration tests: the real application over real databases. Each test exists once per
//! backend (`…::sqlite`, `…::postgres`).

mod helpers;

mod aid;
mod audit;
mod auth;
mod browser;
mod consultations;
mod contract;
mod duty;
mod errors;
mod follow_ups;
mod units;
mod users;
