//! Writes on an order that are not a ship: the seller's shipping info update and cancel.

use super::*;

/// Changes a seller-shipped order's tracking number and provider (after shipping, before delivery).
#[tracing::instrument(skip_all, fields(shop = %shop.id, order = %order_id))]
pub async fn update_shipping_info(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    order_id: &str,
    tracking_number: &str,
    provider: &str,
    audit_request: Value,
) -> Result<OrderAfter> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let order = fetch_order(access, &mut session, order_id).await?;
    if order["shipping_type"].as_str() != Some("SELLER") {
        return Err(Error::conflict(
            "not_seller_shipped",
            "only a seller-shipped order has shipping info to update; TikTok's carrier sets it for this one",
        ));
    }
    if let Some(option) = text(&order["delivery_option_id"]) {
        let valid = providers(access, &mut session, &option).await?;
        check_provider("shipping_provider_id", provider, &option, &valid)?;
    }
    let answer = crate::tiktok::fulfillment::update_shipping_info(
        &mut session.line(access),
        order_id,
        tracking_number,
        provider,
    )
    .await
    .map_err(Error::from);
    let outcome = after(access, &mut session, order_id, answer, |_| Value::Null).await;
    record(
        access.store(),
        user,
        shop,
        "order.shipping_info",
        order_id,
        None,
        audit_request,
        &outcome,
    )
    .await?;
    outcome
}

/// The seller cancels the order (or some of its units) with a reason; TikTok refuses once shipped.
#[tracing::instrument(skip_all, fields(shop = %shop.id, order = %order_id))]
pub async fn cancel(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    order_id: &str,
    reason: &str,
    line_item_ids: &[String],
    audit_request: Value,
) -> Result<OrderAfter> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let order = fetch_order(access, &mut session, order_id).await?;
    let lines: Vec<String> = order["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| text(&l["id"]))
        .collect();
    if let Some(bad) = line_item_ids.iter().find(|l| !lines.contains(l)) {
        return Err(Error::invalid_field(
            "line_item_ids",
            format!("{bad} is not a line item of this order"),
        ));
    }
    let request = crate::tiktok::returns::CancelOrder {
        order_id,
        cancel_reason: reason,
        order_line_item_ids: line_item_ids,
    };
    let answer = crate::tiktok::returns::cancel_order(&mut session.line(access), &request).await;
    let outcome = match answer {
        Ok(a) => {
            after(
                access,
                &mut session,
                order_id,
                Ok(a),
                |d| json!({"cancel_id": d.cancel_id, "cancel_status": d.cancel_status}),
            )
            .await
        }
        Err(e) => {
            let unknown = e.outcome_unknown();
            settle_cancel(
                access,
                &mut session,
                order_id,
                line_item_ids,
                e.into(),
                unknown,
            )
            .await
        }
    };
    // The cancellation itself is the returns area's record: saved now when that area is on.
    if let Ok(done) = &outcome
        && crate::shops::Features::from_json(&shop.features)
            .is_enabled(crate::shops::Feature::Returns)
    {
        use crate::sync::returns::{Kind, refetch_named};
        if let Err(e) = refetch_named(access, shop, Kind::Cancellation, &done.tiktok).await {
            tracing::warn!(error = %e, "refetching the cancellation failed; sync will catch up");
        }
    }
    record(
        access.store(),
        user,
        shop,
        "order.cancel",
        order_id,
        None,
        audit_request,
        &outcome,
    )
    .await?;
    outcome
}

/// TikTok's business refusal (shipped, already cancelled): the order's state forbids it.
fn cancel_refused(e: Error) -> Error {
    if e.kind != Kind::Refused {
        return e;
    }
    let message = e
        .details
        .first()
        .and_then(|d| d["tiktok_message"].as_str())
        .unwrap_or("refused")
        .to_owned();
    let mut c = Error::conflict(
        "cancel_refused",
        format!("TikTok refused to cancel the order: {message}"),
    );
    c.details = e.details;
    c
}

