//! What the ERP reads to ship and after: shipping options, the label PDF, the tracking timeline.

use std::sync::OnceLock;

use super::ship::package_detail;
use super::*;

/// The largest label we pass on.
const MAX_LABEL_BYTES: usize = 20 * 1024 * 1024;

/// The order's packages and, for a seller-shipped order, the providers its delivery option allows.
pub async fn shipping_options(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    order_id: &str,
) -> Result<ShippingOptions> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let order = fetch_order(access, &mut session, order_id).await?;
    let option = text(&order["delivery_option_id"]);
    let mut packages = Vec::new();
    for id in package_ids(&order) {
        let p = package_detail(access, &mut session, &id).await?;
        packages.push(p);
    }
    let shipping_providers = match &option {
        Some(o) => providers(access, &mut session, o).await?,
        None => Vec::new(),
    };
    Ok(ShippingOptions {
        order_id: order_id.to_owned(),
        order_status: text(&order["status"]).unwrap_or_default(),
        shipping_type: text(&order["shipping_type"]).unwrap_or_else(|| "TIKTOK".into()),
        warehouse_id: text(&order["warehouse_id"]),
        delivery_option_id: option,
        delivery_option_name: text(&order["delivery_option_name"]),
        packages,
        shipping_providers,
    })
}

/// A shipping label PDF.
pub struct Label {
    pub package_id: String,
    pub pdf: Vec<u8>,
}

fn download_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default()
    })
}

/// Fetches the package's label URL from TikTok and downloads the PDF (the ERP never goes to TikTok).
#[tracing::instrument(skip_all, fields(shop = %shop.id, order = %order_id))]
pub async fn label(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    order_id: &str,
    package_id: Option<&str>,
    size: &str,
) -> Result<Label> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let order = fetch_order(access, &mut session, order_id).await?;
    let package_id = pick_package(&order, package_id, "package_id")?;
    let answer =
        crate::tiktok::fulfillment::shipping_label(&mut session.line(access), &package_id, size)
            .await?;
    let url = answer
        .data
        .doc_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .ok_or_else(|| {
            Error::new(
                Kind::Upstream,
                "tiktok_unavailable",
                "TikTok gave no label URL; try again",
            )
        })?;
    let unavailable = |why: String| {
        tracing::warn!(package = %package_id, %why, "label download failed");
        Error::new(
            Kind::Upstream,
            "label_unavailable",
            format!("the label could not be downloaded from TikTok ({why}); try again"),
        )
    };
    let res = download_client()
        .get(url)
        .send()
        .await
        .map_err(|e| unavailable(e.without_url().to_string()))?;
    if !res.status().is_success() {
        return Err(unavailable(format!("HTTP {}", res.status().as_u16())));
    }
    if res
        .content_length()
        .is_some_and(|n| n > MAX_LABEL_BYTES as u64)
    {
        return Err(unavailable("the document is too large".into()));
    }
    let pdf = res
        .bytes()
        .await
        .map_err(|e| unavailable(e.without_url().to_string()))?;
    if pdf.len() > MAX_LABEL_BYTES || !pdf.starts_with(b"%PDF") {
        return Err(unavailable("the document is not a PDF".into()));
    }
    Ok(Label {
        package_id,
        pdf: pdf.to_vec(),
    })
}

/// The carrier's events for the order, newest first.
pub async fn tracking(
    access: TikTokAccess<'_>,
    shop: &shop::Model,
    order_id: &str,
) -> Result<Vec<TrackingEvent>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    ensure_known(access, &mut session, order_id).await?;
    let answer = crate::tiktok::fulfillment::tracking(&mut session.line(access), order_id).await?;
    let mut events: Vec<TrackingEvent> = answer
        .data
        .tracking
        .into_iter()
        .filter_map(|e| {
            Some(TrackingEvent {
                at: chrono::DateTime::from_timestamp_millis(e.update_time_millis?)?,
                description: e.description?,
            })
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(events)
}

/// A 404 unless the order is synced here or TikTok knows it (then it is saved).
async fn ensure_known(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order_id: &str,
) -> Result<()> {
    use sea_orm::EntityTrait;
    if !TikTokId::is_valid(order_id) {
        return Err(Error::not_found("order"));
    }
    let local =
        entity::tiktok_order::Entity::find_by_id((session.shop.id.clone(), order_id.to_owned()))
            .one(access.db)
            .await?;
    if local.is_none() {
        fetch_order(access, session, order_id).await?;
    }
    Ok(())
}
