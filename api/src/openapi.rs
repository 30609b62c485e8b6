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
    api
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
                    .max_length(Some(crate::idempotency::MAX_KEY_LEN))
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
