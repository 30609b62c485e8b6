//! One page of a return or cancellation search, seeking the world's after-sales time index
//! (`returns_by_create`/`_update`, `cancellations_by_create`/`_update`) to the page token's place,
//! as the order search does: a page costs O(page size + log n) when only the shop and the sort
//! field's time window narrow the search; other filters are checked from the token's place onward.
//! With `return_ids` / `cancel_ids` the candidates are those ids alone. `total_count` is counted on
//! the first page (the shop's count when only the shop narrows it, the index range's length when
//! only the sort field's window does) and carried in the token (`sort_value:id:total_count`; the
//! older `sort_value:id` form is still read, and the count is then taken again).
//!
//! Public for the paging benchmark and tests (`benches/search_paging.rs`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::render::{cancellation_json, return_json};
use crate::routes::seek::{Key, SearchCursor, search_token, seek};
use crate::world::{CancelStatus, Cancellation, Id, ReturnOrder, ReturnStatus, ReturnType, World};

/// The filters both searches share.
#[derive(Clone, Debug)]
pub struct AfterSalesQuery {
    pub shop: Id,
    pub page_size: usize,
    /// Sorted by `update_time` (else `create_time`).
    pub update_sort: bool,
    pub desc: bool,
    /// `return_ids` / `cancel_ids`.
    pub ids: Vec<Id>,
    pub order_ids: Vec<Id>,
    pub buyers: Vec<Id>,
    pub create_ge: Option<i64>,
    pub create_lt: Option<i64>,
    pub update_ge: Option<i64>,
    pub update_lt: Option<i64>,
}

impl AfterSalesQuery {
    /// The whole shop, newest creation first (the searches' defaults), 50 a page.
    pub fn new(shop: Id) -> AfterSalesQuery {
        AfterSalesQuery {
            shop,
            page_size: 50,
            update_sort: false,
            desc: true,
            ids: Vec::new(),
            order_ids: Vec::new(),
            buyers: Vec::new(),
            create_ge: None,
            create_lt: None,
            update_ge: None,
            update_lt: None,
        }
    }

    /// The sort field's own window.
    fn sort_window(&self) -> (Option<i64>, Option<i64>) {
        if self.update_sort {
            (self.update_ge, self.update_lt)
        } else {
            (self.create_ge, self.create_lt)
        }
    }

    /// Whether nothing but the shop and the sort field's window narrows the search (before the
    /// kind's own filters).
    fn index_only(&self) -> bool {
        let (ge, lt) = if self.update_sort {
            (self.create_ge, self.create_lt)
        } else {
            (self.update_ge, self.update_lt)
        };
        self.ids.is_empty()
            && self.order_ids.is_empty()
            && self.buyers.is_empty()
            && ge.is_none()
            && lt.is_none()
    }

    fn matches(&self, w: &World, shop: Id, id: Id, order: Id, created: i64, updated: i64) -> bool {
        shop == self.shop
            && (self.ids.is_empty() || self.ids.contains(&id))
            && (self.order_ids.is_empty() || self.order_ids.contains(&order))
            && (self.buyers.is_empty()
                || w.orders
                    .get(&order)
                    .is_some_and(|o| self.buyers.contains(&o.user_id)))
            && window(created, self.create_ge, self.create_lt)
            && window(updated, self.update_ge, self.update_lt)
    }
}

fn window(v: i64, ge: Option<i64>, lt: Option<i64>) -> bool {
    ge.is_none_or(|g| v >= g) && lt.is_none_or(|l| v < l)
}

/// A return search.
#[derive(Clone, Debug)]
pub struct ReturnQuery {
    pub base: AfterSalesQuery,
    pub types: Vec<ReturnType>,
    pub statuses: Vec<ReturnStatus>,
}

/// A cancellation search (`cancel_types` is checked but, as before, does not narrow it).
#[derive(Clone, Debug)]
pub struct CancelQuery {
    pub base: AfterSalesQuery,
    pub statuses: Vec<CancelStatus>,
}

/// One page of a return search: `{return_orders, next_page_token, total_count}`.
pub fn return_page(w: &World, q: &ReturnQuery, cursor: Option<SearchCursor>) -> Value {
    let own = |r: &ReturnOrder| {
        (q.types.is_empty() || q.types.contains(&r.return_type))
            && (q.statuses.is_empty() || q.statuses.contains(&r.status))
    };
    let (items, next, total) = page(
        w,
        &q.base,
        Index {
            records: &w.returns,
            by_create: &w.returns_by_create,
            by_update: &w.returns_by_update,
            shop_count: w.shop_counts(q.base.shop).returns,
        },
        (own, q.types.is_empty() && q.statuses.is_empty()),
        cursor,
        |r| return_json(w, r),
    );
    json!({"return_orders": items, "next_page_token": next, "total_count": total})
}

