//! Builds the starting world from the seed: the same seed and the same `now` give the same world.
//!
//! Two sellers: the default one (the consent page's first) owns a US and a UK shop, so one
//! authorization covers two shops; a second one owns an Indonesian shop, where cash on delivery exists.
//! `config.orders` and `config.products` are per shop.

use std::sync::Arc;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::SandboxConfig;

const DAY: i64 = 86_400;

/// Category tree: (name, parent index or usize::MAX for a root). Leaves are those no one points to.
const CATEGORIES: &[(&str, usize)] = &[
    ("Womenswear & Underwear", usize::MAX), // 0
    ("Women's Tops", 0),                    // 1
    ("T-shirts", 1),                        // 2
    ("Blouses & Shirts", 1),                // 3
    ("Women's Dresses", 0),                 // 4
    ("Casual Dresses", 4),                  // 5
    ("Menswear & Underwear", usize::MAX),   // 6
    ("Men's Tops", 6),                      // 7
    ("Hoodies & Sweatshirts", 7),           // 8
    ("Phones & Electronics", usize::MAX),   // 9
    ("Phone Accessories", 9),               // 10
    ("Phone Cases", 10),                    // 11
    ("Chargers & Cables", 10),              // 12
    ("Home Supplies", usize::MAX),          // 13
    ("Kitchenware", 13),                    // 14
    ("Drinkware", 14),                      // 15
    ("Beauty & Personal Care", usize::MAX), // 16
    ("Skincare", 16),                       // 17
    ("Face Serums", 17),                    // 18
];

const COLORS: &[&str] = &["Black", "White", "Navy", "Red", "Sage", "Sand"];
const SIZES: &[&str] = &["S", "M", "L", "XL"];
const CAPACITIES: &[&str] = &["350ml", "500ml", "750ml"];
const MODELS: &[&str] = &["iPhone 15", "iPhone 16", "Galaxy S24", "Pixel 9"];
const MATERIALS: &[&str] = &[
    "Cotton",
    "Polyester",
    "Linen",
    "Silicone",
    "Stainless Steel",
    "Glass",
];
const ADJECTIVES: &[&str] = &[
    "Classic",
    "Everyday",
    "Premium",
    "Ocean",
    "Breezy",
    "Urban",
    "Soft",
    "Essential",
    "Vintage",
    "Bold",
];
const BRANDS: &[&str] = &[
    "Ocean Basics",
    "Tidewear",
    "Harbor & Co",
    "Coral Lab",
    "Driftwood Home",
    "Voltline",
    "Nimbus",
    "Saltwater Studio",
];
const CANCEL_REASONS: &[&str] = &[
    "Buyer changed mind",
    "Out of stock",
    "Pricing error",
    "Unable to deliver to buyer address",
    "Payment overdue",
];
const RETURN_REASONS: &[&str] = &[
    "Wrong size",
    "Damaged item",
    "Not as described",
    "Changed my mind",
];
const BUYER_MESSAGES: &[&str] = &[
    "Please gift wrap.",
    "Leave at the front door.",
    "Can you ship before Friday?",
];

struct ShopPlan {
    name: &'static str,
    region: Region,
    seller_type: SellerType,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn cipher(rng: &mut ChaCha8Rng, region: Region) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let prefix = if region == Region::Us { "TTP_" } else { "ROW_" };
    let mut s = String::from(prefix);
    for _ in 0..27 {
        s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    s
}

fn provider_names(region: Region) -> &'static [&'static str] {
    match region {
        Region::Us => &["USPS", "UPS", "FedEx", "TikTok Shipping"],
        Region::Uk => &["Royal Mail", "Evri", "DPD UK"],
        Region::Id => &["J&T Express", "SiCepat", "JNE"],
        Region::Sg => &["Ninja Van SG", "SingPost"],
        Region::My => &["J&T Express MY", "Pos Laju"],
        Region::Th => &["Flash Express", "Kerry Express"],
        Region::Vn => &["GHN", "Viettel Post"],
        Region::Ph => &["J&T Express PH", "LBC"],
    }
}

fn warehouse_address(rng: &mut ChaCha8Rng, region: Region, n: usize) -> PostalAddress {
    let (state, city, district, postal) = match region {
        Region::Us => ("California", "Los Angeles", "Vernon", "90058"),
        Region::Uk => ("England", "Manchester", "Trafford Park", "M17 1AB"),
        Region::Id => ("DKI Jakarta", "Jakarta Utara", "Penjaringan", "14440"),
        Region::Sg => ("Singapore", "Singapore", "Jurong", "609601"),
        Region::My => ("Selangor", "Shah Alam", "Seksyen 15", "40200"),
        Region::Th => ("Bangkok", "Bangkok", "Bang Na", "10260"),
        Region::Vn => ("Ho Chi Minh", "Thu Duc", "Linh Trung", "700000"),
        Region::Ph => ("Metro Manila", "Pasig", "Ugong", "1604"),
    };
    PostalAddress {
        contact_person: format!("Warehouse Lead {}", n + 1),
        phone_number: format!("+1 555 01{:02}", rng.random_range(0..100)),
        region_code: region.code().to_string(),
        state: state.into(),
        city: city.into(),
        district: district.into(),
        address_line1: format!("{} Logistics Way, Unit {}", 100 + n * 11, n + 1),
        postal_code: postal.into(),
    }
}

