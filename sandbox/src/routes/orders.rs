//! Orders: search (paging in the query, filters in the body) and detail by ids (202309 and 202507).

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{
    ApiError, ApiResult, Category, Ctx, Scope, op, page_token, parse_page_token,
};
use crate::world::json::order_json;
use crate::world::{Id, Order, OrderStatus, parse_id};

/// Ids per order detail call.
pub const MAX_DETAIL_IDS: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Orders as C;
    use Scope::Shop as S;
    op(
        cfg,
        Method::POST,
        "/order/202309/orders/search",
        C,
        S,
        search,
    );
    for path in ["/order/202309/orders", "/order/202507/orders"] {
        op(cfg, Method::GET, path, C, S, detail);
    }
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortField {
    Create,
    Update,
}

/// `POST /order/202309/orders/search?page_size=1..100&page_token=&sort_field=&sort_order=`.
fn search(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 100)?;
    let field = match ctx.query("sort_field").unwrap_or("create_time") {
        "create_time" => SortField::Create,
        "update_time" => SortField::Update,
        other => {
            return Err(ApiError::invalid(format!(
                "sort_field must be create_time or update_time, got {other:?}."
            )));
        }
    };
    let desc = match ctx.query("sort_order").unwrap_or("DESC") {
        "ASC" => false,
        "DESC" => true,
        other => {
            return Err(ApiError::invalid(format!(
                "sort_order must be ASC or DESC, got {other:?}."
            )));
        }
    };
    let cursor = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token(t)?),
        None => None,
    };
    let body = ctx.json_value()?;
    let status = match body.get("order_status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            OrderStatus::parse(s)
                .ok_or_else(|| ApiError::invalid(format!("Unknown order_status {s:?}.")))?,
        ),
        Some(_) => return Err(ApiError::invalid("order_status must be a string.")),
    };
    let cge = opt_i64(&body, "create_time_ge")?.unwrap_or(i64::MIN);
    let clt = opt_i64(&body, "create_time_lt")?.unwrap_or(i64::MAX);
    let uge = opt_i64(&body, "update_time_ge")?.unwrap_or(i64::MIN);
    let ult = opt_i64(&body, "update_time_lt")?.unwrap_or(i64::MAX);
    if cge >= clt || uge >= ult {
        return Err(ApiError::invalid(
            "The time window is empty: *_ge must be before *_lt.",
        ));
    }
    let shipping_type = body
        .get("shipping_type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let buyer = body
        .get("buyer_user_id")
        .and_then(Value::as_str)
        .and_then(parse_id);
    let is_buyer_request_cancel = body.get("is_buyer_request_cancel").and_then(Value::as_bool);
    let warehouses: Vec<Id> = body
        .get("warehouse_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(crate::protocol::json_id).collect())
        .unwrap_or_default();

    ctx.with_world(|w| {
        let pending_cancel: std::collections::BTreeSet<Id> = if is_buyer_request_cancel.is_some() {
            w.cancellations
                .values()
                .filter(|c| {
                    c.shop_id == shop && c.status == crate::world::CancelStatus::RequestPending
                })
                .map(|c| c.order_id)
                .collect()
        } else {
            Default::default()
        };
        let matches = |o: &Order| {
            status.is_none_or(|s| o.status == s)
                && o.create_time >= cge
                && o.create_time < clt
                && o.update_time >= uge
                && o.update_time < ult
                && shipping_type
                    .as_deref()
                    .is_none_or(|t| o.shipping_type.as_str() == t)
                && buyer.is_none_or(|b| o.user_id == b)
                && (warehouses.is_empty() || warehouses.contains(&o.warehouse_id))
                && is_buyer_request_cancel.is_none_or(|want| pending_cancel.contains(&o.id) == want)
        };
        // Walk the index of the sort field, narrowed by its own window.
        let (index, lo, hi) = match field {
            SortField::Create => (&w.orders_by_create, cge, clt),
            SortField::Update => (&w.orders_by_update, uge, ult),
        };
        let range = index.range((shop, lo, 0)..(shop, hi, 0));
        let entries: Box<dyn Iterator<Item = &(Id, i64, Id)>> = if desc {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        let mut total = 0usize;
        let mut page = Vec::new();
        let mut last = None;
        let mut more = false;
        for &(_, t, id) in entries {
            let Some(o) = w.orders.get(&id) else { continue };
            if !matches(o) {
                continue;
            }
            total += 1;
            if let Some(c) = cursor {
                let past = if desc { (t, id) < c } else { (t, id) > c };
                if !past {
                    continue;
                }
            }
            if page.len() < page_size {
                page.push(order_json(w, o));
                last = Some((t, id));
            } else {
                more = true;
            }
        }
        let next = match last {
            Some((t, id)) if more => page_token(t, id),
            _ => String::new(),
        };
        Ok(json!({"orders": page, "next_page_token": next, "total_count": total}))
    })
}

/// `GET /order/{202309|202507}/orders?ids=a,b` (1 to 50 ids); ids not in the shop are left out.
fn detail(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let raw = ctx.query_list("ids");
    if raw.is_empty() {
        return Err(ApiError::invalid("ids is required."));
    }
    if raw.len() > MAX_DETAIL_IDS {
        return Err(ApiError::invalid(format!(
            "At most {MAX_DETAIL_IDS} ids per call."
        )));
    }
    let ids: Vec<Id> = raw
        .iter()
        .map(|s| parse_id(s).ok_or_else(|| ApiError::invalid(format!("Invalid order id {s:?}."))))
        .collect::<Result<_, _>>()?;
    ctx.with_world(|w| {
        let orders: Vec<Value> = ids
            .iter()
            .filter_map(|id| w.orders.get(id))
            .filter(|o| o.shop_id == shop)
            .map(|o| order_json(w, o))
            .collect();
        Ok(json!({"orders": orders}))
    })
}
