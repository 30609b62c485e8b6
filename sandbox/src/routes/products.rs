//! Products, SKUs, stock and the catalogue (categories, attributes, rules, brands) at 202309, with the
//! newer search (202502) and edit (202509) versions.

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{
    ApiError, ApiResult, Category, Ctx, Scope, codes, json_id, op, page_token, parse_page_token,
};
use crate::state::SandboxEvent;
use crate::world::json::{product_json, product_summary_json};
use crate::world::stock::carry_committed;
use crate::world::{
    AUDIT_SECONDS, AttributeKind, Id, IdKind, Product, ProductStatus, Region, SalesAttribute, Sku,
    Stock, WarehouseType, World, parse_amount,
};

/// Product search serves at most this many results; page by update-time windows beyond it.
pub const SEARCH_CAP: usize = 10_000;
/// Ids per activate / deactivate / delete call.
pub const MAX_BATCH_IDS: usize = 20;
/// The most units one warehouse can hold for a SKU.
pub const MAX_QUANTITY: i64 = 999_999;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Products as C;
    use Scope::Shop as S;
    for path in [
        "/product/202309/products/search",
        "/product/202502/products/search",
    ] {
        op(cfg, Method::POST, path, C, S, search);
    }
    op(cfg, Method::POST, "/product/202309/products", C, S, create);
    op(
        cfg,
        Method::DELETE,
        "/product/202309/products",
        C,
        S,
        delete,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/activate",
        C,
        S,
        activate,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/deactivate",
        C,
        S,
        deactivate,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/inventory/search",
        C,
        S,
        inventory_search,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories",
        C,
        S,
        categories,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories/{category_id}/attributes",
        C,
        S,
        attributes,
    );
    op(
        cfg,
        Method::GET,
        "/product/202309/categories/{category_id}/rules",
        C,
        S,
        rules,
    );
    op(cfg, Method::GET, "/product/202309/brands", C, S, brands);
    op(
        cfg,
        Method::GET,
        "/product/202309/products/{product_id}",
        C,
        S,
        get,
    );
    for path in [
        "/product/202309/products/{product_id}",
        "/product/202509/products/{product_id}",
    ] {
        op(cfg, Method::PUT, path, C, S, edit);
    }
    for path in [
        "/product/202309/products/{product_id}/partial_edit",
        "/product/202509/products/{product_id}/partial_edit",
    ] {
        op(cfg, Method::POST, path, C, S, partial_edit);
    }
    op(
        cfg,
        Method::POST,
        "/product/202309/products/{product_id}/prices/update",
        C,
        S,
        prices,
    );
    op(
        cfg,
        Method::POST,
        "/product/202309/products/{product_id}/inventory/update",
        C,
        S,
        inventory,
    );
}

fn not_found(id: Id) -> ApiError {
    ApiError::business(
        codes::PRODUCT_NOT_FOUND,
        format!("Product {id} does not exist in this shop."),
    )
}

fn opt_i64(body: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{key} must be a unix timestamp."))),
    }
}

fn str_list(body: &Value, key: &str) -> Result<Vec<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::invalid(format!(
                    "{key} must be an array of strings."
                ))),
            })
            .collect(),
        Some(_) => Err(ApiError::invalid(format!("{key} must be an array."))),
    }
}