/// Sales attribute sets a leaf category offers: (attribute name, values).
fn sales_dimensions(leaf_name: &str) -> Vec<(&'static str, &'static [&'static str])> {
    match leaf_name {
        "Phone Cases" => vec![("Color", COLORS), ("Phone Model", MODELS)],
        "Chargers & Cables" => vec![("Color", &COLORS[..2])],
        "Drinkware" => vec![("Color", COLORS), ("Capacity", CAPACITIES)],
        "Face Serums" => vec![("Specification", &["30ml", "50ml"])],
        _ => vec![("Color", COLORS), ("Size", SIZES)],
    }
}

fn noun(leaf_name: &str) -> &'static str {
    match leaf_name {
        "T-shirts" => "Crew Tee",
        "Blouses & Shirts" => "Linen Shirt",
        "Casual Dresses" => "Midi Dress",
        "Hoodies & Sweatshirts" => "Pullover Hoodie",
        "Phone Cases" => "Phone Case",
        "Chargers & Cables" => "USB-C Cable",
        "Drinkware" => "Insulated Bottle",
        "Face Serums" => "Hydrating Serum",
        _ => "Item",
    }
}

/// Generates the world for `config` as of `now` (unix seconds).
pub fn generate(config: &SandboxConfig, now: i64) -> World {
    let mut w = World::empty(config.seed);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    // Sellers and shops.
    let plans: [(&str, Region, Vec<ShopPlan>); 2] = [
        (
            "Ocean Outfitters",
            Region::Us,
            vec![
                ShopPlan {
                    name: "Ocean Outfitters US",
                    region: Region::Us,
                    seller_type: SellerType::Local,
                },
                ShopPlan {
                    name: "Ocean Outfitters UK",
                    region: Region::Uk,
                    seller_type: SellerType::CrossBorder,
                },
            ],
        ),
        (
            "Nusantara Goods",
            Region::Id,
            vec![ShopPlan {
                name: "Nusantara Goods ID",
                region: Region::Id,
                seller_type: SellerType::Local,
            }],
        ),
    ];

    // Shipping providers per region (shared by shops of the region).
    let mut providers_by_region: BTreeMap<Region, Vec<Id>> = BTreeMap::new();
    for (_, _, shops) in &plans {
        for plan in shops {
            if providers_by_region.contains_key(&plan.region) {
                continue;
            }
            let mut ids = Vec::new();
            for name in provider_names(plan.region) {
                let id = w.ids.next(IdKind::ShippingProvider, &mut rng);
                w.shipping_providers.insert(
                    id,
                    ShippingProvider {
                        id,
                        name: name.to_string(),
                        region: plan.region,
                    },
                );
                ids.push(id);
            }
            providers_by_region.insert(plan.region, ids);
        }
    }

    for (seller_name, base_region, shop_plans) in plans {
        let seller_id = w.ids.next(IdKind::Seller, &mut rng);
        let mut shop_ids = Vec::new();
        for plan in shop_plans {
            let shop_id = w.ids.next(IdKind::Shop, &mut rng);
            let mut warehouse_ids = Vec::new();
            for (n, kind) in [
                WarehouseType::Sales,
                WarehouseType::Sales,
                WarehouseType::Return,
            ]
            .into_iter()
            .enumerate()
            {
                let wid = w.ids.next(IdKind::Warehouse, &mut rng);
                let mut options = Vec::new();
                if kind == WarehouseType::Sales {
                    for (name, dtype, min, max) in [
                        ("Standard Shipping", "STANDARD", 3, 7),
                        ("Express Shipping", "EXPRESS", 1, 3),
                    ] {
                        let oid = w.ids.next(IdKind::DeliveryOption, &mut rng);
                        let provs = providers_by_region[&plan.region].clone();
                        w.delivery_options.insert(
                            oid,
                            DeliveryOption {
                                id: oid,
                                warehouse_id: wid,
                                name: name.into(),
                                delivery_type: dtype.into(),
                                min_days: min,
                                max_days: max,
                                shipping_provider_ids: provs,
                            },
                        );
                        options.push(oid);
                    }
                }
                let name = match (kind, n) {
                    (WarehouseType::Sales, 0) => format!("{} Main Warehouse", plan.region.code()),
                    (WarehouseType::Sales, _) => {
                        format!("{} Overflow Warehouse", plan.region.code())
                    }
                    (WarehouseType::Return, _) => format!("{} Returns Centre", plan.region.code()),
                };
                w.warehouses.insert(
                    wid,
                    Warehouse {
                        id: wid,
                        shop_id,
                        name,
                        kind,
                        is_default: n == 0 || kind == WarehouseType::Return,
                        effect_status: "ENABLED".into(),
                        address: warehouse_address(&mut rng, plan.region, n),
                        delivery_option_ids: options,
                    },
                );
                warehouse_ids.push(wid);
            }
            let code = format!(
                "{}LC{}",
                plan.region.code(),
                (0..6)
                    .map(|_| (b'A' + rng.random_range(0..26u8)) as char)
                    .collect::<String>()
            );
            w.shops.insert(
                shop_id,
                Shop {
                    id: shop_id,
                    seller_id,
                    name: plan.name.into(),
                    region: plan.region,
                    seller_type: plan.seller_type,
                    cipher: cipher(&mut rng, plan.region),
                    code,
                    warehouse_ids,
                },
            );
            shop_ids.push(shop_id);
        }
        w.sellers.insert(
            seller_id,
            Seller {
                id: seller_id,
                name: seller_name.into(),
                base_region,
                open_id: format!("{:x}", rng.random::<u64>()),
                user_type: 0,
                shop_ids,
            },
        );
    }

    // Category tree with attributes and rules.
    let mut cat_ids = Vec::new();
    for (i, (name, parent)) in CATEGORIES.iter().enumerate() {
        let id = w.ids.next(IdKind::Category, &mut rng);
        cat_ids.push(id);
        let is_leaf = !CATEGORIES.iter().any(|(_, p)| *p == i);
        let parent_id = if *parent == usize::MAX {
            0
        } else {
            cat_ids[*parent]
        };
        let mut attributes = Vec::new();
        if is_leaf {
            for (attr, values) in sales_dimensions(name) {
                let aid = w.ids.next(IdKind::Attribute, &mut rng);
                let vals = values
                    .iter()
                    .map(|v| (w.ids.next(IdKind::AttributeValue, &mut rng), v.to_string()))
                    .collect();
                attributes.push(Attribute {
                    id: aid,
                    name: attr.into(),
                    kind: AttributeKind::SalesProperty,
                    is_required: false,
                    is_customizable: true,
                    is_multiple_selection: false,
                    values: vals,
                });
            }
            let aid = w.ids.next(IdKind::Attribute, &mut rng);
            let vals = MATERIALS
                .iter()
                .map(|v| (w.ids.next(IdKind::AttributeValue, &mut rng), v.to_string()))
                .collect();
            attributes.push(Attribute {
                id: aid,
                name: "Material".into(),
                kind: AttributeKind::ProductProperty,
                is_required: false,
                is_customizable: false,
                is_multiple_selection: true,
                values: vals,
            });
        }
        let certifications = if *name == "Face Serums" {
            vec![(
                w.ids.next(IdKind::Other, &mut rng),
                "Cosmetic Product Notification".into(),
                false,
            )]
        } else {
            Vec::new()
        };
        w.categories.insert(
            id,
            Category {
                id,
                parent_id,
                local_name: name.to_string(),
                is_leaf,
                permission_statuses: vec!["AVAILABLE".into()],
                attributes,
                rules: CategoryRules {
                    package_dimension_required: *name == "Drinkware",
                    size_chart_required: false,
                    cod_supported: true,
                    certifications,
                },
            },
        );
    }
    let leaves: Vec<Id> = w
        .categories
        .values()
        .filter(|c| c.is_leaf)
        .map(|c| c.id)
        .collect();

    for (i, name) in BRANDS.iter().enumerate() {
        let id = w.ids.next(IdKind::Brand, &mut rng);
        w.brands.insert(
            id,
            Brand {
                id,
                name: name.to_string(),
                authorized_status: if i % 3 == 2 {
                    "UNAUTHORIZED".into()
                } else {
                    "AUTHORIZED".into()
                },
                brand_status: "AVAILABLE".into(),
                is_t1_brand: i == 0,
            },
        );
    }
    let brand_ids: Vec<Id> = w.brands.keys().copied().collect();

    let shop_ids: Vec<Id> = w.shops.keys().copied().collect();
    for shop_id in shop_ids {
        generate_shop(&mut w, &mut rng, config, shop_id, &leaves, &brand_ids, now);
    }
    w
}

