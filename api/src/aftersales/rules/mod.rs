//! Automatic decision rules for after-sales requests: the rule as the ERP writes it (`model`), which
//! rule decides a request and on what facts (`evaluate`), the rules at work when a request arrives
//! (`run`, after a sync or a webhook), and the rules kept, their runs and a replay of a period (`store`).

pub mod evaluate;
pub mod model;
pub mod run;
pub mod store;

pub use model::{Action, Money, RequestKind, RuleIn, Then, When};
pub use run::run_pending;
pub use store::{
    Rule, Simulated, Simulation, create, delete, get, list, refund_sum, replace, runs, simulate,
};
