//! Return and cancellation search paging: a walk (pages of 1, 7 and 50, both sort fields, both
//! orders) visits every record once, in order, with the right `total_count` on every page; every
//! page is the one the search answered before it seeked an index (the shop's records filtered and
//! sorted on each page), filters included; records that change status mid-walk move as the README
//! says; and the world's time indexes and per-shop counts stay equal to a walk after the living shop
//! has traded for a while.

use std::collections::HashSet;

use serde_json::Value;
use tiktok_sandbox::SandboxConfig;
use tiktok_sandbox::routes::returns::{
    AfterSalesQuery, CancelQuery, ReturnQuery, cancel_page, cancellation_json, return_json,
    return_page, set_cancel_status, set_return_status,
};
use tiktok_sandbox::routes::seek::{SearchCursor, parse_search_token};
use tiktok_sandbox::state::SandboxState;
use tiktok_sandbox::world::generate::generate;
use tiktok_sandbox::world::{CancelStatus, Id, ReturnStatus, ReturnType, World};

const NOW: i64 = 1_760_000_000;

fn world() -> (World, Id) {
    let config = SandboxConfig {
        orders: 3000,
        products: 20,
        ..SandboxConfig::default()
    };
    let w = generate(&config, NOW);
    let shop = *w.shops.keys().next().unwrap();
    w.check_indexes().unwrap();
    (w, shop)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Returns,
    Cancels,
}

/// A search of either kind with the shared filters in `base` and the statuses (as indexes into
/// each kind's statuses).
#[derive(Clone)]
struct Q {
    kind: Kind,
    base: AfterSalesQuery,
    statuses: Vec<usize>,
    types: Vec<ReturnType>,
}

const RETURN_STATUSES: [ReturnStatus; 6] = [
    ReturnStatus::RequestPending,
    ReturnStatus::AwaitingBuyerShip,
    ReturnStatus::BuyerShippedItem,
    ReturnStatus::RequestComplete,
    ReturnStatus::RequestReject,
    ReturnStatus::RequestSuccess,
];
const CANCEL_STATUSES: [CancelStatus; 3] = [
    CancelStatus::RequestPending,
    CancelStatus::RequestComplete,
    CancelStatus::RequestReject,
];

impl Q {
    fn new(kind: Kind, shop: Id) -> Q {
        Q {
            kind,
            base: AfterSalesQuery::new(shop),
            statuses: Vec::new(),
            types: Vec::new(),
        }
    }

    fn page(&self, w: &World, cursor: Option<SearchCursor>) -> Value {
        match self.kind {
            Kind::Returns => return_page(
                w,
                &ReturnQuery {
                    base: self.base.clone(),
                    types: self.types.clone(),
                    statuses: self.statuses.iter().map(|&i| RETURN_STATUSES[i]).collect(),
                },
                cursor,
            ),
            Kind::Cancels => cancel_page(
                w,
                &CancelQuery {
                    base: self.base.clone(),
                    statuses: self.statuses.iter().map(|&i| CANCEL_STATUSES[i]).collect(),
                },
                cursor,
            ),
        }
    }

