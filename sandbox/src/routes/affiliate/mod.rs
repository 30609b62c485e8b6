//! Affiliate, the seller's side (tiktok-api-areas.md §4), over the world's books
//! (`world::affiliate`): open collaborations (`open`: create, search, remove, the marketplace product
//! search), sample rules (`rules`), target collaborations (`targets`), creators' sample applications
//! (`samples`) and affiliate orders (`orders`: the shop's orders a creator brought, with the
//! commission, as `world::attribution` says).

mod open;
mod orders;
mod rules;
mod samples;
mod targets;

pub(crate) use orders::rows_between;

use actix_web::http::Method;
use actix_web::web;
use serde_json::{Value, json};

use crate::protocol::{ApiError, Category, Ctx, Scope, codes, op};
use crate::world::affiliate::{AffError, MAX_RATE, MIN_RATE};
use crate::world::{Id, Region, World, format_amount};

/// A product named is not an active product of the shop.
pub const PRODUCT_NOT_ELIGIBLE: i64 = 16011001;
/// Assumed: the product's open collaboration is TERMINATING (only a NORMAL one can change).
pub const OPEN_NOT_NORMAL: i64 = 16011002;
/// Assumed: the product has no open collaboration.
pub const NO_OPEN_COLLABORATION: i64 = 16011003;
/// Assumed: no such target collaboration in the shop.
pub const TARGET_NOT_FOUND: i64 = 16011004;
/// Assumed: the target collaboration cannot be changed (not STANDARD, canceling or completed).
pub const TARGET_NOT_EDITABLE: i64 = 16011005;
/// Assumed: no such sample application in the shop.
pub const SAMPLE_NOT_FOUND: i64 = 16011006;
/// Assumed: the sample application is not PENDING.
pub const SAMPLE_NOT_PENDING: i64 = 16011007;
/// Assumed: the sample application cannot be approved (window over, no samples left).
pub const SAMPLE_NOT_APPROVABLE: i64 = 16011008;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Affiliate as C;
    use Scope::Shop as S;
    let routes: [(Method, &'static str, crate::protocol::Handler); 14] = [
        (
            Method::POST,
            "/affiliate_seller/202405/open_collaborations/products/search",
            open::search_products,
        ),
        (
            Method::POST,
            "/affiliate_seller/202412/open_collaborations",
            open::create,
        ),
        (
            Method::POST,
            "/affiliate_seller/202412/open_collaborations/search",
            open::search,
        ),
        (
            Method::DELETE,
            "/affiliate_seller/202409/open_collaborations/products/{product_id}",
            open::remove,
        ),
        (
            Method::GET,
            "/affiliate_seller/202410/open_collaborations/sample_rules",
            rules::get,
        ),
        (
            Method::POST,
            "/affiliate_seller/202410/open_collaborations/sample_rules",
            rules::set,
        ),
        (
            Method::POST,
            "/affiliate_seller/202508/target_collaborations",
            targets::create,
        ),
        (
            Method::POST,
            "/affiliate_seller/202508/target_collaborations/search",
            targets::search,
        ),
        (
            Method::GET,
            "/affiliate_seller/202508/target_collaborations/{id}",
            targets::get,
        ),
        (
            Method::PUT,
            "/affiliate_seller/202508/target_collaborations/{id}",
            targets::update,
        ),
        (
            Method::DELETE,
            "/affiliate_seller/202409/target_collaborations/{id}",
            targets::delete,
        ),
        (
            Method::POST,
            "/affiliate_seller/202508/sample_applications/search",
            samples::search,
        ),
        (
            Method::POST,
            "/affiliate_seller/202507/sample_applications/{id}/review",
            samples::review,
        ),
        (
            Method::POST,
            "/affiliate_seller/202410/orders/search",
            orders::search,
        ),
    ];
    for (method, path, handler) in routes {
        op(cfg, method, path, C, S, handler);
    }
}

