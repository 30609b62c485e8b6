//! The generated catalogue: the category tree, attribute values, brands and product names, and each
//! shop's products with their SKUs and stock.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{DAY, pick};
use crate::world::*;

/// Category tree: (name, parent index or usize::MAX for a root). Leaves are those no one points to.
pub(super) const CATEGORIES: &[(&str, usize)] = &[
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
pub(super) const MATERIALS: &[&str] = &[
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
pub(super) const BRANDS: &[&str] = &[
    "Ocean Basics",
    "Tidewear",
    "Harbor & Co",
    "Coral Lab",
    "Driftwood Home",
    "Voltline",
    "Nimbus",
    "Saltwater Studio",
];

/// Sales attribute sets a leaf category offers: (attribute name, values).
pub(super) fn sales_dimensions(leaf_name: &str) -> Vec<(&'static str, &'static [&'static str])> {
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

/// Products for one shop: returns nothing; inserts into the world.
pub(super) fn generate_products(
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