/// Products for one shop: returns nothing; inserts into the world.
fn generate_products(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    count: usize,
    shop_id: Id,
    leaves: &[Id],
    brand_ids: &[Id],
    now: i64,
) {
    let shop = w.shops[&shop_id].clone();
    let sales_wh: Vec<Id> = shop
        .warehouse_ids
        .iter()
        .copied()
        .filter(|id| w.warehouses[id].kind == WarehouseType::Sales)
        .collect();
    let scale = shop.region.price_scale();
    for n in 0..count {
        let pid = w.ids.next(IdKind::Product, rng);
        let cat = w.categories[&leaves[rng.random_range(0..leaves.len())]].clone();
        let title = format!(
            "{} {} {}",
            pick(rng, ADJECTIVES),
            pick(rng, MATERIALS),
            noun(&cat.local_name)
        );
        let sales_attrs: Vec<&Attribute> = cat
            .attributes
            .iter()
            .filter(|a| a.kind == AttributeKind::SalesProperty)
            .collect();
        // 1..=4 variations: combinations of the first values of each dimension.
        let variations = rng.random_range(1..=4usize);
        let base_price = scale * rng.random_range(5..80i64) + scale / 100 * 99;
        let mut skus = Vec::new();
        let mut combos: Vec<Vec<(usize, usize)>> = Vec::new();
        let first = sales_attrs.first().map(|a| a.values.len()).unwrap_or(1);
        let second = sales_attrs.get(1).map(|a| a.values.len()).unwrap_or(1);
        let offset = rng.random_range(0..first * second);
        for v in 0..variations.min(first * second) {
            let k = (offset + v) % (first * second);
            let mut combo = Vec::new();
            if !sales_attrs.is_empty() {
                combo.push((0, k % first));
            }
            if sales_attrs.len() > 1 {
                combo.push((1, k / first));
            }
            combos.push(combo);
        }
        for (v, combo) in combos.into_iter().enumerate() {
            let sid = w.ids.next(IdKind::Sku, rng);
            let attrs: Vec<SalesAttribute> = combo
                .iter()
                .map(|&(ai, vi)| SalesAttribute {
                    id: sales_attrs[ai].id,
                    name: sales_attrs[ai].name.clone(),
                    value_id: sales_attrs[ai].values[vi].0,
                    value_name: sales_attrs[ai].values[vi].1.clone(),
                })
                .collect();
            let suffix: Vec<String> = attrs
                .iter()
                .map(|a| a.value_name.to_uppercase().replace(' ', ""))
                .collect();
            let mut inventory = vec![Stock::available(sales_wh[0], rng.random_range(0..250))];
            if sales_wh.len() > 1 && rng.random_bool(0.4) {
                inventory.push(Stock::available(sales_wh[1], rng.random_range(0..60)));
            }
            skus.push(Sku {
                id: sid,
                seller_sku: format!("OC-{:04}-{}-{}", n + 1, v + 1, suffix.join("-")),
                sales_attributes: attrs,
                price: base_price + (v as i64) * scale,
                inventory,
            });
        }
        let roll = rng.random_range(0..100);
        let status = match roll {
            0..=74 => ProductStatus::Activate,
            75..=82 => ProductStatus::SellerDeactivated,
            83..=87 => ProductStatus::Draft,
            88..=90 => ProductStatus::Pending,
            91..=93 => ProductStatus::Failed,
            94..=95 => ProductStatus::PlatformDeactivated,
            96..=97 => ProductStatus::Freeze,
            _ => ProductStatus::Deleted,
        };
        // Keep the first products sellable so that orders always have something to buy.
        let status = if n < 3 {
            ProductStatus::Activate
        } else {
            status
        };
        let create_time = now - rng.random_range(30 * DAY..400 * DAY);
        let update_time = (create_time + rng.random_range(0..200 * DAY)).min(now - 60);
        let material = cat
            .attributes
            .iter()
            .find(|a| a.kind == AttributeKind::ProductProperty);
        let product_attributes = match material {
            Some(a) => {
                let (vid, vname) = pick(rng, &a.values).clone();
                serde_json::json!([{
                    "id": a.id.to_string(),
                    "values": [{"id": vid.to_string(), "name": vname}],
                }])
            }
            None => serde_json::json!([]),
        };
        let product = Product {
            id: pid,
            shop_id,
            title,
            description: "<p>Made to last. Machine washable where it makes sense.</p>".into(),
            category_id: cat.id,
            brand_id: if rng.random_bool(0.5) {
                Some(*pick(rng, brand_ids))
            } else {
                None
            },
            status,
            main_images: (0..rng.random_range(1..=4))
                .map(|i| format!("tos-maliva-i-o3syd03w52-us/{pid:x}{i}"))
                .collect(),
            skus,
            package_weight: (format!("0.{}", rng.random_range(1..9)), "KILOGRAM".into()),
            package_dimensions: Some((
                "20".into(),
                "15".into(),
                format!("{}", rng.random_range(2..10)),
                "CENTIMETER".into(),
            )),
            product_attributes,
            video: None,
            is_cod_allowed: shop.region.has_cod(),
            create_time,
            update_time,
            audit_due: if status == ProductStatus::Pending {
                Some(now + AUDIT_SECONDS)
            } else {
                None
            },
            audit_failed_reasons: if status == ProductStatus::Failed {
                vec!["The main image does not show the product clearly.".into()]
            } else {
                Vec::new()
            },
        };
        w.insert_product(product);
    }
}

