//! Product create and edit (full replace and partial edit, 202309 and 202509): the body parsed and
//! validated against the shop and the catalogue, SKUs merged, audit and events.

use serde_json::{Value, json};

use super::{MAX_QUANTITY, editable, not_found};
use crate::protocol::{ApiError, ApiResult, Ctx, codes, json_id};
use crate::state::SandboxEvent;
use crate::world::stock::carry_committed;
use crate::world::{
    AUDIT_SECONDS, AttributeKind, Id, IdKind, Product, ProductStatus, Region, SalesAttribute, Sku,
    Stock, WarehouseType, World, parse_amount,
};

/// A product as the create / edit body describes it, validated against the shop and the catalogue.
struct ProductInput {
    title: Option<String>,
    description: Option<String>,
    category_id: Option<Id>,
    brand_id: Option<Option<Id>>,
    main_images: Option<Vec<String>>,
    skus: Option<Vec<SkuInput>>,
    package_weight: Option<(String, String)>,
    package_dimensions: Option<(String, String, String, String)>,
    product_attributes: Option<Value>,
    video: Option<Value>,
    is_cod_allowed: Option<bool>,
    as_draft: bool,
}

struct SkuInput {
    id: Option<Id>,
    seller_sku: Option<String>,
    sales_attributes: Option<Vec<SalesAttribute>>,
    price: Option<i64>,
    inventory: Option<Vec<Stock>>,
}

fn req_str(
    body: &Value,
    key: &str,
    required: bool,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) if required => {
            Err(ApiError::invalid(format!("{key} is required.")))
        }
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() && required => {
            Err(ApiError::invalid(format!("{key} must not be empty.")))
        }
        Some(Value::String(s)) if s.chars().count() > max => Err(ApiError::invalid(format!(
            "{key} is longer than {max} characters."
        ))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a string."))),
    }
}

