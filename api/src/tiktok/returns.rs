//! Returns and cancellations (`tiktok-api-areas.md`, after-sales): paths and answers.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResponse, NoData, ShopLine};

/// Search returns (`POST`, paged).
pub const RETURNS_SEARCH_PATH: &str = "/return_refund/202602/returns/search";
/// Search cancellations (`POST`, paged).
pub const CANCELLATIONS_SEARCH_PATH: &str = "/return_refund/202602/cancellations/search";
/// The seller cancels an order (`POST`).
pub const CANCEL_ORDER_PATH: &str = "/return_refund/202602/cancellations";
/// The reasons the seller may give to reject a request in its current state (`GET`).
pub const REJECT_REASONS_PATH: &str = "/return_refund/202309/reject_reasons";

/// The seller approves a return (`POST`).
pub fn approve_return_path(return_id: &str) -> String {
    format!("/return_refund/202309/returns/{return_id}/approve")
}

/// The seller rejects a return (`POST`).
pub fn reject_return_path(return_id: &str) -> String {
    format!("/return_refund/202606/returns/{return_id}/reject")
}

/// The seller approves a buyer's cancellation (`POST`).
pub fn approve_cancellation_path(cancel_id: &str) -> String {
    format!("/return_refund/202309/cancellations/{cancel_id}/approve")
}

/// A return's history: each step with who took it (`GET`).
pub fn records_path(return_id: &str) -> String {
    format!("/return_refund/202309/returns/{return_id}/records")
}

/// The seller rejects a buyer's cancellation (`POST`).
pub fn reject_cancellation_path(cancel_id: &str) -> String {
    format!("/return_refund/202309/cancellations/{cancel_id}/reject")
}

/// What a seller's cancel answers: the cancellation TikTok opened.
#[derive(Debug, Deserialize)]
pub struct CancelOrderData {
    #[serde(default)]
    pub cancel_id: Option<String>,
    #[serde(default)]
    pub cancel_status: Option<String>,
}

// The operations, one per TikTok call, over a shop's line.

/// A page of a returns or cancellations search: the list sits under its own key
/// (`return_orders`, `cancellations`), each record as TikTok sends it.
#[derive(Debug, Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl SearchPage {
    /// The records under `list_key` (none when TikTok sent none).
    pub fn records(&mut self, list_key: &str) -> Vec<serde_json::Value> {
        match self.rest.remove(list_key) {
            Some(serde_json::Value::Array(list)) => list,
            _ => Vec::new(),
        }
    }
}

/// The search's filters (TikTok ANDs those given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchFilter {
    /// Requests updated at or after this time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_ge: Option<i64>,
    /// These returns only (a returns search).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub return_ids: Vec<String>,
    /// These cancellations only (a cancellations search).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cancel_ids: Vec<String>,
}

/// One page of the returns (`path`: [`RETURNS_SEARCH_PATH`]) or cancellations search.
pub async fn search<L: ShopLine>(
    line: &mut L,
    path: &str,
    query: Vec<(String, String)>,
    filter: &SearchFilter,
) -> Result<ApiResponse<SearchPage>, L::Error> {
    // Plain numbers and ids: serializing cannot fail.
    let body = serde_json::to_value(filter).unwrap_or_default();
    line.call(Method::POST, path, query, Some(body)).await
}

/// The seller cancels an order, or some of its lines.
pub async fn cancel_order<L: ShopLine>(
    line: &mut L,
    request: &CancelOrder<'_>,
) -> Result<ApiResponse<CancelOrderData>, L::Error> {
    // Plain ids and text: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(Method::POST, CANCEL_ORDER_PATH, vec![], Some(body))
        .await
}

/// The seller's cancel: the whole order, or the line items named.
#[derive(Debug, Serialize)]
pub struct CancelOrder<'a> {
    pub order_id: &'a str,
    pub cancel_reason: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub order_line_item_ids: &'a [String],
}

/// The decision TikTok awaits from the seller on a request, with its deadline (unix seconds), as
/// a search gives it in `seller_next_action_response`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct NextAction {
    /// SELLER_RESPOND_REFUND, _RETURN, _RECEIVE_PACKAGE, _REPLACEMENT; SELLER_RESPOND_BUYER_CANCEL.
    pub action: String,
    #[serde(default)]
    pub deadline: Option<i64>,
}

