//! The world rendered in the API's wire shapes (ids as strings, amounts as decimal strings).

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::*;

const FIRST_NAMES: &[&str] = &[
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Avery", "Quinn",
    "Dewi", "Budi", "Siti", "Oliver", "Amelia",
];
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Lee", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Santoso", "Wijaya",
    "Taylor", "Evans",
];
const STREETS: &[&str] = &[
    "Maple Street",
    "Ocean Avenue",
    "High Street",
    "Station Road",
    "Jalan Sudirman",
    "Park Lane",
    "Harbor Drive",
];

/// The buyer's (deterministic) name, e-mail and address for an order.
pub struct Buyer {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: PostalAddress,
}

pub fn buyer(order: &Order, region: Region) -> Buyer {
    let mut rng = ChaCha8Rng::seed_from_u64(order.buyer_seed);
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let (state, city, postal, phone_prefix) = match region {
        Region::Us => ("Texas", "Austin", "78701", "+1"),
        Region::Uk => ("England", "Leeds", "LS1 4AP", "+44"),
        Region::Id => ("Jawa Barat", "Bandung", "40111", "+62"),
        Region::Sg => ("Singapore", "Singapore", "238801", "+65"),
        Region::My => ("Selangor", "Petaling Jaya", "46000", "+60"),
        Region::Th => ("Bangkok", "Bangkok", "10110", "+66"),
        Region::Vn => ("Ha Noi", "Ha Noi", "100000", "+84"),
        Region::Ph => ("Metro Manila", "Makati", "1226", "+63"),
    };
    Buyer {
        name: format!("{first} {last}"),
        email: format!("{:x}@scs.tiktokw.us", order.buyer_seed >> 8),
        phone: format!(
            "({phone_prefix}){}",
            rng.random_range(200_000_000u64..999_999_999)
        ),
        address: PostalAddress {
            contact_person: format!("{first} {last}"),
            phone_number: String::new(),
            region_code: region.code().to_string(),
            state: state.into(),
            city: city.into(),
            district: "Central".into(),
            address_line1: format!("{} {}", rng.random_range(1..999), street),
            postal_code: postal.into(),
        },
    }
}

pub fn amount(minor: i64, region: Region) -> String {
    format_amount(minor, region)
}

pub fn shop_json(s: &Shop) -> Value {
    json!({
        "id": s.id.to_string(),
        "name": s.name,
        "region": s.region.code(),
        "seller_type": s.seller_type.as_str(),
        "cipher": s.cipher,
        "code": s.code,
    })
}

pub fn address_json(a: &PostalAddress) -> Value {
    json!({
        "region": a.region_code,
        "region_code": a.region_code,
        "state": a.state,
        "city": a.city,
        "district": a.district,
        "address_line1": a.address_line1,
        "address_line2": "",
        "postal_code": a.postal_code,
        "contact_person": a.contact_person,
        "phone_number": a.phone_number,
        "full_address": a.full_address(),
    })
}

pub fn warehouse_json(w: &Warehouse) -> Value {
    json!({
        "id": w.id.to_string(),
        "name": w.name,
        "effect_status": w.effect_status,
        "type": w.kind.as_str(),
        "sub_type": "DOMESTIC_WAREHOUSE",
        "is_default": w.is_default,
        "address": address_json(&w.address),
    })
}

pub fn sku_json(s: &Sku, region: Region) -> Value {
    json!({
        "id": s.id.to_string(),
        "seller_sku": s.seller_sku,
        "price": {
            "currency": region.currency(),
            "sale_price": format_amount(s.price, region),
            "tax_exclusive_price": format_amount(s.price, region),
        },
        "inventory": s.inventory.iter().map(|i| json!({
            "warehouse_id": i.warehouse_id.to_string(),
            "quantity": i.quantity,
        })).collect::<Vec<_>>(),
        "sales_attributes": s.sales_attributes.iter().map(|a| json!({
            "id": a.id.to_string(),
            "name": a.name,
            "value_id": a.value_id.to_string(),
            "value_name": a.value_name,
        })).collect::<Vec<_>>(),
    })
}

/// A product as search lists it.
pub fn product_summary_json(p: &Product, region: Region) -> Value {
    json!({
        "id": p.id.to_string(),
        "title": p.title,
        "status": p.status.as_str(),
        "skus": p.skus.iter().map(|s| sku_json(s, region)).collect::<Vec<_>>(),
        "sales_regions": [region.code()],
        "create_time": p.create_time,
        "update_time": p.update_time,
        "is_not_for_sale": false,
        "audit": {"status": audit_status(p)},
    })
}

fn audit_status(p: &Product) -> &'static str {
    match p.status {
        ProductStatus::Pending => "AUDITING",
        ProductStatus::Failed => "REJECTED",
        ProductStatus::Draft => "NONE",
        ProductStatus::Activate
        | ProductStatus::SellerDeactivated
        | ProductStatus::PlatformDeactivated
        | ProductStatus::Freeze
        | ProductStatus::Deleted => "APPROVED",
    }
}