/// A snapshot of a sellable SKU for order lines.
#[derive(Clone)]
struct Sellable {
    product_id: Id,
    sku_id: Id,
    product_name: Arc<str>,
    sku_name: Arc<str>,
    seller_sku: Arc<str>,
    price: i64,
}

fn sellables(w: &World, shop_id: Id) -> Vec<Sellable> {
    let mut out = Vec::new();
    for p in w.products.values().filter(|p| p.shop_id == shop_id) {
        if p.status != ProductStatus::Activate {
            continue;
        }
        let name: Arc<str> = Arc::from(p.title.as_str());
        for s in &p.skus {
            let sku_name = s
                .sales_attributes
                .iter()
                .map(|a| a.value_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Sellable {
                product_id: p.id,
                sku_id: s.id,
                product_name: name.clone(),
                sku_name: Arc::from(sku_name.as_str()),
                seller_sku: Arc::from(s.seller_sku.as_str()),
                price: s.price,
            });
        }
    }
    out
}

/// Picks the status of a generated order; the first nine of each shop cover every status.
fn order_status(rng: &mut ChaCha8Rng, n: usize) -> OrderStatus {
    if n < OrderStatus::ALL.len() {
        return OrderStatus::ALL[n];
    }
    match rng.random_range(0..100) {
        0..=3 => OrderStatus::Unpaid,
        4..=7 => OrderStatus::OnHold,
        8..=22 => OrderStatus::AwaitingShipment,
        23..=24 => OrderStatus::PartiallyShipping,
        25..=32 => OrderStatus::AwaitingCollection,
        33..=42 => OrderStatus::InTransit,
        43..=52 => OrderStatus::Delivered,
        53..=89 => OrderStatus::Completed,
        _ => OrderStatus::Cancelled,
    }
}

