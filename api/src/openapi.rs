//! The OpenAPI 3.1 document: the paths come from the registered routes (`routes::configure`), the rest
//! (info, security scheme, tags) from here.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ocean ERP × TikTok Shop",
        description = "Connects Ocean ERP to TikTok Shop: configure shops, authorize them, keep their products, orders and stock in sync.\n\nEvery error answers `{\"error\": {\"code\", \"message\", \"details\", \"request_id\"}}`; every response carries `x-request-id`.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    tags(
        (name = "shops", description = "Configure TikTok shops: credentials, region, features, sync interval"),
        (name = "connection", description = "Authorize a shop on TikTok (OAuth), its tokens and status"),
        (name = "orders", description = "The shop's TikTok orders as synced: filters, lines, packages, status history"),
        (name = "fulfillment", description = "Ship orders (one or a batch), shipping options, labels, tracking, shipping info, seller cancel; writes take an Idempotency-Key and are audited"),
        (name = "products", description = "The shop's TikTok products as synced: SKUs, prices, stock per warehouse"),
        (name = "catalog", description = "The shop's TikTok category tree (cached), and the ERP's product writes: create, edit, delete, activate, deactivate, prices, single and bulk"),
        (name = "inventory", description = "Stock per SKU and warehouse, and its history"),
        (name = "returns", description = "The shop's TikTok returns and cancellation requests as synced, each with its order (the returns area)"),
        (name = "sync", description = "Sync a shop's orders, products, warehouses, returns and cancellations from TikTok: jobs, progress, retries"),
        (name = "promotions", description = "The promotions area: TikTok's activities (flash sales, deal prices, discounts) synced and made or changed from the ERP with TikTok's rules checked first; the shop's vouchers (read-only: TikTok's API cannot create one)"),
        (name = "live shopping", description = "The live shopping area: sessions planned in the ERP and carried out through promotion activities (TikTok's API cannot create a LIVE), their board and results"),
        (name = "affiliate", description = "The affiliate area: products offered to creators, target collaborations, sample requests (at TikTok), and the commission reports of the synced affiliate orders"),
        (name = "analytics", description = "The analytics area: TikTok's figures for the shop, its products, videos and LIVEs, served from what the analytics sync kept; and statistics of our own orders"),
        (name = "webhooks", description = "TikTok's webhook deliveries, the stored events and the subscriptions"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some(
            "HS256 JWT with claims sub, tenant, role (admin · operator · viewer) and exp; mint one with `ocean-tiktok token`. Each operation's requirement names, as its one scope, the least role it needs (viewer < operator < admin)".into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Builds the document from the same route table the server registers.
pub fn build() -> utoipa::openapi::OpenApi {
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    let mut api = api;
    document_idempotency_keys(&mut api);
    document_body_limits(&mut api);
    require_any_of(
        &mut api,
        "InventorySettingsIn",
        &["low_stock_threshold", "safety_buffer"],
    );
    api
}

/// Every operation that reads a body answers 413 past `MAX_BODY_BYTES` and 408 when the body is too
/// slow (`routes::json`): said once here for all of them.
fn document_body_limits(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let answers = [
        (
            "413",
            format!(
                "The body is larger than {} bytes (`payload_too_large`)",
                crate::routes::json::MAX_BODY_BYTES
            ),
        ),
        (
            "408",
            "The body did not arrive in time (`request_timeout`)".to_owned(),
        ),
    ];
    for item in api.paths.paths.values_mut() {
        let operations = [
            item.put.as_mut(),
            item.post.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            if op.request_body.is_none() {
                continue;
            }
            for (status, description) in &answers {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build();
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(description.clone())
                                .content("application/json", content)
                                .build(),
                        )
                    });
            }
        }
    }
}

/// A body whose fields are each optional but not all at once: at least one of `fields` present and
/// not null (the server's 400 otherwise).
fn require_any_of(api: &mut utoipa::openapi::OpenApi, schema: &str, fields: &[&str]) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, Type};
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(original)) = components.schemas.remove(schema) else {
        return;
    };
    let mut any = AnyOfBuilder::new();
    for field in fields {
        any = any.item(
            ObjectBuilder::new()
                .property(*field, ObjectBuilder::new().schema_type(Type::Integer))
                .required(*field),
        );
    }
    let combined = Schema::AllOf(
        AllOfBuilder::new()
            .item(original)
            .item(Schema::AnyOf(any.build()))
            .build(),
    );
    components
        .schemas
        .insert(schema.to_owned(), RefOr::T(combined));
}

/// Every write that takes an `Idempotency-Key` says what the server enforces of it: 1 to 255
/// visible ASCII characters, and the 400 `invalid_idempotency_key` otherwise (one place, rather
/// than a line in each route's annotation that a new route could forget).
fn document_idempotency_keys(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    const REFUSED: &str = "an Idempotency-Key that is not 1 to 255 visible ASCII characters (`invalid_idempotency_key`)";
    for item in api.paths.paths.values_mut() {
        let operations = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            let Some(key) = op.parameters.iter_mut().flatten().find_map(|p| match p {
                RefOr::T(p) if p.name == "Idempotency-Key" => Some(p),
                _ => None,
            }) else {
                continue;
            };
            key.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(crate::routes::idempotency::MAX_KEY_LEN))
                    .pattern(Some("^[!-~]+$"))
                    .into(),
            );
            match op.responses.responses.get_mut("400") {
                Some(RefOr::T(bad)) => {
                    if !bad.description.contains("invalid_idempotency_key") {
                        bad.description = format!("{}; or {REFUSED}", bad.description);
                    }
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    let content = ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build();
                    op.responses.responses.insert(
                        "400".into(),
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(format!("A bad request: {REFUSED}"))
                                .content("application/json", content)
                                .build(),
                        ),
                    );
                }
            }
        }
    }
}

/// Schemas for `schema_with` where a derive cannot say the rule the server enforces: closed sets of
/// values, map keys. Each names the same set the parser checks, so the document and the server agree.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_body_documents_the_fields_the_receiver_requires() {
        let doc: serde_json::Value = serde_json::from_str(&build().to_json().unwrap()).unwrap();
        let body = &doc["components"]["schemas"]["WebhookIn"];
        let required: Vec<&str> = body["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(required, ["type", "shop_id"], "{body}");
        assert_eq!(
            doc["paths"]["/api/webhooks/tiktok"]["post"]["requestBody"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/WebhookIn"
        );
    }
}
