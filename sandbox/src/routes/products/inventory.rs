//! SKU prices and stock: price update, inventory update (available units per warehouse) and inventory
//! search (each SKU's books per warehouse).

use serde_json::{Value, json};

use super::{MAX_QUANTITY, editable, id_list, not_found};
use crate::protocol::{ApiError, ApiResult, Ctx, codes, json_id};
use crate::state::SandboxEvent;
use crate::world::{Id, Product, Sku, WarehouseType, parse_amount};

/// `POST /product/202309/products/{id}/prices/update`: all SKUs checked, then all changed.
pub(super) fn prices(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("product_id")?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let items = body
        .get("skus")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid("skus is required."))?
        .clone();
    ctx.with_world(|w| {
        let p = w
            .products
            .get(&id)
            .filter(|p| p.shop_id == shop)
            .cloned()
            .ok_or_else(|| not_found(id))?;
        editable(&p)?;
        let region = w.region_of(shop);
        let mut changes = Vec::new();
        for (i, s) in items.iter().enumerate() {
            let sid = s
                .get("id")
                .and_then(json_id)
                .ok_or_else(|| ApiError::invalid(format!("skus[{i}].id is required.")))?;
            if !p.skus.iter().any(|x| x.id == sid) {
                return Err(ApiError::business(
                    codes::SKU_NOT_FOUND,
                    format!("SKU {sid} is not in product {id}."),
                ));
            }
            let price = s
                .get("price")
                .ok_or_else(|| ApiError::invalid(format!("skus[{i}].price is required.")))?;
            let currency = price.get("currency").and_then(Value::as_str).unwrap_or("");
            if currency != region.currency() {
                return Err(ApiError::invalid(format!(
                    "skus[{i}].price.currency must be {}.",
                    region.currency()
                )));
            }
            let amount = price
                .get("amount")
                .and_then(Value::as_str)
                .and_then(|a| parse_amount(a, region))
                .filter(|m| *m > 0)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "skus[{i}].price.amount must be a positive decimal string."
                    ))
                })?;
            changes.push((sid, amount));
        }
        w.update_product(id, now, |p| {
            for (sid, amount) in changes {
                if let Some(s) = p.skus.iter_mut().find(|s| s.id == sid) {
                    s.price = amount;
                }
            }
        });
        w.outbox.push(SandboxEvent::ProductInformationChange {
            shop_id: shop,
            product_id: id,
            update_time: now,
        });
        Ok(json!({}))
    })
}

/// `POST /product/202309/products/{id}/inventory/update`: each SKU names every warehouse assigned to
/// it and no other (each entry naming its warehouse); a SKU with a bad entry is reported in
/// `data.errors` (its faults per warehouse in `detail.extra_errors`), the good SKUs applied. `quantity` sets the available units; the
/// committed ones (held by orders) are not touched.
pub(super) fn inventory(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("product_id")?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let items = body
        .get("skus")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid("skus is required."))?
        .clone();
    // Shape first: a missing warehouse_id or a non-integer quantity refuses the whole call.
    let mut parsed = Vec::new();
    for (i, s) in items.iter().enumerate() {
        let sid = s
            .get("id")
            .and_then(json_id)
            .ok_or_else(|| ApiError::invalid(format!("skus[{i}].id is required.")))?;
        let inv = s
            .get("inventory")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("skus[{i}].inventory is required.")))?;
        let mut entries = Vec::new();
        for e in inv {
            let wid = e.get("warehouse_id").and_then(json_id).ok_or_else(|| {
                ApiError::invalid(format!(
                    "skus[{i}]: every inventory entry names its warehouse_id."
                ))
            })?;
            let q = e.get("quantity").and_then(Value::as_i64).ok_or_else(|| {
                ApiError::invalid(format!("skus[{i}]: quantity must be an integer."))
            })?;
            entries.push((wid, q));
        }
        parsed.push((sid, entries));
    }
    ctx.with_world(|w| {
        let p = w.products.get(&id).filter(|p| p.shop_id == shop).cloned().ok_or_else(|| not_found(id))?;
        editable(&p)?;
        let sales: Vec<Id> = w.shops[&shop].warehouse_ids.iter().copied().filter(|x| w.warehouses.get(x).is_some_and(|w| w.kind == WarehouseType::Sales)).collect();
        let mut errors = Vec::new();
        let mut apply = Vec::new();
        for (sid, entries) in parsed {
            let Some(sku) = p.skus.iter().find(|s| s.id == sid) else {
                errors.push(json!({"code": codes::SKU_NOT_FOUND, "message": format!("SKU {sid} is not in product {id}."), "detail": {"sku_id": sid.to_string()}}));
                continue;
            };
            // Every warehouse assigned to the SKU, and no other (tiktok-api-areas.md); a SKU with any
            // bad entry is refused whole, its faults listed per warehouse.
            let assigned: Vec<Id> = sku.inventory.iter().map(|x| x.warehouse_id).collect();
            let mut extra = Vec::new();
            for &(wid, q) in &entries {
                if !sales.contains(&wid) {
                    extra.push((wid, codes::WAREHOUSE_NOT_FOUND, format!("Warehouse {wid} is not a sales warehouse of this shop.")));
                } else if !assigned.contains(&wid) {
                    extra.push((wid, codes::WAREHOUSE_NOT_ASSIGNED, format!("Warehouse {wid} is not assigned to SKU {sid}; edit the product to add it.")));
                } else if !(0..=MAX_QUANTITY).contains(&q) {
                    extra.push((wid, codes::STOCK_INVALID, format!("quantity must be between 0 and {MAX_QUANTITY}; stock is never negative.")));
                }
            }
            for &wid in &assigned {
                if !entries.iter().any(|(w, _)| *w == wid) {
                    extra.push((wid, codes::WAREHOUSE_MISSING, format!("Warehouse {wid} is assigned to SKU {sid}; name every assigned warehouse.")));
                }
            }
            match extra.first() {
                None => apply.extend(entries.into_iter().map(|(wid, q)| (sid, wid, q))),
                Some((_, code, message)) => errors.push(json!({
                    "code": code,
                    "message": message,
                    "detail": {
                        "sku_id": sid.to_string(),
                        "extra_errors": extra.iter().map(|(wid, code, message)| json!({
                            "warehouse_id": wid.to_string(),
                            "code": code,
                            "message": message,
                        })).collect::<Vec<_>>(),
                    },
                })),
            }
        }
        if !apply.is_empty() {
            w.update_product(id, now, |p| {
                for (sid, wid, q) in apply {
                    if let Some(s) = p.skus.iter_mut().find(|s| s.id == sid) {
                        if let Some(slot) = s.inventory.iter_mut().find(|x| x.warehouse_id == wid) {
                            slot.quantity = q;
                        }
                    }
                }
            });
        }
        // An empty list is left out, as TikTok leaves out empty lists.
        Ok(if errors.is_empty() {
            json!({})
        } else {
            json!({"errors": errors})
        })
    })
}

