//! Affiliate, the seller's side: open collaborations (a commission rate per product that any creator
//! can promote), target collaborations (an invitation to named creators), the products in open
//! collaboration, and affiliate orders (orders a creator brought, with the commission they earn).
//!
//! The world has no creators, so collaborations live here, per shop. Each shop starts with an open
//! collaboration at 10% on its first few active products. An order counts as an affiliate order when
//! it contains a product in collaboration and a fixed function of its id says a creator brought it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use actix_web::http::Method;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};

use super::returns::{Order as SortOrder, paginate};
use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, codes, json_id, op};
use crate::state::SandboxState;
use crate::world::{Id, IdKind, OrderStatus, ProductStatus, World, format_amount};

/// Commission rates are in hundredths of a percent: 100 = 1%, 8000 = 80%.
pub const MIN_RATE: i64 = 100;
pub const MAX_RATE: i64 = 8_000;
/// A product named is not an active product of the shop.
pub const PRODUCT_NOT_ELIGIBLE: i64 = 16011001;
const MAX_TARGET_PRODUCTS: usize = 50;
const MAX_TARGET_CREATORS: usize = 50;
const MAX_NAME: usize = 40;
const MAX_MESSAGE: usize = 500;
const SEEDED_OPEN_COLLABORATIONS: usize = 3;
const SEEDED_RATE: i64 = 1_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Affiliate as C;
    use Scope::Shop as S;
    op(
        cfg,
        Method::POST,
        "/affiliate_seller/202405/open_collaborations/products/search",
        C,
        S,
        search_products,
    );
    op(
        cfg,
        Method::POST,
        "/affiliate_seller/202412/open_collaborations",
        C,
        S,
        create_open,
    );
    op(
        cfg,
        Method::POST,
        "/affiliate_seller/202412/open_collaborations/search",
        C,
        S,
        search_open,
    );
    op(
        cfg,
        Method::POST,
        "/affiliate_seller/202508/target_collaborations",
        C,
        S,
        create_target,
    );
    op(
        cfg,
        Method::POST,
        "/affiliate_seller/202410/orders/search",
        C,
        S,
        search_orders,
    );
}

#[derive(Clone, Debug)]
struct OpenCollaboration {
    id: Id,
    product_id: Id,
    /// Hundredths of a percent.
    rate: i64,
    start_time: i64,
}

#[derive(Clone, Debug)]
struct TargetCollaboration {
    #[allow(dead_code)]
    id: Id,
    #[allow(dead_code)]
    name: String,
    end_time: i64,
    /// (product, rate)
    products: Vec<(Id, i64)>,
    creators: Vec<String>,
}

#[derive(Default)]
struct ShopAffiliate {
    open: BTreeMap<Id, OpenCollaboration>,
    targets: Vec<TargetCollaboration>,
}

/// Collaborations per shop, in the state's extensions; rebuilt after a reset.
#[derive(Default)]
pub struct AffiliateExt {
    inner: Mutex<(u64, BTreeMap<Id, ShopAffiliate>)>,
}

fn with_shop<R>(
    state: &SandboxState,
    w: &mut World,
    shop: Id,
    now: i64,
    f: impl FnOnce(&mut World, &mut ShopAffiliate) -> R,
) -> R {
    let ext = state.extension::<AffiliateExt>();
    let mut guard = ext.inner.lock().unwrap_or_else(|e| e.into_inner());
    let generation = state.generation();
    if guard.0 != generation {
        *guard = (generation, BTreeMap::new());
    }
    let entry = guard.1.entry(shop).or_insert_with(|| {
        let mut s = ShopAffiliate::default();
        let products: Vec<(Id, i64)> = w
            .products_by_create
            .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .filter_map(|(_, _, id)| w.products.get(id))
            .filter(|p| p.status == ProductStatus::Activate)
            .take(SEEDED_OPEN_COLLABORATIONS)
            .map(|p| (p.id, p.create_time))
            .collect();
        for (pid, created) in products {
            let id = w.new_id(IdKind::Other);
            s.open.insert(
                pid,
                OpenCollaboration {
                    id,
                    product_id: pid,
                    rate: SEEDED_RATE,
                    start_time: created.min(now),
                },
            );
        }
        s
    });
    f(w, entry)
}

