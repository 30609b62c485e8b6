//! The stress suite: the service under TikTok's faults, crashes, a second instance, webhook storms,
//! hostile input and slow clients, each ending in a state checked against the sandbox's. Each test
//! prints its figures (`cargo test --test stress -- --nocapture`); `docs/reliability.md` lists what
//! each proves and its last figures.

// The shared steps come from the `api` target's files; each target uses only some of them.
#![allow(dead_code)]

#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/returns_env.rs"]
mod returns_env;
#[path = "../api/sandbox_env.rs"]
mod sandbox_env;
#[path = "../api/sync_env.rs"]
mod sync_env;
#[path = "../api/webhook_env.rs"]
mod webhook_env;

mod chaos;
mod crash;
mod graceful_stop;
mod instances;
mod process;
mod security;
mod slow_clients;
mod webhook_flow;