/// Parses and validates the body. `full`: every required field must be present (create, full edit).
fn parse_input(
    body: &Value,
    w: &mut World,
    shop: Id,
    existing: Option<&Product>,
    full: bool,
) -> Result<ProductInput, ApiError> {
    let region = w.region_of(shop);
    let title = req_str(body, "title", full, 255)?;
    let description = req_str(body, "description", full, 10_000)?;
    let category_id = match body.get("category_id") {
        None | Some(Value::Null) if full => {
            return Err(ApiError::invalid("category_id is required."));
        }
        None | Some(Value::Null) => None,
        Some(v) => {
            let id = json_id(v).ok_or_else(|| ApiError::invalid("Invalid category_id."))?;
            let cat = w.categories.get(&id).ok_or_else(|| {
                ApiError::business(
                    codes::CATEGORY_NOT_FOUND,
                    format!("Category {id} does not exist."),
                )
            })?;
            if !cat.is_leaf {
                return Err(ApiError::business(
                    codes::CATEGORY_NOT_LEAF,
                    format!(
                        "Category {id} is not a leaf category: products go in leaf categories."
                    ),
                ));
            }
            Some(id)
        }
    };
    let brand_id = match body.get("brand_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s.is_empty() => Some(None),
        Some(v) => {
            let id = json_id(v).ok_or_else(|| ApiError::invalid("Invalid brand_id."))?;
            if !w.brands.contains_key(&id) {
                return Err(ApiError::invalid(format!("Brand {id} does not exist.")));
            }
            Some(Some(id))
        }
    };
    let main_images = match body.get("main_images") {
        None | Some(Value::Null) if full => {
            return Err(ApiError::invalid("main_images is required."));
        }
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            if items.is_empty() || items.len() > 9 {
                return Err(ApiError::invalid("main_images must hold 1 to 9 images."));
            }
            let uris: Result<Vec<String>, ApiError> = items
                .iter()
                .map(|i| {
                    i.get("uri")
                        .and_then(Value::as_str)
                        .filter(|u| !u.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| ApiError::invalid("Every main_images entry needs a uri."))
                })
                .collect();
            Some(uris?)
        }
        Some(_) => return Err(ApiError::invalid("main_images must be an array.")),
    };
    let package_weight = match body.get("package_weight") {
        None | Some(Value::Null) if full => {
            return Err(ApiError::invalid("package_weight is required."));
        }
        None | Some(Value::Null) => None,
        Some(v) => {
            let value = v.get("value").and_then(Value::as_str).unwrap_or("");
            let unit = v.get("unit").and_then(Value::as_str).unwrap_or("");
            if value.parse::<f64>().map(|x| x <= 0.0).unwrap_or(true) {
                return Err(ApiError::invalid(
                    "package_weight.value must be a positive decimal string.",
                ));
            }
            if !matches!(unit, "KILOGRAM" | "POUND") {
                return Err(ApiError::invalid(
                    "package_weight.unit must be KILOGRAM or POUND.",
                ));
            }
            Some((value.to_string(), unit.to_string()))
        }
    };
    let package_dimensions = match body.get("package_dimensions") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let f = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let d = (f("length"), f("width"), f("height"), f("unit"));
            if [&d.0, &d.1, &d.2]
                .iter()
                .any(|x| x.parse::<f64>().map(|x| x <= 0.0).unwrap_or(true))
                || !matches!(d.3.as_str(), "CENTIMETER" | "INCH")
            {
                return Err(ApiError::invalid(
                    "package_dimensions needs positive length, width, height and unit CENTIMETER or INCH.",
                ));
            }
            Some(d)
        }
    };
    let effective_category = category_id.or(existing.map(|p| p.category_id));
    if full
        && package_dimensions.is_none()
        && effective_category
            .and_then(|c| w.categories.get(&c))
            .is_some_and(|c| c.rules.package_dimension_required)
    {
        return Err(ApiError::invalid(
            "package_dimensions is required in this category.",
        ));
    }
    let sales_warehouses: Vec<Id> = w.shops[&shop]
        .warehouse_ids
        .iter()
        .copied()
        .filter(|id| {
            w.warehouses
                .get(id)
                .is_some_and(|w| w.kind == WarehouseType::Sales)
        })
        .collect();
    let skus = match body.get("skus") {
        None | Some(Value::Null) if full => return Err(ApiError::invalid("skus is required.")),
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            if items.is_empty() || items.len() > 300 {
                return Err(ApiError::invalid("skus must hold 1 to 300 SKUs."));
            }
            let mut out = Vec::new();
            for (i, s) in items.iter().enumerate() {
                out.push(parse_sku(
                    s,
                    i,
                    w,
                    region,
                    effective_category,
                    &sales_warehouses,
                    full,
                )?);
            }
            if full
                && out.len() > 1
                && out
                    .iter()
                    .any(|s| s.sales_attributes.as_ref().is_none_or(|a| a.is_empty()))
            {
                return Err(ApiError::invalid(
                    "Every SKU needs sales_attributes when a product has more than one SKU.",
                ));
            }
            let mut combos: Vec<Vec<String>> = out
                .iter()
                .filter_map(|s| s.sales_attributes.as_ref())
                .map(|a| {
                    a.iter()
                        .map(|x| format!("{}={}", x.name, x.value_name))
                        .collect()
                })
                .collect();
            let n = combos.len();
            combos.sort();
            combos.dedup();
            if combos.len() != n {
                return Err(ApiError::invalid(
                    "Two SKUs have the same sales attributes.",
                ));
            }
            Some(out)
        }
        Some(_) => return Err(ApiError::invalid("skus must be an array.")),
    };
    let product_attributes = match body.get("product_attributes") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Array(_)) => Some(v.clone()),
        Some(_) => return Err(ApiError::invalid("product_attributes must be an array.")),
    };
    Ok(ProductInput {
        title,
        description,
        category_id,
        brand_id,
        main_images,
        skus,
        package_weight,
        package_dimensions,
        product_attributes,
        video: body.get("video").filter(|v| !v.is_null()).cloned(),
        is_cod_allowed: body.get("is_cod_allowed").and_then(Value::as_bool),
        as_draft: body.get("save_mode").and_then(Value::as_str) == Some("AS_DRAFT"),
    })
}

