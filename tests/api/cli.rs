//! The `ocean-tiktok` binary: settings refused with a clear message, tokens, migrations.

use std::process::Command;

use crate::helpers::*;

fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocean-tiktok"));
    // A clean environment, so the developer's own settings cannot leak into the test.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.current_dir(std::env::temp_dir());
    cmd
}

#[test]
fn serve_refuses_to_start_without_a_master_key_and_says_how_to_make_one() {
    let out = cli()
        .arg("serve")
        .env("OCEAN_JWT_SECRET", "x".repeat(40))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OCEAN_MASTER_KEY") && err.contains("openssl rand -base64 32"),
        "{err}"
    );

    let out = cli()
        .arg("serve")
        .env("OCEAN_JWT_SECRET", "x".repeat(40))
        .env("OCEAN_MASTER_KEY", "dG9vLXNob3J0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 are needed"));
}

#[test]
fn token_mints_a_jwt_the_service_accepts() {
    let secret = "y".repeat(40);
    let out = cli()
        .args([
            "token", "--tenant", "acme", "--role", "operator", "--sub", "ops", "--ttl", "2h",
        ])
        .env("OCEAN_JWT_SECRET", &secret)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let keys = api::auth::JwtKeys::new(&api::config::JwtSettings {
        secret: secrecy::SecretSlice::from(secret.into_bytes()),
        issuer: None,
        audience: None,
    });
    let claims = keys.verify(token.trim()).unwrap();
    assert_eq!(
        (claims.tenant.as_str(), claims.role),
        ("acme", api::auth::Role::Operator)
    );
    assert!(claims.exp - chrono::Utc::now().timestamp() > 7000);

    let out = cli()
        .args([
            "token",
            "--tenant",
            "acme",
            "--role",
            "superuser",
            "--sub",
            "x",
        ])
        .env("OCEAN_JWT_SECRET", "y".repeat(40))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin, operator or viewer"));
}

#[tokio::test]
async fn migrate_up_status_and_down() {
    let db = TestDb::new().await;
    let run = |args: &[&str]| {
        let out = cli()
            .arg("migrate")
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["status"]).contains("pending"));
    run(&["up"]);
    assert!(run(&["status"]).contains("applied  m20261124_000001_create_shops"));
    run(&["down"]);
    let status = run(&["status"]);
    // `down` reverts the newest migration only.
    let migrations: Vec<&str> = status.lines().filter(|l| l.contains(" m2026")).collect();
    let (newest, older) = migrations.split_last().expect("migrations are listed");
    assert!(newest.starts_with("pending"), "{status}");
    assert!(older.len() >= 2, "{status}");
    assert!(older.iter().all(|l| l.starts_with("applied")), "{status}");
    let rest = older.len().to_string();
    run(&["down", "--steps", &rest]);
    assert!(run(&["status"]).contains("pending  m20261124_000001_create_shops"));
}
