//! Slow and stalled clients cannot take the server down: the service runs as its own process with a
//! 1,024 open-file soft limit (a common default), raises it at start, gives a stalled request body
//! a deadline (408), and caps what one address may hold on the unauthenticated routes (429), while
//! `/api/health` and TikTok's signed deliveries keep answering.

use std::time::{Duration, Instant};

use api::auth::{JwtKeys, Role};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::*;
use crate::process::Serve;
use crate::webhook_env::{HOOK, event_body, sign};

const TIKTOK_SHOP: &str = "7494049642642441621";
const APP_KEY: &str = "slow_app";
const APP_SECRET_SLOW: &str = "slow-clients-app-secret-0042";

/// `ocean-tiktok serve` under a 1,024 soft limit on open files, talking to no TikTok.
async fn serve(db: &TestDb, jwt_secret: &str) -> Serve {
    let env = std::collections::HashMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        ("OCEAN_MASTER_KEY".to_owned(), random_key()),
        ("OCEAN_JWT_SECRET".to_owned(), jwt_secret.to_owned()),
        ("OCEAN_REQUEST_BODY_IDLE".to_owned(), "2s".to_owned()),
        (
            "TIKTOK_API_BASE".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
        (
            "TIKTOK_AUTH_BASE".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
    ]);
    Serve::start(&env, Some(1024)).await
}

/// A connection from another address of the loopback range (another client).
async fn connect_from(ip: &str, port: u16) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
    socket
        .connect(format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_stalled_sockets_leave_health_and_tiktoks_deliveries_answering() {
    let db = TestDb::new().await;
    let jwt_secret = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let server = serve(&db, &jwt_secret).await;
    let admin = JwtKeys::new(&api::config::JwtSettings {
        secret: secrecy::SecretSlice::from(jwt_secret.clone().into_bytes()),
        issuer: None,
        audience: None,
    })
    .mint("acme", "admin", Role::Admin, chrono::Duration::hours(1))
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let created = client
        .post(format!("{}{SHOPS}", server.base))
        .bearer_auth(&admin)
        .json(
            &json!({"name": "Slow", "app_key": APP_KEY, "app_secret": APP_SECRET_SLOW,
                      "region": "US", "shop_id": TIKTOK_SHOP}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // One client holds 1,100 connections whose request head never ends (more than the 1,024 the
    // process started with), and 300 more whose webhook body never comes.
    let mut stalled_heads = Vec::new();
    for _ in 0..1_100 {
        let mut s = connect_from("127.0.0.2", server.port).await;
        s.write_all(format!("POST {HOOK} HTTP/1.1\r\nHost: x\r\n").as_bytes())
            .await
            .unwrap();
        stalled_heads.push(s);
    }
    let mut stalled_bodies = Vec::new();
    for _ in 0..300 {
        let mut s = connect_from("127.0.0.2", server.port).await;
        s.write_all(
            format!(
                "POST {HOOK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"shop_id\""
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        stalled_bodies.push(s);
    }

    // Meanwhile health answers, and so does TikTok (another address) with a signed delivery.
    let started = Instant::now();
    let health = client
        .get(format!("{}/api/health", server.base))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
    let health_took = started.elapsed();
    let body = event_body(
        TIKTOK_SHOP,
        1,
        "7327112393057371910",
        json!({"order_id": "1"}),
    );
    let delivered = client
        .post(format!("{}{HOOK}", server.base))
        .header("authorization", sign(APP_KEY, APP_SECRET_SLOW, &body))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), 200, "TikTok's delivery is stored");
    let delivered_took = started.elapsed();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Past what one address may hold in flight, the rest were refused at once and closed; the
    // bodies that stalled end with a 408 once their silence passes the deadline.
    let mut refused = 0;
    let mut timed_out = 0;
    for mut s in stalled_bodies {
        let mut answer = vec![0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut answer))
            .await
            .expect("every stalled body is answered")
            .unwrap_or(0);
        let head = String::from_utf8_lossy(&answer[..n]).into_owned();
        if head.starts_with("HTTP/1.1 429") {
            refused += 1;
        } else if head.starts_with("HTTP/1.1 408") {
            timed_out += 1;
        } else {
            panic!("unexpected answer to a stalled body: {head:?}");
        }
    }
    assert_eq!(
        refused,
        300 - api::server_limits::MAX_IN_FLIGHT_PER_CLIENT,
        "one address holds at most {} requests",
        api::server_limits::MAX_IN_FLIGHT_PER_CLIENT
    );
    assert_eq!(timed_out, api::server_limits::MAX_IN_FLIGHT_PER_CLIENT);
    drop(stalled_heads);
    figures!(
        "slow clients: 1,100 stalled heads and 300 stalled bodies from one address under a 1,024 open-file \
         limit: health answered in {} ms, TikTok's signed delivery stored {} ms after; {refused} bodies \
         refused at once (429), {timed_out} ended with 408",
        health_took.as_millis(),
        (delivered_took - health_took).as_millis(),
    );
}
