//! Return and cancellation search paging, pages of 50 by create time (newest first, the searches'
//! defaults) for one shop of 10,000 and of 1,000,000 of each: a whole walk, the first page and a
//! page 90 % deep. "before" replays the search as it was (the shop's records filtered, the rows past
//! the token sorted, on every page), sampled on a few pages where a whole walk would take too long.
//! Then the order search's first page (pages of 100 by update time, newest first) at 10,000 and
//! 1,000,000 orders: its `total_count` is now the shop's count when only the shop narrows the
//! search, and the index range's length with a time window.
//!
//! `cargo bench -p tiktok-sandbox --bench search_paging`

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Value, json};
use tiktok_sandbox::SandboxConfig;
use tiktok_sandbox::protocol::page_token;
use tiktok_sandbox::routes::orders::{OrderQuery, search_page};
use tiktok_sandbox::routes::returns::{
    AfterSalesQuery, CancelQuery, ReturnQuery, cancel_page, cancellation_json, return_json,
    return_page,
};
use tiktok_sandbox::routes::seek::{SearchCursor, parse_search_token};
use tiktok_sandbox::world::generate::generate;
use tiktok_sandbox::world::{Id, World};

const NOW: i64 = 1_760_000_000;
const PAGE: usize = 50;

/// One shop of `n` orders, `n` returns and `n` cancellations: the generated shop's, copied with new
/// ids and times further back.
fn world(n: usize) -> (World, Id) {
    let config = SandboxConfig {
        orders: n.min(10_000),
        products: 20,
        ..SandboxConfig::default()
    };
    let mut w = generate(&config, NOW);
    let shop = *w.shops.keys().next().unwrap();
    let orders: Vec<_> = w
        .orders
        .values()
        .filter(|o| o.shop_id == shop)
        .cloned()
        .collect();
    for i in orders.len()..n {
        let mut o = orders[i % orders.len()].clone();
        o.id = (1 << 60) + i as u64;
        o.create_time = NOW - 90 * 86400 - i as i64;
        o.update_time = o.create_time + (i % 5000) as i64;
        o.on_hold_until = None;
        w.insert_order(o);
    }
    let returns: Vec<_> = w
        .returns
        .values()
        .filter(|r| r.shop_id == shop)
        .cloned()
        .collect();
    for i in returns.len()..n {
        let mut r = returns[i % returns.len()].clone();
        r.id = (1 << 61) + i as u64;
        r.create_time = NOW - 90 * 86400 - i as i64;
        r.update_time = r.create_time + (i % 5000) as i64;
        r.records = Vec::new();
        w.insert_return(r);
    }
    let cancels: Vec<_> = w
        .cancellations
        .values()
        .filter(|c| c.shop_id == shop)
        .cloned()
        .collect();
    for i in cancels.len()..n {
        let mut c = cancels[i % cancels.len()].clone();
        c.id = (1 << 62) + i as u64;
        c.create_time = NOW - 90 * 86400 - i as i64;
        c.update_time = c.create_time + (i % 5000) as i64;
        w.insert_cancellation(c);
    }
    (w, shop)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Returns,
    Cancels,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Returns => "returns      ",
            Kind::Cancels => "cancellations",
        }
    }

    fn page(self, w: &World, shop: Id, cursor: Option<SearchCursor>) -> Value {
        let base = AfterSalesQuery {
            page_size: PAGE,
            ..AfterSalesQuery::new(shop)
        };
        match self {
            Kind::Returns => return_page(
                w,
                &ReturnQuery {
                    base,
                    types: Vec::new(),
                    statuses: Vec::new(),
                },
                cursor,
            ),
            Kind::Cancels => cancel_page(
                w,
                &CancelQuery {
                    base,
                    statuses: Vec::new(),
                },
                cursor,
            ),
        }
    }

    /// The search as it was: the shop's records filtered into rows (all counted), the rows past the
    /// token sorted, the page rendered (`paginate` before the index).
    fn old_page(self, w: &World, shop: Id, after: Option<(i64, Id)>) -> Value {
        let (items, next, total) = match self {
            Kind::Returns => {
                let rows = w
                    .returns
                    .values()
                    .filter(|r| r.shop_id == shop)
                    .map(|r| (r.create_time, r.id, r))
                    .collect();
                let (page, next, total) = paginate(rows, after);
                let items: Vec<Value> = page.into_iter().map(|r| return_json(w, r)).collect();
                (items, next, total)
            }
            Kind::Cancels => {
                let rows = w
                    .cancellations
                    .values()
                    .filter(|c| c.shop_id == shop)
                    .map(|c| (c.create_time, c.id, c))
                    .collect();
                let (page, next, total) = paginate(rows, after);
                let items: Vec<Value> = page.into_iter().map(|c| cancellation_json(w, c)).collect();
                (items, next, total)
            }
        };
        let list = match self {
            Kind::Returns => "return_orders",
            Kind::Cancels => "cancellations",
        };
        let mut v = json!({"next_page_token": next, "total_count": total});
        v[list] = json!(items);
        v
    }
}