fn page(ctx: &Ctx, max: usize) -> Result<(usize, Option<String>), ApiError> {
    let size = ctx.page_size(1, max)?;
    Ok((size, ctx.query("page_token").map(str::to_string)))
}

fn price_range(w: &World, pid: Id) -> (i64, i64) {
    w.products
        .get(&pid)
        .map(|p| {
            let lo = p.skus.iter().map(|s| s.price).min().unwrap_or(0);
            let hi = p.skus.iter().map(|s| s.price).max().unwrap_or(0);
            (lo, hi)
        })
        .unwrap_or((0, 0))
}

fn units_sold(w: &World, shop: Id, pid: Id) -> i64 {
    // Counted over the shop's orders; cheap enough for the sizes the sandbox runs with per query.
    w.orders
        .values()
        .filter(|o| {
            o.shop_id == shop && o.paid_time.is_some() && o.status != OrderStatus::Cancelled
        })
        .flat_map(|o| o.line_items.iter())
        .filter(|l| l.product_id == pid)
        .count() as i64
}

fn image(pid: Id) -> String {
    format!(
        "https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{pid}~tplv-o3syd03w52-origin-jpeg.jpeg"
    )
}

fn check_rate(rate: Option<&Value>, what: &str) -> Result<i64, ApiError> {
    let v = rate.ok_or_else(|| ApiError::invalid(format!("{what} is required.")))?;
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::invalid(format!(
            "{what} must be an integer (hundredths of a percent)."
        ))
    })?;
    if !(MIN_RATE..=MAX_RATE).contains(&n) {
        return Err(ApiError::invalid(format!(
            "{what} must be between {MIN_RATE} (1%) and {MAX_RATE} (80%), got {n}."
        )));
    }
    Ok(n)
}

fn eligible(w: &World, shop: Id, pid: Id) -> Result<(), ApiError> {
    match w.products.get(&pid) {
        Some(p) if p.shop_id == shop && p.status == ProductStatus::Activate => Ok(()),
        Some(p) if p.shop_id == shop => Err(ApiError::business(
            PRODUCT_NOT_ELIGIBLE,
            format!(
                "Product {pid} is {} and cannot join a collaboration.",
                p.status.as_str()
            ),
        )),
        _ => Err(ApiError::business(
            codes::PRODUCT_NOT_FOUND,
            format!("Product {pid} does not exist in this shop."),
        )),
    }
}

// ---------------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateOpen {
    product_id: Option<Value>,
    commission_rate: Option<Value>,
}

