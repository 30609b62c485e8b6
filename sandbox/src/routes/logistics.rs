//! Logistics: warehouses, a warehouse's delivery options, a delivery option's shipping providers.

use actix_web::http::Method;
use actix_web::web;
use serde_json::json;

use crate::protocol::{ApiError, ApiResult, Category, Ctx, Scope, codes, op};
use crate::world::json::warehouse_json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Logistics as C;
    use Scope::Shop as S;
    op(
        cfg,
        Method::GET,
        "/logistics/202309/warehouses",
        C,
        S,
        warehouses,
    );
    op(
        cfg,
        Method::GET,
        "/logistics/202309/warehouses/{warehouse_id}/delivery_options",
        C,
        S,
        delivery_options,
    );
    op(
        cfg,
        Method::GET,
        "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
        C,
        S,
        shipping_providers,
    );
}

fn warehouses(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    ctx.with_world(|w| {
        let list: Vec<_> = w.shops[&shop]
            .warehouse_ids
            .iter()
            .filter_map(|id| w.warehouses.get(id))
            .map(warehouse_json)
            .collect();
        Ok(json!({"warehouses": list}))
    })
}

fn delivery_options(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("warehouse_id")?;
    ctx.with_world(|w| {
        let wh = w.warehouses.get(&id).filter(|x| x.shop_id == shop).ok_or_else(|| {
            ApiError::business(codes::WAREHOUSE_NOT_FOUND, format!("Warehouse {id} does not exist in this shop."))
        })?;
        let list: Vec<_> = wh
            .delivery_option_ids
            .iter()
            .filter_map(|d| w.delivery_options.get(d))
            .map(|d| {
                json!({
                    "id": d.id.to_string(),
                    "name": d.name,
                    "description": format!("Delivered in {} to {} days", d.min_days, d.max_days),
                    "type": d.delivery_type,
                    "delivery_option_type": d.delivery_type,
                    "sla_days": {"min": d.min_days, "max": d.max_days},
                    "weight_limit": {"max_weight": 30000, "min_weight": 1, "unit": "GRAM"},
                    "dimension_limit": {"max_height": 100, "max_length": 100, "max_width": 100, "unit": "CM"},
                })
            })
            .collect();
        Ok(json!({"delivery_options": list}))
    })
}

fn shipping_providers(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("delivery_option_id")?;
    ctx.with_world(|w| {
        let d = w
            .delivery_options
            .get(&id)
            .filter(|d| {
                w.warehouses
                    .get(&d.warehouse_id)
                    .is_some_and(|x| x.shop_id == shop)
            })
            .ok_or_else(|| {
                ApiError::business(
                    codes::DELIVERY_OPTION_NOT_FOUND,
                    format!("Delivery option {id} does not exist in this shop."),
                )
            })?;
        let list: Vec<_> = d
            .shipping_provider_ids
            .iter()
            .filter_map(|p| w.shipping_providers.get(p))
            .map(|p| json!({"id": p.id.to_string(), "name": p.name}))
            .collect();
        Ok(json!({"shipping_providers": list}))
    })
}
