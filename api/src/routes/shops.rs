//! `/api/integrations/tiktok/shops`: the Configure step. Viewers read; admins write.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use entity::shop;

use crate::error::{ErrorEnvelope, Result};
use crate::pagination::{Page, PageQuery};
use crate::routes::json::ApiJson;
use crate::routes::schema::responses::{NeedsAdmin, ShopNotFound, Unauthorized};
use crate::routes::scope::*;
use crate::shops::model::SyncIntervalWire;
use crate::shops::service::{self, NewShop, ShopEdit};
use crate::shops::{Features, Region, RegionInfo, ShopStatus, SyncInterval};
use crate::state::AppState;

/// A shop to configure. `app_secret` is write-only: no response ever contains it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Ocean US store",
    "app_key": "6abc123def456",
    "app_secret": "a1b2c3d4e5f6a7b8c9d0",
    "service_id": "7100000000000000001",
    "shop_id": "7494049642642441621",
    "region": "US",
    "features": {"returns": true},
    "sync_interval": 15
}))]
pub struct ShopIn {
    /// A name the ERP shows, 1 to 100 characters, no control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// The app key from TikTok Partner Center: 1 to 64 letters, digits, `_` or `-`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub app_key: String,
    /// The app secret from TikTok Partner Center: 8 to 128 visible ASCII characters (no spaces). Stored sealed; never returned.
    #[schema(value_type = String, format = Password, write_only, pattern = "^[!-~]{8,128}$")]
    pub app_secret: SecretString,
    /// The app's service id (newer apps authorize with it); digits.
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub service_id: Option<String>,
    /// TikTok's shop id; optional until authorization fills it in; digits.
    #[schema(pattern = "^[0-9]{1,32}$")]
    pub shop_id: Option<String>,
    /// One of US, UK, ID, SG, MY, TH, VN, PH.
    #[schema(schema_with = crate::routes::schema::rules::region)]
    pub region: String,
    /// Feature toggles to change from the defaults (products, orders, inventory on; the rest off).
    #[schema(schema_with = crate::routes::schema::rules::features_or_null)]
    pub features: Option<BTreeMap<String, bool>>,
    /// 5, 15, 30 or 60 (minutes) or "manual"; default 15.
    #[schema(schema_with = crate::routes::schema::rules::sync_interval_or_null)]
    pub sync_interval: Option<SyncIntervalWire>,
}

/// An edit: fields left out stay as they are; `service_id` and `shop_id` can be cleared with null.
/// A new `app_key`, `app_secret` or `shop_id` returns a connected shop to `configured`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ocean US flagship", "app_secret": "n3w-s3cr3t-from-partner-center"}))]
pub struct ShopPatch {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub app_key: Option<String>,
    #[schema(value_type = Option<String>, format = Password, write_only, pattern = "^[!-~]{8,128}$")]
    pub app_secret: Option<SecretString>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,32}$")]
    pub service_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,32}$")]
    pub shop_id: Option<Option<String>>,
    #[schema(schema_with = crate::routes::schema::rules::region_or_null)]
    pub region: Option<String>,
}

