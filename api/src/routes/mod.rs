//! Thin actix handlers, one file per resource. Each parses, calls one service function and maps the
//! result. Every handler is registered here through utoipa-actix-web, which is also what builds the
//! OpenAPI document: a route registered here is in the document by construction.

pub mod affiliate;
pub mod aftersale_rules;
pub mod aftersales;
pub mod analytics;
pub mod batch;
pub mod categories;
pub mod connection;
pub mod error;
pub mod fulfillment;
pub mod health;
pub mod idempotency;
pub mod inventory;
pub mod json;
pub mod live_sessions;
pub mod logistics;
pub mod order_actions;
pub mod orders;
pub mod product_batch;
pub mod product_writes;
pub mod products;
pub mod promotions;
pub mod published;
pub mod returns;
pub mod schema;
pub mod scope;
pub mod shops;
pub mod sku_mapping;
pub mod stock;
pub mod sync;
pub mod unmatched;
pub mod videos;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    // TikTok's deliveries first: actix tries routes in order, and this is the busiest one.
    cfg.service(webhooks::receive_webhook)
        .service(health::health)
        .service(health::index)
        .service(health::docs_page)
        .service(health::ready)
        .service(health::metrics)
        .service(health::openapi_json)
        .service(shops::create_shop)
        .service(shops::list_shops)
        .service(shops::get_shop)
        .service(shops::patch_shop)
        .service(shops::delete_shop)
        .service(shops::put_features)
        .service(shops::put_sync_settings)
        .service(connection::connect_shop)
        .service(connection::callback)
        .service(connection::disconnect_shop)
        .service(connection::shop_status)
        .service(sync::request_sync)
        .service(sync::list_jobs)
        .service(sync::get_job)
        .service(sync::retry_job)
        .service(fulfillment::ship_batch)
        .service(fulfillment::ship_order)
        .service(fulfillment::shipping_options)
        .service(order_actions::label)
        .service(order_actions::order_tracking)
        .service(order_actions::update_shipping_info)
        .service(order_actions::cancel_order)
        .service(orders::list_orders)
        .service(orders::order_counts)
        .service(orders::get_order)
        .service(products::list_products)
        .service(products::get_product)
        // The batch routes before `…/products/{product_id}/…`, which would match them too.
        .service(product_batch::batch_create)
        .service(product_batch::batch_full_edit)
        .service(product_batch::batch_partial_edit)
        .service(product_batch::batch_activate)
        .service(product_batch::batch_deactivate)
        .service(product_batch::batch_delete)
        .service(product_batch::batch_prices)
        .service(product_writes::create_product)
        .service(product_writes::edit_product)
        .service(product_writes::partial_edit_product)
        .service(product_writes::delete_product)
        .service(product_writes::activate_product)
        .service(product_writes::deactivate_product)
        .service(product_writes::update_prices)
        .service(categories::refresh_categories)
        .service(categories::list_categories)
        .service(categories::get_category)
        .service(categories::list_brands)
        .service(inventory::list_drift)
        .service(inventory::list_inventory)
        .service(inventory::get_inventory_settings)
        .service(inventory::put_inventory_settings)
        .service(inventory::put_sku_threshold)
        .service(inventory::stock_history)
        .service(inventory::list_warehouses)
        .service(stock::set_stock)
        .service(stock::adjust_stock)
        .service(stock::batch_stock)
        .service(stock::list_audit)
        .service(sku_mapping::list_mappings)
        .service(sku_mapping::mapping_report)
        .service(sku_mapping::put_mapping)
        .service(sku_mapping::delete_mapping)
        .service(returns::list_returns)
        .service(returns::get_return)
        .service(returns::list_cancellations)
        .service(returns::get_cancellation)
        .service(logistics::shipping_providers)
        .service(logistics::get_warehouse)
        .service(logistics::cod_summary)
        .service(promotions::list_promotions)
        .service(promotions::create_promotion)
        .service(promotions::get_promotion)
        .service(promotions::update_promotion)
        .service(promotions::set_promotion_products)
        .service(promotions::remove_promotion_products)
        .service(promotions::deactivate_promotion)
        .service(promotions::list_coupons)
        .service(promotions::get_coupon)
        .service(live_sessions::list_sessions)
        .service(live_sessions::create_session)
        .service(live_sessions::get_session)
        .service(live_sessions::update_session)
        .service(live_sessions::delete_session)
        .service(live_sessions::apply_session)
        .service(live_sessions::cancel_session)
        .service(live_sessions::session_board)
        .service(affiliate::list_open)
        .service(affiliate::get_open)
        .service(affiliate::put_open)
        .service(affiliate::delete_open)
        .service(affiliate::list_targets)
        .service(affiliate::create_target)
        .service(affiliate::get_target)
        .service(affiliate::update_target)
        .service(affiliate::delete_target)
        .service(affiliate::list_samples)
        .service(affiliate::approve_sample)
        .service(affiliate::reject_sample)
        .service(affiliate::list_orders)
        .service(affiliate::commissions)
        .service(affiliate::creators)
        .service(analytics::shop)
        .service(analytics::products)
        .service(analytics::product)
        .service(analytics::videos)
        .service(analytics::lives)
        .service(analytics::order_stats)
        .service(videos::list_videos)
        .service(videos::create_video)
        .service(videos::get_video)
        .service(videos::put_video)
        .service(videos::delete_video)
        .service(videos::product_videos)
        .service(aftersale_rules::simulate_rules)
        .service(aftersale_rules::list_rules)
        .service(aftersale_rules::create_rule)
        .service(aftersale_rules::get_rule)
        .service(aftersale_rules::replace_rule)
        .service(aftersale_rules::delete_rule)
        .service(aftersale_rules::list_rule_runs)
        .service(aftersales::approve_return)
        .service(aftersales::reject_return)
        .service(aftersales::return_reject_reasons)
        .service(aftersales::return_history)
        .service(aftersales::approve_cancellation)
        .service(aftersales::reject_cancellation)
        .service(aftersales::cancellation_reject_reasons)
        .service(webhooks::list_events)
        .service(webhooks::replay_event)
        .service(webhooks::list_subscriptions)
        .service(webhooks::register_subscriptions);
}
