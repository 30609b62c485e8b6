//! After-sales records: cancellations (requested by the buyer, the seller or the system) and returns
//! (refunds, returns and refunds, replacements), with their statuses.

use super::Id;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelStatus {
    /// Waiting for the seller to approve or reject (a buyer's request).
    RequestPending,
    RequestSuccess,
    RequestCancel,
    RequestComplete,
    RequestReject,
}

impl CancelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelStatus::RequestPending => "CANCELLATION_REQUEST_PENDING",
            CancelStatus::RequestSuccess => "CANCELLATION_REQUEST_SUCCESS",
            CancelStatus::RequestCancel => "CANCELLATION_REQUEST_CANCEL",
            CancelStatus::RequestComplete => "CANCELLATION_REQUEST_COMPLETE",
            CancelStatus::RequestReject => "CANCELLATION_REQUEST_REJECT",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    pub id: Id,
    pub shop_id: Id,
    pub order_id: Id,
    /// "BUYER" / "SELLER" / "SYSTEM".
    pub role: String,
    pub status: CancelStatus,
    pub reason: String,
    pub line_item_ids: Vec<Id>,
    pub refund_total: i64,
    pub create_time: i64,
    pub update_time: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnType {
    Refund,
    ReturnAndRefund,
    Replacement,
}

impl ReturnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnType::Refund => "REFUND",
            ReturnType::ReturnAndRefund => "RETURN_AND_REFUND",
            ReturnType::Replacement => "REPLACEMENT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnStatus {
    RequestPending,
    RequestReject,
    AwaitingBuyerShip,
    BuyerShippedItem,
    RejectReceivePackage,
    RequestSuccess,
    RequestCancel,
    RequestComplete,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStatus::RequestPending => "RETURN_OR_REFUND_REQUEST_PENDING",
            ReturnStatus::RequestReject => "REFUND_OR_RETURN_REQUEST_REJECT",
            ReturnStatus::AwaitingBuyerShip => "AWAITING_BUYER_SHIP",
            ReturnStatus::BuyerShippedItem => "BUYER_SHIPPED_ITEM",
            ReturnStatus::RejectReceivePackage => "REJECT_RECEIVE_PACKAGE",
            ReturnStatus::RequestSuccess => "RETURN_OR_REFUND_REQUEST_SUCCESS",
            ReturnStatus::RequestCancel => "RETURN_OR_REFUND_REQUEST_CANCEL",
            ReturnStatus::RequestComplete => "RETURN_OR_REFUND_REQUEST_COMPLETE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnOrder {
    pub id: Id,
    pub shop_id: Id,
    pub order_id: Id,
    /// "BUYER" / "SELLER" / "SYSTEM".
    pub role: String,
    pub return_type: ReturnType,
    pub status: ReturnStatus,
    pub reason: String,
    pub line_item_ids: Vec<Id>,
    pub refund_total: i64,
    pub create_time: i64,
    pub update_time: i64,
}
