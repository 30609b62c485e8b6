//! `ocean-tiktok demo`: everything a newcomer needs with no settings at all. Keys are made once under
//! `data/` (mode 0600) and reused, so the demo's database stays readable across runs.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use rand::RngCore;

use secrecy::SecretString;

use crate::config::Settings;
use crate::deps::Store;
use crate::shops::service::{self, NewShop};
use crate::shops::{Features, Region, SyncInterval};
use crate::vault::Vault;

pub struct DemoFiles {
    pub dir: PathBuf,
}

impl DemoFiles {
    pub fn new(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self { dir })
    }

    /// Reads a secret file, or makes it with 32 random bytes (base64) readable by the owner only.
    fn secret_file(&self, name: &str) -> anyhow::Result<String> {
        let path = self.dir.join(name);
        if path.exists() {
            return Ok(std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?
                .trim()
                .to_owned());
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let value = base64::engine::general_purpose::STANDARD.encode(bytes);
        write_private(&path, &value)?;
        Ok(value)
    }

    /// The settings of the demo: the environment where it says something, generated keys otherwise.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        self.settings_with(&[])
    }

    /// The demo's settings with `overrides` on top (the sandbox's URLs).
    pub fn settings_with(&self, overrides: &[(&str, String)]) -> anyhow::Result<Settings> {
        crate::config::load_dotenv();
        let mut env: HashMap<String, String> = std::env::vars().collect();
        let mut fill = |name: &str, value: String| {
            env.entry(name.to_owned()).or_insert(value);
        };
        fill("OCEAN_MASTER_KEY", self.secret_file("master.key")?);
        fill("OCEAN_JWT_SECRET", self.secret_file("jwt.secret")?);
        fill(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", self.dir.join("ocean.db").display()),
        );
        for (name, value) in overrides {
            env.insert((*name).to_owned(), value.clone());
        }
        Ok(Settings::from_map(&env)?)
    }

    pub fn write_token(&self, token: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join("admin.token");
        write_private(&path, token)?;
        Ok(path)
    }
}

/// The tenant the demo's token and shop belong to.
pub const TENANT: &str = "demo";
const DEMO_SHOP_NAME: &str = "Demo shop (sandbox)";

/// The demo's shop, configured with the sandbox's app: made once, found again on later runs.
pub async fn ensure_demo_shop(
    store: Store<'_>,
    vault: &Vault,
    app_key: &str,
    app_secret: &str,
    service_id: &str,
) -> anyhow::Result<String> {
    let (existing, _) = service::list(store.db, TENANT, 200, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(shop) = existing.into_iter().find(|s| s.name == DEMO_SHOP_NAME) {
        return Ok(shop.id);
    }
    let shop = service::create(
        store.db,
        vault,
        store.clock.now(),
        TENANT,
        NewShop {
            name: DEMO_SHOP_NAME.to_owned(),
            app_key: app_key.to_owned(),
            app_secret: SecretString::from(app_secret.to_owned()),
            service_id: Some(service_id.to_owned()),
            shop_id: None,
            region: Region::US,
            features: Features::default(),
            sync_interval: SyncInterval::default(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the demo shop: {e}"))?;
    Ok(shop.id)
}

fn write_private(path: &Path, value: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(value.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("ocean-demo-{}", uuid::Uuid::new_v4()));
        let files = DemoFiles::new(&dir).unwrap();
        let a = files.secret_file("master.key").unwrap();
        let b = files.secret_file("master.key").unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