/// A product as `GET /product/202309/products/{id}` answers.
pub fn product_json(w: &World, p: &Product) -> Value {
    let region = w.region_of(p.shop_id);
    let mut chain = Vec::new();
    let mut cur = w.categories.get(&p.category_id);
    while let Some(c) = cur {
        chain.push(json!({
            "id": c.id.to_string(),
            "parent_id": c.parent_id.to_string(),
            "local_name": c.local_name,
            "is_leaf": c.is_leaf,
        }));
        cur = w.categories.get(&c.parent_id);
    }
    chain.reverse();
    let brand = p
        .brand_id
        .and_then(|b| w.brands.get(&b))
        .map(|b| json!({"id": b.id.to_string(), "name": b.name}));
    json!({
        "id": p.id.to_string(),
        "title": p.title,
        "description": p.description,
        "status": p.status.as_str(),
        "category_chains": chain,
        "brand": brand,
        "main_images": p.main_images.iter().map(|u| json!({
            "uri": u,
            "urls": [format!("https://p16-oec-va.ibyteimg.com/{u}~tplv-o3syd03w52-origin-jpeg.jpeg")],
            "width": 800,
            "height": 800,
        })).collect::<Vec<_>>(),
        "video": p.video,
        "package_weight": {"value": p.package_weight.0, "unit": p.package_weight.1},
        "package_dimensions": p.package_dimensions.as_ref().map(|d| json!({
            "length": d.0, "width": d.1, "height": d.2, "unit": d.3,
        })),
        "product_attributes": p.product_attributes,
        "skus": p.skus.iter().map(|s| sku_json(s, region)).collect::<Vec<_>>(),
        "is_cod_allowed": p.is_cod_allowed,
        "audit": {"status": audit_status(p)},
        "audit_failed_reasons": p.audit_failed_reasons.iter().map(|r| json!({
            "position": "main_images",
            "reasons": [r],
            "suggestions": ["Upload a clearer image."],
        })).collect::<Vec<_>>(),
        "create_time": p.create_time,
        "update_time": p.update_time,
    })
}

fn line_display_status(o: &Order, l: &LineItem) -> &'static str {
    if l.is_cancelled {
        return OrderStatus::Cancelled.as_str();
    }
    o.status.as_str()
}

