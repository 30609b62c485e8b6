//! Shipping packages, one or a batch, and settling a ship TikTok did not confirm.

use super::*;
use crate::error::Kind;
use crate::error::OUTCOME_UNKNOWN;
use crate::ids::TikTokId;
use crate::shops::session::CallError;

/// Checks a ship against the order TikTok just gave: the package, the handover for the order's
/// shipping type, the provider. Returns the package id. Nothing is sent to ship on a refusal.
async fn check_ship(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order: &Value,
    req: &ShipRequest,
    field_prefix: &str,
    provider_cache: &mut HashMap<String, Vec<Provider>>,
) -> Result<String> {
    let package = pick_package(
        order,
        req.package_id.as_deref(),
        &format!("{field_prefix}package_id"),
    )?;
    let seller_ships = order["shipping_type"].as_str() == Some("SELLER");
    match (&req.handover, seller_ships) {
        (Handover::SelfShipment { .. }, false) => {
            return Err(Error::invalid_field(
                &format!("{field_prefix}self_shipment"),
                "this order ships with TikTok's logistics: send handover_method (PICKUP or DROP_OFF) instead",
            ));
        }
        (Handover::Pickup { .. } | Handover::DropOff, true) => {
            return Err(Error::invalid_field(
                &format!("{field_prefix}self_shipment"),
                "this order is shipped by the seller: send self_shipment {tracking_number, shipping_provider_id}",
            ));
        }
        (
            Handover::SelfShipment {
                shipping_provider_id,
                ..
            },
            true,
        ) => {
            let option = text(&order["delivery_option_id"]).ok_or_else(|| {
                Error::conflict(
                    "no_delivery_option",
                    "TikTok gives the order no delivery option; sync it and try again",
                )
            })?;
            if !provider_cache.contains_key(&option) {
                let list = providers(access, session, &option).await?;
                provider_cache.insert(option.clone(), list);
            }
            check_provider(
                &format!("{field_prefix}self_shipment.shipping_provider_id"),
                shipping_provider_id,
                &option,
                &provider_cache[&option],
            )?;
        }
        (Handover::Pickup { .. } | Handover::DropOff, false) => {}
    }
    Ok(package)
}

pub(super) async fn package_detail(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    package_id: &str,
) -> Result<Value> {
    Ok(
        crate::tiktok::fulfillment::package(&mut session.line(access), package_id)
            .await?
            .data,
    )
}

fn shipped_from(
    order_id: &str,
    package_id: &str,
    p: &Value,
    already: bool,
    rid: Option<String>,
) -> Shipped {
    Shipped {
        order_id: order_id.to_owned(),
        package_id: package_id.to_owned(),
        package_status: text(&p["package_status"])
            .or_else(|| text(&p["status"]))
            .unwrap_or_default(),
        handover_method: text(&p["handover_method"]).unwrap_or_default(),
        tracking_number: text(&p["tracking_number"]),
        shipping_provider_id: text(&p["shipping_provider_id"]),
        shipping_provider_name: text(&p["shipping_provider_name"]),
        order_status: None,
        already_shipped: already,
        tiktok_request_id: rid,
    }
}

/// Settles a ship TikTok did not confirm (a refusal, or a lost answer) by reading the package back.
/// `unknown`: whether TikTok may have shipped it (the connector's [`CallError::outcome_unknown`],
/// not an HTTP status).
async fn settle(
    access: TikTokAccess<'_>,
    session: &mut ShopSession,
    order_id: &str,
    package_id: &str,
    handover: &Handover,
    failure: Error,
    unknown: bool,
) -> Result<Shipped> {
    let package = match package_detail(access, session, package_id).await {
        Ok(p) => p,
        Err(_) if unknown => {
            let mut e = Error::new(
                Kind::Upstream,
                OUTCOME_UNKNOWN,
                format!(
                    "TikTok did not answer, so whether package {package_id} shipped is unknown; send the same request again (same Idempotency-Key): it will not ship twice"
                ),
            );
            e.details = failure.details;
            return Err(e);
        }
        Err(_) => return Err(failure),
    };
    let status = text(&package["package_status"])
        .or_else(|| text(&package["status"]))
        .unwrap_or_default();
    let shipped = !matches!(status.as_str(), "" | "PROCESSING" | "CANCELLED");
    if shipped && handover.done_in(&package) {
        return Ok(shipped_from(
            order_id,
            package_id,
            &package,
            true,
            failure.tiktok_request_id(),
        ));
    }
    let mut refused = match status.as_str() {
        _ if shipped => Error::conflict(
            "already_shipped",
            format!(
                "package {package_id} was already shipped another way ({}, tracking {}); TikTok refused this ship",
                text(&package["handover_method"]).unwrap_or_else(|| "unknown handover".into()),
                text(&package["tracking_number"]).unwrap_or_else(|| "none".into()),
            ),
        ),
        "CANCELLED" => Error::conflict(
            "order_cancelled",
            format!("package {package_id} is cancelled: there is nothing to ship"),
        ),
        _ => return Err(failure),
    };
    refused.details = failure.details;
    Err(refused)
}