/// The refusal for a world-side affiliate error.
pub(crate) fn refusal(e: AffError) -> ApiError {
    let code = match &e {
        AffError::ProductNotFound(_) => codes::PRODUCT_NOT_FOUND,
        AffError::ProductNotEligible(..) => PRODUCT_NOT_ELIGIBLE,
        AffError::NoOpenCollaboration(_) => NO_OPEN_COLLABORATION,
        AffError::OpenNotNormal(..) => OPEN_NOT_NORMAL,
        AffError::TargetNotFound(_) => TARGET_NOT_FOUND,
        AffError::TargetNotEditable(..) => TARGET_NOT_EDITABLE,
        AffError::SampleNotFound(_) => SAMPLE_NOT_FOUND,
        AffError::SampleNotPending(..) => SAMPLE_NOT_PENDING,
        AffError::SampleNotApprovable(..) => SAMPLE_NOT_APPROVABLE,
    };
    ApiError::business(code, e.to_string())
}

/// `page_size` (required, 1..=max) and `page_token` from the query.
fn page(ctx: &Ctx, max: usize) -> Result<(usize, Option<String>), ApiError> {
    let size = ctx.page_size(1, max)?;
    Ok((size, ctx.query("page_token").map(str::to_string)))
}

/// `page_size` (optional: `default`, else 1..=max) and `page_token` from the query.
fn page_or(ctx: &Ctx, default: usize, max: usize) -> Result<(usize, Option<String>), ApiError> {
    if ctx.query("page_size").is_none_or(str::is_empty) {
        return Ok((default, ctx.query("page_token").map(str::to_string)));
    }
    page(ctx, max)
}

/// A commission rate: a JSON integer in hundredths of a percent, 100–8000.
fn check_rate(v: Option<&Value>, field: &str) -> Result<i64, ApiError> {
    let v = v.ok_or_else(|| ApiError::invalid(format!("{field} is required.")))?;
    let n = v.as_i64().ok_or_else(|| {
        ApiError::invalid(format!(
            "{field} must be an integer in hundredths of a percent (1550 = 15.50%), got {v}."
        ))
    })?;
    if !(MIN_RATE..=MAX_RATE).contains(&n) {
        return Err(ApiError::invalid(format!(
            "{field} must be between {MIN_RATE} (1%) and {MAX_RATE} (80%), got {n}."
        )));
    }
    Ok(n)
}

/// An optional rate (absent or null = none).
fn optional_rate(v: Option<&Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => check_rate(Some(v), field).map(Some),
    }
}

fn image(pid: Id) -> String {
    format!(
        "https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{pid}~tplv-o3syd03w52-origin-jpeg.jpeg"
    )
}

fn price_range(w: &World, pid: Id) -> (i64, i64) {
    w.products
        .get(&pid)
        .map(|p| {
            let lo = p.skus.iter().map(|s| s.price).min().unwrap_or(0);
            let hi = p.skus.iter().map(|s| s.price).max().unwrap_or(0);
            (lo, hi)
        })
        .unwrap_or((0, 0))
}

/// `{currency, minimum_amount, maximum_amount}` of a product's SKU prices.
fn price_json(w: &World, pid: Id, region: Region) -> Value {
    let (lo, hi) = price_range(w, pid);
    json!({
        "currency": region.currency(),
        "minimum_amount": format_amount(lo, region),
        "maximum_amount": format_amount(hi, region),
    })
}

/// `{amount, currency}`.
fn money(minor: i64, region: Region) -> Value {
    json!({"amount": format_amount(minor, region), "currency": region.currency()})
}

/// A rate in hundredths of a percent as a decimal fraction string, at least two decimals (2000 →
/// "0.20", 1550 → "0.155"), as sample applications carry it.
fn fraction(rate: i64) -> String {
    let mut s = format!("{}.{:04}", rate / 10_000, rate % 10_000);
    while s.ends_with('0') && s.len() > s.find('.').unwrap_or(0) + 3 {
        s.pop();
    }
    s
}

/// Reads a unix-seconds time sent as a string of digits (`end_time`).
fn seconds_string(v: Option<&Value>, field: &str) -> Result<i64, ApiError> {
    match v {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse()
            .map_err(|_| ApiError::invalid(format!("{field}: {s:?} is not a unix time."))),
        Some(other) => Err(ApiError::invalid(format!(
            "{field} must be a string of unix seconds (\"1767225600\"), got {other}."
        ))),
        None => Err(ApiError::invalid(format!(
            "{field} is required (a string of unix seconds)."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_keep_two_decimals_at_least() {
        assert_eq!(fraction(2000), "0.20");
        assert_eq!(fraction(1550), "0.155");
        assert_eq!(fraction(125), "0.0125");
        assert_eq!(fraction(8000), "0.80");
        assert_eq!(fraction(100), "0.01");
    }
}