/// An order as order detail and order search answer it.
pub fn order_json(w: &World, o: &Order) -> Value {
    let region = w.region_of(o.shop_id);
    let currency = region.currency();
    let b = buyer(o, region);
    let provider_name = o
        .shipping_provider_id
        .and_then(|p| w.shipping_providers.get(&p))
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let recipient = if o.status.hides_address() {
        // Hidden until the buyer's cancellation window is over.
        json!({
            "name": "",
            "phone_number": "",
            "full_address": "",
            "address_line1": "",
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "postal_code": "",
            "region_code": region.code(),
            "district_info": [],
        })
    } else {
        json!({
            "name": b.name,
            "first_name": b.name.split(' ').next().unwrap_or(""),
            "last_name": b.name.split(' ').nth(1).unwrap_or(""),
            "phone_number": b.phone,
            "full_address": b.address.full_address(),
            "address_detail": b.address.address_line1,
            "address_line1": b.address.address_line1,
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "postal_code": b.address.postal_code,
            "region_code": region.code(),
            "district_info": [
                {"address_level_name": "Country", "address_name": region.code(), "address_level": "L0"},
                {"address_level_name": "State", "address_name": b.address.state, "address_level": "L1"},
                {"address_level_name": "City", "address_name": b.address.city, "address_level": "L2"},
            ],
        })
    };
    let line_items: Vec<Value> = o
        .line_items
        .iter()
        .map(|l| {
            let pkg = l.package_id.and_then(|p| w.packages.get(&p));
            json!({
                "id": l.id.to_string(),
                "sku_id": l.sku_id.to_string(),
                "product_id": l.product_id.to_string(),
                "product_name": &*l.product_name,
                "sku_name": &*l.sku_name,
                "seller_sku": &*l.seller_sku,
                "sku_image": format!("https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{:x}", l.sku_id),
                "sale_price": format_amount(l.sale_price, region),
                "original_price": format_amount(l.original_price, region),
                "seller_discount": format_amount(l.original_price - l.sale_price, region),
                "platform_discount": format_amount(0, region),
                "currency": currency,
                "display_status": line_display_status(o, l),
                "is_gift": false,
                "package_id": pkg.map(|p| p.id.to_string()),
                "package_status": pkg.map(|p| p.status.as_str()),
                "tracking_number": pkg.and_then(|p| p.tracking_number.clone()).unwrap_or_default(),
                "shipping_provider_id": pkg.and_then(|p| p.shipping_provider_id).map(|x| x.to_string()).unwrap_or_default(),
                "shipping_provider_name": pkg.and_then(|p| p.shipping_provider_id).and_then(|x| w.shipping_providers.get(&x)).map(|x| x.name.clone()).unwrap_or_default(),
                "cancel_user": if l.is_cancelled { l.cancel_user.as_deref().map(str::to_owned).or_else(|| o.cancellation_initiator.clone()) } else { None },
                "cancel_reason": if l.is_cancelled { o.cancel_reason.clone() } else { None },
                "rts_time": o.rts_time,
            })
        })
        .collect();
    let p = &o.payment;
    json!({
        "id": o.id.to_string(),
        "status": o.status.as_str(),
        "create_time": o.create_time,
        "update_time": o.update_time,
        "paid_time": o.paid_time,
        "rts_time": o.rts_time,
        "collection_time": o.collection_time,
        "delivery_time": o.delivery_time,
        "cancel_time": o.cancel_time,
        "user_id": o.user_id.to_string(),
        "buyer_email": b.email,
        "buyer_message": o.buyer_message,
        "shipping_type": o.shipping_type.as_str(),
        "shipping_provider": provider_name,
        "shipping_provider_id": o.shipping_provider_id.map(|x| x.to_string()).unwrap_or_default(),
        "tracking_number": o.tracking_number.clone().unwrap_or_default(),
        "delivery_option_id": o.delivery_option_id.to_string(),
        "delivery_option_name": w.delivery_options.get(&o.delivery_option_id).map(|d| d.name.clone()).unwrap_or_default(),
        "delivery_type": "HOME_DELIVERY",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "warehouse_id": o.warehouse_id.to_string(),
        "is_cod": o.is_cod,
        "is_on_hold_order": o.is_on_hold_order(),
        "is_sample_order": false,
        "is_replacement_order": false,
        "payment_method_name": if o.is_cod { "Cash on delivery" } else { "Card" },
        "cancel_reason": o.cancel_reason,
        "cancellation_initiator": o.cancellation_initiator,
        "packages": o.package_ids.iter().map(|id| json!({"id": id.to_string()})).collect::<Vec<_>>(),
        "payment": {
            "currency": currency,
            "sub_total": format_amount(p.sub_total, region),
            "shipping_fee": format_amount(p.shipping_fee, region),
            "seller_discount": format_amount(p.seller_discount, region),
            "platform_discount": format_amount(p.platform_discount, region),
            "total_amount": format_amount(p.total_amount, region),
            "original_total_product_price": format_amount(p.original_total_product_price, region),
            "original_shipping_fee": format_amount(p.original_shipping_fee, region),
            "shipping_fee_seller_discount": format_amount(0, region),
            "shipping_fee_platform_discount": format_amount(0, region),
            "tax": format_amount(p.tax, region),
            "product_tax": format_amount(p.tax, region),
            "shipping_fee_tax": format_amount(0, region),
        },
        "recipient_address": recipient,
        "line_items": line_items,
    })
}

pub fn package_json(w: &World, p: &Package) -> Value {
    let provider = p
        .shipping_provider_id
        .and_then(|x| w.shipping_providers.get(&x));
    let orders: Vec<Value> = p
        .order_ids
        .iter()
        .filter_map(|id| w.orders.get(id))
        .map(|o| {
            json!({
                "id": o.id.to_string(),
                "skus": o.line_items.iter().filter(|l| l.package_id == Some(p.id)).map(|l| json!({
                    "id": l.sku_id.to_string(),
                    "name": &*l.sku_name,
                    "quantity": 1,
                    "image_url": "",
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let order = p.order_ids.first().and_then(|id| w.orders.get(id));
    json!({
        "package_id": p.id.to_string(),
        "id": p.id.to_string(),
        "package_status": p.status.as_str(),
        "status": p.status.as_str(),
        "orders": orders,
        "order_line_item_ids": order.map(|o| o.line_items.iter().filter(|l| l.package_id == Some(p.id)).map(|l| l.id.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
        "shipping_provider_id": p.shipping_provider_id.map(|x| x.to_string()).unwrap_or_default(),
        "shipping_provider_name": provider.map(|x| x.name.clone()).unwrap_or_default(),
        "tracking_number": p.tracking_number.clone().unwrap_or_default(),
        "handover_method": p.handover_method.clone().unwrap_or_default(),
        "pickup_slot": p.pickup_slot.map(|(s, e)| json!({"start_time": s, "end_time": e})),
        "delivery_option_id": order.map(|o| o.delivery_option_id.to_string()).unwrap_or_default(),
        "shipping_type": order.map(|o| o.shipping_type.as_str()).unwrap_or("TIKTOK"),
        "create_time": p.create_time,
        "update_time": p.update_time,
    })
}