#[allow(clippy::too_many_arguments)]
fn parse_sku(
    s: &Value,
    i: usize,
    w: &mut World,
    region: Region,
    category: Option<Id>,
    sales_warehouses: &[Id],
    full: bool,
) -> Result<SkuInput, ApiError> {
    let at = |m: &str| ApiError::invalid(format!("skus[{i}]: {m}"));
    let id = match s.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(x)) if x.is_empty() => None,
        Some(v) => Some(json_id(v).ok_or_else(|| at("invalid id."))?),
    };
    let seller_sku = match s.get("seller_sku") {
        None | Some(Value::Null) => None,
        Some(Value::String(x)) if x.chars().count() <= 50 => Some(x.clone()),
        Some(_) => return Err(at("seller_sku must be a string of at most 50 characters.")),
    };
    let price = match s.get("price") {
        None | Some(Value::Null) if full => return Err(at("price is required.")),
        None | Some(Value::Null) => None,
        Some(p) => {
            let amount = p
                .get("amount")
                .and_then(Value::as_str)
                .ok_or_else(|| at("price.amount is required (a decimal string)."))?;
            let currency = p.get("currency").and_then(Value::as_str).unwrap_or("");
            if currency != region.currency() {
                return Err(at(&format!(
                    "price.currency must be {} in this shop.",
                    region.currency()
                )));
            }
            let minor = parse_amount(amount, region)
                .filter(|m| *m > 0)
                .ok_or_else(|| at("price.amount must be a positive decimal string."))?;
            Some(minor)
        }
    };
    let inventory = match s.get("inventory") {
        None | Some(Value::Null) if full => return Err(at("inventory is required.")),
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut inv = Vec::new();
            for e in items {
                let wid = e
                    .get("warehouse_id")
                    .and_then(json_id)
                    .ok_or_else(|| at("every inventory entry names its warehouse_id."))?;
                if !sales_warehouses.contains(&wid) {
                    return Err(ApiError::business(
                        codes::WAREHOUSE_NOT_FOUND,
                        format!(
                            "skus[{i}]: warehouse {wid} is not a sales warehouse of this shop."
                        ),
                    ));
                }
                let q = e
                    .get("quantity")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| at("inventory quantity must be an integer."))?;
                if !(0..=MAX_QUANTITY).contains(&q) {
                    return Err(ApiError::business(
                        codes::STOCK_INVALID,
                        format!("skus[{i}]: quantity must be between 0 and {MAX_QUANTITY}."),
                    ));
                }
                inv.push(Stock::available(wid, q));
            }
            if inv.is_empty() {
                return Err(at("inventory must not be empty."));
            }
            Some(inv)
        }
        Some(_) => return Err(at("inventory must be an array.")),
    };
    let sales_attributes = match s.get("sales_attributes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let cat_attrs: Vec<crate::world::Attribute> = category
                .and_then(|c| w.categories.get(&c))
                .map(|c| {
                    c.attributes
                        .iter()
                        .filter(|a| a.kind == AttributeKind::SalesProperty)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let mut out = Vec::new();
            for a in items {
                let known = a
                    .get("id")
                    .and_then(json_id)
                    .and_then(|id| cat_attrs.iter().find(|x| x.id == id));
                let name = a
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| known.map(|k| k.name.clone()))
                    .ok_or_else(|| at("sales_attributes need an id or a name."))?;
                let value_name = a
                    .get("value_name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        let vid = a.get("value_id").and_then(json_id)?;
                        known
                            .and_then(|k| k.values.iter().find(|v| v.0 == vid))
                            .map(|v| v.1.clone())
                    })
                    .ok_or_else(|| at("sales_attributes need a value_name or a known value_id."))?;
                let attr_id = match known {
                    Some(k) => k.id,
                    None => w.new_id(IdKind::Attribute),
                };
                let value_id = known
                    .and_then(|k| k.values.iter().find(|v| v.1 == value_name))
                    .map(|v| v.0)
                    .unwrap_or_else(|| w.new_id(IdKind::AttributeValue));
                out.push(SalesAttribute {
                    id: attr_id,
                    name,
                    value_id,
                    value_name,
                });
            }
            if out.len() > 3 {
                return Err(at("at most 3 sales attributes per SKU."));
            }
            Some(out)
        }
        Some(_) => return Err(at("sales_attributes must be an array.")),
    };
    Ok(SkuInput {
        id,
        seller_sku,
        sales_attributes,
        price,
        inventory,
    })
}