/// Ships one package. Checks first (a bad package, handover or provider is a 400 and TikTok's ship
/// is not called), then ships, settles an unconfirmed ship, refetches the order, audits.
#[tracing::instrument(skip_all, fields(shop = %shop.id, order = %req.order_id))]
pub async fn ship(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    req: &ShipRequest,
    audit_request: Value,
) -> Result<Shipped> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let order = fetch_order(access, &mut session, &req.order_id).await?;
    let package_id = check_ship(access, &mut session, &order, req, "", &mut HashMap::new()).await?;
    let answer = crate::tiktok::fulfillment::ship_package(
        &mut session.line(access),
        &package_id,
        &req.handover.wire(),
    )
    .await;
    let mut outcome = match answer {
        Ok(a) => package_detail(access, &mut session, &package_id)
            .await
            .map(|p| {
                shipped_from(
                    &req.order_id,
                    &package_id,
                    &p,
                    false,
                    Some(a.request_id.clone()),
                )
            })
            .or_else(|_| {
                // Shipped: TikTok said so; only the read-back failed.
                Ok::<_, Error>(Shipped {
                    order_id: req.order_id.clone(),
                    package_id: package_id.clone(),
                    package_status: "FULFILLING".into(),
                    handover_method: req.handover.method().into(),
                    tracking_number: None,
                    shipping_provider_id: None,
                    shipping_provider_name: None,
                    order_status: None,
                    already_shipped: false,
                    tiktok_request_id: Some(a.request_id),
                })
            }),
        Err(e) => {
            let unknown = e.outcome_unknown();
            settle(
                access,
                &mut session,
                &req.order_id,
                &package_id,
                &req.handover,
                Error::from(e),
                unknown,
            )
            .await
        }
    };
    let statuses = follow(access, &mut session, std::slice::from_ref(&req.order_id)).await;
    if let Ok(s) = &mut outcome {
        s.order_status = statuses.get(&s.order_id).cloned();
    }
    record(
        access.store(),
        user,
        shop,
        "order.ship",
        &req.order_id,
        Some(&package_id),
        audit_request,
        &outcome,
    )
    .await?;
    outcome
}

/// One result of a batch ship, in the order sent.
pub type ShipResult = Result<Shipped, Error>;

