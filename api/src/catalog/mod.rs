//! The catalogue: the shop's TikTok categories (cached with their attributes and rules) and the ERP's
//! product writes, checked against them before TikTok is called.

pub mod categories;
pub mod input;
pub mod money;
pub mod writes;