    fn list(&self) -> &'static str {
        match self.kind {
            Kind::Returns => "return_orders",
            Kind::Cancels => "cancellations",
        }
    }

    fn sort_key(&self, item: &Value) -> (i64, Id) {
        let id = match self.kind {
            Kind::Returns => &item["return_id"],
            Kind::Cancels => &item["cancel_id"],
        };
        let t = if self.base.update_sort {
            &item["update_time"]
        } else {
            &item["create_time"]
        };
        (t.as_i64().unwrap(), id.as_str().unwrap().parse().unwrap())
    }

    /// The search as it was: every record of the shop filtered, sorted, in walk order, rendered.
    fn reference(&self, w: &World) -> Vec<((i64, Id), Value)> {
        let b = &self.base;
        let window = |v: i64, ge: Option<i64>, lt: Option<i64>| {
            ge.is_none_or(|g| v >= g) && lt.is_none_or(|l| v < l)
        };
        let shared = |shop: Id, id: Id, order: Id, created: i64, updated: i64| {
            shop == b.shop
                && (b.ids.is_empty() || b.ids.contains(&id))
                && (b.order_ids.is_empty() || b.order_ids.contains(&order))
                && (b.buyers.is_empty()
                    || w.orders
                        .get(&order)
                        .is_some_and(|o| b.buyers.contains(&o.user_id)))
                && window(created, b.create_ge, b.create_lt)
                && window(updated, b.update_ge, b.update_lt)
        };
        let key = |c: i64, u: i64, id: Id| (if b.update_sort { u } else { c }, id);
        let mut rows: Vec<((i64, Id), Value)> = match self.kind {
            Kind::Returns => w
                .returns
                .values()
                .filter(|r| shared(r.shop_id, r.id, r.order_id, r.create_time, r.update_time))
                .filter(|r| self.types.is_empty() || self.types.contains(&r.return_type))
                .filter(|r| {
                    self.statuses.is_empty()
                        || self
                            .statuses
                            .iter()
                            .any(|&i| RETURN_STATUSES[i] == r.status)
                })
                .map(|r| (key(r.create_time, r.update_time, r.id), return_json(w, r)))
                .collect(),
            Kind::Cancels => w
                .cancellations
                .values()
                .filter(|c| shared(c.shop_id, c.id, c.order_id, c.create_time, c.update_time))
                .filter(|c| {
                    self.statuses.is_empty()
                        || self
                            .statuses
                            .iter()
                            .any(|&i| CANCEL_STATUSES[i] == c.status)
                })
                .map(|c| {
                    (
                        key(c.create_time, c.update_time, c.id),
                        cancellation_json(w, c),
                    )
                })
                .collect(),
        };
        rows.sort_by_key(|(k, _)| *k);
        if b.desc {
            rows.reverse();
        }
        rows
    }
}

/// Walks every page, checking each against the search as it was; `mid` runs once after the page it
/// names. Returns the keys served, in order.
fn walk(w: &mut World, q: &Q, mid: Option<(usize, &dyn Fn(&mut World))>) -> Vec<(i64, Id)> {
    let first_total = q.reference(w).len();
    let mut seen = Vec::new();
    let mut cursor: Option<SearchCursor> = None;
    for n in 0.. {
        let page = q.page(w, cursor);
        // Counted on the first page, carried on.
        assert_eq!(page["total_count"].as_u64().unwrap() as usize, first_total);
        let items = page[q.list()].as_array().unwrap().clone();
        let next = page["next_page_token"].as_str().unwrap().to_string();
        {
            // The page the search answered before, item for item, and a token exactly when more
            // (mid-walk too: only its total_count was taken again on every page).
            let rest: Vec<_> = q
                .reference(w)
                .into_iter()
                .filter(|(k, _)| match cursor {
                    None => true,
                    Some((t, id, _)) if q.base.desc => *k < (t, id),
                    Some((t, id, _)) => *k > (t, id),
                })
                .collect();
            let want: Vec<Value> = rest
                .iter()
                .take(q.base.page_size)
                .map(|(_, v)| v.clone())
                .collect();
            assert_eq!(items, want, "page {n}");
            assert_eq!(!next.is_empty(), rest.len() > q.base.page_size, "page {n}");
        }
        assert!(items.len() <= q.base.page_size);
        seen.extend(items.iter().map(|i| q.sort_key(i)));
        if next.is_empty() {
            break;
        }
        assert_eq!(items.len(), q.base.page_size);
        let c = parse_search_token(&next).unwrap();
        assert_eq!(c.2, Some(first_total));
        cursor = Some(c);
        if let Some((at, f)) = &mid
            && *at == n
        {
            f(w);
        }
    }
    seen
}