fn id_list(body: &Value, key: &str) -> Result<Vec<Id>, ApiError> {
    str_list(body, key)?
        .iter()
        .map(|s| {
            crate::world::parse_id(s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid id in {key}: {s:?}.")))
        })
        .collect()
}

/// `POST /product/{202309|202502}/products/search`: newest update first, paged with `page_token`,
/// at most 10,000 results.
fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 100)?;
    let cursor = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token_n(t)?),
        None => None,
    };
    let body = ctx.json_value()?;
    let status = match body.get("status").and_then(Value::as_str) {
        None | Some("ALL") => None,
        Some(s) => Some(
            ProductStatus::parse(s)
                .ok_or_else(|| ApiError::invalid(format!("Unknown product status {s:?}.")))?,
        ),
    };
    let skus = str_list(&body, "seller_skus")?;
    let cge = opt_i64(&body, "create_time_ge")?;
    let cle = opt_i64(&body, "create_time_le")?;
    let uge = opt_i64(&body, "update_time_ge")?.unwrap_or(i64::MIN);
    let ule = opt_i64(&body, "update_time_le")?.unwrap_or(i64::MAX);
    ctx.with_world(|w| {
        let region = w.region_of(shop);
        let matches = |p: &Product| {
            let status_ok = match status {
                Some(s) => p.status == s,
                None => p.status != ProductStatus::Deleted,
            };
            status_ok
                && cge.is_none_or(|t| p.create_time >= t)
                && cle.is_none_or(|t| p.create_time <= t)
                && (skus.is_empty() || p.skus.iter().any(|s| skus.contains(&s.seller_sku)))
        };
        let range = w
            .products_by_update
            .range((shop, uge, 0)..=(shop, ule, Id::MAX))
            .rev();
        let mut total = 0usize;
        let mut page = Vec::new();
        let mut last = None;
        let served_before = cursor.map(|c| c.2).unwrap_or(0);
        let mut more = false;
        for &(_, u, id) in range {
            let Some(p) = w.products.get(&id) else {
                continue;
            };
            if !matches(p) {
                continue;
            }
            total += 1;
            if let Some((cu, cid, _)) = cursor
                && (u, id) >= (cu, cid)
            {
                continue;
            }
            if page.len() < page_size && served_before + page.len() < SEARCH_CAP {
                page.push(product_summary_json(p, region));
                last = Some((u, id));
            } else {
                more = true;
            }
        }
        let served = served_before + page.len();
        let next = match last {
            Some((u, id)) if more && served < SEARCH_CAP => page_token_n(u, id, served),
            _ => String::new(),
        };
        Ok(json!({"products": page, "next_page_token": next, "total_count": total}))
    })
}

/// A page token that also counts what was served so far (for the 10,000 cap).
fn page_token_n(sort: i64, id: Id, served: usize) -> String {
    format!(
        "{}{}",
        page_token(sort, id),
        hex::encode(format!(":{served}"))
    )
}

