//! Webhook subscriptions: one address per (app, shop, event type), as `PUT /event/202309/webhooks` sets it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::event::EventType;

/// A subscription as `GET /event/202309/webhooks` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub app_key: String,
    pub shop_id: String,
    pub event_type: EventType,
    pub address: String,
    pub create_time: i64,
}

/// Why a subscription request was refused (answered as 36009004).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    UnknownEventType(String),
    BadAddress(String),
    NotSubscribed(String),
}

impl std::fmt::Display for SubscriptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubscriptionError::UnknownEventType(t) => write!(f, "Invalid event_type: {t:?}"),
            SubscriptionError::BadAddress(a) => {
                write!(f, "Invalid address: {a:?} is not an http(s) URL")
            }
            SubscriptionError::NotSubscribed(t) => {
                write!(f, "No webhook is registered for event_type {t}")
            }
        }
    }
}

/// Parses an `event_type` name from a request.
pub fn parse_event_type(name: &str) -> Result<EventType, SubscriptionError> {
    EventType::from_name(name).ok_or_else(|| SubscriptionError::UnknownEventType(name.to_owned()))
}

/// Checks that an address is an absolute http(s) URL with a host, at most 1,024 bytes long.
pub fn parse_address(address: &str) -> Result<String, SubscriptionError> {
    let bad = || SubscriptionError::BadAddress(address.to_owned());
    if address.is_empty() || address.len() > 1024 || address.trim() != address {
        return Err(bad());
    }
    let url = url::Url::parse(address).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(address.to_owned())
}

type Key = (String, String, EventType);

/// The shop of an app-wide subscription (Partner Center's webhook settings cover every shop the app
/// is authorized for).
pub const APP_WIDE: &str = "*";

/// All subscriptions of the sandbox.
#[derive(Debug, Default)]
pub struct Subscriptions {
    inner: Mutex<BTreeMap<Key, Subscription>>,
}

impl Subscriptions {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Subscription>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets (or replaces) the address of one event type for an app and shop.
    pub fn put(
        &self,
        app_key: &str,
        shop_id: &str,
        event_type: EventType,
        address: String,
        now: i64,
    ) {
        let key = (app_key.to_owned(), shop_id.to_owned(), event_type);
        let mut map = self.lock();
        let create_time = match map.get(&key) {
            Some(s) if s.address == address => s.create_time,
            _ => now,
        };
        map.insert(
            key,
            Subscription {
                app_key: app_key.to_owned(),
                shop_id: shop_id.to_owned(),
                event_type,
                address,
                create_time,
            },
        );
    }

    /// Removes one event type's subscription; refuses when there is none.
    pub fn delete(
        &self,
        app_key: &str,
        shop_id: &str,
        event_type: EventType,
    ) -> Result<Subscription, SubscriptionError> {
        self.lock()
            .remove(&(app_key.to_owned(), shop_id.to_owned(), event_type))
            .ok_or_else(|| SubscriptionError::NotSubscribed(event_type.name().to_owned()))
    }

    /// The subscriptions an app has for a shop, in event-type order.
    pub fn list(&self, app_key: &str, shop_id: &str) -> Vec<Subscription> {
        self.lock()
            .values()
            .filter(|s| s.app_key == app_key && s.shop_id == shop_id)
            .cloned()
            .collect()
    }

    /// Every subscription (of any app) that wants this event of this shop: the shop's own and the
    /// app-wide ones (Partner Center, shop `*`), once per app and address.
    pub fn targets(&self, shop_id: &str, event_type: EventType) -> Vec<Subscription> {
        let mut out: Vec<Subscription> = Vec::new();
        for s in self.lock().values() {
            if (s.shop_id == shop_id || s.shop_id == APP_WIDE)
                && s.event_type == event_type
                && !out
                    .iter()
                    .any(|o| o.app_key == s.app_key && o.address == s.address)
            {
                out.push(s.clone());
            }
        }
        out
    }

    /// The app-wide subscriptions set in Partner Center (shop `*`), of every app.
    pub fn app_wide(&self) -> Vec<Subscription> {
        self.lock()
            .values()
            .filter(|s| s.shop_id == APP_WIDE)
            .cloned()
            .collect()
    }

    /// Drops every subscription an app has for a shop (after a deauthorization).
    pub fn remove_shop(&self, app_key: &str, shop_id: &str) {
        self.lock()
            .retain(|_, s| !(s.app_key == app_key && s.shop_id == shop_id));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_validated() {
        assert!(parse_address("https://partner.tiktokshop.com").is_ok());
        assert!(parse_address("http://127.0.0.1:8080/api/webhooks/tiktok").is_ok());
        for bad in [
            "",
            "ftp://x.y/",
            "not a url",
            "https://",
            "/relative",
            " https://a.b",
        ] {
            assert!(parse_address(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_address(&format!("https://a.b/{}", "x".repeat(1100))).is_err());
    }

    #[test]
    fn put_replaces_and_delete_refuses_twice() {
        let subs = Subscriptions::default();
        subs.put(
            "app",
            "shop",
            EventType::PackageUpdate,
            "https://a.b/1".into(),
            10,
        );
        subs.put(
            "app",
            "shop",
            EventType::PackageUpdate,
            "https://a.b/2".into(),
            20,
        );
        subs.put(
            "app",
            "other",
            EventType::PackageUpdate,
            "https://a.b/3".into(),
            30,
        );
        let list = subs.list("app", "shop");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].address, "https://a.b/2");
        assert_eq!(list[0].create_time, 20);
        assert_eq!(subs.targets("shop", EventType::PackageUpdate).len(), 1);
        assert!(
            subs.targets("shop", EventType::OrderStatusChange)
                .is_empty()
        );
        assert!(subs.delete("app", "shop", EventType::PackageUpdate).is_ok());
        assert!(
            subs.delete("app", "shop", EventType::PackageUpdate)
                .is_err()
        );
    }
}
