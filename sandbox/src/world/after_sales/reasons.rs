//! The reasons a seller may give to reject a request, per pending action (TikTok's names are not in
//! our reference: these are plausible stand-ins, stable, listed in the README). A reject must name one
//! of the request's current reasons, so a client has to fetch them rather than hardcode them.

use super::SellerAction;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RejectReason {
    pub name: &'static str,
    pub text: &'static str,
}

const fn r(name: &'static str, text: &'static str) -> RejectReason {
    RejectReason { name, text }
}

const REFUND: &[RejectReason] = &[
    r(
        "seller_reject_apply_product_as_described",
        "The item matches its description.",
    ),
    r(
        "seller_reject_apply_package_delivered",
        "Tracking shows the package was delivered to the buyer.",
    ),
    r(
        "seller_reject_apply_no_evidence_provided",
        "The buyer gave no evidence of the problem.",
    ),
    r(
        "seller_reject_apply_agreed_with_buyer",
        "The buyer and the seller agreed on another solution.",
    ),
];

const RETURN: &[RejectReason] = &[
    r(
        "seller_reject_apply_product_has_been_used",
        "The item has been used, worn or washed.",
    ),
    r(
        "seller_reject_apply_return_window_expired",
        "The return window has closed.",
    ),
    r(
        "seller_reject_apply_product_as_described",
        "The item matches its description.",
    ),
    r(
        "seller_reject_apply_non_returnable_item",
        "The item cannot be returned (hygiene or made to order).",
    ),
    r(
        "seller_reject_apply_no_evidence_provided",
        "The buyer gave no evidence of the problem.",
    ),
];

const REPLACEMENT: &[RejectReason] = &[
    r(
        "seller_reject_apply_product_as_described",
        "The item matches its description.",
    ),
    r(
        "seller_reject_apply_product_has_been_used",
        "The item has been used, worn or washed.",
    ),
    r(
        "seller_reject_apply_damage_caused_by_buyer",
        "The damage was caused after delivery.",
    ),
    r(
        "seller_reject_apply_no_evidence_provided",
        "The buyer gave no evidence of the problem.",
    ),
];

const RECEIVED_PACKAGE: &[RejectReason] = &[
    r(
        "seller_reject_apply_product_not_returned",
        "The returned package did not contain the item.",
    ),
    r(
        "seller_reject_receive_wrong_item_returned",
        "A different item was returned.",
    ),
    r(
        "seller_reject_receive_item_damaged_or_used",
        "The returned item is damaged or used.",
    ),
    r(
        "seller_reject_receive_missing_parts",
        "The returned item is missing parts or accessories.",
    ),
];

const BUYER_CANCEL: &[RejectReason] = &[
    r(
        "seller_reject_apply_product_has_been_packed",
        "The order has already been packed.",
    ),
    r(
        "seller_reject_apply_product_has_been_shipped",
        "The order has already been shipped.",
    ),
    r(
        "seller_reject_apply_buyer_agreed_to_keep_order",
        "The buyer agreed to keep the order.",
    ),
    r(
        "seller_reject_apply_made_to_order_in_production",
        "The item is made to order and already in production.",
    ),
];

/// The reasons TikTok offers for rejecting `action`.
pub fn reject_reasons(action: SellerAction) -> &'static [RejectReason] {
    match action {
        SellerAction::RespondRefund => REFUND,
        SellerAction::RespondReturn => RETURN,
        SellerAction::RespondReplacement => REPLACEMENT,
        SellerAction::RespondReceivePackage => RECEIVED_PACKAGE,
        SellerAction::RespondBuyerCancel => BUYER_CANCEL,
    }
}
