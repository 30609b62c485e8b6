//! The affiliate area: the shop's products offered to creators (open collaborations), target
//! collaborations with chosen creators and their sample requests, read and changed at TikTok; and
//! the commission reports of the affiliate orders the `affiliate_orders` sync keeps.

pub mod collaborations;
pub mod model;
pub mod reports;
