//! What the routes' schemas share: the error answers most operations give (`responses`), and the
//! schema rules of values the server enforces (`rules`: closed sets, bounds, patterns), so the
//! OpenAPI document states them.

/// The error answers many operations share, listed once: `responses((status = 200, …), Unauthorized,
/// NeedsOperator, ShopNotFound, …)` in an operation's `#[utoipa::path]`.
pub mod responses {
    use utoipa::IntoResponses;

    use crate::error::ErrorEnvelope;

    /// Every bearer operation.
    #[derive(IntoResponses)]
    #[response(status = 401, description = "No or invalid bearer token")]
    pub struct Unauthorized(#[allow(dead_code)] ErrorEnvelope);

    /// Every `/shops/{id}/…` operation: another tenant's shop is not found either.
    #[derive(IntoResponses)]
    #[response(status = 404, description = "No such shop for this tenant")]
    pub struct ShopNotFound(#[allow(dead_code)] ErrorEnvelope);

    #[derive(IntoResponses)]
    #[response(status = 403, description = "The operator role is needed")]
    pub struct NeedsOperator(#[allow(dead_code)] ErrorEnvelope);

    #[derive(IntoResponses)]
    #[response(status = 403, description = "The admin role is needed")]
    pub struct NeedsAdmin(#[allow(dead_code)] ErrorEnvelope);
}

pub mod rules {
    /// A character Rust's `trim` keeps (not Unicode White_Space), spelled out for the schema: `\S`
    /// means different things in different regex dialects (U+0085 is whitespace to Rust and
    /// Python, not to ECMA-262).
    macro_rules! not_space {
        () => {
            r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
        };
    }

    use utoipa::openapi::schema::{
        AdditionalProperties, Array, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
    };
    use utoipa::openapi::{Object, RefOr};

    fn one_of_strings<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values))
            .build()
    }

    /// A schema that also takes `null` (an optional field: null is "left out").
    fn or_null(schema: impl Into<RefOr<Schema>>) -> RefOr<Schema> {
        Schema::OneOf(
            OneOfBuilder::new()
                .item(schema)
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .build(),
        )
        .into()
    }

    pub fn region() -> Object {
        one_of_strings(crate::shops::Region::ALL.iter().map(|r| r.as_str()))
    }

    pub fn region_or_null() -> RefOr<Schema> {
        or_null(region())
    }

    pub fn order_status() -> Object {
        one_of_strings(crate::sync::views::ORDER_STATUSES)
    }

    pub fn return_status() -> Object {
        one_of_strings(crate::sync::views::RETURN_STATUSES)
    }

    pub fn cancellation_status() -> Object {
        one_of_strings(crate::sync::views::CANCELLATION_STATUSES)
    }

    /// A webhook type: TikTok's event name or its code.
    pub fn event_type() -> Object {
        let kinds = crate::webhooks::EventType::ALL;
        let codes: Vec<String> = kinds.iter().map(|k| k.code().to_string()).collect();
        one_of_strings(
            kinds
                .iter()
                .map(|k| k.name())
                .chain(codes.iter().map(String::as_str)),
        )
    }

    pub fn event_state() -> Object {
        one_of_strings(crate::webhooks::events::STATES)
    }

    pub fn label_size() -> Object {
        one_of_strings(["A6", "A5"])
    }

    /// TikTok's ids (shops, orders, products, SKUs, packages, providers…): 1 to 32 digits.
    pub const TIKTOK_ID: &str = "^[0-9]{1,32}$";

    fn tiktok_id() -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(TIKTOK_ID))
    }

    fn array(item: impl Into<RefOr<Schema>>, min: usize, max: Option<usize>) -> Array {
        ArrayBuilder::new()
            .items(item.into())
            .min_items(Some(min))
            .max_items(max)
            .build()
    }

    /// A product batch's ids: 1 to 100.
    pub fn product_ids() -> Array {
        array(
            tiktok_id(),
            1,
            Some(crate::catalog::writes::MAX_BATCH_ITEMS),
        )
    }

    /// The order lines to cancel (all of them when empty).
    pub fn line_item_ids() -> Array {
        array(tiktok_id(), 0, None)
    }

    /// The ERP's SKU codes: 1 to 100 characters, no spaces at either end; up to 10,000 of them.
    pub fn erp_skus() -> Array {
        let code = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(crate::sku_mapping::MAX_CODE_LEN))
            .pattern(Some(concat!(
                "^",
                not_space!(),
                "(?:[\\s\\S]*",
                not_space!(),
                ")?$"
            )));
        array(code, 0, Some(crate::sku_mapping::MAX_REPORT_CODES))
    }

    /// PICKUP or DROP_OFF (TikTok's carrier), or null with `self_shipment`.
    pub fn handover_method() -> RefOr<Schema> {
        or_null(one_of_strings(["PICKUP", "DROP_OFF"]))
    }

    /// A stock move: −999,999 to 999,999 units, not 0.
    pub fn stock_delta() -> RefOr<Schema> {
        let max = crate::stock::MAX_QUANTITY as f64;
        let range = |min: f64, max: f64| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max))
        };
        Schema::OneOf(
            OneOfBuilder::new()
                .item(range(-max, -1.0))
                .item(range(1.0, max))
                .build(),
        )
        .into()
    }

    pub fn stock_delta_or_null() -> RefOr<Schema> {
        or_null(stock_delta())
    }

    /// Feature toggles by name: each of the nine areas, nothing else.
    pub fn features() -> Object {
        let mut object = ObjectBuilder::new().schema_type(Type::Object);
        for feature in crate::shops::Feature::ALL {
            object = object.property(
                feature.as_str(),
                ObjectBuilder::new().schema_type(Type::Boolean),
            );
        }
        object
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .build()
    }

    pub fn features_or_null() -> RefOr<Schema> {
        or_null(features())
    }

    /// 5, 15, 30 or 60 (minutes), or "manual".
    pub fn sync_interval() -> RefOr<Schema> {
        let minutes = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some(
                crate::shops::SyncInterval::ALLOWED_MINUTES.map(i64::from),
            ));
        Schema::OneOf(
            OneOfBuilder::new()
                .item(minutes)
                .item(one_of_strings(["manual"]))
                .examples([serde_json::json!(15)])
                .build(),
        )
        .into()
    }

    pub fn sync_interval_or_null() -> RefOr<Schema> {
        or_null(sync_interval())
    }
}