/// Present-and-null → `Some(None)`; absent → `None` (through `default`).
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Feature toggles by name; names left out keep their current value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"features": {"returns": true, "analytics": false}}))]
pub struct FeaturesIn {
    #[schema(schema_with = crate::routes::schema::rules::features)]
    pub features: BTreeMap<String, bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sync_interval": 30}))]
pub struct SyncSettingsIn {
    /// 5, 15, 30 or 60 (minutes) or "manual".
    #[schema(schema_with = crate::routes::schema::rules::sync_interval)]
    pub sync_interval: SyncIntervalWire,
}

/// A configured shop as the ERP sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21",
    "name": "Ocean US store",
    "app_key": "6abc123def456",
    "app_secret_set": true,
    "app_secret_fingerprint": "3f9a1c07",
    "service_id": "7100000000000000001",
    "shop_id": "7494049642642441621",
    "region": "US",
    "region_info": {"currency": "USD", "seller_center_url": "https://seller-us.tiktok.com", "cod_available": false},
    "status": "configured",
    "features": {"affiliate": false, "analytics": false, "inventory": true, "live_shopping": false, "logistics": false, "orders": true, "products": true, "promotions": false, "returns": true},
    "sync_interval": 15,
    "created_at": "2026-11-24T21:00:00Z",
    "updated_at": "2026-11-24T21:00:00Z"
}))]
pub struct ShopOut {
    pub id: String,
    pub name: String,
    pub app_key: String,
    /// Whether an app secret is stored (it is never shown).
    pub app_secret_set: bool,
    /// A keyed fingerprint of the stored secret (8 hex characters of an HMAC under the master
    /// key): equal for the same secret, different for another; no part of the secret itself.
    pub app_secret_fingerprint: Option<String>,
    pub service_id: Option<String>,
    pub shop_id: Option<String>,
    pub region: Region,
    pub region_info: RegionInfo,
    pub status: ShopStatus,
    pub features: BTreeMap<String, bool>,
    pub sync_interval: SyncIntervalWire,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<shop::Model> for ShopOut {
    fn from(m: shop::Model) -> Self {
        let region = Region::parse(&m.region).unwrap_or(Region::US);
        Self {
            app_secret_set: m.app_secret_sealed.is_some(),
            app_secret_fingerprint: m.app_secret_fingerprint,
            region,
            region_info: region.info(),
            status: ShopStatus::from_column(&m.status),
            features: Features::from_json(&m.features).to_map(),
            sync_interval: SyncInterval::from_column(m.sync_interval_minutes).to_wire(),
            id: m.id,
            name: m.name,
            app_key: m.app_key,
            service_id: m.service_id,
            shop_id: m.shop_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl TryFrom<ShopIn> for NewShop {
    type Error = crate::error::Error;

    fn try_from(input: ShopIn) -> Result<Self> {
        let mut features = Features::default();
        if let Some(changes) = &input.features {
            features
                .apply(changes)
                .map_err(|p| crate::error::Error::invalid_field("features", p))?;
        }
        Ok(NewShop {
            name: service::parse_name(&input.name)?,
            app_key: service::parse_app_key(&input.app_key)?,
            app_secret: service::parse_app_secret(input.app_secret)?,
            service_id: input
                .service_id
                .as_deref()
                .map(|s| service::parse_tiktok_id("service_id", s))
                .transpose()?,
            shop_id: input
                .shop_id
                .as_deref()
                .map(|s| service::parse_tiktok_id("shop_id", s))
                .transpose()?,
            region: service::parse_region(&input.region)?,
            features,
            sync_interval: input
                .sync_interval
                .as_ref()
                .map(|w| {
                    SyncInterval::parse(w)
                        .map_err(|p| crate::error::Error::invalid_field("sync_interval", p))
                })
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

impl TryFrom<ShopPatch> for ShopEdit {
    type Error = crate::error::Error;

    fn try_from(p: ShopPatch) -> Result<Self> {
        let id = |field: &'static str, v: Option<Option<String>>| {
            v.map(|inner| {
                inner
                    .as_deref()
                    .map(|s| service::parse_tiktok_id(field, s))
                    .transpose()
            })
            .transpose()
        };
        Ok(ShopEdit {
            name: p.name.as_deref().map(service::parse_name).transpose()?,
            app_key: p
                .app_key
                .as_deref()
                .map(service::parse_app_key)
                .transpose()?,
            app_secret: p.app_secret.map(service::parse_app_secret).transpose()?,
            service_id: id("service_id", p.service_id)?,
            shop_id: id("shop_id", p.shop_id)?,
            region: p.region.as_deref().map(service::parse_region).transpose()?,
        })
    }
}

fn record_shop(id: &str) {
    tracing::Span::current().record("shop", id);
}

/// Configure a shop.
#[utoipa::path(
    tag = "shops",
    request_body = ShopIn,
    responses(
        (status = 201, description = "The shop is configured", body = ShopOut),
        (status = 400, description = "A field is invalid; the message names it", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        (status = 409, description = "This TikTok shop is already configured in this tenant, whatever the app key (`shop_exists`)", body = ErrorEnvelope),
        (status = 413, description = "The body is over 1 MiB", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/integrations/tiktok/shops")]
pub async fn create_shop(
    state: web::Data<AppState>,
    caller: Caller<Admin>,
    body: ApiJson<ShopIn>,
) -> Result<HttpResponse> {
    let user = caller.user;
    let new = NewShop::try_from(body.0)?;
    let shop = service::create(
        &state.db,
        &state.vault,
        state.clock.now(),
        &user.tenant,
        new,
    )
    .await?;
    record_shop(&shop.id);
    Ok(HttpResponse::Created().json(ShopOut::from(shop)))
}

/// List the tenant's shops, oldest first.
#[utoipa::path(
    tag = "shops",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of shops", body = Page<ShopOut>),
        (status = 400, description = "A bad limit or cursor", body = ErrorEnvelope),
        Unauthorized,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops")]
pub async fn list_shops(
    state: web::Data<AppState>,
    caller: Caller<Viewer>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<ShopOut>>> {
    let user = caller.user;
    let (rows, next) =
        service::list(&state.db, &user.tenant, query.limit()?, query.cursor()?).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(ShopOut::from).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// Read one shop.
#[utoipa::path(
    tag = "shops",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 200, description = "The shop", body = ShopOut),
        Unauthorized,
        ShopNotFound,
    ),
    security(("bearer" = ["viewer"]))
)]
#[get("/api/integrations/tiktok/shops/{id}")]
pub async fn get_shop(scope: ShopScope<Viewer, AnyArea>) -> Result<web::Json<ShopOut>> {
    Ok(web::Json(scope.shop.into()))
}

/// Edit a shop's configuration.
#[utoipa::path(
    tag = "shops",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = ShopPatch,
    responses(
        (status = 200, description = "The edited shop", body = ShopOut),
        (status = 400, description = "A field is invalid; the message names it", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
        (status = 409, description = "Another shop of this tenant has this TikTok shop id (`shop_exists`)", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"]))
)]
#[patch("/api/integrations/tiktok/shops/{id}")]
pub async fn patch_shop(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
    body: ApiJson<ShopPatch>,
) -> Result<web::Json<ShopOut>> {
    let ShopScope { user, shop, .. } = scope;
    let id = shop.id;
    let edit = ShopEdit::try_from(body.0)?;
    let shop = service::edit(
        &state.db,
        &state.vault,
        state.clock.now(),
        &user.tenant,
        &id,
        edit,
    )
    .await?;
    state.signers.forget_all();
    Ok(web::Json(shop.into()))
}

/// Delete a shop; its stored secrets are erased.
#[utoipa::path(
    tag = "shops",
    params(("id" = String, Path, description = "Our shop id")),
    responses(
        (status = 204, description = "Deleted; its secrets are erased"),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/api/integrations/tiktok/shops/{id}")]
pub async fn delete_shop(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
) -> Result<HttpResponse> {
    let ShopScope { user, shop, .. } = scope;
    let id = shop.id;
    service::delete(&state.db, state.clock.now(), &user.tenant, &id).await?;
    state.signers.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// Turn feature areas on or off.
#[utoipa::path(
    tag = "shops",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = FeaturesIn,
    responses(
        (status = 200, description = "The shop with its new toggles", body = ShopOut),
        (status = 400, description = "An unknown feature name or a non-boolean value", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/features")]
pub async fn put_features(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
    body: ApiJson<FeaturesIn>,
) -> Result<web::Json<ShopOut>> {
    let ShopScope { user, shop, .. } = scope;
    let id = shop.id;
    let shop = service::set_features(
        &state.db,
        state.clock.now(),
        &user.tenant,
        &id,
        &body.0.features,
    )
    .await?;
    Ok(web::Json(shop.into()))
}

/// Set how often the shop syncs by itself.
#[utoipa::path(
    tag = "shops",
    params(("id" = String, Path, description = "Our shop id")),
    request_body = SyncSettingsIn,
    responses(
        (status = 200, description = "The shop with its new interval", body = ShopOut),
        (status = 400, description = "Not 5, 15, 30, 60 or \"manual\"", body = ErrorEnvelope),
        Unauthorized,
        NeedsAdmin,
        ShopNotFound,
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/api/integrations/tiktok/shops/{id}/sync-settings")]
pub async fn put_sync_settings(
    state: web::Data<AppState>,
    scope: ShopScope<Admin, AnyArea>,
    body: ApiJson<SyncSettingsIn>,
) -> Result<web::Json<ShopOut>> {
    let ShopScope { user, shop, .. } = scope;
    let id = shop.id;
    let interval = SyncInterval::parse(&body.0.sync_interval)
        .map_err(|p| crate::error::Error::invalid_field("sync_interval", p))?;
    let shop =
        service::set_sync_interval(&state.db, state.clock.now(), &user.tenant, &id, interval)
            .await?;
    Ok(web::Json(shop.into()))
}