/// The decisions a search record awaits from the seller (none when TikTok awaits none).
pub fn next_actions(record: &serde_json::Value) -> Vec<NextAction> {
    record
        .get("seller_next_action_response")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The pair of decisions (approve, reject) that answer a pending seller action on a return; `None`
/// for an action this service does not decide.
pub fn return_decisions(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "SELLER_RESPOND_REFUND" => ("APPROVE_REFUND", "REJECT_REFUND"),
        "SELLER_RESPOND_RETURN" => ("APPROVE_RETURN", "REJECT_RETURN"),
        "SELLER_RESPOND_REPLACEMENT" => ("APPROVE_REPLACEMENT", "REJECT_REPLACEMENT"),
        "SELLER_RESPOND_RECEIVE_PACKAGE" => ("APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE"),
        _ => return None,
    })
}

/// The seller's approval of a return.
#[derive(Debug, Serialize)]
pub struct ApproveReturn<'a> {
    pub decision: &'a str,
}

/// The seller's rejection of a return, with a current reason's name.
#[derive(Debug, Serialize)]
pub struct RejectReturn<'a> {
    pub decision: &'a str,
    pub reject_reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
}

/// The seller's rejection of a buyer's cancellation, with a current reason's name.
#[derive(Debug, Serialize)]
pub struct RejectCancellation<'a> {
    pub reject_reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
}

/// The reasons TikTok accepts now for rejecting a request (left out when it awaits no decision).
#[derive(Debug, Default, Deserialize)]
pub struct RejectReasons {
    #[serde(default)]
    pub reasons: Vec<RejectReason>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct RejectReason {
    /// What the reject call names (`reject_reason`).
    pub name: String,
    /// Its text for a person.
    #[serde(default)]
    pub text: String,
}

pub async fn approve_return<L: ShopLine>(
    line: &mut L,
    return_id: &str,
    request: &ApproveReturn<'_>,
) -> Result<ApiResponse<NoData>, L::Error> {
    // Plain text: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(
        Method::POST,
        &approve_return_path(return_id),
        vec![],
        Some(body),
    )
    .await
}

pub async fn reject_return<L: ShopLine>(
    line: &mut L,
    return_id: &str,
    request: &RejectReturn<'_>,
) -> Result<ApiResponse<NoData>, L::Error> {
    // Plain text: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(
        Method::POST,
        &reject_return_path(return_id),
        vec![],
        Some(body),
    )
    .await
}

pub async fn approve_cancellation<L: ShopLine>(
    line: &mut L,
    cancel_id: &str,
) -> Result<ApiResponse<NoData>, L::Error> {
    line.call(
        Method::POST,
        &approve_cancellation_path(cancel_id),
        vec![],
        None,
    )
    .await
}

pub async fn reject_cancellation<L: ShopLine>(
    line: &mut L,
    cancel_id: &str,
    request: &RejectCancellation<'_>,
) -> Result<ApiResponse<NoData>, L::Error> {
    // Plain text: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(
        Method::POST,
        &reject_cancellation_path(cancel_id),
        vec![],
        Some(body),
    )
    .await
}

/// The reasons TikTok accepts now for rejecting the return or cancellation `id`.
pub async fn reject_reasons<L: ShopLine>(
    line: &mut L,
    id: &str,
) -> Result<ApiResponse<RejectReasons>, L::Error> {
    let query = vec![("return_or_cancel_id".to_owned(), id.to_owned())];
    line.call(Method::GET, REJECT_REASONS_PATH, query, None)
        .await
}

/// A return's history, oldest first.
#[derive(Debug, Default, Deserialize)]
pub struct Records {
    #[serde(default)]
    pub records: Vec<ReturnRecord>,
}

/// One step of a return's history.
#[derive(Debug, Clone, Deserialize)]
pub struct ReturnRecord {
    #[serde(default)]
    pub event: String,
    /// BUYER, SELLER, OPERATOR or SYSTEM.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub reason_text: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Unix seconds.
    pub create_time: i64,
}

/// The history of the return `return_id`.
pub async fn records<L: ShopLine>(
    line: &mut L,
    return_id: &str,
) -> Result<ApiResponse<Records>, L::Error> {
    line.call(Method::GET, &records_path(return_id), vec![], None)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_action_is_read_and_answered_by_its_pair_of_decisions() {
        let record = serde_json::json!({"seller_next_action_response": [
            {"action": "SELLER_RESPOND_RECEIVE_PACKAGE", "deadline": 1765000000}
        ]});
        let actions = next_actions(&record);
        assert_eq!(actions[0].deadline, Some(1765000000));
        assert_eq!(
            return_decisions(&actions[0].action),
            Some(("APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE"))
        );
        assert!(
            next_actions(&serde_json::json!({})).is_empty(),
            "none awaited"
        );
        assert_eq!(return_decisions("SELLER_RESPOND_BUYER_CANCEL"), None);
    }
}
