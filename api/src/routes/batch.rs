//! The one shape of every batch answer (stock, products, ship) and the runner that makes it. Items
//! are done one at a time, in the order sent, each done or refused on its own:
//!
//! ```json
//! {"succeeded": 1, "failed": 1, "results": [
//!   {"index": 0, "<the item's keys>": "…", "ok": true, "outcome_unknown": false, "result": {}, "error": null},
//!   {"index": 1, "<the item's keys>": "…", "ok": false, "outcome_unknown": false, "result": null,
//!    "error": {"code": "…", "message": "…", "details": []}}]}
//! ```
//!
//! `outcome_unknown` marks an item whose answer from TikTok was lost: whether it was done is unknown,
//! and the batch's answer is then not kept under its `Idempotency-Key`, so the same batch with the
//! same key runs again (only for routes whose writes are safe to repeat; see each route).

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// Why one item was not done.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchError {
    /// Stable snake_case reason, as in every error answer.
    pub code: String,
    pub message: String,
    /// The field at fault, or TikTok's code, message and request_id.
    pub details: Vec<serde_json::Value>,
}

/// The results of a batch before they take their route's named shape ([`batch_answer!`]).
pub struct Batch<K, T> {
    pub results: Vec<Item<K, T>>,
}

pub struct Item<K, T> {
    pub key: K,
    pub outcome: Result<T>,
    pub outcome_unknown: bool,
}

/// Runs `each` on every item in order; `unknown` says which refusals leave TikTok's outcome unknown.
pub async fn run<I, K, T, F, Fut>(items: I, unknown: fn(&Error) -> bool, mut each: F) -> Batch<K, T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: std::future::Future<Output = (K, Result<T>)>,
{
    let mut done = Vec::new();
    for item in items {
        done.push(each(item).await);
    }
    Batch::of(done, unknown)
}

/// No refusal leaves the outcome unknown (the route's writes are not safe to repeat as a whole).
pub fn never_unknown(_: &Error) -> bool {
    false
}

impl<K, T> Batch<K, T> {
    /// The results of items already done (in the order sent).
    pub fn of(done: Vec<(K, Result<T>)>, unknown: fn(&Error) -> bool) -> Self {
        let results = done
            .into_iter()
            .map(|(key, outcome)| Item {
                outcome_unknown: outcome.as_ref().is_err_and(unknown),
                key,
                outcome,
            })
            .collect();
        Self { results }
    }

    /// Whether some item's outcome at TikTok is unknown.
    pub fn unsettled(&self) -> bool {
        self.results.iter().any(|i| i.outcome_unknown)
    }
}

impl BatchError {
    pub fn of(e: &Error) -> Self {
        Self {
            code: e.code.to_owned(),
            message: e.message.clone(),
            details: e.details.clone(),
        }
    }
}

/// Declares a route's batch answer in the one shape: `$out` with `succeeded`, `failed` and `results`
/// of `$item` (`index`, the item's keys `$key` flattened, `ok`, `outcome_unknown`, `result` of `$result`,
/// `error`), and its conversion from a [`Batch`].
macro_rules! batch_answer {
    ($(#[$meta:meta])* $out:ident, $item:ident, $key:ty, $result:ty) => {
        /// One item's result: `result` when it was done, `error` when not.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $item {
            /// The item's position in the request.
            pub index: usize,
            #[serde(flatten)]
            pub key: $key,
            pub ok: bool,
            /// TikTok's answer was lost: whether the item was done is unknown.
            pub outcome_unknown: bool,
            pub result: Option<$result>,
            pub error: Option<$crate::routes::batch::BatchError>,
        }

        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        $(#[$meta])*
        pub struct $out {
            pub succeeded: usize,
            pub failed: usize,
            pub results: Vec<$item>,
        }

        impl $out {
            /// The answer to store under the batch's `Idempotency-Key` (unsettled when an item's
            /// outcome is unknown).
            pub fn reply<T>(
                batch: $crate::routes::batch::Batch<$key, T>,
            ) -> $crate::error::Result<$crate::routes::idempotency::Reply>
            where
                $result: From<T>,
            {
                let unsettled = batch.unsettled();
                let results: Vec<$item> = batch
                    .results
                    .into_iter()
                    .enumerate()
                    .map(|(index, i)| $item {
                        index,
                        key: i.key,
                        ok: i.outcome.is_ok(),
                        outcome_unknown: i.outcome_unknown,
                        error: i.outcome.as_ref().err().map($crate::routes::batch::BatchError::of),
                        result: i.outcome.ok().map(<$result>::from),
                    })
                    .collect();
                let succeeded = results.iter().filter(|r| r.ok).count();
                let out = $out {
                    succeeded,
                    failed: results.len() - succeeded,
                    results,
                };
                Ok($crate::routes::idempotency::Reply::ok(&out)?.unsettled_if(unsettled))
            }
        }
    };
}

pub(crate) use batch_answer;