fn skus_answer(p: &Product) -> Value {
    json!(p.skus.iter().map(|s| json!({
        "id": s.id.to_string(),
        "seller_sku": s.seller_sku,
        "sales_attributes": s.sales_attributes.iter().map(|a| json!({"id": a.id.to_string(), "value_id": a.value_id.to_string()})).collect::<Vec<_>>(),
    })).collect::<Vec<_>>())
}

/// `POST /product/202309/products`.
pub(super) fn create(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    let key = body
        .get("idempotency_key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    ctx.with_world(|w| {
        if let Some(k) = &key
            && let Some(pid) = w.idempotency.get(&(shop, k.clone()))
            && let Some(p) = w.products.get(pid)
        {
            return Ok(
                json!({"product_id": p.id.to_string(), "skus": skus_answer(p), "warnings": []}),
            );
        }
        let input = parse_input(&body, w, shop, None, true)?;
        let pid = w.new_id(IdKind::Product);
        let skus: Vec<Sku> = input
            .skus
            .unwrap_or_default()
            .into_iter()
            .map(|s| Sku {
                id: w.new_id(IdKind::Sku),
                seller_sku: s.seller_sku.unwrap_or_default(),
                sales_attributes: s.sales_attributes.unwrap_or_default(),
                price: s.price.unwrap_or(0),
                inventory: s.inventory.unwrap_or_default(),
            })
            .collect();
        let region = w.region_of(shop);
        let status = if input.as_draft {
            ProductStatus::Draft
        } else {
            ProductStatus::Pending
        };
        let product = Product {
            id: pid,
            shop_id: shop,
            title: input.title.unwrap_or_default(),
            description: input.description.unwrap_or_default(),
            category_id: input.category_id.unwrap_or(0),
            brand_id: input.brand_id.flatten(),
            status,
            main_images: input.main_images.unwrap_or_default(),
            skus,
            package_weight: input.package_weight.unwrap_or_default(),
            package_dimensions: input.package_dimensions,
            product_attributes: input.product_attributes.unwrap_or_else(|| json!([])),
            video: input.video,
            is_cod_allowed: input.is_cod_allowed.unwrap_or(false) && region.has_cod(),
            create_time: now,
            update_time: now,
            audit_due: (status == ProductStatus::Pending).then_some(now + AUDIT_SECONDS),
            audit_failed_reasons: Vec::new(),
        };
        let answer =
            json!({"product_id": pid.to_string(), "skus": skus_answer(&product), "warnings": []});
        w.insert_product(product);
        if let Some(k) = key {
            w.idempotency.insert((shop, k), pid);
        }
        w.outbox.push(SandboxEvent::ProductCreation {
            shop_id: shop,
            product_id: pid,
            update_time: now,
        });
        Ok(answer)
    })
}