fn create_open(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CreateOpen = ctx.json()?;
    let pid = b
        .product_id
        .as_ref()
        .ok_or_else(|| ApiError::invalid("product_id is required."))?;
    let pid =
        json_id(pid).ok_or_else(|| ApiError::invalid(format!("Invalid product_id {pid}.")))?;
    let rate = check_rate(b.commission_rate.as_ref(), "commission_rate")?;
    let now = ctx.now;
    let state = ctx.state;
    ctx.with_world(|w| {
        eligible(w, shop, pid)?;
        with_shop(state, w, shop, now, |w, s| {
            // Setting a new rate replaces the old one from now on, under the same collaboration.
            let id = match s.open.get(&pid) {
                Some(c) => c.id,
                None => w.new_id(IdKind::Other),
            };
            s.open.insert(
                pid,
                OpenCollaboration {
                    id,
                    product_id: pid,
                    rate,
                    start_time: now,
                },
            );
            Ok(json!({"open_collaboration": {
                "id": id.to_string(),
                "product_id": pid.to_string(),
                "effective_time": now,
            }}))
        })
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchOpen {
    keyword_type: Option<String>,
    keyword: Option<String>,
    top_level_category_id: Option<String>,
}

fn search_open(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 50)?;
    let b: SearchOpen = ctx.json()?;
    let by_id = match b.keyword_type.as_deref() {
        None | Some("") | Some("PRODUCT_NAME") => false,
        Some("PRODUCT_ID") => true,
        Some(k) => {
            return Err(ApiError::invalid(format!(
                "Invalid keyword_type {k:?}: use PRODUCT_ID or PRODUCT_NAME."
            )));
        }
    };
    let keyword = b.keyword.unwrap_or_default();
    if by_id && !keyword.is_empty() && crate::world::parse_id(&keyword).is_none() {
        return Err(ApiError::invalid(format!(
            "Invalid product id {keyword:?}."
        )));
    }
    let top = b
        .top_level_category_id
        .filter(|c| !c.is_empty())
        .map(|c| {
            crate::world::parse_id(&c)
                .ok_or_else(|| ApiError::invalid(format!("Invalid top_level_category_id {c:?}.")))
        })
        .transpose()?;
    let now = ctx.now;
    let state = ctx.state;
    let rows = ctx.with_world(|w| {
        with_shop(state, w, shop, now, |w, s| {
            s.open
                .values()
                .filter_map(|c| w.products.get(&c.product_id).map(|p| (c, p)))
                .filter(|(_, p)| {
                    keyword.is_empty()
                        || if by_id {
                            p.id.to_string() == keyword
                        } else {
                            p.title.to_lowercase().contains(&keyword.to_lowercase())
                        }
                })
                .filter(|(_, p)| {
                    top.is_none_or(|t| {
                        let mut cat = p.category_id;
                        // Walk up to the root category.
                        for _ in 0..10 {
                            match w.categories.get(&cat) {
                                Some(c) if c.parent_id != 0 => cat = c.parent_id,
                                _ => break,
                            }
                        }
                        cat == t
                    })
                })
                .map(|(c, p)| {
                    let (lo, hi) = price_range(w, p.id);
                    let region = w.region_of(shop);
                    let stock: i64 = p.skus.iter().map(|s| s.total_stock()).sum();
                    let item = json!({
                        "id": c.id.to_string(),
                        "status": if p.status == ProductStatus::Activate { "ACTIVE" } else { "INACTIVE" },
                        "current_commission": {"rate": c.rate, "start_time": c.start_time, "end_time": 0},
                        "showcase_creator_count": (c.id % 40) as i64,
                        "content_creator_count": (c.id % 13) as i64,
                        "product": {
                            "id": p.id.to_string(),
                            "title": p.title,
                            "main_image_url": image(p.id),
                            "status": p.status.as_str(),
                            "inventory": stock,
                            "original_price": {
                                "currency": region.currency(),
                                "minimum_amount": format_amount(lo, region),
                                "maximum_amount": format_amount(hi, region),
                            },
                        },
                    });
                    (c.start_time, c.id, item)
                })
                .collect::<Vec<_>>()
        })
    });
    let (items, next, total) = paginate(rows, SortOrder::Desc, page_size, token.as_deref())?;
    Ok(json!({"open_collaborations": items, "next_page_token": next, "total_count": total}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RateRange {
    rate_ge: Option<i64>,
    rate_lt: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PriceRange {
    amount_ge: Option<String>,
    amount_lt: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchProducts {
    title_keywords: Vec<String>,
    sales_price_range: Option<PriceRange>,
    category: Option<Value>,
    commission_rate_range: Option<RateRange>,
}

fn search_products(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 20)?;
    let field = match ctx.query("sort_field") {
        None | Some("") | Some("commission_rate") => "commission_rate",
        Some(f @ ("product_sales_price" | "commission" | "units_sold")) => f,
        Some(f) => return Err(ApiError::invalid(format!("Invalid sort_field {f:?}."))),
    }
    .to_string();
    let order = super::returns::sort_order(ctx, SortOrder::Desc)?;
    let b: SearchProducts = ctx.json()?;
    let region = ctx.with_world(|w| w.region_of(shop));
    let (price_ge, price_lt) = match &b.sales_price_range {
        Some(r) => {
            let parse = |s: &Option<String>| {
                s.as_deref()
                    .map(|v| {
                        crate::world::parse_amount(v, region).ok_or_else(|| {
                            ApiError::invalid(format!("Invalid amount {v:?} in sales_price_range."))
                        })
                    })
                    .transpose()
            };
            (parse(&r.amount_ge)?, parse(&r.amount_lt)?)
        }
        None => (None, None),
    };
    let (rate_ge, rate_lt) = b
        .commission_rate_range
        .as_ref()
        .map(|r| (r.rate_ge, r.rate_lt))
        .unwrap_or((None, None));
    let category = match &b.category {
        None => None,
        Some(c) => Some(
            c.get("id")
                .and_then(json_id)
                .ok_or_else(|| ApiError::invalid("category.id must be a category id."))?,
        ),
    };
    let now = ctx.now;
    let state = ctx.state;
    let keywords: Vec<String> = b.title_keywords.iter().map(|k| k.to_lowercase()).collect();
    let rows = ctx.with_world(|w| {
        with_shop(state, w, shop, now, |w, s| {
            let shop_name = w
                .shops
                .get(&shop)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            s.open
                .values()
                .filter_map(|c| w.products.get(&c.product_id).map(|p| (c, p)))
                .filter(|(_, p)| keywords.iter().all(|k| p.title.to_lowercase().contains(k)))
                .filter(|(_, p)| category.is_none_or(|cat| p.category_id == cat))
                .filter(|(c, _)| {
                    rate_ge.is_none_or(|g| c.rate >= g) && rate_lt.is_none_or(|l| c.rate < l)
                })
                .filter(|(_, p)| {
                    let (lo, _) = price_range(w, p.id);
                    price_ge.is_none_or(|g| lo >= g) && price_lt.is_none_or(|l| lo < l)
                })
                .map(|(c, p)| {
                    let (lo, hi) = price_range(w, p.id);
                    let sold = units_sold(w, shop, p.id);
                    let commission = lo * c.rate / 10_000;
                    let range = json!({
                        "currency": region.currency(),
                        "minimum_amount": format_amount(lo, region),
                        "maximum_amount": format_amount(hi, region),
                    });
                    let chain: Vec<Value> = {
                        let mut chain = Vec::new();
                        let mut cat = p.category_id;
                        for _ in 0..10 {
                            let Some(cg) = w.categories.get(&cat) else {
                                break;
                            };
                            chain.push(json!({
                                "id": cg.id.to_string(),
                                "local_name": cg.local_name,
                                "is_leaf": cg.is_leaf,
                                "parent_id": cg.parent_id.to_string(),
                            }));
                            if cg.parent_id == 0 {
                                break;
                            }
                            cat = cg.parent_id;
                        }
                        chain.reverse();
                        chain
                    };
                    let key = match field.as_str() {
                        "product_sales_price" => lo,
                        "commission" => commission,
                        "units_sold" => sold,
                        _ => c.rate,
                    };
                    let item = json!({
                        "id": p.id.to_string(),
                        "title": p.title,
                        "has_inventory": p.skus.iter().any(|s| s.total_stock() > 0),
                        "units_sold": sold,
                        "sale_region": region.code(),
                        "main_image_url": image(p.id),
                        "detail_link": format!("https://shop.tiktok.com/view/product/{}", p.id),
                        "original_price": range,
                        "sales_price": range,
                        "category_chains": chain,
                        "commission": {
                            "rate": c.rate,
                            "currency": region.currency(),
                            "amount": format_amount(commission, region),
                        },
                        "shop": {"name": shop_name},
                    });
                    (key, p.id, item)
                })
                .collect::<Vec<_>>()
        })
    });
    let (items, next, total) = paginate(rows, order, page_size, token.as_deref())?;
    Ok(json!({"products": items, "next_page_token": next, "total_count": total}))
}

#[derive(Deserialize)]
struct TargetProduct {
    id: Value,
    target_commission_rate: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateTarget {
    name: Option<String>,
    message: Option<String>,
    end_time: Option<Value>,
    products: Vec<TargetProduct>,
    creator_user_ids: Vec<String>,
    seller_contact_info: Option<Value>,
    free_sample_rule: Option<Value>,
}

fn create_target(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let b: CreateTarget = ctx.json()?;
    let name = b.name.unwrap_or_default();
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid(format!(
            "name is required, at most {MAX_NAME} characters."
        )));
    }
    if b.message
        .as_deref()
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE)
    {
        return Err(ApiError::invalid(format!(
            "message can be at most {MAX_MESSAGE} characters."
        )));
    }
    let end_time = match &b.end_time {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid("end_time is required (unix seconds)."))?;
    if end_time <= ctx.now {
        return Err(ApiError::invalid("end_time must be in the future."));
    }
    if b.products.is_empty() || b.products.len() > MAX_TARGET_PRODUCTS {
        return Err(ApiError::invalid(format!(
            "products must list 1 to {MAX_TARGET_PRODUCTS} products."
        )));
    }
    if b.creator_user_ids.is_empty() || b.creator_user_ids.len() > MAX_TARGET_CREATORS {
        return Err(ApiError::invalid(format!(
            "creator_user_ids must list 1 to {MAX_TARGET_CREATORS} creators."
        )));
    }
    if b.creator_user_ids
        .iter()
        .any(|c| crate::world::parse_id(c).is_none())
    {
        return Err(ApiError::invalid(
            "creator_user_ids must be creator ids (digits).",
        ));
    }
    let email = b
        .seller_contact_info
        .as_ref()
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let valid_email = email.split_once('@').is_some_and(|(a, d)| {
        !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    });
    if !valid_email {
        return Err(ApiError::invalid(
            "seller_contact_info.email must be an e-mail address.",
        ));
    }
    if let Some(rule) = &b.free_sample_rule
        && !rule.is_object()
    {
        return Err(ApiError::invalid("free_sample_rule must be an object."));
    }
    let mut products = Vec::with_capacity(b.products.len());
    for p in &b.products {
        let pid = json_id(&p.id)
            .ok_or_else(|| ApiError::invalid(format!("Invalid product id {}.", p.id)))?;
        let rate = check_rate(p.target_commission_rate.as_ref(), "target_commission_rate")?;
        products.push((pid, rate));
    }
    let now = ctx.now;
    let state = ctx.state;
    let creators = b.creator_user_ids.clone();
    ctx.with_world(|w| {
        for (pid, _) in &products {
            eligible(w, shop, *pid)?;
        }
        with_shop(state, w, shop, now, |w, s| {
            // A creator already invited to a product by another live target collaboration conflicts.
            let mut conflicts = Vec::new();
            for t in s.targets.iter().filter(|t| t.end_time > now) {
                for (pid, _) in &products {
                    if t.products.iter().any(|(p, _)| p == pid) {
                        for c in &creators {
                            if t.creators.contains(c) {
                                conflicts.push(
                                    json!({"creator_user_id": c, "product_id": pid.to_string()}),
                                );
                            }
                        }
                    }
                }
            }
            let id = w.new_id(IdKind::Other);
            s.targets.push(TargetCollaboration {
                id,
                name: name.clone(),
                end_time,
                products: products.clone(),
                creators: creators.clone(),
            });
            Ok(json!({
                "target_collaboration": {"id": id.to_string()},
                "target_collaboration_conflicts": conflicts,
            }))
        })
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchOrders {
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    #[allow(dead_code)]
    program_id: Option<String>,
}

const AFFILIATE_CREATORS: &[&str] = &[
    "style.with.mia",
    "daily.deals.dan",
    "gadgetgrace",
    "homewithhana",
    "thrift.theo",
];

fn draw(seed: u64, id: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xA24B_AED4_963E_E407);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn search_orders(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let (page_size, token) = page(ctx, 50)?;
    let b: SearchOrders = ctx.json()?;
    if let (Some(ge), Some(lt)) = (b.create_time_ge, b.create_time_lt)
        && lt <= ge
    {
        return Err(ApiError::invalid(
            "create_time_lt must be after create_time_ge.",
        ));
    }
    let now = ctx.now;
    let state = ctx.state;
    let rows = ctx.with_world(|w| {
        with_shop(state, w, shop, now, |w, s| {
            let region = w.region_of(shop);
            let money = |m: i64| json!({"amount": format_amount(m, region), "currency": region.currency()});
            let from = b.create_time_ge.unwrap_or(i64::MIN);
            let to = b.create_time_lt.unwrap_or(i64::MAX);
            let mut rows = Vec::new();
            for (_, created, oid) in w.orders_by_create.range((shop, from, 0)..(shop, to, 0)) {
                let Some(o) = w.orders.get(oid) else { continue };
                if o.paid_time.is_none() || draw(w.seed, o.id, 21) >= 0.35 {
                    continue;
                }
                let creator = AFFILIATE_CREATORS[(draw(w.seed, o.id, 22) * AFFILIATE_CREATORS.len() as f64) as usize
                    % AFFILIATE_CREATORS.len()];
                // One entry per SKU, with the units of it in the order (a line item is one unit).
                let mut per_sku: BTreeMap<Id, (Id, i64, i64, i64)> = BTreeMap::new();
                for l in &o.line_items {
                    let Some(c) = s.open.get(&l.product_id) else { continue };
                    if c.start_time > o.create_time {
                        continue;
                    }
                    let e = per_sku.entry(l.sku_id).or_insert((l.product_id, l.sale_price, 0, 0));
                    e.2 += 1;
                    if l.is_cancelled {
                        e.3 += 1;
                    }
                }
                if per_sku.is_empty() {
                    continue;
                }
                let settled = matches!(o.status, OrderStatus::Completed);
                let skus: Vec<Value> = per_sku
                    .iter()
                    .map(|(sku, (pid, price, qty, refunded))| {
                        let c = &s.open[pid];
                        let base = price * (qty - refunded);
                        let commission = base * c.rate / 10_000;
                        json!({
                            "open_collaboration_id": c.id.to_string(),
                            "target_collaboration_id": "",
                            "campaign_id": "",
                            "creator_username": creator,
                            "price": money(*price),
                            "quantity": qty,
                            "content_type": if draw(w.seed, o.id, 23) < 0.7 { "VIDEO" } else { "LIVE" },
                            "content_id": format!("{}", 7_400_000_000_000_000_000u64 + o.id % 1_000_000),
                            "product_id": pid.to_string(),
                            "sku_id": sku.to_string(),
                            "commission_rate": c.rate.to_string(),
                            "estimated_commission_base": money(base),
                            "estimated_paid_commission": money(commission),
                            "actual_commission_base": money(if settled { base } else { 0 }),
                            "actual_paid_commission": money(if settled { commission } else { 0 }),
                            "refunded_quantity": refunded,
                            "returned_quantity": refunded,
                        })
                    })
                    .collect();
                let item = json!({
                    "id": o.id.to_string(),
                    "status": match o.status {
                        OrderStatus::Completed => "COMPLETED",
                        OrderStatus::Cancelled => "CANCELLED",
                        OrderStatus::Delivered => "DELIVERED",
                        _ => "ORDERED",
                    },
                    "create_time": o.create_time,
                    "delivery_time": o.delivery_time.unwrap_or(0),
                    "skus": skus,
                });
                rows.push((*created, o.id, item));
            }
            rows
        })
    });
    let (items, next, total) = paginate(rows, SortOrder::Desc, page_size, token.as_deref())?;
    Ok(json!({"orders": items, "next_page_token": next, "total_count": total}))
}