fn generate_shop(
    w: &mut World,
    rng: &mut ChaCha8Rng,
    config: &SandboxConfig,
    shop_id: Id,
    leaves: &[Id],
    brand_ids: &[Id],
    now: i64,
) {
    generate_products(w, rng, config.products, shop_id, leaves, brand_ids, now);
    let shop = w.shops[&shop_id].clone();
    let region = shop.region;
    let stock_wh = shop.warehouse_ids[0];
    let options = w.warehouses[&stock_wh].delivery_option_ids.clone();
    let providers = w.delivery_options[&options[0]]
        .shipping_provider_ids
        .clone();
    let mut goods = sellables(w, shop_id);
    if goods.is_empty() {
        // No products: orders still need lines; they point at a product that no longer exists.
        goods.push(Sellable {
            product_id: w.ids.next(IdKind::Product, rng),
            sku_id: w.ids.next(IdKind::Sku, rng),
            product_name: Arc::from("Discontinued item"),
            sku_name: Arc::from("Default"),
            seller_sku: Arc::from("OC-DISCONTINUED"),
            price: region.price_scale() * 10,
        });
    }
    let buyers: Vec<Id> = (0..(config.orders / 3).max(1))
        .map(|_| w.ids.next(IdKind::User, rng))
        .collect();
    let scale = region.price_scale();

    for n in 0..config.orders {
        let status = order_status(rng, n);
        let id = w.ids.next(IdKind::Order, rng);
        // How long ago the order was placed, consistent with its status.
        let age = match status {
            OrderStatus::Unpaid | OrderStatus::OnHold => rng.random_range(60..3_000),
            OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => {
                rng.random_range(2 * 3600..3 * DAY)
            }
            OrderStatus::AwaitingCollection | OrderStatus::InTransit => {
                rng.random_range(DAY..6 * DAY)
            }
            OrderStatus::Delivered => rng.random_range(4 * DAY..14 * DAY),
            OrderStatus::Completed | OrderStatus::Cancelled => rng.random_range(DAY..90 * DAY),
        };
        let create_time = now - age;
        let units = if status == OrderStatus::PartiallyShipping {
            rng.random_range(2..=4)
        } else {
            match rng.random_range(0..10) {
                0..=5 => 1,
                6..=8 => 2,
                _ => rng.random_range(3..=5),
            }
        };
        let mut line_items = Vec::with_capacity(units);
        for _ in 0..units {
            let g = goods[rng.random_range(0..goods.len())].clone();
            let marked_up = rng.random_bool(0.3);
            line_items.push(LineItem {
                id: w.ids.next(IdKind::LineItem, rng),
                product_id: g.product_id,
                sku_id: g.sku_id,
                product_name: g.product_name,
                sku_name: g.sku_name,
                seller_sku: g.seller_sku,
                sale_price: g.price,
                original_price: if marked_up {
                    g.price + scale * 2
                } else {
                    g.price
                },
                package_id: None,
                is_cancelled: status == OrderStatus::Cancelled,
                cancel_user: None,
            });
        }
        let sub_total: i64 = line_items.iter().map(|l| l.sale_price).sum();
        let original: i64 = line_items.iter().map(|l| l.original_price).sum();
        let shipping_fee = if rng.random_bool(0.4) {
            0
        } else {
            scale * rng.random_range(2..8)
        };
        let platform_discount = if rng.random_bool(0.2) { scale } else { 0 };
        let seller_discount = original - sub_total;
        let tax = if region == Region::Us {
            sub_total * 8 / 100
        } else {
            0
        };
        let total_amount = (sub_total + shipping_fee + tax - platform_discount).max(0);
        let paid = !matches!(status, OrderStatus::Unpaid)
            && !(status == OrderStatus::Cancelled && rng.random_bool(0.3));
        let paid_time = paid.then(|| create_time + rng.random_range(10..600));
        let shipped = status.is_shipped();
        let shipping_type = if rng.random_bool(0.2) {
            ShippingType::Seller
        } else {
            ShippingType::Tiktok
        };
        let provider = *pick(rng, &providers);
        let tracking =
            shipped.then(|| format!("TT{:012}", rng.random_range(0..1_000_000_000_000u64)));
        let rts_time =
            shipped.then(|| paid_time.unwrap_or(create_time) + rng.random_range(3600..DAY));
        let collection_time = matches!(
            status,
            OrderStatus::InTransit | OrderStatus::Delivered | OrderStatus::Completed
        )
        .then(|| rts_time.unwrap_or(create_time) + rng.random_range(3600..DAY));
        let delivery_time = matches!(status, OrderStatus::Delivered | OrderStatus::Completed)
            .then(|| collection_time.unwrap_or(create_time) + rng.random_range(DAY..3 * DAY));
        let cancel_time =
            (status == OrderStatus::Cancelled).then(|| create_time + rng.random_range(600..DAY));
        let update_time = [
            Some(create_time),
            paid_time,
            rts_time,
            collection_time,
            delivery_time,
            cancel_time,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(create_time)
        .min(now);
        let on_hold_until = (status == OrderStatus::OnHold)
            .then(|| paid_time.unwrap_or(create_time) + ON_HOLD_SECONDS);

        // Packages exist once the order awaits shipment.
        let mut package_ids = Vec::new();
        let has_package = matches!(
            status,
            OrderStatus::AwaitingShipment
                | OrderStatus::PartiallyShipping
                | OrderStatus::AwaitingCollection
                | OrderStatus::InTransit
                | OrderStatus::Delivered
                | OrderStatus::Completed
        ) || (status == OrderStatus::Cancelled && paid && rng.random_bool(0.5));
        if has_package {
            let split = status == OrderStatus::PartiallyShipping;
            let groups = if split { 2 } else { 1 };
            for g in 0..groups {
                let pkg_id = w.ids.next(IdKind::Package, rng);
                let pkg_shipped = shipped || (split && g == 0);
                let pstatus = match status {
                    OrderStatus::Cancelled => PackageStatus::Cancelled,
                    OrderStatus::Delivered | OrderStatus::Completed => PackageStatus::Completed,
                    _ if pkg_shipped => PackageStatus::Fulfilling,
                    _ => PackageStatus::Processing,
                };
                let pkg_tracking = if pkg_shipped {
                    tracking.clone().or_else(|| {
                        Some(format!(
                            "TT{:012}",
                            rng.random_range(0..1_000_000_000_000u64)
                        ))
                    })
                } else {
                    None
                };
                w.packages.insert(
                    pkg_id,
                    Package {
                        id: pkg_id,
                        shop_id,
                        order_ids: vec![id],
                        status: pstatus,
                        shipping_provider_id: pkg_shipped.then_some(provider),
                        tracking_number: pkg_tracking,
                        handover_method: pkg_shipped.then(|| "PICKUP".to_string()),
                        pickup_slot: None,
                        create_time: paid_time.unwrap_or(create_time),
                        update_time,
                        shipped_time: if pkg_shipped {
                            rts_time.or(Some(update_time))
                        } else {
                            None
                        },
                    },
                );
                package_ids.push(pkg_id);
            }
            let per = line_items.len().div_ceil(groups);
            for (i, l) in line_items.iter_mut().enumerate() {
                l.package_id = Some(package_ids[(i / per).min(package_ids.len() - 1)]);
            }
        }

        let (cancel_reason, initiator) = if status == OrderStatus::Cancelled {
            let initiator = if !paid {
                "SYSTEM"
            } else if rng.random_bool(0.6) {
                "BUYER"
            } else {
                "SELLER"
            };
            (
                Some(if initiator == "SYSTEM" {
                    "Payment overdue".to_string()
                } else {
                    pick(rng, CANCEL_REASONS).to_string()
                }),
                Some(initiator.to_string()),
            )
        } else {
            (None, None)
        };

        let order = Order {
            id,
            shop_id,
            status,
            create_time,
            update_time,
            paid_time,
            rts_time,
            collection_time,
            delivery_time,
            cancel_time,
            user_id: *pick(rng, &buyers),
            buyer_seed: rng.random(),
            buyer_message: if rng.random_bool(0.1) {
                pick(rng, BUYER_MESSAGES).to_string()
            } else {
                String::new()
            },
            shipping_type,
            shipping_provider_id: (shipped || status == OrderStatus::PartiallyShipping)
                .then_some(provider),
            tracking_number: tracking,
            delivery_option_id: options[rng.random_range(0..options.len())],
            warehouse_id: stock_wh,
            is_cod: region.has_cod() && rng.random_bool(0.3),
            cancel_reason,
            cancellation_initiator: initiator,
            on_hold_until,
            payment: Payment {
                sub_total,
                shipping_fee,
                seller_discount,
                platform_discount,
                tax,
                total_amount,
                original_total_product_price: original,
                original_shipping_fee: shipping_fee,
            },
            line_items,
            package_ids,
        };

        // Cancellations and returns that go with the order.
        if status == OrderStatus::Cancelled
            && order.cancellation_initiator.as_deref() != Some("SYSTEM")
        {
            let cid = w.ids.next(IdKind::Cancellation, rng);
            w.cancellations.insert(
                cid,
                Cancellation {
                    id: cid,
                    shop_id,
                    order_id: id,
                    role: order.cancellation_initiator.clone().unwrap_or_default(),
                    status: CancelStatus::RequestComplete,
                    reason: order.cancel_reason.clone().unwrap_or_default(),
                    line_item_ids: order.line_items.iter().map(|l| l.id).collect(),
                    refund_total: order.payment.total_amount,
                    create_time: cancel_time.unwrap_or(update_time),
                    update_time,
                },
            );
        } else if status == OrderStatus::AwaitingShipment && rng.random_bool(0.05) {
            // A buyer asked to cancel; the seller has not answered yet.
            let cid = w.ids.next(IdKind::Cancellation, rng);
            w.cancellations.insert(
                cid,
                Cancellation {
                    id: cid,
                    shop_id,
                    order_id: id,
                    role: "BUYER".into(),
                    status: CancelStatus::RequestPending,
                    reason: pick(rng, CANCEL_REASONS).to_string(),
                    line_item_ids: order.line_items.iter().map(|l| l.id).collect(),
                    refund_total: order.payment.total_amount,
                    create_time: update_time,
                    update_time,
                },
            );
        } else if matches!(status, OrderStatus::Delivered | OrderStatus::Completed)
            && (rng.random_bool(0.06) || n == OrderStatus::ALL.len())
        {
            let rid = w.ids.next(IdKind::Return, rng);
            let rstatus = *pick(
                rng,
                &[
                    ReturnStatus::RequestPending,
                    ReturnStatus::RequestPending,
                    ReturnStatus::AwaitingBuyerShip,
                    ReturnStatus::BuyerShippedItem,
                    ReturnStatus::RequestComplete,
                    ReturnStatus::RequestReject,
                ],
            );
            let line = &order.line_items[0];
            let created = delivery_time.unwrap_or(update_time) + rng.random_range(3600..2 * DAY);
            let created = created.min(now);
            w.returns.insert(
                rid,
                ReturnOrder {
                    id: rid,
                    shop_id,
                    order_id: id,
                    role: "BUYER".into(),
                    return_type: if rng.random_bool(0.3) {
                        ReturnType::Refund
                    } else {
                        ReturnType::ReturnAndRefund
                    },
                    status: rstatus,
                    reason: pick(rng, RETURN_REASONS).to_string(),
                    line_item_ids: vec![line.id],
                    refund_total: line.sale_price,
                    create_time: created,
                    update_time: created,
                },
            );
        }
        w.insert_order(order);
        // Its units not shipped and not cancelled are committed in the books (available as generated).
        w.hold_open_lines(id);
    }

    // Promotions and coupons (data; their endpoints live elsewhere).
    let active: Vec<Id> = w
        .products
        .values()
        .filter(|p| p.shop_id == shop_id && p.status == ProductStatus::Activate)
        .map(|p| p.id)
        .collect();
    let promo_plans: [(&str, &str, &str, i64, i64); 5] = [
        ("Summer Flash Sale", "FLASHSALE", "ONGOING", -DAY, DAY),
        (
            "Bundle Fixed Price",
            "FIXED_PRICE",
            "NOT_START",
            3 * DAY,
            10 * DAY,
        ),
        (
            "10% Off Essentials",
            "DIRECT_DISCOUNT",
            "ONGOING",
            -5 * DAY,
            20 * DAY,
        ),
        (
            "Spring Clearance",
            "DIRECT_DISCOUNT",
            "EXPIRED",
            -60 * DAY,
            -30 * DAY,
        ),
        (
            "Paused Deal",
            "FIXED_PRICE",
            "DEACTIVATED",
            -10 * DAY,
            10 * DAY,
        ),
    ];
    for (title, kind, status, begin, end) in promo_plans {
        let id = w.ids.next(IdKind::Promotion, rng);
        let products = active
            .iter()
            .take(3)
            .map(|pid| {
                let price = w.products[pid]
                    .skus
                    .first()
                    .map(|s| s.price)
                    .unwrap_or(scale);
                PromotionProduct {
                    product_id: *pid,
                    activity_price: (kind != "DIRECT_DISCOUNT").then_some(price * 8 / 10),
                    discount_percent: (kind == "DIRECT_DISCOUNT").then_some(10),
                    quantity_limit: -1,
                    quantity_per_user: if kind == "FLASHSALE" { 2 } else { -1 },
                    sku_ids: Vec::new(),
                }
            })
            .collect();
        let created = now + begin.min(0) - 2 * DAY;
        w.promotions.insert(
            id,
            Promotion {
                id,
                shop_id,
                title: title.into(),
                activity_type: kind.into(),
                product_level: "PRODUCT".into(),
                status: status.into(),
                begin_time: now + begin,
                end_time: now + end,
                products,
                create_time: created,
                update_time: created,
            },
        );
    }
    let coupon_plans: [(&str, &str, &str, i64, i64); 4] = [
        (
            "Welcome 5 off",
            "FIXED_AMOUNT_OFF",
            "ONGOING",
            -10 * DAY,
            30 * DAY,
        ),
        (
            "15% off orders over 50",
            "PERCENTAGE_OFF",
            "ONGOING",
            -2 * DAY,
            5 * DAY,
        ),
        (
            "Holiday 20% off",
            "PERCENTAGE_OFF",
            "NOT_START",
            20 * DAY,
            40 * DAY,
        ),
        (
            "Last season 3 off",
            "FIXED_AMOUNT_OFF",
            "EXPIRED",
            -90 * DAY,
            -60 * DAY,
        ),
    ];
    for (title, kind, status, begin, end) in coupon_plans {
        let id = w.ids.next(IdKind::Coupon, rng);
        let total = rng.random_range(100..1000);
        w.coupons.insert(
            id,
            Coupon {
                id,
                shop_id,
                title: title.into(),
                discount_type: kind.into(),
                amount_off: (kind == "FIXED_AMOUNT_OFF").then_some(scale * 5),
                percent_off: (kind == "PERCENTAGE_OFF").then_some(15),
                threshold: scale * 50,
                status: status.into(),
                start_time: now + begin,
                end_time: now + end,
                claimed: rng.random_range(0..total),
                total,
                create_time: now + begin - DAY,
                update_time: now + begin - DAY,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SandboxConfig {
        SandboxConfig {
            orders: 60,
            products: 12,
            ..SandboxConfig::default()
        }
    }

    #[test]
    fn same_seed_same_world() {
        let a = generate(&small(), 1_750_000_000);
        let b = generate(&small(), 1_750_000_000);
        assert_eq!(a.shops, b.shops);
        assert_eq!(a.products, b.products);
        assert_eq!(a.orders, b.orders);
        assert_eq!(a.packages, b.packages);
        assert_eq!(a.categories, b.categories);
        assert_eq!(a.returns, b.returns);
    }

    #[test]
    fn different_seed_different_world() {
        let a = generate(&small(), 1_750_000_000);
        let b = generate(
            &SandboxConfig {
                seed: 43,
                ..small()
            },
            1_750_000_000,
        );
        assert_ne!(a.orders, b.orders);
        assert_ne!(
            a.shops.values().map(|s| &s.cipher).collect::<Vec<_>>(),
            b.shops.values().map(|s| &s.cipher).collect::<Vec<_>>()
        );
    }

    #[test]
    fn world_has_what_the_issue_asks_for() {
        let w = generate(&small(), 1_750_000_000);
        let first_seller = w.sellers.values().next().unwrap();
        assert_eq!(first_seller.shop_ids.len(), 2);
        for shop in w.shops.values() {
            let orders: Vec<&Order> = w.orders.values().filter(|o| o.shop_id == shop.id).collect();
            assert_eq!(orders.len(), 60);
            for s in OrderStatus::ALL {
                assert!(orders.iter().any(|o| o.status == s), "{shop:?} lacks {s:?}");
            }
            if !shop.region.has_cod() {
                assert!(orders.iter().all(|o| !o.is_cod));
            }
            let kinds: Vec<WarehouseType> = shop
                .warehouse_ids
                .iter()
                .map(|id| w.warehouses[id].kind)
                .collect();
            assert!(
                kinds.contains(&WarehouseType::Sales) && kinds.contains(&WarehouseType::Return)
            );
            assert!(w.default_warehouse(shop.id).is_some());
        }
        assert!(w.orders.values().any(|o| o.is_cod));
        assert!(w.categories.values().any(|c| c.is_leaf));
        assert!(w.categories.values().any(|c| !c.is_leaf));
        assert!(!w.returns.is_empty());
        assert!(!w.cancellations.is_empty());
        assert!(!w.promotions.is_empty() && !w.coupons.is_empty());
        assert_eq!(w.orders_by_update.len(), w.orders.len());
    }
}
