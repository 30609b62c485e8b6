//! The promotions area: TikTok's activities (flash sales, deal prices, discounts) kept from the
//! `promotions` sync and made or changed from the ERP with TikTok's rules checked first, and the
//! shop's vouchers (read-only).

pub mod checks;
pub mod coupons;
pub mod model;
pub mod store;
pub mod writes;
