//! The catalogue as a shop sees it: categories, a category's attributes and rules, and brands.

use serde_json::{Value, json};

use crate::protocol::{ApiError, ApiResult, Ctx, codes, page_token, parse_page_token};
use crate::world::{AttributeKind, World};

pub(super) fn categories(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let cats: Vec<Value> = w
            .categories
            .values()
            .map(|c| {
                json!({
                    "id": c.id.to_string(),
                    "parent_id": c.parent_id.to_string(),
                    "local_name": c.local_name,
                    "is_leaf": c.is_leaf,
                    "permission_statuses": c.permission_statuses,
                })
            })
            .collect();
        Ok(json!({"categories": cats}))
    })
}

fn category_of<'w>(ctx: &Ctx, w: &'w World) -> Result<&'w crate::world::Category, ApiError> {
    let id = ctx.path_id("category_id")?;
    w.categories.get(&id).ok_or_else(|| {
        ApiError::business(
            codes::CATEGORY_NOT_FOUND,
            format!("Category {id} does not exist."),
        )
    })
}

pub(super) fn attributes(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let c = category_of(ctx, w)?;
        let attrs: Vec<Value> = c.attributes.iter().map(|a| json!({
            "id": a.id.to_string(),
            "name": a.name,
            "type": a.kind.as_str(),
            "is_requried": a.is_required,
            "is_customizable": a.is_customizable,
            "is_multiple_selection": a.is_multiple_selection,
            "value_data_format": if a.kind == AttributeKind::SalesProperty { "POSITIVE_INT_OR_DECIMAL" } else { "" },
            "values": a.values.iter().map(|(id, name)| json!({"id": id.to_string(), "name": name})).collect::<Vec<_>>(),
        })).collect();
        Ok(json!({"attributes": attrs}))
    })
}

pub(super) fn rules(ctx: &mut Ctx) -> ApiResult {
    ctx.with_world(|w| {
        let c = category_of(ctx, w)?;
        let r = &c.rules;
        Ok(json!({
            "product_certifications": r.certifications.iter().map(|(id, name, req)| json!({
                "id": id.to_string(), "name": name, "is_required": req, "sample_image_url": "",
            })).collect::<Vec<_>>(),
            "size_chart": {"is_supported": true, "is_required": r.size_chart_required},
            "is_cod_allowed": r.cod_supported,
            "package_dimension": {"is_required": r.package_dimension_required},
        }))
    })
}

pub(super) fn brands(ctx: &mut Ctx) -> ApiResult {
    let page_size = ctx.page_size(1, 100)?;
    let after = match ctx.query("page_token").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_page_token(t)?.1),
        None => None,
    };
    let name = ctx.query("brand_name").map(str::to_lowercase);
    ctx.with_world(|w| {
        let all: Vec<&crate::world::Brand> = w
            .brands
            .values()
            .filter(|b| {
                name.as_ref()
                    .is_none_or(|n| b.name.to_lowercase().contains(n))
            })
            .collect();
        let rest: Vec<&&crate::world::Brand> = all
            .iter()
            .filter(|b| after.is_none_or(|a| b.id > a))
            .collect();
        let page: Vec<Value> = rest.iter().take(page_size).map(|b| json!({
            "id": b.id.to_string(), "name": b.name, "authorized_status": b.authorized_status,
            "brand_status": b.brand_status, "is_t1_brand": b.is_t1_brand,
        })).collect();
        let next = if rest.len() > page_size {
            page_token(0, rest[page_size - 1].id)
        } else {
            String::new()
        };
        Ok(json!({"brands": page, "total_count": all.len(), "next_page_token": next}))
    })
}
