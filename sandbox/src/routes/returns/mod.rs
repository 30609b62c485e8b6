//! Returns and cancellations, as the seller sees them: search (202309 and 202602), approve and reject
//! (202309, and reject at 202606 too) with the real state rules, deadlines and current reject reasons,
//! reject reasons, decision eligibility and a return's records.
//!
//! `configure` registers every path; `paging` holds the search paging the other areas share, `render`
//! the JSON shapes, `handlers` the searches' requests, `search` their pages (seeking the world's
//! after-sales time indexes), `decisions` approve and reject with the rules eligibility
//! shares, `eligibility` reject reasons and decision eligibility, `records` a return's history. The
//! state changes themselves live in the world (`world::after_sales`), where the clock's deadlines run
//! them too; they are re-exported here for the living shop and tests.

mod decisions;
mod eligibility;
mod handlers;
mod paging;
mod records;
mod render;
mod search;

pub use crate::world::{
    By, move_return, open_cancellation, open_return, set_cancel_status, set_return_status,
};
pub(crate) use paging::{Order, paginate, sort_order};
pub use render::{cancellation_json, return_json};
pub use search::{AfterSalesQuery, CancelQuery, ReturnQuery, cancel_page, return_page};

use actix_web::http::Method;
use actix_web::web;

use crate::protocol::{Category, Scope, op};
use decisions::{approve_cancellation, approve_return, reject_cancellation, reject_return};
use eligibility::{decision_eligibility, reject_reasons_of};
use handlers::{search_cancellations, search_returns};
use records::return_records;

/// The return or cancellation is not in a state that allows this decision.
pub const STATUS_NOT_ALLOWED: i64 = 25001004;
/// The seller's deadline passed (SYSTEM decided the request); the decision comes too late.
pub const DECISION_DEADLINE_PASSED: i64 = 25001005;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Category::Returns as C;
    use Scope::Shop as S;
    for path in [
        "/return_refund/202309/returns/search",
        "/return_refund/202602/returns/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_returns);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/returns/{return_id}/approve",
        C,
        S,
        approve_return,
    );
    for path in [
        "/return_refund/202309/returns/{return_id}/reject",
        "/return_refund/202606/returns/{return_id}/reject",
    ] {
        op(cfg, Method::POST, path, C, S, reject_return);
    }
    for path in [
        "/return_refund/202309/cancellations/search",
        "/return_refund/202602/cancellations/search",
    ] {
        op(cfg, Method::POST, path, C, S, search_cancellations);
    }
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/approve",
        C,
        S,
        approve_cancellation,
    );
    op(
        cfg,
        Method::POST,
        "/return_refund/202309/cancellations/{cancel_id}/reject",
        C,
        S,
        reject_cancellation,
    );
    op(
        cfg,
        Method::GET,
        "/return_refund/202309/returns/{return_id}/records",
        C,
        S,
        return_records,
    );
    op(
        cfg,
        Method::GET,
        "/return_refund/202309/reject_reasons",
        C,
        S,
        reject_reasons_of,
    );
    op(
        cfg,
        Method::GET,
        "/return_refund/202601/decision_eligibility",
        C,
        S,
        decision_eligibility,
    );
}
