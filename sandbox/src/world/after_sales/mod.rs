//! After-sales records: cancellations (requested by the buyer, the seller or the system) and returns
//! (refunds, returns and refunds, replacements), with their statuses, the seller's pending action and
//! its deadline, and each return's history (`records`).
//!
//! `index` is the one place records are inserted and changed (it keeps the time indexes and the shop's
//! counts), `transitions` holds the state changes (shared by the API, the living shop and the world's clock),
//! `deadlines` what SYSTEM decides when the seller lets a deadline pass, `reasons` the reject reasons
//! TikTok offers per pending action.

mod deadlines;
mod index;
mod reasons;
mod transitions;

pub use reasons::{RejectReason, reject_reasons};
pub(crate) use transitions::generated_history;
pub use transitions::{
    By, move_return, open_cancellation, open_return, set_cancel_status, set_return_status,
};

use super::Id;

/// How long the seller has to answer a pending request before TikTok decides for them.
pub const DECISION_WINDOW: i64 = 2 * 86_400;

/// What a request awaits from the seller (`seller_next_action_response[].action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SellerAction {
    RespondRefund,
    RespondReturn,
    RespondReplacement,
    RespondReceivePackage,
    RespondBuyerCancel,
}

impl SellerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            SellerAction::RespondRefund => "SELLER_RESPOND_REFUND",
            SellerAction::RespondReturn => "SELLER_RESPOND_RETURN",
            SellerAction::RespondReplacement => "SELLER_RESPOND_REPLACEMENT",
            SellerAction::RespondReceivePackage => "SELLER_RESPOND_RECEIVE_PACKAGE",
            SellerAction::RespondBuyerCancel => "SELLER_RESPOND_BUYER_CANCEL",
        }
    }
}

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
    /// SYSTEM decided it because the seller let the deadline pass (a late decision is told so).
    pub lapsed: bool,
}

impl Cancellation {
    pub fn pending_action(&self) -> Option<SellerAction> {
        (self.status == CancelStatus::RequestPending).then_some(SellerAction::RespondBuyerCancel)
    }

    /// When the pending request is decided for the seller: 2 days after the buyer asked.
    pub fn decision_deadline(&self) -> Option<i64> {
        self.pending_action()
            .map(|_| self.create_time + DECISION_WINDOW)
    }
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
    /// Every change, oldest first (`…/returns/{id}/records`).
    pub records: Vec<ReturnRecord>,
    /// The status whose deadline passed when SYSTEM decided it; cleared by the next change.
    pub lapsed_from: Option<ReturnStatus>,
}

/// One line of a return's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnRecord {
    pub event: &'static str,
    /// BUYER / SELLER / SYSTEM: who made the change.
    pub role: &'static str,
    pub description: String,
    pub reason_text: Option<String>,
    pub note: Option<String>,
    pub create_time: i64,
}

/// The seller's pending action on a return in `status`, if any.
pub fn return_action(status: ReturnStatus, kind: ReturnType) -> Option<SellerAction> {
    match status {
        ReturnStatus::RequestPending => Some(match kind {
            ReturnType::Refund => SellerAction::RespondRefund,
            ReturnType::ReturnAndRefund => SellerAction::RespondReturn,
            ReturnType::Replacement => SellerAction::RespondReplacement,
        }),
        ReturnStatus::BuyerShippedItem => Some(SellerAction::RespondReceivePackage),
        ReturnStatus::RequestReject
        | ReturnStatus::AwaitingBuyerShip
        | ReturnStatus::RejectReceivePackage
        | ReturnStatus::RequestSuccess
        | ReturnStatus::RequestCancel
        | ReturnStatus::RequestComplete => None,
    }
}

impl ReturnOrder {
    pub fn pending_action(&self) -> Option<SellerAction> {
        return_action(self.status, self.return_type)
    }

    /// When the pending action is decided for the seller: 2 days after the request's last change.
    pub fn decision_deadline(&self) -> Option<i64> {
        self.pending_action()
            .map(|_| self.update_time + DECISION_WINDOW)
    }

    /// Where approving the pending action leads (the seller's approve and SYSTEM's alike).
    pub fn approved_status(&self) -> Option<ReturnStatus> {
        Some(match self.pending_action()? {
            SellerAction::RespondRefund | SellerAction::RespondReceivePackage => {
                ReturnStatus::RequestSuccess
            }
            SellerAction::RespondReturn | SellerAction::RespondReplacement => {
                ReturnStatus::AwaitingBuyerShip
            }
            SellerAction::RespondBuyerCancel => return None,
        })
    }

    /// Where rejecting the pending action leads.
    pub fn rejected_status(&self) -> Option<ReturnStatus> {
        Some(match self.pending_action()? {
            SellerAction::RespondReceivePackage => ReturnStatus::RejectReceivePackage,
            SellerAction::RespondRefund
            | SellerAction::RespondReturn
            | SellerAction::RespondReplacement => ReturnStatus::RequestReject,
            SellerAction::RespondBuyerCancel => return None,
        })
    }
}
