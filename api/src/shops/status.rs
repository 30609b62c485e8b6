//! What the ERP shows of a shop's connection: its authorization (expiries, scopes, seller), the
//! warnings an admin should act on, the API budget used, and when TikTok last delivered a webhook.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::{shop, tiktok_grant, webhook_event};

use super::quota::{self, QuotaUse};

/// An authorization expiring within this long is warned of.
const EXPIRY_WARNING: i64 = 7;

/// The facts of a shop's connection, read now.
pub struct Connection {
    pub grant: Option<tiktok_grant::Model>,
    /// What an admin should act on (an expiring authorization, a doubtful refresh).
    pub warnings: Vec<String>,
    /// This minute's use of the shop's API budget, per category.
    pub quota: Vec<QuotaUse>,
    pub last_event: Option<webhook_event::Model>,
}

pub async fn read(
    db: &DatabaseConnection,
    shop: &shop::Model,
    now: DateTime<Utc>,
) -> Result<Connection, DbErr> {
    let grant = match &shop.grant_id {
        Some(g) => tiktok_grant::Entity::find_by_id(g.clone()).one(db).await?,
        None => None,
    };
    let mut warnings = Vec::new();
    if let Some(g) = &grant {
        if let Some(exp) = g.refresh_token_expires_at
            && exp - now <= Duration::days(EXPIRY_WARNING)
        {
            warnings.push(format!(
                "the TikTok authorization expires at {}; connect the shop again before then",
                exp.to_rfc3339()
            ));
        }
        if let Some(w) = &g.warning {
            warnings.push(w.clone());
        }
    }
    let quota = quota::shop_usage(db, &shop.id, now).await?;
    let last_event = webhook_event::Entity::find()
        .filter(webhook_event::Column::ShopId.eq(shop.id.clone()))
        .order_by_desc(webhook_event::Column::ReceivedAt)
        .one(db)
        .await?;
    Ok(Connection {
        grant,
        warnings,
        quota,
        last_event,
    })
}