/// `POST /product/202309/inventory/search` with `product_ids` (≤ 100) or `sku_ids` (≤ 600; with both,
/// `sku_ids` wins and `product_ids` is ignored): each SKU's books per warehouse, read from the world in
/// O(SKUs asked). Unknown ids and other shops' products are left out.
pub(super) fn inventory_search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body = ctx.json_value()?;
    let sku_ids = id_list(&body, "sku_ids")?;
    let product_ids = if sku_ids.is_empty() {
        id_list(&body, "product_ids")?
    } else {
        Vec::new()
    };
    if product_ids.is_empty() && sku_ids.is_empty() {
        return Err(ApiError::invalid("Give product_ids or sku_ids."));
    }
    if product_ids.len() > 100 {
        return Err(ApiError::invalid("At most 100 product_ids."));
    }
    if sku_ids.len() > 600 {
        return Err(ApiError::invalid("At most 600 sku_ids."));
    }
    ctx.with_world(|w| {
        // (product, the SKUs asked of it), in the order first asked.
        let mut wanted: Vec<(&Product, Vec<&Sku>)> = Vec::new();
        let mut at: std::collections::HashMap<Id, usize> = std::collections::HashMap::new();
        if sku_ids.is_empty() {
            for pid in &product_ids {
                if let Some(p) = w.products.get(pid).filter(|p| p.shop_id == shop)
                    && !at.contains_key(pid)
                {
                    at.insert(*pid, wanted.len());
                    wanted.push((p, p.skus.iter().collect()));
                }
            }
        } else {
            for sid in &sku_ids {
                let Some((p, i)) = w.find_sku(*sid).filter(|(p, _)| p.shop_id == shop) else {
                    continue;
                };
                let slot = *at.entry(p.id).or_insert_with(|| {
                    wanted.push((p, Vec::new()));
                    wanted.len() - 1
                });
                let sku = &p.skus[i];
                if !wanted[slot].1.iter().any(|s| s.id == sku.id) {
                    wanted[slot].1.push(sku);
                }
            }
        }
        let out: Vec<Value> = wanted
            .iter()
            .map(|(p, skus)| {
                json!({
                    "product_id": p.id.to_string(),
                    "skus": skus.iter().map(|s| inventory_sku_json(s)).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({"inventory": out}))
    })
}

/// One SKU of inventory search. Nothing is reserved for campaigns or creators in the sandbox, so all of
/// the available total is in-shop (the empty campaign and creator lists are left out, as TikTok leaves
/// out empty lists).
fn inventory_sku_json(s: &Sku) -> Value {
    let available = s.total_stock();
    json!({
        "id": s.id.to_string(),
        "seller_sku": s.seller_sku,
        "total_available_quantity": available,
        "total_committed_quantity": s.total_committed(),
        "total_available_inventory_distribution": {
            "in_shop_inventory": {"quantity": available},
        },
        "warehouse_inventory": s.inventory.iter().map(|x| json!({
            "warehouse_id": x.warehouse_id.to_string(),
            "available_quantity": x.quantity,
            "committed_quantity": x.committed,
        })).collect::<Vec<_>>(),
    })
}