fn parse_page_token_n(t: &str) -> Result<(i64, Id, usize), ApiError> {
    let bad = || ApiError::invalid("Invalid page_token.");
    let raw = String::from_utf8(hex::decode(t).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = raw.split(':');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    match (a, b, c) {
        (Some(a), Some(b), Some(c)) => {
            let (sort, id) = parse_page_token(&hex::encode(format!("{a}:{b}")))?;
            Ok((sort, id, c.parse().map_err(|_| bad())?))
        }
        _ => Err(bad()),
    }
}

fn get(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("product_id")?;
    ctx.with_world(|w| {
        let p = w
            .products
            .get(&id)
            .filter(|p| p.shop_id == shop)
            .ok_or_else(|| not_found(id))?;
        Ok(product_json(w, p))
    })
}

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
fn create(ctx: &mut Ctx) -> ApiResult {
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

fn editable(p: &Product) -> Result<(), ApiError> {
    match p.status {
        ProductStatus::Deleted => Err(ApiError::business(
            codes::PRODUCT_STATUS_NOT_ALLOWED,
            "A deleted product cannot be edited.",
        )),
        ProductStatus::Freeze => Err(ApiError::business(
            codes::PRODUCT_STATUS_NOT_ALLOWED,
            "A frozen product cannot be edited.",
        )),
        ProductStatus::Draft
        | ProductStatus::Pending
        | ProductStatus::Failed
        | ProductStatus::Activate
        | ProductStatus::SellerDeactivated
        | ProductStatus::PlatformDeactivated => Ok(()),
    }
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
fn edit(ctx: &mut Ctx) -> ApiResult {
    apply_edit(ctx, true)
}

/// `POST /product/{202309|202509}/products/{id}/partial_edit`: only the fields sent change.
fn partial_edit(ctx: &mut Ctx) -> ApiResult {
    apply_edit(ctx, false)
}

fn batch_ids(ctx: &Ctx) -> Result<Vec<Id>, ApiError> {
    let body = ctx.json_value()?;
    let ids = id_list(&body, "product_ids")?;
    if ids.is_empty() {
        return Err(ApiError::invalid("product_ids is required."));
    }
    if ids.len() > MAX_BATCH_IDS {
        return Err(ApiError::invalid(format!(
            "At most {MAX_BATCH_IDS} product_ids per call."
        )));
    }
    Ok(ids)
}

fn item_error(code: i64, message: String, product_id: Id) -> Value {
    json!({"code": code, "message": message, "detail": {"product_id": product_id.to_string()}})
}

/// Runs a status change over ids; per-item failures go to `data.errors` with code 0 overall.
fn batch_status(
    ctx: &mut Ctx,
    f: fn(&Product) -> Result<Option<ProductStatus>, String>,
) -> ApiResult {
    let shop = ctx.shop_id()?;
    let ids = batch_ids(ctx)?;
    let now = ctx.now;
    ctx.with_world(|w| {
        let mut errors = Vec::new();
        for id in ids {
            let Some(p) = w.products.get(&id).filter(|p| p.shop_id == shop) else {
                errors.push(item_error(
                    codes::PRODUCT_NOT_FOUND,
                    format!("Product {id} does not exist in this shop."),
                    id,
                ));
                continue;
            };
            match f(p) {
                Err(m) => errors.push(item_error(codes::PRODUCT_STATUS_NOT_ALLOWED, m, id)),
                Ok(None) => {}
                Ok(Some(status)) => {
                    w.update_product(id, now, |p| {
                        p.status = status;
                        p.audit_due =
                            (status == ProductStatus::Pending).then_some(now + AUDIT_SECONDS);
                    });
                    w.outbox.push(SandboxEvent::ProductStatusChange {
                        shop_id: shop,
                        product_id: id,
                        status,
                        suspended_reason: String::new(),
                        update_time: now,
                    });
                }
            }
        }
        Ok(json!({"errors": errors}))
    })
}

fn activate(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::Activate | ProductStatus::Pending => Ok(None),
        ProductStatus::SellerDeactivated => Ok(Some(ProductStatus::Activate)),
        ProductStatus::Draft | ProductStatus::Failed => Ok(Some(ProductStatus::Pending)),
        ProductStatus::PlatformDeactivated | ProductStatus::Freeze | ProductStatus::Deleted => {
            Err(format!(
                "A product in status {} cannot be activated.",
                p.status.as_str()
            ))
        }
    })
}

fn deactivate(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::SellerDeactivated => Ok(None),
        ProductStatus::Activate | ProductStatus::Pending => {
            Ok(Some(ProductStatus::SellerDeactivated))
        }
        ProductStatus::Draft
        | ProductStatus::Failed
        | ProductStatus::PlatformDeactivated
        | ProductStatus::Freeze
        | ProductStatus::Deleted => Err(format!(
            "A product in status {} cannot be deactivated.",
            p.status.as_str()
        )),
    })
}

/// `DELETE /product/202309/products` with `product_ids` (≤ 20).
fn delete(ctx: &mut Ctx) -> ApiResult {
    batch_status(ctx, |p| match p.status {
        ProductStatus::Deleted => Ok(None),
        ProductStatus::Freeze => Err("A frozen product cannot be deleted.".into()),
        ProductStatus::Draft
        | ProductStatus::Pending
        | ProductStatus::Failed
        | ProductStatus::Activate
        | ProductStatus::SellerDeactivated
        | ProductStatus::PlatformDeactivated => Ok(Some(ProductStatus::Deleted)),
    })
}

/// `POST /product/202309/products/{id}/prices/update`: all SKUs checked, then all changed.
fn prices(ctx: &mut Ctx) -> ApiResult {
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

/// `POST /product/202309/products/{id}/inventory/update`: every entry names its warehouse; bad entries
/// are reported per item in `data.errors`, good ones applied. `quantity` sets the available units; the
/// committed ones (held by orders) are not touched.
fn inventory(ctx: &mut Ctx) -> ApiResult {
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
            if !p.skus.iter().any(|s| s.id == sid) {
                errors.push(json!({"code": codes::SKU_NOT_FOUND, "message": format!("SKU {sid} is not in product {id}."), "detail": {"sku_id": sid.to_string()}}));
                continue;
            }
            for (wid, q) in entries {
                if !sales.contains(&wid) {
                    errors.push(json!({"code": codes::WAREHOUSE_NOT_FOUND, "message": format!("Warehouse {wid} is not a sales warehouse of this shop."), "detail": {"sku_id": sid.to_string(), "warehouse_id": wid.to_string()}}));
                } else if !(0..=MAX_QUANTITY).contains(&q) {
                    errors.push(json!({"code": codes::STOCK_INVALID, "message": format!("quantity must be between 0 and {MAX_QUANTITY}; stock is never negative."), "detail": {"sku_id": sid.to_string(), "warehouse_id": wid.to_string()}}));
                } else {
                    apply.push((sid, wid, q));
                }
            }
        }
        if !apply.is_empty() {
            w.update_product(id, now, |p| {
                for (sid, wid, q) in apply {
                    if let Some(s) = p.skus.iter_mut().find(|s| s.id == sid) {
                        match s.inventory.iter_mut().find(|x| x.warehouse_id == wid) {
                            Some(slot) => slot.quantity = q,
                            None => s.inventory.push(Stock::available(wid, q)),
                        }
                    }
                }
            });
        }
        Ok(json!({"errors": errors}))
    })
}

