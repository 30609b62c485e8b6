//! Promotions (`tiktok-api-areas.md` §3): activities (create, products, update, deactivate, search,
//! read) and the shop's coupons (read-only: TikTok's API cannot create one).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::wire::{de_id, de_opt_i64, de_opt_text};
use super::{ApiResponse, ShopLine};

/// Create an activity (`POST`).
pub const ACTIVITIES_PATH: &str = "/promotion/202309/activities";
/// Search activities (`POST`, paging in the body).
pub const ACTIVITY_SEARCH_PATH: &str = "/promotion/202309/activities/search";
/// Search coupons (`POST`, paging in the query).
pub const COUPON_SEARCH_PATH: &str = "/promotion/202406/coupons/search";

/// One activity (`GET` reads it, `PUT` updates its title and times).
pub fn activity_path(activity_id: &str) -> String {
    format!("/promotion/202309/activities/{activity_id}")
}

/// An activity's products (`PUT` adds or updates, `DELETE` removes).
pub fn activity_products_path(activity_id: &str) -> String {
    format!("/promotion/202309/activities/{activity_id}/products")
}

/// Ends an activity (`POST`, no body).
pub fn deactivate_path(activity_id: &str) -> String {
    format!("/promotion/202309/activities/{activity_id}/deactivate")
}

/// One coupon (`GET`).
pub fn coupon_path(coupon_id: &str) -> String {
    format!("/promotion/202406/coupons/{coupon_id}")
}

/// TikTok's page size for both searches (its maximum).
pub const PAGE_SIZE: u32 = 100;

/// A new activity; FIXED_PRICE, DIRECT_DISCOUNT and FLASHSALE carry their prices on the products.
#[derive(Debug, Serialize)]
pub struct NewActivity<'a> {
    pub title: &'a str,
    pub activity_type: &'a str,
    pub product_level: &'a str,
    /// Unix seconds.
    pub begin_time: i64,
    pub end_time: i64,
}

#[derive(Debug, Deserialize)]
pub struct Created {
    #[serde(deserialize_with = "de_id")]
    pub activity_id: String,
    #[serde(default)]
    pub status: Option<String>,
}

/// The products call's body: the products to add or update (a list never removes).
#[derive(Debug, Serialize)]
pub struct ProductsUpdate {
    pub activity_id: String,
    pub products: Vec<DealProduct>,
}

/// A product's deal: at VARIATION level its limits are −1 and the deals are on its SKUs.
#[derive(Debug, Serialize)]
pub struct DealProduct {
    pub id: String,
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_price_amount: Option<String>,
    /// Percent off, as a string of an integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<String>,
    pub skus: Vec<DealSku>,
}

#[derive(Debug, Serialize)]
pub struct DealSku {
    pub id: String,
    pub quantity_limit: i64,
    pub quantity_per_user: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_price_amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<String>,
}

/// What to take out of an activity (at least one list non-empty).
#[derive(Debug, Serialize)]
pub struct ProductsRemoval {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub product_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sku_ids: Vec<String>,
}

/// An update: only the title and times apply to the three price types.
#[derive(Debug, Serialize)]
pub struct ActivityUpdate<'a> {
    pub title: &'a str,
    pub begin_time: i64,
    pub end_time: i64,
}