/// Merges input SKUs into existing ones: with `full`, SKUs left out are deleted.
fn merge_skus(
    w: &mut World,
    existing: &[Sku],
    input: Vec<SkuInput>,
    full: bool,
) -> Result<Vec<Sku>, ApiError> {
    let mut out: Vec<Sku> = if full { Vec::new() } else { existing.to_vec() };
    for s in input {
        match s.id {
            Some(id) => {
                let old = existing.iter().find(|x| x.id == id).ok_or_else(|| {
                    ApiError::business(
                        codes::SKU_NOT_FOUND,
                        format!("SKU {id} is not in this product."),
                    )
                })?;
                let merged = Sku {
                    id,
                    seller_sku: s.seller_sku.unwrap_or_else(|| old.seller_sku.clone()),
                    sales_attributes: s
                        .sales_attributes
                        .unwrap_or_else(|| old.sales_attributes.clone()),
                    price: s.price.unwrap_or(old.price),
                    // The units held for buyers stay in the books whatever the new list says.
                    inventory: match s.inventory {
                        Some(new) => carry_committed(&old.inventory, new),
                        None => old.inventory.clone(),
                    },
                };
                match out.iter_mut().find(|x| x.id == id) {
                    Some(slot) => *slot = merged,
                    None => out.push(merged),
                }
            }
            None => {
                let (Some(price), Some(inventory)) = (s.price, s.inventory) else {
                    return Err(ApiError::invalid("A new SKU needs price and inventory."));
                };
                out.push(Sku {
                    id: w.new_id(IdKind::Sku),
                    seller_sku: s.seller_sku.unwrap_or_default(),
                    sales_attributes: s.sales_attributes.unwrap_or_default(),
                    price,
                    inventory,
                });
            }
        }
    }
    Ok(out)
}

fn apply_edit(ctx: &mut Ctx, full: bool) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("product_id")?;
    let body = ctx.json_value()?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let existing = w
            .products
            .get(&id)
            .filter(|p| p.shop_id == shop)
            .cloned()
            .ok_or_else(|| not_found(id))?;
        editable(&existing)?;
        let input = parse_input(&body, w, shop, Some(&existing), full)?;
        let skus = match input.skus {
            Some(s) => merge_skus(w, &existing.skus, s, full)?,
            None => existing.skus.clone(),
        };
        // A full edit of a live product goes back through audit, as on the real platform.
        let re_audit = full
            && matches!(
                existing.status,
                ProductStatus::Activate | ProductStatus::Failed
            );
        let region = w.region_of(shop);
        w.update_product(id, now, |p| {
            if let Some(t) = input.title {
                p.title = t;
            }
            if let Some(d) = input.description {
                p.description = d;
            }
            if let Some(c) = input.category_id {
                p.category_id = c;
            }
            if let Some(b) = input.brand_id {
                p.brand_id = b;
            }
            if let Some(m) = input.main_images {
                p.main_images = m;
            }
            if let Some(pw) = input.package_weight {
                p.package_weight = pw;
            }
            if input.package_dimensions.is_some() || full {
                p.package_dimensions = input.package_dimensions.or(p.package_dimensions.take());
            }
            if let Some(a) = input.product_attributes {
                p.product_attributes = a;
            }
            if input.video.is_some() {
                p.video = input.video;
            }
            if let Some(c) = input.is_cod_allowed {
                p.is_cod_allowed = c && region.has_cod();
            }
            p.skus = skus;
            if re_audit {
                p.status = ProductStatus::Pending;
                p.audit_due = Some(now + AUDIT_SECONDS);
                p.audit_failed_reasons.clear();
            }
        });
        w.outbox.push(SandboxEvent::ProductInformationChange {
            shop_id: shop,
            product_id: id,
            update_time: now,
        });
        if re_audit && existing.status != ProductStatus::Pending {
            w.outbox.push(SandboxEvent::ProductStatusChange {
                shop_id: shop,
                product_id: id,
                status: ProductStatus::Pending,
                suspended_reason: String::new(),
                update_time: now,
            });
        }
        let p = &w.products[&id];
        Ok(json!({"product_id": id.to_string(), "skus": skus_answer(p), "warnings": []}))
    })
}

/// `PUT /product/{202309|202509}/products/{id}`: full replace; SKUs left out are deleted.
pub(super) fn edit(ctx: &mut Ctx) -> ApiResult {
    apply_edit(ctx, true)
}

/// `POST /product/{202309|202509}/products/{id}/partial_edit`: only the fields sent change.
pub(super) fn partial_edit(ctx: &mut Ctx) -> ApiResult {
    apply_edit(ctx, false)
}