/// The old `paginate`, newest first, pages of `PAGE`.
fn paginate<T>(rows: Vec<(i64, Id, T)>, after: Option<(i64, Id)>) -> (Vec<T>, String, usize) {
    let total = rows.len();
    let mut rows: Vec<(i64, Id, T)> = match after {
        None => rows,
        Some(key) => rows
            .into_iter()
            .filter(|(v, id, _)| (*v, *id) < key)
            .collect(),
    };
    rows.sort_by_key(|(v, id, _)| (*v, *id));
    rows.reverse();
    let end = PAGE.min(rows.len());
    let next = if end < rows.len() && end > 0 {
        let (v, id, _) = &rows[end - 1];
        page_token(*v, *id)
    } else {
        String::new()
    };
    rows.truncate(end);
    (rows.into_iter().map(|(_, _, t)| t).collect(), next, total)
}

fn rate(pages: usize, secs: f64) -> String {
    format!("{:>10.1} pages/s", pages as f64 / secs)
}

fn timed(reps: usize, mut f: impl FnMut()) -> String {
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    rate(reps, t.elapsed().as_secs_f64())
}

fn run_kind(w: &World, shop: Id, kind: Kind, n: usize) {
    let name = kind.name();
    // A whole walk, remembering the cursors.
    let t = Instant::now();
    let mut cursors: Vec<Option<SearchCursor>> = vec![None];
    loop {
        let page = kind.page(w, shop, *cursors.last().unwrap());
        let next = page["next_page_token"].as_str().unwrap();
        if next.is_empty() {
            break;
        }
        cursors.push(Some(parse_search_token(next).unwrap()));
        black_box(&page);
    }
    let pages = cursors.len();
    println!(
        "  {name} after : whole walk {pages} pages {}",
        rate(pages, t.elapsed().as_secs_f64())
    );
    let deep = cursors[pages * 9 / 10];
    let reps = if n <= 10_000 { 2000 } else { 500 };
    for (label, c) in [("first page", None), ("deep page ", deep)] {
        let r = timed(reps, || {
            black_box(kind.page(w, shop, c));
        });
        println!("  {name} after : {label}           {r}");
    }
    let old = |c: Option<SearchCursor>| c.map(|(t, id, _)| (t, id));
    if n <= 10_000 {
        let t = Instant::now();
        for c in &cursors {
            black_box(kind.old_page(w, shop, old(*c)));
        }
        println!(
            "  {name} before: whole walk {pages} pages {}",
            rate(pages, t.elapsed().as_secs_f64())
        );
    }
    let reps = if n <= 10_000 { 200 } else { 5 };
    for (label, c) in [("first page", None), ("deep page ", deep)] {
        let r = timed(reps, || {
            black_box(kind.old_page(w, shop, old(c)));
        });
        println!("  {name} before: {label}           {r}");
    }
    // Same answers, but the token (which now carries total_count).
    for c in [None, deep] {
        let (mut a, mut b) = (kind.page(w, shop, c), kind.old_page(w, shop, old(c)));
        assert_eq!(
            a["next_page_token"].as_str().unwrap().is_empty(),
            b["next_page_token"].as_str().unwrap().is_empty()
        );
        a["next_page_token"] = Value::Null;
        b["next_page_token"] = Value::Null;
        assert!(a == b, "the old and new pages differ");
    }
}

fn run(n: usize) {
    let t0 = Instant::now();
    let (w, shop) = world(n);
    println!(
        "{n} orders, returns and cancellations in one shop (built in {:.1}s)",
        t0.elapsed().as_secs_f64()
    );
    for kind in [Kind::Returns, Kind::Cancels] {
        run_kind(&w, shop, kind, n);
    }
    // Orders: the first page, total_count from the shop's count (only the shop narrows it) and
    // from the index range (an update-time window that holds every order).
    let q = OrderQuery::new(shop);
    let windowed = OrderQuery {
        update_ge: 0,
        update_lt: NOW + 1,
        ..OrderQuery::new(shop)
    };
    let (a, b) = (search_page(&w, &q, None), search_page(&w, &windowed, None));
    assert_eq!(a["total_count"], json!(n));
    assert_eq!(a, b);
    let reps = if n <= 10_000 { 500 } else { 200 };
    let r = timed(reps, || {
        black_box(search_page(&w, &q, None));
    });
    println!("  orders        first page (shop's count)        {r}");
    let reps = if n <= 10_000 { 500 } else { 20 };
    let r = timed(reps, || {
        black_box(search_page(&w, &windowed, None));
    });
    println!("  orders        first page (window: range count) {r}");
}

fn main() {
    run(10_000);
    run(1_000_000);
}