/// Ships up to [`MAX_BATCH`] packages in one TikTok call; each is checked, shipped or refused on its
/// own. A shape error refuses the whole batch before this (in the handler).
#[tracing::instrument(skip_all, fields(shop = %shop.id, items = reqs.len()))]
pub async fn ship_batch(
    access: TikTokAccess<'_>,
    user: &AuthUser,
    shop: &shop::Model,
    reqs: &[ShipRequest],
    audit_requests: &[Value],
) -> Result<Vec<ShipResult>> {
    let mut session = ShopSession::open(access, shop.clone()).await?;
    let mut ids: Vec<String> = reqs
        .iter()
        .map(|r| r.order_id.clone())
        .filter(|i| TikTokId::is_valid(i))
        .collect();
    ids.sort();
    ids.dedup();
    let orders: HashMap<String, Value> = if ids.is_empty() {
        HashMap::new()
    } else {
        fetch_orders(access, &mut session, &ids)
            .await?
            .into_iter()
            .filter_map(|o| Some((text(&o["id"])?, o)))
            .collect()
    };
    let mut cache = HashMap::new();
    let mut results: Vec<Option<ShipResult>> = Vec::with_capacity(reqs.len());
    let mut packages: Vec<Option<String>> = Vec::with_capacity(reqs.len());
    for (i, req) in reqs.iter().enumerate() {
        let checked = match orders.get(&req.order_id) {
            None => Err(Error::not_found("order")),
            Some(order) => {
                check_ship(
                    access,
                    &mut session,
                    order,
                    req,
                    &format!("items[{i}]."),
                    &mut cache,
                )
                .await
            }
        };
        let checked = checked.and_then(|p| {
            if packages.iter().flatten().any(|q| *q == p) {
                Err(Error::invalid_field(
                    &format!("items[{i}].package_id"),
                    format!("package {p} is already in this batch"),
                ))
            } else {
                Ok(p)
            }
        });
        match checked {
            Ok(p) => {
                packages.push(Some(p));
                results.push(None);
            }
            Err(e) => {
                packages.push(None);
                results.push(Some(Err(e)));
            }
        }
    }
    let to_ship: Vec<crate::tiktok::fulfillment::PackageShip> = reqs
        .iter()
        .zip(&packages)
        .filter_map(|(r, p)| {
            Some(crate::tiktok::fulfillment::PackageShip {
                id: p.as_ref()?.clone(),
                ship: r.handover.wire(),
            })
        })
        .collect();
    if !to_ship.is_empty() {
        let answer =
            crate::tiktok::fulfillment::ship_packages(&mut session.line(access), &to_ship).await;
        let call_unknown = answer
            .as_ref()
            .err()
            .is_some_and(CallError::outcome_unknown);
        let answer = answer.map_err(Error::from);
        // Per package: None = shipped by this call; Some((e, unknown)) = not confirmed.
        let failures: HashMap<String, (Error, bool)> = match &answer {
            Ok(a) => a.data.errors
                .iter()
                .filter_map(|e| {
                    let id = e.detail.as_ref()?.package_id.clone()?;
                    let message = e.message.clone().unwrap_or_else(|| "refused".to_owned());
                    Some((
                        id,
                        (Error::new(Kind::Refused, "tiktok_refused", format!("TikTok refused the ship: {message}"))
                            .with_detail(json!({"tiktok_code": e.code, "tiktok_message": message, "tiktok_request_id": a.request_id})), false),
                    ))
                })
                .collect(),
            Err(e) => packages.iter().flatten().map(|p| (p.clone(), (clone_error(e), call_unknown))).collect(),
        };
        for (i, req) in reqs.iter().enumerate() {
            let Some(package_id) = packages[i].clone() else {
                continue;
            };
            let outcome = match failures.get(&package_id) {
                Some((e, unknown)) => {
                    settle(
                        access,
                        &mut session,
                        &req.order_id,
                        &package_id,
                        &req.handover,
                        clone_error(e),
                        *unknown,
                    )
                    .await
                }
                None => {
                    let rid = answer.as_ref().ok().map(|a| a.request_id.clone());
                    Ok(
                        match package_detail(access, &mut session, &package_id).await {
                            Ok(p) => shipped_from(&req.order_id, &package_id, &p, false, rid),
                            Err(_) => shipped_from(
                                &req.order_id,
                                &package_id,
                                &json!({"package_status": "FULFILLING", "handover_method": req.handover.method()}),
                                false,
                                rid,
                            ),
                        },
                    )
                }
            };
            results[i] = Some(outcome);
        }
    }
    let mut shipped_orders: Vec<String> = reqs
        .iter()
        .zip(&packages)
        .filter(|(_, p)| p.is_some())
        .map(|(r, _)| r.order_id.clone())
        .collect();
    shipped_orders.sort();
    shipped_orders.dedup();
    let statuses = follow(access, &mut session, &shipped_orders).await;
    let mut out = Vec::with_capacity(reqs.len());
    for (i, r) in results.into_iter().enumerate() {
        let mut r = r.unwrap_or_else(|| {
            Err(Error::internal(anyhow::anyhow!(
                "a batch item without a result"
            )))
        });
        if let Ok(s) = &mut r {
            s.order_status = statuses.get(&s.order_id).cloned();
        }
        // Refusals before TikTok are not writes (as for stock): only what reached TikTok is audited.
        if let Some(p) = &packages[i] {
            record(
                access.store(),
                user,
                shop,
                "order.ship",
                &reqs[i].order_id,
                Some(p),
                audit_requests[i].clone(),
                &r,
            )
            .await?;
        }
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ship_is_done_as_asked_only_when_the_package_matches() {
        let own = Handover::SelfShipment {
            tracking_number: "1Z9".into(),
            shipping_provider_id: "7".into(),
        };
        assert!(own.done_in(&json!({"tracking_number": "1Z9", "shipping_provider_id": "7"})));
        assert!(own.done_in(&json!({"tracking_number": "1Z9", "shipping_provider_id": 7})));
        assert!(!own.done_in(&json!({"tracking_number": "1Z8", "shipping_provider_id": "7"})));
        assert!(Handover::DropOff.done_in(&json!({"handover_method": "DROP_OFF"})));
        assert!(!Handover::Pickup { slot: None }.done_in(&json!({"handover_method": "DROP_OFF"})));
    }
}
