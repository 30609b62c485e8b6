//! `ocean-tiktok`: the command line. Each command parses its arguments and calls into `api`.

use std::process::ExitCode;

use anyhow::Context;
use api::app::Application;
use api::auth::{JwtKeys, Role};
use api::config::{JwtSettings, Settings};
use clap::{Parser, Subcommand};
use migration::{MigrationStatus, Migrator, MigratorTrait};

#[derive(Parser)]
#[command(
    name = "ocean-tiktok",
    version,
    about = "Ocean ERP × TikTok Shop integration service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (OCEAN_BIND, default 127.0.0.1:8080).
    Serve,
    /// Run the service with everything made for you under data/ (keys, database) and print a token.
    Demo {
        /// Where the demo keeps its keys, token and SQLite database.
        #[arg(long, default_value = "data")]
        data_dir: String,
    },
    /// Apply, revert or list database migrations (DATABASE_URL).
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Mint a JWT for the REST API (OCEAN_JWT_SECRET).
    Token {
        #[arg(long)]
        tenant: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        sub: String,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: std::time::Duration,
    },
    /// Manage the master key that seals stored secrets.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last migration (or --steps N).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum KeysAction {
    /// Re-seal every stored secret under OCEAN_MASTER_KEY; the current key goes in OCEAN_MASTER_KEY_OLD.
    Rotate,
}

fn parse_role(raw: &str) -> Result<Role, String> {
    raw.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let settings = Settings::from_env()?;
            api::telemetry::init(&settings.log_filter, settings.log_file.as_deref())?;
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Demo { data_dir } => demo(&data_dir).await,
        Command::Migrate { action } => {
            api::config::load_dotenv();
            let url = std::env::var("DATABASE_URL")
                .unwrap_or_else(|_| api::config::DEFAULT_DATABASE_URL.into());
            let db = api::db::connect(&url).await?;
            match action {
                MigrateAction::Up => {
                    Migrator::up(&db, None).await?;
                    println!("migrations applied");
                }
                MigrateAction::Down { steps } => {
                    Migrator::down(&db, Some(steps)).await?;
                    println!("reverted {steps} migration(s)");
                }
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(&db).await? {
                        let status = match m.status() {
                            MigrationStatus::Applied => "applied",
                            MigrationStatus::Pending => "pending",
                        };
                        println!("{status:8} {}", m.name());
                    }
                }
            }
            Ok(())
        }
        Command::Token {
            tenant,
            role,
            sub,
            ttl,
        } => {
            let keys = JwtKeys::new(&JwtSettings::from_env()?);
            let ttl = chrono::Duration::from_std(ttl).context("--ttl is too long")?;
            println!("{}", keys.mint(&tenant, &sub, role, ttl)?);
            Ok(())
        }
        Command::Keys {
            action: KeysAction::Rotate,
        } => {
            let settings = Settings::from_env()?;
            let old = settings.master_key_old.as_ref().context(
                "setting OCEAN_MASTER_KEY_OLD is missing: put the key the secrets are sealed with now in OCEAN_MASTER_KEY_OLD and the new one in OCEAN_MASTER_KEY",
            )?;
            let vault = api::vault::Vault::with_old_key(&settings.master_key, old);
            let db = api::db::connect(&settings.database_url).await?;
            let count = api::keys::rotate(&db, &vault).await?;
            println!("re-sealed {count} secret(s) under key {}", vault.key_id());
            Ok(())
        }
    }
}

async fn demo(data_dir: &str) -> anyhow::Result<()> {
    let files = api::demo::DemoFiles::new(data_dir)?;
    let settings = files.settings()?;
    api::telemetry::init(&settings.log_filter, settings.log_file.as_deref())?;
    let keys = JwtKeys::new(&settings.jwt);
    let token = keys.mint(
        "demo",
        "demo-admin",
        Role::Admin,
        chrono::Duration::hours(24),
    )?;
    let token_file = files.write_token(&token)?;
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    println!(
        r#"
Ocean ERP × TikTok Shop — demo
  API          {base}/api
  API docs     {base}/api/docs
  Admin token  (tenant "demo", 24 h) saved in {token_file}

Try it:
  TOKEN=$(cat {token_file})
  curl -s -X POST {base}/api/integrations/tiktok/shops \
    -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{{"name":"My US shop","app_key":"demoappkey","app_secret":"demo-app-secret-123","region":"US"}}'
  curl -s {base}/api/integrations/tiktok/shops -H "Authorization: Bearer $TOKEN"

Press Ctrl-C to stop.
"#,
        token_file = token_file.display()
    );
    app.run_until_stopped().await?;
    Ok(())
}
