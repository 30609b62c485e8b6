//! A product as the ERP sends it (TikTok's create/edit shape, without `idempotency_key`), and its
//! checks against the cached category, its attributes and rules: a bad product is refused with a 400
//! that names the field and says what is expected, before TikTok is called.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::categories::{self, Attribute, Details};
use crate::error::{Error, Result};

pub const MAX_IMAGES: usize = 9;
pub const MAX_SKUS: usize = 300;
pub const MAX_SALES_ATTRIBUTES: usize = 3;

/// A product: every field for a create or a full edit; only those that change for a partial edit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Ocean tee", "description": "<p>Soft cotton tee.</p>", "category_id": "600001",
    "brand_id": "7000000000000000001",
    "main_images": [{"uri": "tos-maliva-i-o3syd03w52-us/front"}, {"uri": "tos-maliva-i-o3syd03w52-us/back"}],
    "video": {"id": "v09ea0g40000cj0mmmrc77u0"},
    "package_weight": {"value": "0.3", "unit": "KILOGRAM"},
    "package_dimensions": {"length": "30", "width": "20", "height": "3", "unit": "CENTIMETER"},
    "product_attributes": [{"id": "100392", "values": [{"id": "1000058"}]}],
    "skus": [
        {"seller_sku": "TEE-BLU-M", "sales_attributes": [{"name": "Color", "value_name": "Blue"}, {"name": "Size", "value_name": "M"}],
         "price": {"amount": "19.99", "currency": "USD"}, "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 40}]},
        {"seller_sku": "TEE-BLU-L", "sales_attributes": [{"name": "Color", "value_name": "Blue"}, {"name": "Size", "value_name": "L"}],
         "price": {"amount": "19.99", "currency": "USD"}, "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 25}]}
    ]
}))]
pub struct ProductIn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// HTML allowed, as on TikTok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A leaf category the shop may use (`GET …/categories`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    /// 1 to 9 images, uploaded to TikTok beforehand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_images: Option<Vec<ImageIn>>,
    /// At most one video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_weight: Option<WeightIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_dimensions: Option<DimensionsIn>,
    /// The category's product properties; each required one must be there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_attributes: Option<Vec<ProductAttributeIn>>,
    /// Certifications the category asks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certifications: Option<Vec<CertificationIn>>,
    /// 1 to 300 SKUs; with more than one, each has its own combination of sales attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skus: Option<Vec<SkuIn>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageIn {
    pub uri: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoIn {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightIn {
    /// A positive decimal string.
    pub value: String,
    /// KILOGRAM · POUND
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DimensionsIn {
    pub length: String,
    pub width: String,
    pub height: String,
    /// CENTIMETER · INCH
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductAttributeIn {
    pub id: String,
    pub values: Vec<AttributeValueIn>,
}

/// A known value (`id`) or, where the attribute allows it, one's own (`name`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeValueIn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationIn {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageIn>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuIn {
    /// An existing SKU (edits); absent for a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_attributes: Option<Vec<SalesAttributeIn>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceIn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Vec<InventoryIn>>,
}

/// A sales attribute (Color, Size…): the category's (`id`) or one's own (`name`), with a value.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesAttributeIn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceIn {
    /// A positive decimal string ("19.99").
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryIn {
    pub warehouse_id: String,
    pub quantity: i64,
}

fn bad(field: &str, problem: impl std::fmt::Display) -> Error {
    Error::invalid_field(field, problem)
}

fn positive_decimal(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.parse::<f64>().is_ok_and(|x| x > 0.0 && x.is_finite())
}

/// Checks of the body alone (no category needed). `full`: a create or full edit, where the required
/// fields must all be there.
pub fn check_shape(p: &ProductIn, full: bool) -> Result<()> {
    let required = |present: bool, field: &str| {
        if full && !present {
            Err(bad(field, "is required"))
        } else {
            Ok(())
        }
    };
    required(p.title.is_some(), "title")?;
    required(p.description.is_some(), "description")?;
    required(p.category_id.is_some(), "category_id")?;
    required(p.main_images.is_some(), "main_images")?;
    required(p.package_weight.is_some(), "package_weight")?;
    required(p.skus.is_some(), "skus")?;
    if let Some(t) = &p.title
        && (t.trim().is_empty() || t.chars().count() > 255)
    {
        return Err(bad("title", "give 1 to 255 characters"));
    }
    if let Some(d) = &p.description
        && (d.trim().is_empty() || d.chars().count() > 10_000)
    {
        return Err(bad("description", "give 1 to 10,000 characters"));
    }
    if let Some(images) = &p.main_images {
        if images.is_empty() || images.len() > MAX_IMAGES {
            return Err(bad(
                "main_images",
                format!("give 1 to {MAX_IMAGES} images (got {})", images.len()),
            ));
        }
        if let Some(i) = images.iter().position(|i| i.uri.trim().is_empty()) {
            return Err(bad(&format!("main_images[{i}].uri"), "must not be empty"));
        }
    }
    if let Some(v) = &p.video
        && v.id.trim().is_empty()
    {
        return Err(bad("video.id", "must not be empty"));
    }
    if let Some(w) = &p.package_weight {
        if !positive_decimal(&w.value) {
            return Err(bad(
                "package_weight.value",
                "give a positive decimal string, e.g. \"0.3\"",
            ));
        }
        if !matches!(w.unit.as_str(), "KILOGRAM" | "POUND") {
            return Err(bad("package_weight.unit", "use KILOGRAM or POUND"));
        }
    }
    if let Some(d) = &p.package_dimensions {
        for (name, v) in [
            ("length", &d.length),
            ("width", &d.width),
            ("height", &d.height),
        ] {
            if !positive_decimal(v) {
                return Err(bad(
                    &format!("package_dimensions.{name}"),
                    "give a positive decimal string, e.g. \"20\"",
                ));
            }
        }
        if !matches!(d.unit.as_str(), "CENTIMETER" | "INCH") {
            return Err(bad("package_dimensions.unit", "use CENTIMETER or INCH"));
        }
    }
    if let Some(skus) = &p.skus {
        check_skus(skus, full)?;
    }
    Ok(())
}

fn check_skus(skus: &[SkuIn], full: bool) -> Result<()> {
    if skus.is_empty() || skus.len() > MAX_SKUS {
        return Err(bad(
            "skus",
            format!("give 1 to {MAX_SKUS} SKUs (got {})", skus.len()),
        ));
    }
    let mut combos = HashSet::new();
    for (i, s) in skus.iter().enumerate() {
        let at = |f: &str| format!("skus[{i}].{f}");
        let new = s.id.is_none();
        if (full || new) && s.price.is_none() {
            return Err(bad(&at("price"), "is required"));
        }
        if (full || new) && s.inventory.is_none() {
            return Err(bad(
                &at("inventory"),
                "is required (one entry per sales warehouse)",
            ));
        }
        if let Some(p) = &s.price {
            if !positive_decimal(&p.amount) {
                return Err(bad(
                    &at("price.amount"),
                    "give a positive decimal string, e.g. \"19.99\"",
                ));
            }
            if p.currency.len() != 3 {
                return Err(bad(
                    &at("price.currency"),
                    "give the shop's currency code, e.g. USD",
                ));
            }
        }
        if let Some(inv) = &s.inventory {
            if let Some(j) = inv
                .iter()
                .position(|e| !(0..=crate::stock::MAX_QUANTITY).contains(&e.quantity))
            {
                return Err(bad(
                    &at(&format!("inventory[{j}].quantity")),
                    format!("use 0 to {}", crate::stock::MAX_QUANTITY),
                ));
            }
            if let Some(j) = inv.iter().position(|e| e.warehouse_id.trim().is_empty()) {
                return Err(bad(
                    &at(&format!("inventory[{j}].warehouse_id")),
                    "must not be empty",
                ));
            }
        }
        if let Some(sk) = &s.seller_sku
            && sk.chars().count() > 50
        {
            return Err(bad(&at("seller_sku"), "at most 50 characters"));
        }
        let attrs = s.sales_attributes.as_deref().unwrap_or_default();
        if full && skus.len() > 1 && attrs.is_empty() {
            return Err(bad(
                &at("sales_attributes"),
                "every SKU of a product with several SKUs needs its sales attributes (e.g. Color, Size)",
            ));
        }
        if attrs.len() > MAX_SALES_ATTRIBUTES {
            return Err(bad(
                &at("sales_attributes"),
                format!("at most {MAX_SALES_ATTRIBUTES} per SKU"),
            ));
        }
        for (j, a) in attrs.iter().enumerate() {
            if a.id.is_none() && a.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(bad(
                    &at(&format!("sales_attributes[{j}]")),
                    "give the attribute's id or a name",
                ));
            }
            if a.value_id.is_none() && a.value_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(bad(
                    &at(&format!("sales_attributes[{j}]")),
                    "give a value_id or a value_name",
                ));
            }
        }
        if !attrs.is_empty() {
            let mut key: Vec<String> = attrs
                .iter()
                .map(|a| {
                    format!(
                        "{}={}",
                        a.id.clone().or(a.name.clone()).unwrap_or_default(),
                        a.value_id
                            .clone()
                            .or(a.value_name.clone())
                            .unwrap_or_default()
                    )
                })
                .collect();
            key.sort();
            if !combos.insert(key) {
                return Err(bad(
                    &at("sales_attributes"),
                    "another SKU has the same combination; each SKU needs its own",
                ));
            }
        }
    }
    Ok(())
}

