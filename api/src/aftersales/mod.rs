//! After-sales from the ERP: the seller's decisions on buyers' returns and cancellations
//! (`decisions`). The requests themselves are synced by `sync::returns`, which every decision reuses
//! to bring its request up to date.

pub mod decisions;
pub mod rules;

pub use decisions::{Decided, Decision, decide, reject_reasons, return_history};
