//! The ERP's order reads at scale: one shop of 1,000,000 orders (with their lines, packages and status
//! history) loaded straight into the database through the sync's own page writer, then each read the
//! order screen makes, timed through the service functions the routes call: the list with each filter
//! and their combinations (its first and its 100th page, 50 to a page), one order's detail, and the
//! count per status (the screen's tabs). Prints p50/p99; asserts nothing. No ANALYZE is run by the bench:
//! the service keeps its own statistics (`db::refresh_statistics`, run once after the load as the
//! service's hourly pass would have).
//!
//!   cargo bench --bench order_reads
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench order_reads
//!
//! `BENCH_READ_ORDERS` (1,000,000) and `BENCH_READ_SAMPLES` (200 per read) shrink it;
//! `BENCH_READ_DB=<file>` keeps the SQLite database between runs (the load takes minutes);
//! `BENCH_READ_SQLITE=0` skips SQLite.

use std::time::{Duration, Instant};

use api::pagination::Cursor;
use api::sync::orders::{OrderRows, save_page};
use api::sync::views::{self, OrderFilter};
use chrono::{DateTime, TimeZone, Utc};
use entity::{tiktok_order, tiktok_order_line, tiktok_order_package};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

const SHOP: &str = "bench-shop";
const PAGE: u64 = 50;
/// Orders per sync page while loading.
const LOAD_PAGE: usize = 500;
const STATUSES: [&str; 6] = [
    "AWAITING_SHIPMENT",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
];
/// A read slower than this is sampled only a few times.
const SLOW: Duration = Duration::from_millis(200);
/// Catalogue: 500 products of 3 SKUs; buyers: one per 20 orders.
const SKUS: u64 = 1_500;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic mix (splitmix64), so both databases get the same shop.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// Order `i` of `n`: created over two years, one every ~60 s; most done, the newest still moving.
fn order(i: u64, n: u64) -> OrderRows {
    let r = mix(i);
    let created = start() + Duration::from_secs(i * 60 + r % 60);
    let updated = created + Duration::from_secs(3600 + r % (5 * 86_400));
    let age = n - i;
    let status = if age < 2_000 {
        STATUSES[(r % 3) as usize]
    } else {
        STATUSES[3 + (r % 3) as usize]
    };
    let id = format!("5{:017}", mix(i ^ 0x5eed) % 100_000_000_000_000_000);
    let buyer = r % (n / 20).max(1);
    let units = 1 + (r >> 8) % 3;
    let package = format!("115{:016}", i);
    let lines = (0..units)
        .map(|u| {
            let sku = mix(i * 7 + u) % SKUS;
            tiktok_order_line::Model {
                shop_id: SHOP.into(),
                id: format!("{id}{u}"),
                order_id: id.clone(),
                sku_id: format!("17{sku:08}"),
                product_id: format!("29{:08}", sku / 3),
                product_name: format!("Product {}", sku / 3),
                sku_name: format!("Size {}", sku % 3),
                seller_sku: format!("SKU-{sku:05}"),
                sale_price: "19.99".into(),
                original_price: "24.99".into(),
                currency: "USD".into(),
                display_status: status.into(),
                package_id: Some(package.clone()),
                package_status: Some("TO_FULFILL".into()),
                tracking_number: None,
            }
        })
        .collect();
    OrderRows {
        order: tiktok_order::Model {
            shop_id: SHOP.into(),
            id: id.clone(),
            status: status.into(),
            create_time: created,
            update_time: updated,
            paid_time: Some(created + Duration::from_secs(30)),
            user_id: format!("70{buyer:016}"),
            buyer_email: Some(format!("Buyer{buyer}@Example.com")),
            buyer_message: None,
            shipping_type: Some("TIKTOK".into()),
            shipping_provider: None,
            tracking_number: None,
            warehouse_id: Some("7068517275539719942".into()),
            is_cod: false,
            cancel_reason: None,
            currency: "USD".into(),
            sub_total: "39.98".into(),
            shipping_fee: "5.00".into(),
            seller_discount: "0".into(),
            platform_discount: "0".into(),
            tax: "3.20".into(),
            total_amount: "48.18".into(),
            recipient: r#"{"name":"Jane Doe","region_code":"US"}"#.into(),
            synced_at: Utc::now(),
        },
        lines,
        packages: vec![tiktok_order_package::Model {
            shop_id: SHOP.into(),
            id: package,
            order_id: id,
            status: Some("TO_FULFILL".into()),
            tracking_number: None,
        }],
    }
}

