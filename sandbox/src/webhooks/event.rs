//! Webhook event types with their real numeric codes and subscription names, and the notification body
//! TikTok POSTs: `{"type", "tts_notification_id", "shop_id", "timestamp", "data"}`.

use serde::Serialize;
use serde_json::Value;

/// The event types the sandbox pushes, with TikTok's numeric `type` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// 39: no topic name in the subscription API (set in Partner Center).
    PromotionActivityStatus,
    /// 63: no topic name in the subscription API (set in Partner Center).
    PromotionActivityChange,
    /// 56: no topic name in the subscription API (set in Partner Center).
    SampleApplicationStatus,
}

impl EventType {
    pub const ALL: [EventType; 14] = [
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
        EventType::SampleApplicationStatus,
    ];

    /// The types `PUT /event/202309/webhooks` takes by topic name (tiktok-api-areas.md §9); the
    /// others are set in Partner Center (the control plane's `/_sandbox/webhooks/partner_center`).
    pub const TOPICS: [EventType; 11] = [
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
    ];

    /// The `type` field of the notification body.
    pub fn code(self) -> u8 {
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
            EventType::SampleApplicationStatus => 56,
        }
    }

    /// The name used by the subscription endpoints (`event_type`); for the types without a topic
    /// name, the sandbox's own name (delivery log, control plane).
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
            EventType::PromotionActivityStatus => "PROMOTION_ACTIVITY_STATUS_CHANGE",
            EventType::PromotionActivityChange => "PROMOTION_ACTIVITY_CHANGE",
            EventType::SampleApplicationStatus => "SAMPLE_APPLICATION_STATUS_CHANGE",
        }
    }

    /// A topic name the subscription API accepts.
    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::TOPICS.into_iter().find(|t| t.name() == name)
    }

    /// Any type by its name or its code as a string (Partner Center settings).
    pub fn from_any(name_or_code: &str) -> Option<EventType> {
        EventType::ALL
            .into_iter()
            .find(|t| t.name() == name_or_code || t.code().to_string() == name_or_code)
    }

    pub fn from_code(code: u8) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// One notification, before it is addressed to a subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub event_type: EventType,
    pub shop_id: String,
    /// Unix seconds (sandbox clock) when the change happened.
    pub timestamp: i64,
    pub data: Value,
}

/// The wire body; field order follows TikTok's own examples.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: u8,
    tts_notification_id: &'a str,
    shop_id: &'a str,
    timestamp: i64,
    data: &'a Value,
}

impl Notification {
    /// The exact bytes sent (and signed).
    pub fn body(&self, tts_notification_id: &str) -> Vec<u8> {
        let body = Body {
            kind: self.event_type.code(),
            tts_notification_id,
            shop_id: &self.shop_id,
            timestamp: self.timestamp,
            data: &self.data,
        };
        // Serializing plain strings, numbers and a Value cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for t in EventType::TOPICS {
            assert_eq!(EventType::from_name(t.name()), Some(t));
        }
        for t in EventType::ALL {
            assert_eq!(EventType::from_code(t.code()), Some(t));
            assert_eq!(EventType::from_any(t.name()), Some(t));
            assert_eq!(EventType::from_any(&t.code().to_string()), Some(t));
        }
        assert_eq!(EventType::from_name("PROMOTION_ACTIVITY_CHANGE"), None);
        assert_eq!(EventType::from_name("REVERSE_ORDER_STATUS_CHANGE"), None);
        assert_eq!(EventType::from_code(2), None);
    }

    #[test]
    fn body_has_the_real_shape() {
        let n = Notification {
            event_type: EventType::OrderStatusChange,
            shop_id: "7494049642642441621".into(),
            timestamp: 1644412885,
            data: serde_json::json!({"order_id": "1", "order_status": "ON_HOLD"}),
        };
        let body = String::from_utf8(n.body("7327112393057371910")).unwrap();
        assert!(body.starts_with(
            r#"{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1644412885,"data":{"#
        ));
    }
}