#[test]
fn walks_visit_every_record_once_in_order() {
    let (mut w, shop) = world();
    for kind in [Kind::Returns, Kind::Cancels] {
        let all = Q::new(kind, shop).reference(&w).len();
        assert!(all >= 60, "only {all} records to walk");
        for update_sort in [false, true] {
            for desc in [false, true] {
                for page_size in [1, 7, 50] {
                    let mut q = Q::new(kind, shop);
                    q.base.update_sort = update_sort;
                    q.base.desc = desc;
                    q.base.page_size = page_size;
                    let seen = walk(&mut w, &q, None);
                    let want: Vec<(i64, Id)> =
                        q.reference(&w).into_iter().map(|(k, _)| k).collect();
                    assert_eq!(seen.len(), all);
                    assert_eq!(
                        seen, want,
                        "update_sort={update_sort} desc={desc} {page_size}"
                    );
                    let unique: HashSet<_> = seen.iter().collect();
                    assert_eq!(unique.len(), all);
                }
            }
        }
    }
}

#[test]
fn filtered_walks_answer_what_the_search_answered_before() {
    let (mut w, shop) = world();
    let mid = |v: Vec<i64>| {
        let mut v = v;
        v.sort();
        (v[v.len() / 3], v[2 * v.len() / 3])
    };
    let (c1, c2) = mid(w.returns.values().map(|r| r.create_time).collect());
    let (u1, u2) = mid(w.returns.values().map(|r| r.update_time).collect());
    let some_returns: Vec<Id> = w.returns.keys().step_by(5).copied().collect();
    let some_cancels: Vec<Id> = w.cancellations.keys().step_by(3).copied().collect();
    let some_orders: Vec<Id> = w
        .returns
        .values()
        .map(|r| r.order_id)
        .chain(w.cancellations.values().map(|c| c.order_id))
        .step_by(2)
        .collect();
    let buyers: Vec<Id> = w.orders.values().map(|o| o.user_id).step_by(4).collect();
    let mut queries = Vec::new();
    for kind in [Kind::Returns, Kind::Cancels] {
        for update_sort in [false, true] {
            for desc in [false, true] {
                let q = Q::new(kind, shop);
                let mut variants: Vec<Box<dyn Fn(&mut Q)>> = vec![
                    Box::new(|q| q.base.create_ge = Some(c1)),
                    Box::new(|q| q.base.create_lt = Some(c2)),
                    Box::new(|q| (q.base.update_ge, q.base.update_lt) = (Some(u1), Some(u2))),
                    Box::new(|q| (q.base.create_ge, q.base.update_lt) = (Some(c1), Some(u2))),
                    Box::new(|q| (q.base.create_ge, q.base.create_lt) = (Some(c2), Some(c1))),
                    Box::new(|q| q.statuses = vec![0]),
                    Box::new(|q| q.statuses = vec![1, 2]),
                    Box::new(|q| q.base.order_ids = some_orders.clone()),
                    Box::new(|q| q.base.buyers = buyers.clone()),
                    Box::new(|q| q.base.ids = [&some_returns[..], &some_cancels[..]].concat()),
                    Box::new(|q| q.base.ids = vec![some_returns[0], some_returns[0], 1]),
                    Box::new(|q| (q.base.shop, q.base.ids) = (1, some_returns.clone())),
                ];
                if kind == Kind::Returns {
                    variants.push(Box::new(|q| q.types = vec![ReturnType::Refund]));
                }
                for f in variants {
                    let mut q = q.clone();
                    q.base.update_sort = update_sort;
                    q.base.desc = desc;
                    q.base.page_size = 7;
                    f(&mut q);
                    queries.push(q);
                }
            }
        }
    }
    let mut nonempty = 0;
    for q in &queries {
        let seen = walk(&mut w, q, None);
        let want: Vec<(i64, Id)> = q.reference(&w).into_iter().map(|(k, _)| k).collect();
        assert_eq!(seen, want);
        nonempty += usize::from(!seen.is_empty());
    }
    assert!(
        nonempty * 4 > queries.len() * 3,
        "{nonempty} of {}",
        queries.len()
    );
}

