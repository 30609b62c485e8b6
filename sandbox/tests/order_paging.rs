//! Order search paging: a walk by update time visits every order once, in order, with the right
//! `total_count` on every page, also when an order moves to a later update time mid-walk.

use std::collections::HashSet;

use serde_json::Value;
use tiktok_sandbox::SandboxConfig;
use tiktok_sandbox::routes::orders::{OrderQuery, parse_search_token, search_page};
use tiktok_sandbox::world::generate::generate;
use tiktok_sandbox::world::{Id, World};

const NOW: i64 = 1_760_000_000;

fn world() -> (World, Id) {
    let config = SandboxConfig {
        orders: 3000,
        products: 20,
        ..SandboxConfig::default()
    };
    let w = generate(&config, NOW);
    let shop = *w.shops.keys().next().unwrap();
    (w, shop)
}

fn ids(page: &Value) -> Vec<(i64, Id)> {
    page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["update_time"].as_i64().unwrap(),
                o["id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// Walks every page; `mid` runs once after the page it names.
fn walk(
    w: &mut World,
    q: &OrderQuery,
    mid: Option<(usize, &dyn Fn(&mut World))>,
) -> Vec<(i64, Id)> {
    let expected = w
        .orders_by_update
        .range((q.shop, i64::MIN, 0)..(q.shop, i64::MAX, 0))
        .count();
    let mut seen = Vec::new();
    let mut cursor = None;
    for n in 0.. {
        let page = search_page(w, q, cursor);
        assert_eq!(page["total_count"].as_u64().unwrap() as usize, expected);
        let got = ids(&page);
        assert!(got.len() <= q.page_size);
        seen.extend(got);
        let next = page["next_page_token"].as_str().unwrap();
        if next.is_empty() {
            break;
        }
        assert_eq!(ids(&page).len(), q.page_size);
        cursor = Some(parse_search_token(next).unwrap());
        if let Some((at, f)) = &mid
            && *at == n
        {
            f(w);
        }
    }
    seen
}

#[test]
fn walk_by_update_time_visits_every_order_once_in_order() {
    let (mut w, shop) = world();
    let all: Vec<(i64, Id)> = w
        .orders_by_update
        .range((shop, i64::MIN, 0)..(shop, i64::MAX, 0))
        .map(|&(_, t, id)| (t, id))
        .collect();
    assert!(all.len() >= 2000, "{}", all.len());
    for desc in [false, true] {
        let q = OrderQuery {
            desc,
            ..OrderQuery::new(shop)
        };
        let seen = walk(&mut w, &q, None);
        let mut want = all.clone();
        if desc {
            want.reverse();
        }
        assert_eq!(seen, want, "desc={desc}");
    }
}

#[test]
fn an_order_moving_mid_walk_does_not_make_others_skip_or_repeat() {
    let (mut w, shop) = world();
    let all: Vec<(i64, Id)> = w
        .orders_by_update
        .range((shop, i64::MIN, 0)..(shop, i64::MAX, 0))
        .map(|&(_, t, id)| (t, id))
        .collect();
    // One order already served (page 1) and one not yet served (far ahead) move to the newest time.
    let (served, ahead) = (all[50].1, all[all.len() - 300].1);
    let q = OrderQuery {
        desc: false,
        ..OrderQuery::new(shop)
    };
    let bump = move |w: &mut World| {
        w.update_order(served, NOW + 1000, |_| ());
        w.update_order(ahead, NOW + 1001, |_| ());
    };
    let seen = walk(&mut w, &q, Some((4, &bump)));
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
    assert_eq!(still, want, "unmoved orders: once each, in order");
    // Ascending by update time, a moved order is served again at its new place (the one already
    // served) or only there (the one not yet reached): the walk ends with both.
    let tail: Vec<Id> = seen[seen.len() - 2..].iter().map(|&(_, id)| id).collect();
    assert_eq!(tail, vec![served, ahead]);
    assert_eq!(seen.iter().filter(|(_, id)| *id == served).count(), 2);
    assert_eq!(seen.iter().filter(|(_, id)| *id == ahead).count(), 1);
}

#[test]
fn made_up_tokens_are_refused() {
    for t in ["zz", "", "3a", &hex::encode("1:2:x"), &hex::encode("a:b:3")] {
        assert!(parse_search_token(t).is_err(), "{t}");
    }
    assert_eq!(
        parse_search_token(&hex::encode("5:7:9")).unwrap(),
        (5, 7, Some(9))
    );
    assert_eq!(
        parse_search_token(&hex::encode("5:7")).unwrap(),
        (5, 7, None)
    );
}
