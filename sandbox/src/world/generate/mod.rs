//! Builds the starting world from the seed: the same seed and the same `now` give the same world.
//!
//! Two sellers: the default one (the consent page's first) owns a US and a UK shop, so one
//! authorization covers two shops; a second one owns an Indonesian shop, where cash on delivery exists.
//! `config.orders` and `config.products` are per shop.
//!
//! `catalog` builds the category tree's contents and each shop's products, `orders` each shop's orders
//! with their packages, cancellations and returns, and `promotions` its promotions and coupons; the
//! affiliate books (collaborations, sample rules and applications) are `affiliate::seed_affiliate`'s.

mod catalog;
mod orders;
mod promotions;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::SandboxConfig;
use catalog::{BRANDS, CATEGORIES, MATERIALS, sales_dimensions};
use orders::generate_shop;

const DAY: i64 = 86_400;

struct ShopPlan {
    name: String,
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

/// Generates the world for `config` as of `now` (unix seconds).
pub fn generate(config: &SandboxConfig, now: i64) -> World {
    let mut w = World::empty(config.seed);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    // Sellers and shops.
    let mut plans: Vec<(String, Region, Vec<ShopPlan>)> = vec![
        (
            "Ocean Outfitters".to_owned(),
            Region::Us,
            vec![
                ShopPlan {
                    name: "Ocean Outfitters US".to_owned(),
                    region: Region::Us,
                    seller_type: SellerType::Local,
                },
                ShopPlan {
                    name: "Ocean Outfitters UK".to_owned(),
                    region: Region::Uk,
                    seller_type: SellerType::CrossBorder,
                },
            ],
        ),
        (
            "Nusantara Goods".to_owned(),
            Region::Id,
            vec![ShopPlan {
                name: "Nusantara Goods ID".to_owned(),
                region: Region::Id,
                seller_type: SellerType::Local,
            }],
        ),
    ];
    // More sellers, one US shop each, for runs with many shops (`extra_shops`); the world of the
    // three shops above is the same with or without them.
    for n in 1..=config.extra_shops {
        plans.push((
            format!("Bench Seller {n}"),
            Region::Us,
            vec![ShopPlan {
                name: format!("Bench Shop {n}"),
                region: Region::Us,
                seller_type: SellerType::Local,
            }],
        ));
    }

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
                    name: plan.name.clone(),
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
                name: seller_name,
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
    // Last, so that everything generated before is as it was.
    affiliate::seed_affiliate(&mut w, &mut rng, now);
    w
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