#[test]
fn records_changing_status_mid_walk_move_like_orders() {
    let (mut w, shop) = world();
    for kind in [Kind::Returns, Kind::Cancels] {
        let mut q = Q::new(kind, shop);
        q.base.update_sort = true;
        q.base.desc = false;
        q.base.page_size = 7;
        let all: Vec<(i64, Id)> = q.reference(&w).into_iter().map(|(k, _)| k).collect();
        // One record already served (page 1) and one not yet served (far ahead) change status:
        // their update time moves to the newest.
        let (served, ahead) = (all[3].1, all[all.len() - 5].1);
        let bump = move |w: &mut World| match kind {
            Kind::Returns => {
                for (id, at) in [(served, NOW + 1000), (ahead, NOW + 1001)] {
                    let to = if w.returns[&id].status == ReturnStatus::RequestCancel {
                        ReturnStatus::RequestComplete
                    } else {
                        ReturnStatus::RequestCancel
                    };
                    assert!(set_return_status(w, id, to, at));
                }
            }
            Kind::Cancels => {
                for (id, at) in [(served, NOW + 1000), (ahead, NOW + 1001)] {
                    let to = if w.cancellations[&id].status == CancelStatus::RequestCancel {
                        CancelStatus::RequestReject
                    } else {
                        CancelStatus::RequestCancel
                    };
                    assert!(set_cancel_status(w, id, to, at));
                }
            }
        };
        let seen = walk(&mut w, &q, Some((2, &bump)));
        w.check_indexes().unwrap();
        let moved: HashSet<Id> = [served, ahead].into();
        let still: Vec<(i64, Id)> = seen
            .iter()
            .copied()
            .filter(|(_, id)| !moved.contains(id))
            .collect();
        let want: Vec<(i64, Id)> = all
            .iter()
            .copied()
            .filter(|(_, id)| !moved.contains(id))
            .collect();
        assert_eq!(
            still, want,
            "records that did not move: once each, in order"
        );
        // Ascending by update time, a moved record is served again at its new place (the one
        // already served) or only there (the one not yet reached): the walk ends with both.
        let tail: Vec<Id> = seen[seen.len() - 2..].iter().map(|&(_, id)| id).collect();
        assert_eq!(tail, vec![served, ahead]);
        assert_eq!(seen.iter().filter(|(_, id)| *id == served).count(), 2);
        assert_eq!(seen.iter().filter(|(_, id)| *id == ahead).count(), 1);
        // A token of the older two-part form is still read: the count is taken again.
        let (t, id, _) =
            parse_search_token(q.page(&w, None)["next_page_token"].as_str().unwrap()).unwrap();
        let page = q.page(&w, Some((t, id, None)));
        assert_eq!(page["total_count"].as_u64().unwrap() as usize, all.len());
    }
}

#[test]
fn indexes_and_counts_match_a_walk_after_the_living_shop_trades() {
    let state = SandboxState::new(SandboxConfig {
        orders: 200,
        products: 20,
        ..SandboxConfig::default()
    });
    state.with_world(|w| w.check_indexes()).unwrap();
    // Three days of trade a minute at a time (orders, cancellations, returns, deadlines).
    for _ in 0..3 {
        tiktok_sandbox::living::simulate(&state, 24 * 60, 0.5, true);
        state.with_world(|w| w.check_indexes()).unwrap();
    }
    let (returns, cancels) = state.with_world(|w| (w.returns.len(), w.cancellations.len()));
    assert!(returns > 0 && cancels > 0);
    // The O(1) total agrees with the walk it replaces.
    state.with_world(|w| {
        for &shop in w.shops.keys() {
            for kind in [Kind::Returns, Kind::Cancels] {
                let q = Q::new(kind, shop);
                let total = q.page(w, None)["total_count"].as_u64().unwrap() as usize;
                assert_eq!(total, q.reference(w).len());
            }
        }
    });
}
