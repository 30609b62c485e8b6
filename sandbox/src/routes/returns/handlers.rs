//! The seller's searches: returns and cancellations (202309 and 202602): the request read and
//! checked here, the page read in `search`.

use serde::Deserialize;

use super::paging::{Order, parse_ids, sort_field, sort_order};
use super::search::{AfterSalesQuery, CancelQuery, ReturnQuery, cancel_page, return_page};
use crate::protocol::{ApiError, ApiResult, Ctx};
use crate::routes::seek::{SearchCursor, parse_search_token};
use crate::world::{CancelStatus, ReturnStatus, ReturnType};

const RETURN_STATUSES: [ReturnStatus; 8] = [
    ReturnStatus::RequestPending,
    ReturnStatus::RequestReject,
    ReturnStatus::AwaitingBuyerShip,
    ReturnStatus::BuyerShippedItem,
    ReturnStatus::RejectReceivePackage,
    ReturnStatus::RequestSuccess,
    ReturnStatus::RequestCancel,
    ReturnStatus::RequestComplete,
];

fn parse_return_status(s: &str) -> Option<ReturnStatus> {
    // TikTok spells the rejection both ways in different places.
    let s = if s == "RETURN_OR_REFUND_REQUEST_REJECT" {
        "REFUND_OR_RETURN_REQUEST_REJECT"
    } else {
        s
    };
    RETURN_STATUSES.into_iter().find(|r| r.as_str() == s)
}

fn parse_return_type(s: &str) -> Option<ReturnType> {
    [
        ReturnType::Refund,
        ReturnType::ReturnAndRefund,
        ReturnType::Replacement,
    ]
    .into_iter()
    .find(|t| t.as_str() == s)
}

const CANCEL_STATUSES: [CancelStatus; 5] = [
    CancelStatus::RequestPending,
    CancelStatus::RequestSuccess,
    CancelStatus::RequestCancel,
    CancelStatus::RequestComplete,
    CancelStatus::RequestReject,
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReturnSearch {
    return_ids: Vec<String>,
    order_ids: Vec<String>,
    buyer_user_ids: Vec<String>,
    return_types: Vec<String>,
    return_status: Vec<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
    #[allow(dead_code)]
    arbitration_status: Vec<String>,
    #[allow(dead_code)]
    seller_proposed_return_type: Vec<String>,
}

pub(super) fn search_returns(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(10, 50)?;
    let by_update = sort_field(ctx)?;
    let order = sort_order(ctx, Order::Desc)?;
    let token = ctx.query("page_token").map(str::to_string);
    let f: ReturnSearch = ctx.json()?;
    let return_ids = parse_ids("return_ids", &f.return_ids)?;
    let order_ids = parse_ids("order_ids", &f.order_ids)?;
    let buyers = parse_ids("buyer_user_ids", &f.buyer_user_ids)?;
    let types = f
        .return_types
        .iter()
        .map(|t| {
            parse_return_type(t)
                .ok_or_else(|| ApiError::invalid(format!("Invalid return_types value {t:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let statuses = f
        .return_status
        .iter()
        .map(|s| {
            parse_return_status(s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid return_status value {s:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let q = ReturnQuery {
        base: AfterSalesQuery {
            page_size,
            update_sort: by_update,
            desc: order == Order::Desc,
            ids: return_ids,
            order_ids,
            buyers,
            create_ge: f.create_time_ge,
            create_lt: f.create_time_lt,
            update_ge: f.update_time_ge,
            update_lt: f.update_time_lt,
            ..AfterSalesQuery::new(shop)
        },
        types,
        statuses,
    };
    ctx.with_world(|w| Ok(return_page(w, &q, cursor(token.as_deref())?)))
}

/// The page token, read where the search read it before (in the world, after the body's checks).
fn cursor(token: Option<&str>) -> Result<Option<SearchCursor>, ApiError> {
    match token {
        Some(t) if !t.is_empty() => parse_search_token(t).map(Some),
        _ => Ok(None),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelSearch {
    cancel_ids: Vec<String>,
    order_ids: Vec<String>,
    buyer_user_ids: Vec<String>,
    cancel_types: Vec<String>,
    cancel_status: Vec<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
}

pub(super) fn search_cancellations(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let page_size = ctx.page_size(1, 50)?;
    let by_update = sort_field(ctx)?;
    let order = sort_order(ctx, Order::Desc)?;
    let token = ctx.query("page_token").map(str::to_string);
    let f: CancelSearch = ctx.json()?;
    let cancel_ids = parse_ids("cancel_ids", &f.cancel_ids)?;
    let order_ids = parse_ids("order_ids", &f.order_ids)?;
    let buyers = parse_ids("buyer_user_ids", &f.buyer_user_ids)?;
    for t in &f.cancel_types {
        if !matches!(t.as_str(), "CANCEL" | "BUYER_CANCEL") {
            return Err(ApiError::invalid(format!(
                "Invalid cancel_types value {t:?}."
            )));
        }
    }
    let statuses = f
        .cancel_status
        .iter()
        .map(|s| {
            CANCEL_STATUSES
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| ApiError::invalid(format!("Invalid cancel_status value {s:?}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let q = CancelQuery {
        base: AfterSalesQuery {
            page_size,
            update_sort: by_update,
            desc: order == Order::Desc,
            ids: cancel_ids,
            order_ids,
            buyers,
            create_ge: f.create_time_ge,
            create_lt: f.create_time_lt,
            update_ge: f.update_time_ge,
            update_lt: f.update_time_lt,
            ..AfterSalesQuery::new(shop)
        },
        statuses,
    };
    ctx.with_world(|w| Ok(cancel_page(w, &q, cursor(token.as_deref())?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_reject_spellings_parse() {
        assert_eq!(
            parse_return_status("RETURN_OR_REFUND_REQUEST_REJECT"),
            Some(ReturnStatus::RequestReject)
        );
        assert_eq!(
            parse_return_status("REFUND_OR_RETURN_REQUEST_REJECT"),
            Some(ReturnStatus::RequestReject)
        );
        assert_eq!(parse_return_status("NOPE"), None);
    }
}
