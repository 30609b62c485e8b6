//! Crashes: `serve` killed with SIGKILL at random points of a full sync, again and again, and
//! started again each time. The sync ends exact (local orders equal the sandbox's, none doubled),
//! each crash's job is taken over within the work lease, the crashes count as no failure, and the
//! progress a viewer sees never shows more done than its total.

use std::time::{Duration, Instant};

use api::sync::jobs;
use entity::sync_job;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::process::{Serve, serve_env};
use crate::sandbox_env::*;
use crate::sync_env::{assert_orders_match, connected_with, sync};

const KILLS: usize = 10;
const LEASE_SECS: u64 = 4;

/// A small deterministic generator for the kill points (the seed is printed, so a failure replays).
pub struct Xorshift(pub u64);

impl Xorshift {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn job_row(env: &SandboxEnv, id: &str) -> sync_job::Model {
    sync_job::Entity::find_by_id(id.to_owned())
        .one(&env.app.state.db)
        .await
        .unwrap()
        .unwrap()
}

fn progress_is_consistent(job: &sync_job::Model) {
    let p = jobs::Progress::from_column(&job.progress);
    if let Some(total) = p.total {
        assert!(
            p.items <= total,
            "progress shows more done than its total: {}",
            job.progress
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_killed_ten_times_ends_exact_and_each_crash_is_taken_over_within_the_lease() {
    let env = connected_with(|c| {
        c.orders = 6000;
        c.products = 10;
    })
    .await;
    // The test app only queues and watches; `serve` processes do the work.
    env.app.workers.cancel();
    let lease = format!("{LEASE_SECS}s");
    let process_env = serve_env(&env.app.env, &[("OCEAN_WORK_LEASE", &lease)]);
    let seed = 0x5eed_c0de_u64;
    let mut rng = Xorshift(seed);

    let queued = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
    let mut job_id = queued["jobs"][0]["id"].as_str().unwrap().to_owned();
    let mut serve = Serve::start(&process_env, None).await;
    let mut takeovers = Vec::new();
    let mut kills = 0;
    let mut runs = 1;
    let mut owner = None;
    let started = Instant::now();
    while kills < KILLS {
        // Wait for this process to hold the job, then kill it at a random point of its work.
        loop {
            let job = job_row(&env, &job_id).await;
            progress_is_consistent(&job);
            if job.state == jobs::RUNNING && job.lease_owner != owner {
                owner = job.lease_owner.clone();
                break;
            }
            if job.state == jobs::SUCCEEDED {
                // Done before the next kill: sync everything again, from the start.
                assert!(job.failures < job.max_attempts, "{job:?}");
                let again = sync(&env, json!({"resources": ["orders"], "mode": "full"})).await;
                job_id = again["jobs"][0]["id"].as_str().unwrap().to_owned();
                runs += 1;
                owner = None;
                continue;
            }
            assert_ne!(job.state, jobs::FAILED, "a crash failed the job: {job:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100 + rng.below(900))).await;
        let killed_at = Instant::now();
        serve.kill9();
        kills += 1;
        serve = Serve::start(&process_env, None).await;
        // The new process takes the job over once the dead one's lease runs out.
        loop {
            let job = job_row(&env, &job_id).await;
            progress_is_consistent(&job);
            if job.lease_owner != owner || job.state != jobs::RUNNING {
                takeovers.push(killed_at.elapsed());
                break;
            }
            assert!(
                killed_at.elapsed() < Duration::from_secs(LEASE_SECS + 20),
                "kill {kills}: the job was not taken over: {job:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // The last life finishes the job.
    let done = loop {
        let job = job_row(&env, &job_id).await;
        progress_is_consistent(&job);
        if job.state != jobs::RUNNING && job.state != jobs::QUEUED {
            break job;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "{job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(serve);
    assert_eq!(done.state, jobs::SUCCEEDED, "{done:?}");
    // A crash is not a failure of the work, nor is SQLite's lock held past its busy timeout right
    // after one (the run is queued again without counting): the job is never given up.
    assert!(done.failures < done.max_attempts, "{done:?}");
    assert_orders_match(&env).await;
    let worst = takeovers.iter().max().unwrap();
    figures!(
        "crash: {kills} × kill -9 over {runs} full sync(s) of 6,000 orders (seed {seed:#x}), {:.1} s in all; \
         taken over after {:.1}–{:.1} s (lease {LEASE_SECS} s + start-up); ended exact, {} failed run(s)",
        started.elapsed().as_secs_f64(),
        takeovers.iter().min().unwrap().as_secs_f64(),
        worst.as_secs_f64(),
        done.failures,
    );
    assert!(
        *worst <= Duration::from_secs(LEASE_SECS + 5),
        "a crash's job waited {worst:?}: more than the lease and a start-up"
    );
}