async fn load(db: &DatabaseConnection, n: u64) {
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let page: Vec<OrderRows> = (i..(i + LOAD_PAGE as u64).min(n))
            .map(|j| order(j, n))
            .collect();
        let txn = db.begin().await.unwrap();
        save_page(&txn, page, Utc::now()).await.unwrap();
        txn.commit().await.unwrap();
        i += LOAD_PAGE as u64;
        if i % 100_000 == 0 {
            eprintln!("  loaded {i} orders in {:.0?}", started.elapsed());
        }
    }
    println!("loaded {n} orders in {:.1?}", started.elapsed());
}

struct Timing {
    samples: Vec<Duration>,
}

impl Timing {
    fn quantile(&self, q: f64) -> f64 {
        let mut s = self.samples.clone();
        s.sort();
        let at = ((s.len() as f64 * q).ceil() as usize).clamp(1, s.len()) - 1;
        s[at].as_secs_f64() * 1000.0
    }
}

async fn time<F, Fut>(samples: u64, mut read: F) -> Timing
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    // A warm-up read (the plan and the pages), not counted; a read slower than SLOW gets a few
    // samples only, so a bad plan cannot hold the run for an hour.
    let t = Instant::now();
    read().await;
    let samples = if t.elapsed() > SLOW {
        samples.min(5)
    } else {
        read().await;
        samples
    };
    let mut out = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let t = Instant::now();
        std::hint::black_box(read().await);
        out.push(t.elapsed());
    }
    Timing { samples: out }
}

/// The cursor of the start of page `page` (1-based) under `filter`, walked page by page.
async fn cursor_of(db: &DatabaseConnection, filter: &OrderFilter, page: u32) -> Option<Cursor> {
    let mut after = None;
    for _ in 1..page {
        let (_, next) = views::list_orders(db, SHOP, filter, PAGE, after)
            .await
            .unwrap();
        after = Some(next?);
    }
    after
}

fn filters(n: u64) -> Vec<(&'static str, OrderFilter)> {
    let end = start() + Duration::from_secs(n * 60);
    let month = Duration::from_secs(30 * 86_400);
    let sku = || Some(format!("17{:08}", mix(n / 2 * 7) % SKUS));
    let seller_sku = || Some(format!("SKU-{:05}", mix(n / 3 * 7) % SKUS));
    let buyer = || Some(format!("70{:016}", mix(n / 2) % (n / 20).max(1)));
    let email = || Some(format!("buyer{}@example.com", mix(n / 3) % (n / 20).max(1)));
    let created = |f: &mut OrderFilter| {
        f.created_from = Some(end - month * 6);
        f.created_to = Some(end - month * 3);
    };
    let mut out = vec![
        ("no filter", OrderFilter::default()),
        (
            "status (AWAITING_SHIPMENT)",
            OrderFilter {
                status: Some("AWAITING_SHIPMENT".into()),
                ..Default::default()
            },
        ),
        (
            "status (COMPLETED)",
            OrderFilter {
                status: Some("COMPLETED".into()),
                ..Default::default()
            },
        ),
    ];
    let mut f = OrderFilter::default();
    created(&mut f);
    out.push(("created range (3 months)", f));
    out.push((
        "updated range (3 months)",
        OrderFilter {
            updated_from: Some(end - month * 6),
            updated_to: Some(end - month * 3),
            ..Default::default()
        },
    ));
    out.push((
        "SKU (TikTok id)",
        OrderFilter {
            sku: sku(),
            ..Default::default()
        },
    ));
    out.push((
        "SKU (seller's code)",
        OrderFilter {
            sku: seller_sku(),
            ..Default::default()
        },
    ));
    out.push((
        "buyer (user id)",
        OrderFilter {
            buyer: buyer(),
            ..Default::default()
        },
    ));
    out.push((
        "buyer (email, other case)",
        OrderFilter {
            buyer: email(),
            ..Default::default()
        },
    ));
    let mut f = OrderFilter {
        status: Some("COMPLETED".into()),
        ..Default::default()
    };
    created(&mut f);
    out.push(("status + created range", f));
    out.push((
        "status + updated range",
        OrderFilter {
            status: Some("DELIVERED".into()),
            updated_from: Some(end - month * 6),
            updated_to: Some(end - month * 3),
            ..Default::default()
        },
    ));
    out.push((
        "status + SKU",
        OrderFilter {
            status: Some("COMPLETED".into()),
            sku: sku(),
            ..Default::default()
        },
    ));
    let mut f = OrderFilter {
        sku: sku(),
        ..Default::default()
    };
    created(&mut f);
    out.push(("SKU + created range", f));
    out.push((
        "buyer + status",
        OrderFilter {
            status: Some("COMPLETED".into()),
            buyer: buyer(),
            ..Default::default()
        },
    ));
    out
}

