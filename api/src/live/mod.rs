//! Live shopping (the `live_shopping` area). TikTok's Open API has no endpoint that creates or runs
//! a LIVE, so the ERP plans the session (host, time, line-up with special prices, stock limits and
//! flash-sale windows) and carries it out through what TikTok offers: promotion activities for the
//! session's window, backed by the stock checked for each line; then reads the results from our
//! orders and TikTok's LIVE analytics.

pub mod apply;
pub mod board;
pub mod model;
pub mod plan;
