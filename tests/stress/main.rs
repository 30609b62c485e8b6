//! The stress suite: the service under TikTok's faults, crashes, a second instance, webhook storms,
//! hostile input and slow clients, each ending in a state checked against the sandbox's. Each test
//! prints its figures (`cargo test --test stress -- --nocapture`); `docs/reliability.md` lists what
//! each proves and its last figures.

// The shared steps come from the `api` target's files; each target uses only some of them.
#![allow(dead_code)]

/// Prints a test's figures and appends them, with the database's name, to
/// `target/tmp/stress-figures.txt`: cargo hides what a passing test prints, and `.ci/run` shows
/// that file after each database's run.
macro_rules! figures {
    ($($arg:tt)*) => { $crate::keep_figures(&format!($($arg)*)) };
}

fn keep_figures(line: &str) {
    use std::io::Write;
    println!("{line}");
    let database = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    };
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("stress-figures.txt");
    let kept = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "[{database}] {line}"));
    if let Err(e) = kept {
        eprintln!("could not keep the figures in {}: {e}", path.display());
    }
}

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
