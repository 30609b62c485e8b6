//! A return's history (`GET /return_refund/202309/returns/{return_id}/records`), oldest first: every
//! change with who made it (BUYER, SELLER, SYSTEM) and, when given, the reason's text and the note.

use serde_json::{Value, json};

use super::decisions::find_return;
use crate::protocol::{ApiResult, Ctx};
use crate::world::ReturnRecord;

fn record_json(r: &ReturnRecord) -> Value {
    json!({
        "event": r.event,
        "role": r.role,
        "description": r.description,
        "reason_text": r.reason_text,
        "note": r.note,
        "create_time": r.create_time,
    })
}

pub(super) fn return_records(ctx: &mut Ctx) -> ApiResult {
    let shop = ctx.shop_id()?;
    let id = ctx.path_id("return_id")?;
    ctx.with_world(|w| {
        let r = find_return(w, shop, id)?;
        // Buyers' images and videos are not modelled: those lists are left out.
        let records: Vec<Value> = r.records.iter().map(record_json).collect();
        Ok(json!({ "records": (!records.is_empty()).then_some(records) }))
    })
}
