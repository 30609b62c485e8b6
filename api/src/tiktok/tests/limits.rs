//! The rate limits: the burst and the hold per minute, and the shared quota gate asked before each attempt.

use super::*;

/// A call from each of 12 tasks for one shop and category with a limit of 50 per minute (a burst
/// of 5): five go at once, the rest wait on the clock until the test moves it.
#[tokio::test]
async fn the_limiter_lets_the_burst_through_and_holds_the_rest_on_the_clock() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let limits = RateLimits {
        per_shop_category_per_minute: 300,
        per_app_per_minute: 6000,
    };
    let client = TikTokClient::new(server.hosts(), options(1, limits), Arc::new(clock.clone()));
    let calls = spawn_calls(&client, 12, "/order/202309/orders/search");
    wait_until(|| server.count() == 5 && clock.sleepers() == 7).await;
    // Nothing more goes while the clock stands still.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 5);
    // A minute later the burst is back: five more, and two wait again.
    clock.advance(chrono::Duration::seconds(61));
    wait_until(|| server.count() == 10 && clock.sleepers() == 2).await;
    clock.advance(chrono::Duration::seconds(61));
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.count(), 12);
    let snap = client.quota_snapshot();
    let shop = snap
        .iter()
        .find(|q| q.shop_key.as_deref() == Some("shop-1"))
        .unwrap();
    assert_eq!(shop.category, Some(ApiCategory::Order));
    assert_eq!((shop.limit_per_minute, shop.burst), (300, 5));
    assert!(
        snap.iter()
            .any(|q| q.shop_key.is_none() && q.limit_per_minute == 6000)
    );
}

/// 5 per minute, 12 calls: stepping the clock only when every call is blocked, the server never
/// sees more than 5 in any minute (sliding or clock-minute), and all calls finish.
#[tokio::test]
async fn the_server_never_sees_more_than_the_limit_in_a_minute() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, _| ok(json!({}))).await;
    let limits = RateLimits {
        per_shop_category_per_minute: 5,
        per_app_per_minute: 0,
    };
    let client = TikTokClient::new(server.hosts(), options(1, limits), Arc::new(clock.clone()));
    let start = clock.now();
    let calls = spawn_calls(&client, 12, "/product/202309/products/search");
    loop {
        wait_until(|| server.count() + clock.sleepers() == 12).await;
        match clock.next_deadline() {
            Some(deadline) => clock.advance(deadline - clock.now()),
            None => break,
        }
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let times: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 12);
    for t in &times {
        let in_minute = times
            .iter()
            .filter(|u| **u >= *t && **u - *t < chrono::Duration::seconds(60))
            .count();
        assert!(
            in_minute <= 5,
            "{in_minute} requests in the minute from {t}"
        );
        let clock_minute = times
            .iter()
            .filter(|u| u.timestamp().div_euclid(60) == t.timestamp().div_euclid(60))
            .count();
        assert!(clock_minute <= 5);
    }
    // Not starved either: 12 calls at 5 per 61 s take under 2.5 minutes.
    assert!(clock.now() - start < chrono::Duration::seconds(150));
}

fn spawn_calls(
    client: &TikTokClient,
    n: usize,
    path: &'static str,
) -> Vec<tokio::task::JoinHandle<Result<ApiResponse<Value>, TikTokError>>> {
    (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let app = app();
                let token = token();
                let request = ApiRequest::new(&app, &token, reqwest::Method::POST, path)
                    .shop("ROW_c", "shop-1")
                    .json(json!({}));
                client.call(request).await
            })
        })
        .collect()
}

/// Polls a condition about work in progress (never about clock time), for at most 10 s.
async fn wait_until(mut condition: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("condition not reached");
}

#[derive(Default)]
struct CountingGate(Mutex<Vec<QuotaKey>>);

impl QuotaGate for CountingGate {
    fn acquire<'a>(&'a self, key: &'a QuotaKey) -> BoxFuture<'a, ()> {
        self.0.lock().unwrap().push(key.clone());
        Box::pin(async {})
    }
}

#[tokio::test]
async fn the_quota_gate_is_asked_before_each_attempt() {
    let clock = manual_clock();
    let server = TestServer::start(Arc::new(clock.clone()), |_, i| match i {
        0 => fail(429, 36009002, "slow down"),
        _ => ok(json!({})),
    })
    .await;
    let gate = Arc::new(CountingGate::default());
    let client = TikTokClient::new(
        server.hosts(),
        options(3, RateLimits::default()),
        Arc::new(clock.clone()),
    )
    .with_quota_gate(gate.clone());
    let _advance = AutoAdvance::start(clock.clone());
    let app = app();
    let token = token();
    let request = ApiRequest::new(
        &app,
        &token,
        reqwest::Method::GET,
        "/fulfillment/202309/packages/9",
    )
    .shop("ROW_c", "shop-7");
    client.call::<Value>(request).await.unwrap();
    let keys = gate.0.lock().unwrap().clone();
    let want = QuotaKey {
        shop_key: Some("shop-7".into()),
        app_key: APP_KEY.into(),
        category: ApiCategory::Fulfillment,
    };
    assert_eq!(keys, vec![want.clone(), want]);
}
