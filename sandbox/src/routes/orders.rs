//! Orders: search (paging in the query, filters in the body) and detail by ids (202309 and 202507).

use std::collections::BTreeSet;

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, op};
pub use crate::routes::seek::{SearchCursor, parse_search_token};
use crate::routes::seek::{search_token, seek};
use crate::world::json::order_json;
use crate::world::{Id, Order, OrderStatus, World, parse_id};

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
        Some(t) => Some(parse_search_token(t)?),
        None => None,
    };
    let body = ctx.json_value()?;
    let mut q = OrderQuery::from_body(&body)?;
    q.shop = shop;
    q.page_size = page_size;
    q.update_sort = field == SortField::Update;
    q.desc = desc;
    ctx.with_world(|w| Ok(search_page(w, &q, cursor)))
}

/// An order search, as read from the request (public for the paging benchmark).
#[derive(Clone, Debug)]
pub struct OrderQuery {
    pub shop: Id,
    pub page_size: usize,
    /// Sorted by `update_time` (else `create_time`).
    pub update_sort: bool,
    pub desc: bool,
    pub status: Option<OrderStatus>,
    pub create_ge: i64,
    pub create_lt: i64,
    pub update_ge: i64,
    pub update_lt: i64,
    pub shipping_type: Option<String>,
    pub buyer: Option<Id>,
    pub is_buyer_request_cancel: Option<bool>,
    pub warehouses: Vec<Id>,
}

impl OrderQuery {
    /// The whole shop, newest update first, 100 a page.
    pub fn new(shop: Id) -> OrderQuery {
        OrderQuery {
            shop,
            page_size: 100,
            update_sort: true,
            desc: true,
            status: None,
            create_ge: i64::MIN,
            create_lt: i64::MAX,
            update_ge: i64::MIN,
            update_lt: i64::MAX,
            shipping_type: None,
            buyer: None,
            is_buyer_request_cancel: None,
            warehouses: Vec::new(),
        }
    }

    fn from_body(body: &Value) -> Result<OrderQuery, ApiError> {
        let status = match body.get("order_status") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                OrderStatus::parse(s)
                    .ok_or_else(|| ApiError::invalid(format!("Unknown order_status {s:?}.")))?,
            ),
            Some(_) => return Err(ApiError::invalid("order_status must be a string.")),
        };
        let q = OrderQuery {
            status,
            create_ge: opt_i64(body, "create_time_ge")?.unwrap_or(i64::MIN),
            create_lt: opt_i64(body, "create_time_lt")?.unwrap_or(i64::MAX),
            update_ge: opt_i64(body, "update_time_ge")?.unwrap_or(i64::MIN),
            update_lt: opt_i64(body, "update_time_lt")?.unwrap_or(i64::MAX),
            shipping_type: body
                .get("shipping_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            buyer: body
                .get("buyer_user_id")
                .and_then(Value::as_str)
                .and_then(parse_id),
            is_buyer_request_cancel: body.get("is_buyer_request_cancel").and_then(Value::as_bool),
            warehouses: body
                .get("warehouse_ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(crate::protocol::json_id).collect())
                .unwrap_or_default(),
            ..OrderQuery::new(0)
        };
        if q.create_ge >= q.create_lt || q.update_ge >= q.update_lt {
            return Err(ApiError::invalid(
                "The time window is empty: *_ge must be before *_lt.",
            ));
        }
        Ok(q)
    }

    /// Whether only the sort field's own time window narrows the search (then the index alone
    /// answers it, and its count is the range's length).
    fn index_only(&self) -> bool {
        let (ge, lt) = if self.update_sort {
            (self.create_ge, self.create_lt)
        } else {
            (self.update_ge, self.update_lt)
        };
        self.status.is_none()
            && ge == i64::MIN
            && lt == i64::MAX
            && self.shipping_type.is_none()
            && self.buyer.is_none()
            && self.is_buyer_request_cancel.is_none()
            && self.warehouses.is_empty()
    }
}

/// One page of an order search: seeks the sort field's index to the token's place and reads on
/// until the page is full (plus one order, to know whether there is more), so a page costs
/// O(page size + log n) when only the shop and time windows narrow it. `total_count` is counted
/// on the first page (taken from the shop's count when only the shop narrows the search) and
/// carried in the token.
pub fn search_page(w: &World, q: &OrderQuery, cursor: Option<SearchCursor>) -> Value {
    let shop = q.shop;
    let pending_cancel: BTreeSet<Id> = if q.is_buyer_request_cancel.is_some() {
        // The shop's cancellations only (its range of the cancellation index).
        w.cancellations_by_create
            .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .filter_map(|&(_, _, id)| w.cancellations.get(&id))
            .filter(|c| c.status == crate::world::CancelStatus::RequestPending)
            .map(|c| c.order_id)
            .collect()
    } else {
        Default::default()
    };
    let matches = |o: &Order| {
        q.status.is_none_or(|s| o.status == s)
            && o.create_time >= q.create_ge
            && o.create_time < q.create_lt
            && o.update_time >= q.update_ge
            && o.update_time < q.update_lt
            && q.shipping_type
                .as_deref()
                .is_none_or(|t| o.shipping_type.as_str() == t)
            && q.buyer.is_none_or(|b| o.user_id == b)
            && (q.warehouses.is_empty() || q.warehouses.contains(&o.warehouse_id))
            && q.is_buyer_request_cancel
                .is_none_or(|want| pending_cancel.contains(&o.id) == want)
    };
    // The index of the sort field, narrowed by its own window.
    let (index, lo, hi) = if q.update_sort {
        (&w.orders_by_update, q.update_ge, q.update_lt)
    } else {
        (&w.orders_by_create, q.create_ge, q.create_lt)
    };
    let (lo, hi) = ((shop, lo, 0), (shop, hi, 0));
    let total = match cursor.and_then(|c| c.2) {
        Some(total) => total,
        // Only the shop narrows it: the shop's count (O(1)).
        None if q.index_only() && lo.1 == i64::MIN && hi.1 == i64::MAX => {
            w.shop_counts(shop).orders
        }
        None if q.index_only() => index.range(lo..hi).count(),
        None => index
            .range(lo..hi)
            .filter(|&&(_, _, id)| w.orders.get(&id).is_some_and(matches))
            .count(),
    };
    let entries = seek(
        index,
        lo,
        hi,
        cursor.map(|(t, id, _)| (shop, t, id)),
        q.desc,
    );
    let mut page = Vec::new();
    let mut last = None;
    let mut more = false;
    for &(_, t, id) in entries {
        let Some(o) = w.orders.get(&id) else { continue };
        if !matches(o) {
            continue;
        }
        if page.len() == q.page_size {
            more = true;
            break;
        }
        page.push(order_json(w, o));
        last = Some((t, id));
    }
    let next = match last {
        Some((t, id)) if more => search_token(t, id, total),
        _ => String::new(),
    };
    json!({"orders": page, "next_page_token": next, "total_count": total})
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
