//! A list parameter arrives as repeated keys (`ids=1&ids=2`, as generated clients send lists) or
//! comma-joined (`ids=1,2`); both are read in full, and a repeated key is signed either as the fact
//! sheet joins array values (`ids1,2`) or pair by pair in the order received (`ids1ids2`).

mod common;

use common::*;
use tiktok_sandbox::start;

#[tokio::test]
async fn a_list_is_read_from_repeated_keys_or_commas_and_either_signature_is_accepted() {
    let sb = start(small()).await.unwrap();
    let (caller, shops) = connected(&sb).await;
    let shop = &shops[0];
    let shop_id: u64 = shop["id"].as_str().unwrap().parse().unwrap();
    let cipher = cipher(shop);
    let ids: Vec<String> = sb.state().with_world(|w| {
        w.orders
            .values()
            .filter(|o| o.shop_id == shop_id)
            .take(2)
            .map(|o| o.id.to_string())
            .collect()
    });
    assert_eq!(ids.len(), 2);
    let path = "/order/202309/orders";
    let found = |a: &Answer| {
        let mut got: Vec<String> = a.data()["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        got
    };
    let mut want = ids.clone();
    want.sort();

    // Repeated keys, signed pair by pair (how a generic client signs what it sends).
    let a = caller
        .call(
            "GET",
            path,
            Some(&cipher),
            &[("ids", &ids[0]), ("ids", &ids[1])],
            None,
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(found(&a), want);

    // Comma-joined, one key.
    let joined = ids.join(",");
    let a = caller
        .call("GET", path, Some(&cipher), &[("ids", &joined)], None)
        .await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(found(&a), want);

    // Repeated keys signed as the fact sheet joins array values.
    let mut q: Vec<(String, String)> = vec![
        ("app_key".into(), caller.app_key.clone()),
        ("timestamp".into(), sb.state().now().to_string()),
        ("shop_cipher".into(), cipher.clone()),
        ("ids".into(), ids[0].clone()),
        ("ids".into(), ids[1].clone()),
    ];
    let sig = tiktok_sandbox::sign::sign(&caller.secret, path, &q, b"", false);
    q.push(("sign".into(), sig));
    let a = caller.send("GET", path, &q, String::new()).await;
    assert_eq!(a.code(), 0, "{}", a.body);
    assert_eq!(found(&a), want);

    // A signature over other values is still refused.
    let mut q = q[..5].to_vec();
    let sig = tiktok_sandbox::sign::sign(&caller.secret, path, &q, b"", false);
    q[4].1 = ids[0].clone();
    q.push(("sign".into(), sig));
    let a = caller.send("GET", path, &q, String::new()).await;
    assert_eq!(a.code(), 106001, "{}", a.body);
}
