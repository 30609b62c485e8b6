//! Affiliate, seller side (`tiktok-api-areas.md` §4): open collaborations (a product's commission
//! for any creator), sample rules, target collaborations with chosen creators, sample applications,
//! and affiliate orders. Commission rates on the wire are integer hundredths of a percent.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::promotions::Money;
use super::wire::{de_id, de_opt_i64, de_opt_text};
use super::{ApiResponse, ShopLine};

pub const OPEN_COLLABORATIONS_PATH: &str = "/affiliate_seller/202412/open_collaborations";
pub const OPEN_COLLABORATION_SEARCH_PATH: &str =
    "/affiliate_seller/202412/open_collaborations/search";
pub const SAMPLE_RULES_PATH: &str = "/affiliate_seller/202410/open_collaborations/sample_rules";
pub const TARGET_COLLABORATIONS_PATH: &str = "/affiliate_seller/202508/target_collaborations";
pub const TARGET_COLLABORATION_SEARCH_PATH: &str =
    "/affiliate_seller/202508/target_collaborations/search";
pub const SAMPLE_SEARCH_PATH: &str = "/affiliate_seller/202508/sample_applications/search";
pub const ORDER_SEARCH_PATH: &str = "/affiliate_seller/202410/orders/search";

/// Ends a product's open collaboration (`DELETE`).
pub fn open_collaboration_path(product_id: &str) -> String {
    format!("/affiliate_seller/202409/open_collaborations/products/{product_id}")
}

/// One target collaboration (`GET`, `PUT`).
pub fn target_collaboration_path(id: &str) -> String {
    format!("/affiliate_seller/202508/target_collaborations/{id}")
}

/// Deletes a target collaboration (`DELETE`, an older version than the others).
pub fn target_collaboration_delete_path(id: &str) -> String {
    format!("/affiliate_seller/202409/target_collaborations/{id}")
}

/// Reviews a sample application (`POST`).
pub fn sample_review_path(id: &str) -> String {
    format!("/affiliate_seller/202507/sample_applications/{id}/review")
}

/// TikTok's bounds on a commission rate, in hundredths of a percent (1 % to 80 %).
pub const MIN_RATE: i64 = 100;
pub const MAX_RATE: i64 = 8000;

#[derive(Debug, Serialize)]
pub struct NewOpenCollaboration<'a> {
    pub product_id: &'a str,
    pub commission_rate: i64,
}

#[derive(Debug, Deserialize)]
pub struct OpenCollaborationMade {
    pub open_collaboration: OpenCollaborationRef,
}

