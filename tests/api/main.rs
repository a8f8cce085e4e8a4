//! Integration tests: the real application over real databases. Each test exists once per
//! backend (`…::sqlite`, `…::postgres`).

mod helpers;

mod audit;
mod auth;
mod contract;
mod errors;
mod units;
mod users;
