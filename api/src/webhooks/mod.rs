//! TikTok's webhooks: `receive` verifies a delivery's signature over the raw body (`signers` caches
//! who may sign for a shop) and stores it (deduplicated, group-committed by `writer`) before it is
//! answered; `process` handles stored events in the background, with
//! retries; `subscriptions` registers our URL with TikTok's event API.

pub mod events;
pub mod process;
pub mod receive;
pub mod signers;
pub mod subscriptions;
pub mod writer;

use crate::shops::Feature;

/// TikTok's webhook types (tiktok-api.md, "Webhooks").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    OrderStatusChange,
    RecipientAddressUpdate,
    PackageUpdate,
    ProductStatusChange,
    SellerDeauthorization,
    UpcomingAuthorizationExpiration,
    CancellationStatusChange,
    ReturnStatusChange,
    ProductInformationChange,
    ProductCreation,
    ProductAuditStatusChange,
    /// An activity went ONGOING, EXPIRED or DEACTIVATED (type 39).
    PromotionActivityStatus,
    /// An activity was made, changed or deactivated, in Seller Center too (type 63).
    PromotionActivityChange,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        EventType::OrderStatusChange,
        EventType::RecipientAddressUpdate,
        EventType::PackageUpdate,
        EventType::ProductStatusChange,
        EventType::SellerDeauthorization,
        EventType::UpcomingAuthorizationExpiration,
        EventType::CancellationStatusChange,
        EventType::ReturnStatusChange,
        EventType::ProductInformationChange,
        EventType::ProductCreation,
        EventType::ProductAuditStatusChange,
        EventType::PromotionActivityStatus,
        EventType::PromotionActivityChange,
    ];

    pub fn code(self) -> i32 {
        match self {
            EventType::OrderStatusChange => 1,
            EventType::RecipientAddressUpdate => 3,
            EventType::PackageUpdate => 4,
            EventType::ProductStatusChange => 5,
            EventType::SellerDeauthorization => 6,
            EventType::UpcomingAuthorizationExpiration => 7,
            EventType::CancellationStatusChange => 11,
            EventType::ReturnStatusChange => 12,
            EventType::ProductInformationChange => 15,
            EventType::ProductCreation => 16,
            EventType::ProductAuditStatusChange => 37,
            EventType::PromotionActivityStatus => 39,
            EventType::PromotionActivityChange => 63,
        }
    }

    /// The name TikTok's event API uses for subscriptions.
    pub fn name(self) -> &'static str {
        match self {
            EventType::OrderStatusChange => "ORDER_STATUS_CHANGE",
            EventType::RecipientAddressUpdate => "RECIPIENT_ADDRESS_UPDATE",
            EventType::PackageUpdate => "PACKAGE_UPDATE",
            EventType::ProductStatusChange => "PRODUCT_STATUS_CHANGE",
            EventType::SellerDeauthorization => "SELLER_DEAUTHORIZATION",
            EventType::UpcomingAuthorizationExpiration => "UPCOMING_AUTHORIZATION_EXPIRATION",
            EventType::CancellationStatusChange => "CANCELLATION_STATUS_CHANGE",
            EventType::ReturnStatusChange => "RETURN_STATUS_CHANGE",
            EventType::ProductInformationChange => "PRODUCT_INFORMATION_CHANGE",
            EventType::ProductCreation => "PRODUCT_CREATION",
            EventType::ProductAuditStatusChange => "PRODUCT_AUDIT_STATUS_CHANGE",
            // No topic name at TikTok (set in Partner Center): these are ours, for filters.
            EventType::PromotionActivityStatus => "PROMOTION_ACTIVITY_STATUS",
            EventType::PromotionActivityChange => "PROMOTION_ACTIVITY_CHANGE",
        }
    }

    /// Whether TikTok's subscription call takes the type (the others are set in Partner Center).
    pub fn subscribable(self) -> bool {
        !matches!(
            self,
            EventType::PromotionActivityStatus | EventType::PromotionActivityChange
        )
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| i64::from(t.code()) == code)
    }

    /// The feature area an event belongs to; `None` for the connection's own events (always handled).
    pub fn feature(self) -> Option<Feature> {
        match self {
            EventType::OrderStatusChange
            | EventType::RecipientAddressUpdate
            | EventType::PackageUpdate => Some(Feature::Orders),
            EventType::ProductStatusChange
            | EventType::ProductInformationChange
            | EventType::ProductCreation
            | EventType::ProductAuditStatusChange => Some(Feature::Products),
            EventType::CancellationStatusChange | EventType::ReturnStatusChange => {
                Some(Feature::Returns)
            }
            EventType::PromotionActivityStatus | EventType::PromotionActivityChange => {
                Some(Feature::Promotions)
            }
            EventType::SellerDeauthorization | EventType::UpcomingAuthorizationExpiration => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_none() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_code(i64::from(t.code())), Some(t));
        }
        assert_eq!(
            EventType::from_code(2),
            None,
            "2 is the retired REVERSE_ORDER_STATUS_CHANGE"
        );
        assert_eq!(EventType::SellerDeauthorization.feature(), None);
    }
}

pub use crate::tiktok::wire::id_text;