async fn bench(url: &str, label: &str, n: u64, samples: u64) {
    let db = api::db::connect(url).await.unwrap();
    api::db::migrate_up(&db).await.unwrap();
    use sea_orm::{EntityTrait, PaginatorTrait};
    let have = tiktok_order::Entity::find().count(&db).await.unwrap();
    if have == n {
        println!("reusing the {n} orders already loaded");
    } else {
        load(&db, n).await;
    }
    api::db::refresh_statistics(&db).await.unwrap();
    println!("\n{label}: {n} orders, pages of {PAGE}, {samples} reads each (ms)");
    println!("| read | rows | p50 | p99 | rows on page 100 | p50 | p99 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, filter) in filters(n) {
        let first = time(samples, || async {
            views::list_orders(&db, SHOP, &filter, PAGE, None)
                .await
                .unwrap()
                .0
                .len()
        })
        .await;
        let rows = views::list_orders(&db, SHOP, &filter, PAGE, None)
            .await
            .unwrap()
            .0
            .len();
        let walk = if first.quantile(0.5) > SLOW.as_secs_f64() * 1000.0 {
            None
        } else {
            cursor_of(&db, &filter, 100).await
        };
        let deep = match walk {
            Some(c) => {
                let rows = views::list_orders(&db, SHOP, &filter, PAGE, Some(c.clone()))
                    .await
                    .unwrap()
                    .0
                    .len();
                let t = time(samples, || async {
                    views::list_orders(&db, SHOP, &filter, PAGE, Some(c.clone()))
                        .await
                        .unwrap()
                        .0
                        .len()
                })
                .await;
                format!("{rows} | {:.2} | {:.2}", t.quantile(0.5), t.quantile(0.99))
            }
            None if first.quantile(0.5) > SLOW.as_secs_f64() * 1000.0 => {
                "(not walked: page 1 is slow) | | ".to_owned()
            }
            None => "(fewer than 100 pages) | | ".to_owned(),
        };
        println!(
            "| {name} | {rows} | {:.2} | {:.2} | {deep} |",
            first.quantile(0.5),
            first.quantile(0.99)
        );
    }
    let ids: Vec<String> = views::list_orders(&db, SHOP, &OrderFilter::default(), PAGE, None)
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|(o, _)| o.id)
        .collect();
    let mut k = 0;
    let detail = time(samples, || {
        k += 1;
        let id = ids[k % ids.len()].clone();
        let db = &db;
        async move {
            views::order_detail(db, SHOP, &id)
                .await
                .unwrap()
                .lines
                .len()
        }
    })
    .await;
    println!(
        "| one order's detail | 1 | {:.2} | {:.2} | | | |",
        detail.quantile(0.5),
        detail.quantile(0.99)
    );
    let counts = time(samples, || async {
        views::order_counts(&db, SHOP).await.unwrap().len()
    })
    .await;
    println!(
        "| count per status (the tabs) | {} | {:.2} | {:.2} | | | |",
        views::order_counts(&db, SHOP).await.unwrap().len(),
        counts.quantile(0.5),
        counts.quantile(0.99)
    );
    db.close().await.unwrap();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let n = env_number("BENCH_READ_ORDERS", 1_000_000);
        let samples = env_number("BENCH_READ_SAMPLES", 200);
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("load at start: {}", load.trim());
        // `BENCH_READ_DB`: a SQLite file kept between runs (loaded once; a run finds it full).
        let dir = std::env::temp_dir().join(format!("ocean-bench-reads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = std::env::var("BENCH_READ_DB")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| dir.join("reads.db"));
        if std::env::var("BENCH_READ_SQLITE").as_deref() != Ok("0") {
            let sqlite = format!("sqlite://{}?mode=rwc", file.display());
            bench(&sqlite, "SQLite (WAL)", n, samples).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        if let Ok(admin) = std::env::var("BENCH_DATABASE_URL") {
            let name = format!("ocean_bench_reads_{}", std::process::id());
            let admin_db = sea_orm::Database::connect(&admin).await.unwrap();
            admin_db
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&format!("/{name}"));
            bench(url.as_str(), "PostgreSQL", n, samples).await;
            admin_db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
        }
    });
}