#[derive(Debug, Serialize)]
pub struct ActivitySearch<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_type: Option<&'a str>,
    /// An exact title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_title: Option<&'a str>,
    pub page_size: u32,
    pub page_token: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct ActivityPage {
    #[serde(default)]
    pub activities: Vec<ActivitySummary>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// An activity as the search lists it (no products).
#[derive(Debug, Deserialize)]
pub struct ActivitySummary {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub activity_type: String,
    #[serde(default)]
    pub product_level: String,
    #[serde(default)]
    pub status: String,
    /// Unix seconds.
    #[serde(default)]
    pub begin_time: i64,
    #[serde(default)]
    pub end_time: i64,
}

/// An activity with its products.
#[derive(Debug, Deserialize)]
pub struct ActivityDetail {
    #[serde(deserialize_with = "de_id")]
    pub activity_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub activity_type: String,
    #[serde(default)]
    pub product_level: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub begin_time: i64,
    #[serde(default)]
    pub end_time: i64,
    /// Left out for a price activity that ended more than 180 days ago.
    #[serde(default)]
    pub products: Option<Vec<ActivityProduct>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Money {
    pub amount: String,
    #[serde(default)]
    pub currency: String,
}

#[derive(Debug, Deserialize)]
pub struct ActivityProduct {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub activity_price: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub discount: Option<String>,
    #[serde(default)]
    pub quantity_limit: Option<i64>,
    #[serde(default)]
    pub quantity_per_user: Option<i64>,
    #[serde(default)]
    pub used_quantity: Option<i64>,
    #[serde(default)]
    pub skus: Vec<ActivitySku>,
}

#[derive(Debug, Deserialize)]
pub struct ActivitySku {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub activity_price: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub discount: Option<String>,
    #[serde(default)]
    pub quantity_limit: Option<i64>,
    #[serde(default)]
    pub quantity_per_user: Option<i64>,
    #[serde(default)]
    pub used_quantity: Option<i64>,
}

/// Answers that carry only what we do not read (`activity_id`, `status`, `update_time`).
#[derive(Debug, Deserialize)]
pub struct Ack {}

/// Coupon search filters (the body; paging is in the query).
#[derive(Debug, Serialize)]
pub struct CouponSearch {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct CouponPage {
    #[serde(default)]
    pub coupons: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

// The operations, one per TikTok call, over a shop's line.

pub async fn create<L: ShopLine>(
    line: &mut L,
    activity: &NewActivity<'_>,
) -> Result<ApiResponse<Created>, L::Error> {
    let body = serde_json::to_value(activity).unwrap_or_default();
    line.call(Method::POST, ACTIVITIES_PATH, vec![], Some(body))
        .await
}

pub async fn set_products<L: ShopLine>(
    line: &mut L,
    update: &ProductsUpdate,
) -> Result<ApiResponse<Ack>, L::Error> {
    let body = serde_json::to_value(update).unwrap_or_default();
    line.call(
        Method::PUT,
        &activity_products_path(&update.activity_id),
        vec![],
        Some(body),
    )
    .await
}

pub async fn remove_products<L: ShopLine>(
    line: &mut L,
    activity_id: &str,
    removal: &ProductsRemoval,
) -> Result<ApiResponse<Ack>, L::Error> {
    let body = serde_json::to_value(removal).unwrap_or_default();
    line.call(
        Method::DELETE,
        &activity_products_path(activity_id),
        vec![],
        Some(body),
    )
    .await
}

pub async fn update<L: ShopLine>(
    line: &mut L,
    activity_id: &str,
    update: &ActivityUpdate<'_>,
) -> Result<ApiResponse<Ack>, L::Error> {
    let body = serde_json::to_value(update).unwrap_or_default();
    line.call(Method::PUT, &activity_path(activity_id), vec![], Some(body))
        .await
}

pub async fn deactivate<L: ShopLine>(
    line: &mut L,
    activity_id: &str,
) -> Result<ApiResponse<Ack>, L::Error> {
    line.call(Method::POST, &deactivate_path(activity_id), vec![], None)
        .await
}

pub async fn search<L: ShopLine>(
    line: &mut L,
    search: &ActivitySearch<'_>,
) -> Result<ApiResponse<ActivityPage>, L::Error> {
    let body = serde_json::to_value(search).unwrap_or_default();
    line.call(Method::POST, ACTIVITY_SEARCH_PATH, vec![], Some(body))
        .await
}

pub async fn get<L: ShopLine>(
    line: &mut L,
    activity_id: &str,
) -> Result<ApiResponse<ActivityDetail>, L::Error> {
    line.call(Method::GET, &activity_path(activity_id), vec![], None)
        .await
}

pub async fn search_coupons<L: ShopLine>(
    line: &mut L,
    page_token: &str,
) -> Result<ApiResponse<CouponPage>, L::Error> {
    let mut query = vec![("page_size".to_owned(), PAGE_SIZE.to_string())];
    if !page_token.is_empty() {
        query.push(("page_token".to_owned(), page_token.to_owned()));
    }
    let body = serde_json::to_value(CouponSearch { status: vec![] }).unwrap_or_default();
    line.call(Method::POST, COUPON_SEARCH_PATH, query, Some(body))
        .await
}

/// A coupon as the search lists it (`tiktok-api-areas.md` §3, coupons). Times of the durations are
/// unix seconds; `create_time` and `update_time` are milliseconds.
#[derive(Debug, Deserialize)]
pub struct Coupon {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub display_type: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub claim_duration: Option<Span>,
    #[serde(default)]
    pub redemption_duration: Option<Redemption>,
    #[serde(default)]
    pub promo_code: Option<String>,
    #[serde(default)]
    pub target_buyer_segment: Option<String>,
    #[serde(default)]
    pub usage_limits: Option<UsageLimits>,
    #[serde(default)]
    pub discount: Option<CouponDiscount>,
    #[serde(default)]
    pub threshold: Option<Threshold>,
    #[serde(default)]
    pub product_scope: Option<String>,
    #[serde(default)]
    pub creation_source: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Span {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Redemption {
    /// ABSOLUTE or RELATIVE.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
    /// Days after the claim.
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub relative_time: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct UsageLimits {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub single_buyer_claim_limit: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub total_claim_limit: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub redemption_limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CouponDiscount {
    /// AMOUNT_OFF or PERCENT_OFF.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub reduction_amount: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub percentage: Option<String>,
    #[serde(default)]
    pub max_discount: Option<Money>,
}

#[derive(Debug, Deserialize)]
pub struct Threshold {
    /// NONE or MIN_SPEND.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub min_spend: Option<Money>,
}

/// One coupon of a search page, read on its own (a record we cannot read is skipped, not the page).
pub fn coupon(raw: serde_json::Value) -> Result<Coupon, serde_json::Error> {
    serde_json::from_value(raw)
}
