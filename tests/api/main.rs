//! Integration tests: the real application over real databases. Each test exists once per
//! backend (`…::sqlite`, `…::postgres`).

mod helpers;
mod process;

mod access;
mod aid;
mod audit;
mod auth;
mod browser;
mod changes;
mod consultations;
mod contract;
mod corpus;
mod duty;
mod errors;
mod faults;
mod follow_ups;
mod layers;
mod masks;
mod queries;
mod races;
mod sessions;
mod units;
mod users;
mod webhooks;
