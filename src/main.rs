//! `ocean-tiktok`: the command line. Each command parses its arguments and calls into `api`.

mod sync_cmd;

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
    /// Run the TikTok Shop emulator alone (one port: consent page, token host, API, /_sandbox control).
    Sandbox(SandboxArgs),
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
    /// Sync a shop now, with progress (the same queue and rules as `POST …/shops/{id}/sync`).
    Sync {
        /// Our shop id.
        #[arg(long)]
        shop: String,
        /// Comma-separated, e.g. orders,products; default: every resource whose area is enabled.
        #[arg(long, value_delimiter = ',', value_parser = sync_cmd::parse_resource)]
        resources: Vec<api::sync::Resource>,
        /// Re-read everything instead of what changed since the last sync.
        #[arg(long)]
        full: bool,
    },
    /// Manage the master key that seals stored secrets.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(clap::Args)]
struct SandboxArgs {
    #[arg(long, default_value_t = 9000)]
    port: u16,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value = "sandbox_app_key")]
    app_key: String,
    #[arg(long, default_value = "sandbox_app_secret")]
    app_secret: String,
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080/api/integrations/tiktok/callback"
    )]
    redirect_url: String,
    /// Orders generated at start, per shop.
    #[arg(long, default_value_t = 200)]
    orders: usize,
    /// Products generated at start, per shop.
    #[arg(long, default_value_t = 50)]
    products: usize,
    /// New orders per minute, moving through the real lifecycle and pushing webhooks (0 = off).
    #[arg(long, default_value_t = 0)]
    orders_per_minute: u32,
    /// Calls per minute per shop per API category (0 = off).
    #[arg(long, default_value_t = 600)]
    rate_limit: u32,
    /// More sellers with one US shop each, beside the three generated shops (runs with many shops).
    #[arg(long, default_value_t = 0)]
    extra_shops: usize,
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
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if matches!(cli.command, Command::Serve) {
        builder.worker_threads(api::app::background_threads());
    }
    let runtime = match builder.build() {
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
        Command::Sandbox(args) => sandbox(args).await,
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
        Command::Sync {
            shop,
            resources,
            full,
        } => {
            sync_cmd::run(sync_cmd::SyncArgs {
                shop,
                resources,
                full,
            })
            .await
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

async fn sandbox(args: SandboxArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let running = tiktok_sandbox::start(tiktok_sandbox::SandboxConfig {
        port: args.port,
        seed: args.seed,
        app_key: args.app_key,
        app_secret: args.app_secret,
        redirect_url: args.redirect_url,
        orders: args.orders,
        products: args.products,
        orders_per_minute: args.orders_per_minute,
        rate_limit: args.rate_limit,
        extra_shops: args.extra_shops,
        ..Default::default()
    })
    .await
    .context("starting the sandbox")?;
    let base = running.base_url();
    println!(
        r#"TikTok Shop sandbox ready in {:.1?}
  consent page   {base}/open/authorize?app_key={app_key}&state=…
  token host     {base}/api/v2/token/get · {base}/api/v2/token/refresh   (TIKTOK_AUTH_BASE={base})
  API            {base}/product/202309/… · /order/202309/… · …           (TIKTOK_API_BASE={base})
  control        {base}/_sandbox/   (see sandbox/README.md)
  app            key {app_key}, secret {app_secret}
Press Ctrl-C to stop."#,
        started.elapsed(),
        app_key = running.app_key(),
        app_secret = running.app_secret(),
    );
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    Ok(())
}

async fn demo(data_dir: &str) -> anyhow::Result<()> {
    let files = api::demo::DemoFiles::new(data_dir)?;
    let first = files.settings()?;
    api::telemetry::init(&first.log_filter, first.log_file.as_deref())?;
    // TikTok is the in-process sandbox; its app sends sellers back to our callback.
    let public = first.public_url.as_str().trim_end_matches('/').to_owned();
    let sandbox = tiktok_sandbox::start(tiktok_sandbox::SandboxConfig {
        app_key: "demo_app_key".into(),
        app_secret: "demo_app_secret_0123456789".into(),
        redirect_url: format!("{public}/api/integrations/tiktok/callback"),
        orders_per_minute: 2,
        ..Default::default()
    })
    .await
    .context("starting the in-process sandbox")?;
    let sb = sandbox.base_url();
    let settings = files.settings_with(&[
        ("TIKTOK_API_BASE", sb.clone()),
        ("TIKTOK_AUTH_BASE", sb.clone()),
        ("TIKTOK_AUTHORIZE_URL", sandbox.authorize_url()),
        ("OCEAN_UI_URL", format!("{public}/api/docs/")),
    ])?;
    let keys = JwtKeys::new(&settings.jwt);
    let token = keys.mint(
        api::demo::TENANT,
        "demo-admin",
        Role::Admin,
        chrono::Duration::hours(24),
    )?;
    let token_file = files.write_token(&token)?;
    let app = Application::build(settings).await?;
    let service_id = sandbox.state().config().service_id.clone();
    let state = app.state();
    let shop_id = api::demo::ensure_demo_shop(
        state.store(),
        &state.vault,
        sandbox.app_key(),
        sandbox.app_secret(),
        &service_id,
    )
    .await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let shop = format!("{base}/api/integrations/tiktok/shops/{shop_id}");
    println!(
        r#"
Ocean ERP × TikTok Shop — demo (offline: TikTok is the in-process sandbox at {sb})
  API          {base}/api
  API docs     {base}/api/docs
  Admin token  tenant "{tenant}", 24 h, saved in {token_file}
  Demo shop    {shop_id}, configured with the sandbox's app

Connect the demo shop to (sandbox) TikTok:
  TOKEN=$(cat {token_file})
  1. Ask for the consent link:
       curl -s -X POST {shop}/connect -H "Authorization: Bearer $TOKEN"
  2. Open its authorize_url in a browser and press Authorize. TikTok (the sandbox) sends the browser to our
     callback, which stores the tokens and lands on {base}/api/docs/?tiktok_connect=success&…
     Or, without a browser, post the same consent form with curl:
       URL=$(curl -s -X POST {shop}/connect -H "Authorization: Bearer $TOKEN" | sed 's/.*"authorize_url":"\([^"]*\)".*/\1/')
       CALLBACK=$(curl -s -o /dev/null -w '%{{redirect_url}}' -X POST {sb}/open/authorize \
         -d "app_key={app_key}&state=${{URL##*state=}}&action=authorize")
       curl -s -o /dev/null -w '%{{redirect_url}}\n' "$CALLBACK"
  3. See the connection (the seller's second shop is connected too, as its own shop):
       curl -s {shop}/status -H "Authorization: Bearer $TOKEN"
       curl -s {base}/api/integrations/tiktok/shops -H "Authorization: Bearer $TOKEN"

Configure a shop of your own, and read it back:
  curl -s -X POST {base}/api/integrations/tiktok/shops \
    -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{{"name":"My US shop","app_key":"myappkey","app_secret":"my-app-secret-123","region":"US"}}'
  curl -s {base}/api/integrations/tiktok/shops -H "Authorization: Bearer $TOKEN"

Press Ctrl-C to stop.
"#,
        tenant = api::demo::TENANT,
        token_file = token_file.display(),
        app_key = sandbox.app_key(),
    );
    app.run_until_stopped().await?;
    sandbox.stop().await;
    Ok(())
}
