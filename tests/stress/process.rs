//! `ocean-tiktok serve` as its own process, as an operator runs it: started with an environment,
//! killed with SIGKILL (a crash) or stopped with SIGTERM (a graceful stop), and waited for.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Serve {
    child: Child,
    pub base: String,
    pub port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Serve {
    /// Starts `serve` with exactly `env` (plus PATH) on a free port, under an optional soft limit
    /// on open files, and waits until `/api/health` answers.
    pub async fn start(env: &HashMap<String, String>, nofile: Option<u32>) -> Serve {
        let port = free_port();
        let script = match nofile {
            Some(n) => format!("ulimit -Sn {n} && exec \"$0\" serve"),
            None => "exec \"$0\" serve".to_owned(),
        };
        let child = Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_ocean-tiktok")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCEAN_LOG", "warn")
            .envs(env)
            .env("OCEAN_BIND", format!("127.0.0.1:{port}"))
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if client
                .get(format!("{base}/api/health"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Serve { child, base, port };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("serve did not start within 60 s");
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process dies where it stands, holding whatever it held.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for the process to exit (at most `within`); returns how long it took.
    pub async fn terminate(mut self, within: Duration) -> Duration {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        while started.elapsed() < within {
            if self.child.try_wait().unwrap().is_some() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("serve did not exit within {within:?} of SIGTERM");
    }
}

/// The environment of a `serve` process that shares the test app's database, keys and TikTok hosts
/// (so it opens the tokens the test app sealed), with `overrides` on top.
pub fn serve_env(
    app_env: &HashMap<String, String>,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut env = app_env.clone();
    env.remove("OCEAN_BIND");
    for (k, v) in overrides {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}