/// The category a create or edit names: in the shop's (cached) tree, a leaf, and permitted.
pub fn check_category(c: &entity::tiktok_category::Model) -> Result<()> {
    if !c.is_leaf {
        return Err(bad(
            "category_id",
            format!(
                "{} ({}) is not a leaf category; products go in a leaf: pick one of its children (GET …/categories?parent_id={})",
                c.id, c.local_name, c.id
            ),
        ));
    }
    if !categories::permitted(c) {
        return Err(bad(
            "category_id",
            format!(
                "the shop may not list products in {} ({}): its permission is {:?}; pick an AVAILABLE category",
                c.id,
                c.local_name,
                categories::permissions(c)
            ),
        ));
    }
    Ok(())
}

fn names(attrs: &[&Attribute]) -> String {
    attrs
        .iter()
        .map(|a| format!("{} ({})", a.id, a.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Attributes and rules of the category. `full`: required attributes and rules apply (create, full
/// edit); otherwise only what is sent is checked.
pub fn check_against(p: &ProductIn, d: &Details, full: bool) -> Result<()> {
    let product_props: Vec<&Attribute> = d
        .attributes
        .iter()
        .filter(|a| a.kind == "PRODUCT_PROPERTY")
        .collect();
    let sales_props: Vec<&Attribute> = d
        .attributes
        .iter()
        .filter(|a| a.kind == "SALES_PROPERTY")
        .collect();
    let given = p.product_attributes.as_deref();
    if let Some(attrs) = given {
        for (i, a) in attrs.iter().enumerate() {
            let at = format!("product_attributes[{i}]");
            let Some(known) = product_props.iter().find(|k| k.id == a.id) else {
                return Err(bad(
                    &format!("{at}.id"),
                    format!(
                        "{} is not a product attribute of category {}; use one of: {}",
                        a.id,
                        d.category.id,
                        names(&product_props)
                    ),
                ));
            };
            if a.values.is_empty() {
                return Err(bad(
                    &format!("{at}.values"),
                    format!("give at least one value for {}", known.name),
                ));
            }
            if a.values.len() > 1 && !known.is_multiple_selection {
                return Err(bad(
                    &format!("{at}.values"),
                    format!("{} takes one value", known.name),
                ));
            }
            for (j, v) in a.values.iter().enumerate() {
                let vat = format!("{at}.values[{j}]");
                match (&v.id, &v.name) {
                    (Some(id), _) if known.values.iter().any(|k| &k.id == id) => {}
                    (None, Some(n)) if known.is_customizable && !n.trim().is_empty() => {}
                    _ => {
                        let allowed = known
                            .values
                            .iter()
                            .map(|k| format!("{} ({})", k.id, k.name))
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err(bad(
                            &vat,
                            if known.is_customizable {
                                format!(
                                    "give a known value id of {} ({allowed}) or a name of your own",
                                    known.name
                                )
                            } else {
                                format!("give the id of one of {}'s values: {allowed}", known.name)
                            },
                        ));
                    }
                }
            }
        }
    }
    if full {
        let missing: Vec<&Attribute> = product_props
            .iter()
            .filter(|a| a.is_required)
            .filter(|a| given.is_none_or(|g| !g.iter().any(|x| x.id == a.id)))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(bad(
                "product_attributes",
                format!("category {} requires: {}", d.category.id, names(&missing)),
            ));
        }
        if d.rules.package_dimensions_required && p.package_dimensions.is_none() {
            return Err(bad(
                "package_dimensions",
                format!(
                    "category {} requires package dimensions (length, width, height, unit)",
                    d.category.id
                ),
            ));
        }
        let certs = p.certifications.as_deref().unwrap_or_default();
        if let Some(c) = d
            .rules
            .certifications
            .iter()
            .find(|c| c.is_required && !certs.iter().any(|x| x.id == c.id))
        {
            return Err(bad(
                "certifications",
                format!(
                    "category {} requires certification {} ({})",
                    d.category.id, c.id, c.name
                ),
            ));
        }
    }
    for (i, s) in p.skus.iter().flatten().enumerate() {
        for (j, a) in s.sales_attributes.iter().flatten().enumerate() {
            if let Some(id) = &a.id {
                let Some(known) = sales_props.iter().find(|k| &k.id == id) else {
                    return Err(bad(
                        &format!("skus[{i}].sales_attributes[{j}].id"),
                        format!(
                            "{id} is not a sales attribute of category {}; use one of: {} (or a name of your own)",
                            d.category.id,
                            names(&sales_props)
                        ),
                    ));
                };
                if let Some(v) = &a.value_id
                    && !known.values.iter().any(|k| &k.id == v)
                {
                    return Err(bad(
                        &format!("skus[{i}].sales_attributes[{j}].value_id"),
                        format!(
                            "{v} is not a value of {}; give a known value_id or a value_name",
                            known.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(name: &str) -> SkuIn {
        SkuIn {
            id: None,
            seller_sku: Some(name.into()),
            sales_attributes: Some(vec![SalesAttributeIn {
                id: None,
                name: Some("Size".into()),
                value_id: None,
                value_name: Some(name.into()),
            }]),
            price: Some(PriceIn {
                amount: "9.50".into(),
                currency: "USD".into(),
            }),
            inventory: Some(vec![InventoryIn {
                warehouse_id: "1".into(),
                quantity: 3,
            }]),
        }
    }

    fn category(leaf: bool, permission: &str) -> entity::tiktok_category::Model {
        entity::tiktok_category::Model {
            shop_id: "s".into(),
            id: "7".into(),
            parent_id: "0".into(),
            local_name: "Tees".into(),
            is_leaf: leaf,
            permission_statuses: format!("[\"{permission}\"]"),
            attributes: None,
            rules: None,
            details_fetched_at: None,
        }
    }

    #[test]
    fn only_a_permitted_leaf_takes_products() {
        check_category(&category(true, "AVAILABLE")).unwrap();
        let e = check_category(&category(false, "AVAILABLE")).unwrap_err();
        assert!(e.message.contains("not a leaf"), "{}", e.message);
        let e = check_category(&category(true, "INVITE_ONLY")).unwrap_err();
        assert!(e.message.contains("may not list"), "{}", e.message);
    }

    #[test]
    fn required_attributes_and_certifications_are_asked_for() {
        let d = Details {
            category: category(true, "AVAILABLE"),
            attributes: vec![Attribute {
                id: "50".into(),
                name: "Fabric".into(),
                kind: "PRODUCT_PROPERTY".into(),
                is_required: true,
                is_customizable: true,
                is_multiple_selection: false,
                values: vec![],
            }],
            rules: categories::Rules {
                certifications: vec![categories::Certification {
                    id: "90".into(),
                    name: "CE".into(),
                    is_required: true,
                }],
                ..Default::default()
            },
        };
        let mut p = ProductIn::default();
        let e = check_against(&p, &d, true).unwrap_err();
        assert!(
            e.message
                .starts_with("product_attributes: category 7 requires: 50 (Fabric)"),
            "{}",
            e.message
        );
        assert!(
            check_against(&p, &d, false).is_ok(),
            "a partial edit need not repeat them"
        );
        p.product_attributes = Some(vec![ProductAttributeIn {
            id: "50".into(),
            values: vec![AttributeValueIn {
                id: None,
                name: Some("Linen".into()),
            }],
        }]);
        let e = check_against(&p, &d, true).unwrap_err();
        assert!(e.message.starts_with("certifications:"), "{}", e.message);
        p.certifications = Some(vec![CertificationIn {
            id: "90".into(),
            images: vec![],
        }]);
        check_against(&p, &d, true).unwrap();
        p.product_attributes.as_mut().unwrap()[0]
            .values
            .push(AttributeValueIn {
                id: None,
                name: Some("Silk".into()),
            });
        let e = check_against(&p, &d, true).unwrap_err();
        assert!(e.message.contains("takes one value"), "{}", e.message);
    }

    #[test]
    fn the_shape_is_checked_field_by_field() {
        let mut p = ProductIn {
            title: Some("Tee".into()),
            description: Some("d".into()),
            category_id: Some("1".into()),
            main_images: Some(vec![ImageIn { uri: "u".into() }]),
            package_weight: Some(WeightIn {
                value: "0.3".into(),
                unit: "KILOGRAM".into(),
            }),
            skus: Some(vec![sku("M"), sku("L")]),
            ..Default::default()
        };
        check_shape(&p, true).unwrap();
        assert!(check_shape(&ProductIn::default(), false).is_ok());
        p.main_images = Some(vec![ImageIn { uri: "u".into() }; 10]);
        assert!(
            check_shape(&p, true)
                .unwrap_err()
                .message
                .starts_with("main_images")
        );
        p.main_images = Some(vec![ImageIn { uri: "u".into() }]);
        p.skus = Some(vec![sku("M"), sku("M")]);
        assert!(
            check_shape(&p, true)
                .unwrap_err()
                .message
                .contains("same combination")
        );
        p.skus = Some(vec![sku("M")]);
        p.package_weight = Some(WeightIn {
            value: "-1".into(),
            unit: "KILOGRAM".into(),
        });
        assert!(
            check_shape(&p, true)
                .unwrap_err()
                .message
                .starts_with("package_weight.value")
        );
        p.package_weight = None;
        assert!(check_shape(&p, false).is_ok());
        assert!(check_shape(&p, true).is_err());
    }
}