/// `POST /product/202309/inventory/search` with `product_ids` (≤ 100) or `sku_ids` (≤ 600; with both,
/// `sku_ids` wins and `product_ids` is ignored): each SKU's books per warehouse, read from the world in
/// O(SKUs asked). Unknown ids and other shops' products are left out.
fn inventory_search(ctx: &mut Ctx) -> ApiResult {
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

fn categories(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let cats: Vec<Value> = w
            .categories
            .values()
            .map(|c| {
                json!({
                    "id": c.id.to_string(),
                    "parent_id": c.parent_id.to_string(),
                    "local_name": c.local_name,
                    "is_leaf": c.is_leaf,
                    "permission_statuses": c.permission_statuses,
                })
            })
            .collect();
        Ok(json!({"categories": cats}))
    })
}

fn category_of<'w>(ctx: &Ctx, w: &'w World) -> Result<&'w crate::world::Category, ApiError> {
    let id = ctx.path_id("category_id")?;
    w.categories.get(&id).ok_or_else(|| {
        ApiError::business(
            codes::CATEGORY_NOT_FOUND,
            format!("Category {id} does not exist."),
        )
    })
}

fn attributes(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let c = category_of(ctx, w)?;
        let attrs: Vec<Value> = c.attributes.iter().map(|a| json!({
            "id": a.id.to_string(),
            "name": a.name,
            "type": a.kind.as_str(),
            "is_requried": a.is_required,
            "is_customizable": a.is_customizable,
            "is_multiple_selection": a.is_multiple_selection,
            "value_data_format": if a.kind == AttributeKind::SalesProperty { "POSITIVE_INT_OR_DECIMAL" } else { "" },
            "values": a.values.iter().map(|(id, name)| json!({"id": id.to_string(), "name": name})).collect::<Vec<_>>(),
        })).collect();
        Ok(json!({"attributes": attrs}))
    })
}

fn rules(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let c = category_of(ctx, w)?;
        let r = &c.rules;
        Ok(json!({
            "product_certifications": r.certifications.iter().map(|(id, name, req)| json!({
                "id": id.to_string(), "name": name, "is_required": req, "sample_image_url": "",
            })).collect::<Vec<_>>(),
            "size_chart": {"is_supported": true, "is_required": r.size_chart_required},
            "is_cod_allowed": r.cod_supported,
            "package_dimension": {"is_required": r.package_dimension_required},
        }))
    })
}

fn brands(ctx: &mut Ctx) -> ApiResult {
    let page_size = ctx.page_size(1, 100)?;
    let after = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token(t)?.1),
        None => None,
    };
    let name = ctx.query("brand_name").map(str::to_lowercase);
    ctx.with_world(|w| {
        let all: Vec<&crate::world::Brand> = w
            .brands
            .values()
            .filter(|b| {
                name.as_ref()
                    .is_none_or(|n| b.name.to_lowercase().contains(n))
            })
            .collect();
        let rest: Vec<&&crate::world::Brand> = all
            .iter()
            .filter(|b| after.is_none_or(|a| b.id > a))
            .collect();
        let page: Vec<Value> = rest.iter().take(page_size).map(|b| json!({
            "id": b.id.to_string(), "name": b.name, "authorized_status": b.authorized_status,
            "brand_status": b.brand_status, "is_t1_brand": b.is_t1_brand,
        })).collect();
        let next = if rest.len() > page_size {
            page_token(0, rest[page_size - 1].id)
        } else {
            String::new()
        };
        Ok(json!({"brands": page, "total_count": all.len(), "next_page_token": next}))
    })
}
