//! Products from the control plane: created straight into the catalogue, read with their stock books,
//! and changed on the platform's side (status with a reason, title, stock).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{bad, body, ok, path_id};
use crate::state::{SandboxEvent, SandboxState};
use crate::world::json::product_json;
use crate::world::{IdKind, Product, ProductStatus, Sku, Stock, WarehouseType, parse_id};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProductIn {
    title: Option<String>,
    /// Price in the shop currency's decimal form (default "19.99" scaled to the region).
    price: Option<String>,
    /// Units in the default warehouse per SKU (default 100).
    quantity: Option<i64>,
    /// Number of SKUs (default 1, at most 10).
    skus: Option<usize>,
    /// Default ACTIVATE.
    status: Option<String>,
}

/// `POST /_sandbox/shops/{shop_id}/products`: a product straight into the catalogue (no audit).
pub(super) async fn create_product(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let shop = match path_id(&req, "shop_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let spec: ProductIn = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let status = match spec.status.as_deref() {
        None => ProductStatus::Activate,
        Some(s) => match ProductStatus::parse(s) {
            Some(t) => t,
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let n = spec.skus.unwrap_or(1);
    if n == 0 || n > 10 {
        return bad(400, "skus must be between 1 and 10.");
    }
    let quantity = spec.quantity.unwrap_or(100);
    if quantity < 0 {
        return bad(400, "quantity must not be negative.");
    }
    let now = state.now();
    let r = state.with_world(|w| {
        let shop_data = w
            .shops
            .get(&shop)
            .cloned()
            .ok_or_else(|| bad(404, "No such shop."))?;
        let region = shop_data.region;
        let price = match &spec.price {
            Some(p) => {
                crate::world::parse_amount(p, region).ok_or_else(|| bad(400, "Invalid price."))?
            }
            None => region.price_scale() * 20 - region.price_scale() / 100,
        };
        let wh = shop_data
            .warehouse_ids
            .iter()
            .copied()
            .find(|id| {
                w.warehouses
                    .get(id)
                    .is_some_and(|x| x.kind == WarehouseType::Sales)
            })
            .ok_or_else(|| bad(500, "The shop has no sales warehouse."))?;
        let cat = w
            .categories
            .values()
            .find(|c| c.is_leaf)
            .cloned()
            .ok_or_else(|| bad(500, "No leaf category."))?;
        let color = cat
            .attributes
            .iter()
            .find(|a| a.kind == crate::world::AttributeKind::SalesProperty)
            .cloned();
        let pid = w.new_id(IdKind::Product);
        let mut skus = Vec::new();
        for i in 0..n {
            let sales_attributes = match &color {
                Some(a) if n > 1 => {
                    let (vid, vname) = a.values[i % a.values.len()].clone();
                    vec![crate::world::SalesAttribute {
                        id: a.id,
                        name: a.name.clone(),
                        value_id: vid,
                        value_name: vname,
                    }]
                }
                _ => Vec::new(),
            };
            skus.push(Sku {
                id: w.new_id(IdKind::Sku),
                seller_sku: format!("SBX-{pid}-{}", i + 1),
                sales_attributes,
                price,
                inventory: vec![Stock::available(wh, quantity)],
            });
        }
        let product = Product {
            id: pid,
            shop_id: shop,
            title: spec
                .title
                .clone()
                .unwrap_or_else(|| format!("Sandbox Product {pid}")),
            description: "<p>Created through the sandbox control plane.</p>".into(),
            category_id: cat.id,
            brand_id: None,
            status,
            main_images: vec![format!("tos-maliva-i-o3syd03w52-us/{pid:x}")],
            skus,
            package_weight: ("0.5".into(), "KILOGRAM".into()),
            package_dimensions: None,
            product_attributes: json!([]),
            video: None,
            is_cod_allowed: region.has_cod(),
            create_time: now,
            update_time: now,
            audit_due: None,
            audit_failed_reasons: Vec::new(),
        };
        w.insert_product(product);
        w.outbox.push(SandboxEvent::ProductCreation {
            shop_id: shop,
            product_id: pid,
            update_time: now,
        });
        Ok(product_view(w, &w.products[&pid]))
    });
    match r {
        Ok(p) => ok(p),
        Err(resp) => resp,
    }
}

/// A product as the API renders it, plus the books the API shows only through inventory search: each
/// `skus[].inventory[]` entry also carries `committed_quantity` (`quantity` is available).
fn product_view(w: &crate::world::World, p: &Product) -> Value {
    let mut v = product_json(w, p);
    if let Some(skus) = v.get_mut("skus").and_then(Value::as_array_mut) {
        for (sj, sku) in skus.iter_mut().zip(&p.skus) {
            if let Some(inv) = sj.get_mut("inventory").and_then(Value::as_array_mut) {
                for (e, stock) in inv.iter_mut().zip(&sku.inventory) {
                    e["committed_quantity"] = json!(stock.committed);
                }
            }
        }
    }
    v
}

pub(super) async fn get_product(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let id = match path_id(&req, "product_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.with_world(|w| w.products.get(&id).map(|p| product_view(w, p))) {
        Some(p) => ok(p),
        None => bad(404, "No such product."),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProductPatch {
    /// e.g. PLATFORM_DEACTIVATED or FREEZE (platform actions), ACTIVATE, FAILED (audit rejects).
    status: Option<String>,
    suspended_reason: Option<String>,
    title: Option<String>,
    /// Sets available stock: [{sku_id, warehouse_id, quantity}] (the committed units stay).
    stock: Option<Vec<StockIn>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StockIn {
    sku_id: String,
    warehouse_id: String,
    quantity: i64,
}

/// `PATCH /_sandbox/products/{id}`: platform-side changes (status with a reason, title, stock).
pub(super) async fn patch_product(
    req: HttpRequest,
    raw: web::Bytes,
    state: web::Data<SandboxState>,
) -> HttpResponse {
    let id = match path_id(&req, "product_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p: ProductPatch = match body(&raw) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let status = match p.status.as_deref() {
        None => None,
        Some(s) => match ProductStatus::parse(s) {
            Some(t) => Some(t),
            None => return bad(400, format!("Unknown status {s:?}.")),
        },
    };
    let mut stock = Vec::new();
    for s in p.stock.unwrap_or_default() {
        let (Some(sku), Some(wh)) = (parse_id(&s.sku_id), parse_id(&s.warehouse_id)) else {
            return bad(400, "Invalid sku_id or warehouse_id.");
        };
        if s.quantity < 0 {
            return bad(400, "Stock is never negative.");
        }
        stock.push((sku, wh, s.quantity));
    }
    let now = state.now();
    let r = state.with_world(|w| {
        let before = w
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| bad(404, "No such product."))?;
        for (sku, _, _) in &stock {
            if !before.skus.iter().any(|s| s.id == *sku) {
                return Err(bad(400, format!("SKU {sku} is not in product {id}.")));
            }
        }
        let title = p.title.clone();
        w.update_product(id, now, |prod| {
            if let Some(t) = title {
                prod.title = t;
            }
            if let Some(s) = status {
                prod.status = s;
                prod.audit_due = None;
                if s == ProductStatus::Failed {
                    prod.audit_failed_reasons = vec![
                        p.suspended_reason
                            .clone()
                            .unwrap_or_else(|| "Rejected by the sandbox.".into()),
                    ];
                }
            }
            for (sku, wh, q) in &stock {
                if let Some(s) = prod.skus.iter_mut().find(|s| s.id == *sku) {
                    // Sets available; the warehouse's committed units stay.
                    match s.inventory.iter_mut().find(|x| x.warehouse_id == *wh) {
                        Some(slot) => slot.quantity = *q,
                        None => s.inventory.push(Stock::available(*wh, *q)),
                    }
                }
            }
        });
        if let Some(s) = status
            && s != before.status
        {
            if matches!(s, ProductStatus::Activate | ProductStatus::Failed)
                && before.status == ProductStatus::Pending
            {
                w.outbox.push(SandboxEvent::ProductAuditStatusChange {
                    shop_id: before.shop_id,
                    product_id: id,
                    status: if s == ProductStatus::Failed {
                        "FAILED".into()
                    } else {
                        "APPROVED".into()
                    },
                    update_time: now,
                });
            }
            w.outbox.push(SandboxEvent::ProductStatusChange {
                shop_id: before.shop_id,
                product_id: id,
                status: s,
                suspended_reason: p.suspended_reason.clone().unwrap_or_default(),
                update_time: now,
            });
        }
        if p.title.is_some() {
            w.outbox.push(SandboxEvent::ProductInformationChange {
                shop_id: before.shop_id,
                product_id: id,
                update_time: now,
            });
        }
        Ok(product_view(w, &w.products[&id]))
    });
    match r {
        Ok(v) => ok(v),
        Err(resp) => resp,
    }
}