#[derive(Debug, Deserialize)]
pub struct OpenCollaborationRef {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub product_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OpenCollaborationPage {
    #[serde(default)]
    pub open_collaborations: Vec<OpenCollaboration>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OpenCollaboration {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    /// NORMAL or TERMINATING.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub current_commission: Option<Commission>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub showcase_creator_count: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub content_creator_count: Option<i64>,
    #[serde(default)]
    pub product: Option<CollaborationProduct>,
}

#[derive(Debug, Deserialize)]
pub struct Commission {
    /// Hundredths of a percent.
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub rate: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CollaborationProduct {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Removed {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub terminated_effective_time: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct SampleRuleSet<'a> {
    pub product_id: &'a str,
    pub sample_rule: SampleRule,
}

#[derive(Debug, Serialize)]
pub struct SampleRule {
    /// ACTIVATE or DEACTIVATE.
    pub activate_status: &'static str,
    /// Samples TikTok may grant (needed to activate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_quota: Option<i64>,
    pub is_sample_time_unlimited: bool,
}

#[derive(Debug, Deserialize)]
pub struct SampleRules {
    #[serde(default)]
    pub sample_rules: Vec<SampleRuleOut>,
}

#[derive(Debug, Deserialize)]
pub struct SampleRuleOut {
    #[serde(deserialize_with = "de_id")]
    pub product_id: String,
    /// NOT_STARTED, ONGOING, NO_LEFT_COUNT, PLAN_EXCEPTION, EXPIRED.
    #[serde(default)]
    pub status: String,
}

/// A target collaboration as made or replaced (the rates in hundredths).
#[derive(Debug, Serialize)]
pub struct TargetCollaborationBody {
    pub name: String,
    /// Unix seconds, as a string.
    pub end_time: String,
    pub products: Vec<TargetProduct>,
    pub creator_user_open_ids: Vec<String>,
    pub seller_contact_info: ContactInfo,
    pub free_sample_rule: FreeSampleRule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TargetProduct {
    pub id: String,
    /// The create names it `target_commission_rate`, the update `commission_rate`: both are sent.
    pub target_commission_rate: i64,
    pub commission_rate: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FreeSampleRule {
    #[serde(default)]
    pub has_free_sample: bool,
    #[serde(default)]
    pub is_sample_approval_exempt: bool,
}

#[derive(Debug, Deserialize)]
pub struct TargetCollaborationMade {
    pub target_collaboration: TargetRef,
    #[serde(default)]
    pub target_collaboration_conflicts: Vec<Conflict>,
    #[serde(default)]
    pub invalid_open_id_list: Vec<String>,
    #[serde(default)]
    pub invalid_product_id_list: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetRef {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Conflict {
    #[serde(default)]
    pub creator_user_open_id: String,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub product_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetCollaborationUpdated {
    #[serde(default)]
    pub update_failed: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub target_collaboration_conflicts: Vec<Conflict>,
}

#[derive(Debug, Serialize)]
pub struct TargetSearch<'a> {
    pub collaboration_status: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct TargetPage {
    #[serde(default)]
    pub target_collaborations: Vec<TargetSummary>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetSummary {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub product_count: Option<i64>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetDetailAnswer {
    pub target_collaboration: TargetDetail,
}

#[derive(Debug, Deserialize)]
pub struct TargetDetail {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub seller_contact_info: Option<ContactInfo>,
    #[serde(default)]
    pub free_sample_rule: Option<FreeSampleRule>,
    #[serde(default)]
    pub products: Vec<TargetDetailProduct>,
    #[serde(default)]
    pub creators: Vec<TargetCreator>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetDetailProduct {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub commission: Option<Commission>,
    /// NORMAL, DELETING, DELETED.
    #[serde(default)]
    pub collaboration_status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TargetCreator {
    #[serde(default)]
    pub creator_open_id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub collaboration_status: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SampleSearch<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct SamplePage {
    #[serde(default)]
    pub sample_applications: Vec<SampleApplication>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SampleApplication {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub status: String,
    /// A decimal fraction ("0.12").
    #[serde(default, deserialize_with = "de_opt_text")]
    pub commission_rate: Option<String>,
    #[serde(default)]
    pub is_approvable: Option<bool>,
    #[serde(default)]
    pub creator: Option<SampleCreator>,
    #[serde(default)]
    pub product: Option<SampleProduct>,
}

#[derive(Debug, Deserialize)]
pub struct SampleCreator {
    #[serde(default)]
    pub creator_open_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub follower_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct SampleProduct {
    #[serde(default, deserialize_with = "de_opt_text")]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub sku_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SampleReview<'a> {
    /// APPROVE or REJECT.
    pub review_result: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct OrderSearch {
    pub create_time_ge: i64,
    pub create_time_lt: i64,
}

#[derive(Debug, Deserialize)]
pub struct OrderPage {
    #[serde(default)]
    pub orders: Vec<AffiliateOrder>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct AffiliateOrder {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub create_time: Option<i64>,
    #[serde(default)]
    pub skus: Vec<AffiliateSku>,
}

#[derive(Debug, Deserialize)]
pub struct AffiliateSku {
    #[serde(deserialize_with = "de_id")]
    pub sku_id: String,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub price: Option<Money>,
    #[serde(default)]
    pub settlement_status: Option<String>,
    #[serde(default)]
    pub creator_username: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Hundredths of a percent, as a string.
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub commission_rate: Option<i64>,
    #[serde(default)]
    pub estimated_paid_commission: Option<Money>,
    #[serde(default)]
    pub actual_paid_commission: Option<Money>,
}

/// Answers that carry nothing we read.
#[derive(Debug, Deserialize)]
pub struct Ack {}

// The operations, one per TikTok call, over a shop's line.

fn body<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    Some(serde_json::to_value(value).unwrap_or_default())
}

fn page(size: u32, token: &str) -> Vec<(String, String)> {
    let mut query = vec![("page_size".to_owned(), size.to_string())];
    if !token.is_empty() {
        query.push(("page_token".to_owned(), token.to_owned()));
    }
    query
}

pub async fn open<L: ShopLine>(
    line: &mut L,
    product_id: &str,
    rate: i64,
) -> Result<ApiResponse<OpenCollaborationMade>, L::Error> {
    let request = NewOpenCollaboration {
        product_id,
        commission_rate: rate,
    };
    line.call(
        Method::POST,
        OPEN_COLLABORATIONS_PATH,
        vec![],
        body(&request),
    )
    .await
}

/// The shop's open collaborations; `product_id` narrows to one product.
pub async fn search_open<L: ShopLine>(
    line: &mut L,
    product_id: Option<&str>,
    token: &str,
) -> Result<ApiResponse<OpenCollaborationPage>, L::Error> {
    let filter = match product_id {
        Some(id) => serde_json::json!({"keyword_type": "PRODUCT_ID", "keyword": id}),
        None => serde_json::json!({}),
    };
    line.call(
        Method::POST,
        OPEN_COLLABORATION_SEARCH_PATH,
        page(50, token),
        Some(filter),
    )
    .await
}

pub async fn remove_open<L: ShopLine>(
    line: &mut L,
    product_id: &str,
) -> Result<ApiResponse<Removed>, L::Error> {
    line.call(
        Method::DELETE,
        &open_collaboration_path(product_id),
        vec![],
        None,
    )
    .await
}

/// Offers samples (`quota` of them) or stops offering them (`None`).
pub async fn set_sample_rule<L: ShopLine>(
    line: &mut L,
    product_id: &str,
    quota: Option<i64>,
) -> Result<ApiResponse<Ack>, L::Error> {
    let request = SampleRuleSet {
        product_id,
        sample_rule: SampleRule {
            activate_status: if quota.is_some() {
                "ACTIVATE"
            } else {
                "DEACTIVATE"
            },
            sample_quota: quota,
            is_sample_time_unlimited: true,
        },
    };
    line.call(Method::POST, SAMPLE_RULES_PATH, vec![], body(&request))
        .await
}

pub async fn sample_rules<L: ShopLine>(
    line: &mut L,
    product_id: &str,
) -> Result<ApiResponse<SampleRules>, L::Error> {
    line.call(
        Method::GET,
        SAMPLE_RULES_PATH,
        vec![("product_ids".to_owned(), product_id.to_owned())],
        None,
    )
    .await
}

pub async fn create_target<L: ShopLine>(
    line: &mut L,
    request: &TargetCollaborationBody,
) -> Result<ApiResponse<TargetCollaborationMade>, L::Error> {
    line.call(
        Method::POST,
        TARGET_COLLABORATIONS_PATH,
        vec![],
        body(request),
    )
    .await
}

pub async fn search_targets<L: ShopLine>(
    line: &mut L,
    status: &str,
    token: &str,
) -> Result<ApiResponse<TargetPage>, L::Error> {
    let filter = TargetSearch {
        collaboration_status: status,
    };
    line.call(
        Method::POST,
        TARGET_COLLABORATION_SEARCH_PATH,
        page(20, token),
        body(&filter),
    )
    .await
}

pub async fn get_target<L: ShopLine>(
    line: &mut L,
    id: &str,
) -> Result<ApiResponse<TargetDetailAnswer>, L::Error> {
    line.call(Method::GET, &target_collaboration_path(id), vec![], None)
        .await
}

pub async fn update_target<L: ShopLine>(
    line: &mut L,
    id: &str,
    request: &TargetCollaborationBody,
) -> Result<ApiResponse<TargetCollaborationUpdated>, L::Error> {
    line.call(
        Method::PUT,
        &target_collaboration_path(id),
        vec![],
        body(request),
    )
    .await
}

pub async fn delete_target<L: ShopLine>(
    line: &mut L,
    id: &str,
) -> Result<ApiResponse<Ack>, L::Error> {
    line.call(
        Method::DELETE,
        &target_collaboration_delete_path(id),
        vec![],
        None,
    )
    .await
}

pub async fn search_samples<L: ShopLine>(
    line: &mut L,
    status: Option<&str>,
    token: &str,
) -> Result<ApiResponse<SamplePage>, L::Error> {
    line.call(
        Method::POST,
        SAMPLE_SEARCH_PATH,
        page(50, token),
        body(&SampleSearch { status }),
    )
    .await
}

pub async fn review_sample<L: ShopLine>(
    line: &mut L,
    id: &str,
    review: &SampleReview<'_>,
) -> Result<ApiResponse<Ack>, L::Error> {
    line.call(Method::POST, &sample_review_path(id), vec![], body(review))
        .await
}

pub async fn search_orders<L: ShopLine>(
    line: &mut L,
    window: &OrderSearch,
    token: &str,
) -> Result<ApiResponse<OrderPage>, L::Error> {
    line.call(
        Method::POST,
        ORDER_SEARCH_PATH,
        // TikTok pages affiliate orders 50 at a time at most (SKU rows, before grouping).
        page(50, token),
        body(window),
    )
    .await
}