/// Settles a cancel TikTok did not confirm (a lost answer, or "already cancelled" to a retry) by
/// reading the order back (`unknown`: whether TikTok may have cancelled it, as the connector
/// classified the failure): the whole order cancelled by the seller, or for a partial cancel every
/// named line item cancelled (and not by someone else), is a success, never a second try.
async fn settle_cancel(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order_id: &str,
    line_item_ids: &[String],
    failure: Error,
    unknown: bool,
) -> Result<OrderAfter> {
    let order = match fetch_order(access, session, order_id).await {
        Ok(o) => o,
        Err(_) if unknown => {
            let mut e = Error::new(
                Kind::Upstream,
                crate::error::OUTCOME_UNKNOWN,
                "TikTok did not answer, so whether the order was cancelled is unknown; send the same request again (same Idempotency-Key)",
            );
            e.details = failure.details;
            return Err(e);
        }
        Err(_) => return Err(cancel_refused(failure)),
    };
    if cancelled_by_seller(&order, line_item_ids) {
        // Local state follows, as after a confirmed cancel.
        let statuses = follow(access, session, &[order_id.to_owned()]).await;
        return Ok(OrderAfter {
            order_id: order_id.to_owned(),
            order_status: statuses
                .get(order_id)
                .cloned()
                .or_else(|| text(&order["status"])),
            tiktok_request_id: failure.tiktok_request_id(),
            tiktok: json!({"already_cancelled": true}),
        });
    }
    Err(cancel_refused(failure))
}

/// Whether the order as TikTok gives it shows the seller's cancel done: the whole order (no line
/// items named) cancelled with the seller as initiator, or each named line item cancelled and not
/// by someone else (`cancel_user`, where TikTok gives it).
fn cancelled_by_seller(order: &Value, line_item_ids: &[String]) -> bool {
    if line_item_ids.is_empty() {
        return order["status"].as_str() == Some("CANCELLED")
            && order["cancellation_initiator"].as_str() == Some("SELLER");
    }
    let lines = order["line_items"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    line_item_ids.iter().all(|id| {
        lines.iter().any(|l| {
            text(&l["id"]).as_deref() == Some(id.as_str())
                && l["display_status"].as_str() == Some("CANCELLED")
                && l["cancel_user"].as_str().is_none_or(|u| u == "SELLER")
        })
    })
}

/// After a write on one order: on success, refetch and save the order.
async fn after<T>(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order_id: &str,
    answer: Result<crate::tiktok::ApiResponse<T>>,
    facts: impl Fn(&T) -> Value,
) -> Result<OrderAfter> {
    let answer = answer?;
    let statuses = follow(access, session, &[order_id.to_owned()]).await;
    Ok(OrderAfter {
        order_id: order_id.to_owned(),
        order_status: statuses.get(order_id).cloned(),
        tiktok_request_id: Some(answer.request_id),
        tiktok: facts(&answer.data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_is_found_done_only_for_what_the_seller_asked() {
        let order = json!({"status": "AWAITING_SHIPMENT", "line_items": [
            {"id": "1", "display_status": "CANCELLED"},
            {"id": "2", "display_status": "CANCELLED", "cancel_user": "BUYER"},
            {"id": "3", "display_status": "AWAITING_SHIPMENT"},
            {"id": "4", "display_status": "CANCELLED", "cancel_user": "SELLER"},
        ]});
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(cancelled_by_seller(&order, &ids(&["1", "4"])));
        assert!(!cancelled_by_seller(&order, &ids(&["1", "3"])), "3 is live");
        assert!(
            !cancelled_by_seller(&order, &ids(&["2"])),
            "the buyer cancelled 2"
        );
        assert!(!cancelled_by_seller(&order, &ids(&["9"])), "no such line");
        assert!(
            !cancelled_by_seller(&order, &[]),
            "the order is not cancelled"
        );
        let whole = json!({"status": "CANCELLED", "cancellation_initiator": "SELLER"});
        assert!(cancelled_by_seller(&whole, &[]));
        let by_buyer = json!({"status": "CANCELLED", "cancellation_initiator": "BUYER"});
        assert!(!cancelled_by_seller(&by_buyer, &[]));
    }
}