/// One page of a cancellation search: `{cancellations, next_page_token, total_count}`.
pub fn cancel_page(w: &World, q: &CancelQuery, cursor: Option<SearchCursor>) -> Value {
    let own = |c: &Cancellation| q.statuses.is_empty() || q.statuses.contains(&c.status);
    let (items, next, total) = page(
        w,
        &q.base,
        Index {
            records: &w.cancellations,
            by_create: &w.cancellations_by_create,
            by_update: &w.cancellations_by_update,
            shop_count: w.shop_counts(q.base.shop).cancellations,
        },
        (own, q.statuses.is_empty()),
        cursor,
        |c| cancellation_json(w, c),
    );
    json!({"cancellations": items, "next_page_token": next, "total_count": total})
}

/// What the shared filters read of a return or a cancellation.
trait Record {
    fn id(&self) -> Id;
    fn shop(&self) -> Id;
    fn order(&self) -> Id;
    fn created(&self) -> i64;
    fn updated(&self) -> i64;
}

macro_rules! record {
    ($t:ty) => {
        impl Record for $t {
            fn id(&self) -> Id {
                self.id
            }
            fn shop(&self) -> Id {
                self.shop_id
            }
            fn order(&self) -> Id {
                self.order_id
            }
            fn created(&self) -> i64 {
                self.create_time
            }
            fn updated(&self) -> i64 {
                self.update_time
            }
        }
    };
}
record!(ReturnOrder);
record!(Cancellation);

/// A kind of record with its time indexes and the shop's count of them.
struct Index<'a, R> {
    records: &'a BTreeMap<Id, R>,
    by_create: &'a BTreeSet<Key>,
    by_update: &'a BTreeSet<Key>,
    shop_count: usize,
}

/// (page items, next_page_token, total_count). `own` is the kind's own filter and whether it is
/// empty.
fn page<R: Record>(
    w: &World,
    q: &AfterSalesQuery,
    ix: Index<'_, R>,
    (own, own_empty): (impl Fn(&R) -> bool, bool),
    cursor: Option<SearchCursor>,
    render: impl Fn(&R) -> Value,
) -> (Vec<Value>, String, usize) {
    let shop = q.shop;
    let matches =
        |r: &R| own(r) && q.matches(w, r.shop(), r.id(), r.order(), r.created(), r.updated());
    // With ids, the candidates are those ids alone (in the shop), as a small index of their own.
    let small: BTreeSet<Key>;
    let index = if !q.ids.is_empty() {
        small = q
            .ids
            .iter()
            .filter_map(|id| ix.records.get(id))
            .filter(|r| r.shop() == shop)
            .map(|r| {
                let t = if q.update_sort {
                    r.updated()
                } else {
                    r.created()
                };
                (shop, t, r.id())
            })
            .collect();
        &small
    } else if q.update_sort {
        ix.by_update
    } else {
        ix.by_create
    };
    let (ge, lt) = q.sort_window();
    let lo = (shop, ge.unwrap_or(i64::MIN), 0);
    let hi = match lt {
        Some(lt) => (shop, lt, 0),
        None => (shop, i64::MAX, Id::MAX),
    };
    let total = match cursor.and_then(|c| c.2) {
        Some(total) => total,
        None if lo >= hi => 0,
        // Only the shop narrows it: the shop's count (O(1)).
        None if own_empty && q.index_only() && ge.is_none() && lt.is_none() => ix.shop_count,
        None if own_empty && q.index_only() => index.range(lo..hi).count(),
        None => index
            .range(lo..hi)
            .filter(|&&(_, _, id)| ix.records.get(&id).is_some_and(&matches))
            .count(),
    };
    let mut items = Vec::new();
    let mut last = None;
    let mut more = false;
    for &(_, t, id) in seek(
        index,
        lo,
        hi,
        cursor.map(|(t, id, _)| (shop, t, id)),
        q.desc,
    ) {
        let Some(r) = ix.records.get(&id) else {
            continue;
        };
        if !matches(r) {
            continue;
        }
        if items.len() == q.page_size {
            more = true;
            break;
        }
        items.push(render(r));
        last = Some((t, id));
    }
    let next = match last {
        Some((t, id)) if more => search_token(t, id, total),
        _ => String::new(),
    };
    (items, next, total)
}
