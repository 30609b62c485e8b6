//! Order search paging, pages of 100 by update time (newest first) for one shop of 10,000 and of
//! 1,000,000 orders: a whole walk, the first page, and a page deep in the walk. "before" replays
//! the search as it was (the shop's whole index walked on every page to reach the token and to
//! count `total_count`), sampled on a few pages where a whole walk would take too long.
//!
//! `cargo bench -p tiktok-sandbox --bench order_paging`

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Value, json};
use tiktok_sandbox::SandboxConfig;
use tiktok_sandbox::routes::orders::{OrderQuery, SearchCursor, parse_search_token, search_page};
use tiktok_sandbox::world::generate::generate;
use tiktok_sandbox::world::json::order_json;
use tiktok_sandbox::world::{Id, World};

const NOW: i64 = 1_760_000_000;

/// One shop of `n` orders: the generated shop's orders, copied with new ids and times past 10,000.
fn world(n: usize) -> (World, Id) {
    let config = SandboxConfig {
        orders: n.min(10_000),
        products: 20,
        ..SandboxConfig::default()
    };
    let mut w = generate(&config, NOW);
    let shop = *w.shops.keys().next().unwrap();
    let templates: Vec<_> = w
        .orders
        .values()
        .filter(|o| o.shop_id == shop)
        .cloned()
        .collect();
    for i in templates.len()..n {
        let mut o = templates[i % templates.len()].clone();
        o.id = (1 << 60) + i as u64;
        o.create_time = NOW - 90 * 86400 - i as i64;
        o.update_time = o.create_time + (i % 5000) as i64;
        o.on_hold_until = None;
        w.insert_order(o);
    }
    (w, shop)
}

/// The search as it was before the page token seeked: walks the whole range on every page.
fn old_page(w: &World, shop: Id, cursor: Option<(i64, Id)>) -> Value {
    let mut total = 0usize;
    let mut page = Vec::new();
    let mut last = None;
    let mut more = false;
    for &(_, t, id) in w
        .orders_by_update
        .range((shop, i64::MIN, 0)..(shop, i64::MAX, 0))
        .rev()
    {
        let Some(o) = w.orders.get(&id) else { continue };
        total += 1;
        if let Some(c) = cursor
            && (t, id) >= c
        {
            continue;
        }
        if page.len() < 100 {
            page.push(order_json(w, o));
            last = Some((t, id));
        } else {
            more = true;
        }
    }
    let next = match last {
        Some((t, id)) if more => tiktok_sandbox::protocol::page_token(t, id),
        _ => String::new(),
    };
    json!({"orders": page, "next_page_token": next, "total_count": total})
}

fn rate(pages: usize, secs: f64) -> String {
    format!("{:>10.1} pages/s", pages as f64 / secs)
}

fn run(n: usize) {
    let t0 = Instant::now();
    let (w, shop) = world(n);
    println!("{n} orders (built in {:.1}s)", t0.elapsed().as_secs_f64());
    let q = OrderQuery::new(shop);
    // A whole walk, remembering the cursors.
    let t = Instant::now();
    let mut cursors: Vec<Option<SearchCursor>> = vec![None];
    loop {
        let page = search_page(&w, &q, *cursors.last().unwrap());
        let next = page["next_page_token"].as_str().unwrap();
        if next.is_empty() {
            break;
        }
        cursors.push(Some(parse_search_token(next).unwrap()));
        black_box(&page);
    }
    let pages = cursors.len();
    println!(
        "  after : whole walk {pages} pages      {}",
        rate(pages, t.elapsed().as_secs_f64())
    );
    let deep = cursors[pages * 9 / 10];
    for (name, c) in [("first page", None), ("deep page ", deep)] {
        let reps = if c.is_none() { 20 } else { 2000 };
        let t = Instant::now();
        for _ in 0..reps {
            black_box(search_page(&w, &q, c));
        }
        println!(
            "  after : {name}                {}",
            rate(reps, t.elapsed().as_secs_f64())
        );
    }
    // Before: the whole walk at 10k; at 1M only sampled pages.
    let old = |c: Option<SearchCursor>| c.map(|(t, id, _)| (t, id));
    if n <= 10_000 {
        let t = Instant::now();
        for c in &cursors {
            black_box(old_page(&w, shop, old(*c)));
        }
        println!(
            "  before: whole walk {pages} pages      {}",
            rate(pages, t.elapsed().as_secs_f64())
        );
    }
    let reps = if n <= 10_000 { 200 } else { 5 };
    for (name, c) in [("first page", None), ("deep page ", deep)] {
        let t = Instant::now();
        for _ in 0..reps {
            black_box(old_page(&w, shop, old(c)));
        }
        println!(
            "  before: {name}                {}",
            rate(reps, t.elapsed().as_secs_f64())
        );
    }
    // Same answers, but the token (which now carries total_count).
    for c in [None, deep] {
        let (mut a, mut b) = (search_page(&w, &q, c), old_page(&w, shop, old(c)));
        a["next_page_token"] = Value::Null;
        b["next_page_token"] = Value::Null;
        assert!(a == b, "the old and new pages differ");
    }
}

fn main() {
    run(10_000);
    run(1_000_000);
}
