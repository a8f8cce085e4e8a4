//! Integration tests: the real application over real databases. Each test exists once per
//! backend (`…::sqlite`, `…::postgres`).

mod helpers;
mod private_postgres;
mod process;

mod access;
mod activities;
mod aid;
mod aid_ledger;
mod audit;
mod auth;
mod browser;
mod casework;
mod cdp;
mod changes;
mod clients;
mod consultations;
mod contract;
mod corpus;
mod demo;
mod duty;
mod errors;
mod external_refs;
mod faults;
mod follow_ups;
mod inspections;
mod layers;
mod masks;
mod monthly_reports;
mod periods;
mod queries;
mod races;
mod recognitions;
mod replica;
mod sessions;
mod stats;
mod swagger;
mod units;
mod users;
mod webhooks;
