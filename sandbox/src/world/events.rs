//! What the world announces: every state change the sandbox makes emits a [`SandboxEvent`]; the
//! webhook dispatcher turns them into TikTok's signed pushes.

use super::{Id, OrderStatus, ProductStatus};

/// Something the real service would announce by webhook. Every state change the sandbox makes emits
/// the matching variant; the webhook dispatcher turns them into signed pushes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxEvent {
    /// type 1
    OrderStatusChange {
        shop_id: Id,
        order_id: Id,
        order_status: OrderStatus,
        is_on_hold_order: bool,
        update_time: i64,
    },
    /// type 3
    RecipientAddressUpdate {
        shop_id: Id,
        order_id: Id,
        update_time: i64,
    },
    /// type 4
    PackageUpdate {
        shop_id: Id,
        package_id: Id,
        order_ids: Vec<Id>,
        update_time: i64,
    },
    /// type 5
    ProductStatusChange {
        shop_id: Id,
        product_id: Id,
        status: ProductStatus,
        suspended_reason: String,
        update_time: i64,
    },
    /// type 6 (for one app's authorization of one shop)
    SellerDeauthorization {
        shop_id: Id,
        app_key: String,
        message: String,
        update_time: i64,
    },
    /// type 7
    UpcomingAuthorizationExpiration {
        shop_id: Id,
        app_key: String,
        message: String,
        expiration_time: i64,
    },
    /// type 11
    CancellationStatusChange {
        shop_id: Id,
        order_id: Id,
        cancellations_role: String,
        cancel_status: String,
        cancel_id: Id,
        create_time: i64,
        update_time: i64,
    },
    /// type 12
    ReturnStatusChange {
        shop_id: Id,
        order_id: Id,
        return_role: String,
        return_type: String,
        return_status: String,
        return_id: Id,
        create_time: i64,
        update_time: i64,
    },
    /// type 15
    ProductInformationChange {
        shop_id: Id,
        product_id: Id,
        update_time: i64,
    },
    /// type 16
    ProductCreation {
        shop_id: Id,
        product_id: Id,
        update_time: i64,
    },
    /// type 37 (`status`: "APPROVED" / "FAILED")
    ProductAuditStatusChange {
        shop_id: Id,
        product_id: Id,
        status: String,
        update_time: i64,
    },
    /// type 39: an activity became ONGOING, EXPIRED or DEACTIVATED.
    PromotionActivityStatus {
        shop_id: Id,
        activity_id: Id,
        activity_type: String,
        product_level: String,
        status: String,
        update_time: i64,
    },
    /// type 63: an activity was created, updated (its fields or products) or deactivated.
    PromotionActivityChange {
        shop_id: Id,
        activity_id: Id,
        /// "CREATE" / "UPDATE" / "DEACTIVATE".
        change_type: String,
        /// Products added or changed.
        updated: ActivityProductIds,
        /// Products and SKUs removed.
        removed: ActivityProductIds,
        update_time: i64,
    },
    /// type 56: a sample application's status changed (or it was filed: PENDING).
    SampleApplicationStatus {
        shop_id: Id,
        application_id: Id,
        new_status: String,
        creator_open_id: String,
        product_id: Id,
        sku_id: Id,
        update_time: i64,
    },
}

/// The id lists of webhook 63's `product_update_list` / `product_remove_list` (empty lists are left
/// out; `sku_ids` only in the remove list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityProductIds {
    pub product_ids: Vec<Id>,
    pub sku_ids: Vec<Id>,
    pub benefit_product_ids: Vec<Id>,
    pub exclude_product_ids: Vec<Id>,
}

impl ActivityProductIds {
    pub fn is_empty(&self) -> bool {
        self.product_ids.is_empty()
            && self.sku_ids.is_empty()
            && self.benefit_product_ids.is_empty()
            && self.exclude_product_ids.is_empty()
    }

    fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, ids) in [
            ("product_ids", &self.product_ids),
            ("sku_ids", &self.sku_ids),
            ("benefit_product_ids", &self.benefit_product_ids),
            ("exclude_product_ids", &self.exclude_product_ids),
        ] {
            if !ids.is_empty() {
                m.insert(
                    k.into(),
                    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().into(),
                );
            }
        }
        serde_json::Value::Object(m)
    }
}

impl SandboxEvent {
    /// TikTok's webhook `type` code.
    pub fn type_code(&self) -> u32 {
        match self {
            SandboxEvent::OrderStatusChange { .. } => 1,
            SandboxEvent::RecipientAddressUpdate { .. } => 3,
            SandboxEvent::PackageUpdate { .. } => 4,
            SandboxEvent::ProductStatusChange { .. } => 5,
            SandboxEvent::SellerDeauthorization { .. } => 6,
            SandboxEvent::UpcomingAuthorizationExpiration { .. } => 7,
            SandboxEvent::CancellationStatusChange { .. } => 11,
            SandboxEvent::ReturnStatusChange { .. } => 12,
            SandboxEvent::ProductInformationChange { .. } => 15,
            SandboxEvent::ProductCreation { .. } => 16,
            SandboxEvent::ProductAuditStatusChange { .. } => 37,
            SandboxEvent::PromotionActivityStatus { .. } => 39,
            SandboxEvent::PromotionActivityChange { .. } => 63,
            SandboxEvent::SampleApplicationStatus { .. } => 56,
        }
    }

    /// TikTok's event name (as subscriptions name it).
    pub fn event_name(&self) -> &'static str {
        match self {
            SandboxEvent::OrderStatusChange { .. } => "ORDER_STATUS_CHANGE",
            SandboxEvent::RecipientAddressUpdate { .. } => "RECIPIENT_ADDRESS_UPDATE",
            SandboxEvent::PackageUpdate { .. } => "PACKAGE_UPDATE",
            SandboxEvent::ProductStatusChange { .. } => "PRODUCT_STATUS_CHANGE",
            SandboxEvent::SellerDeauthorization { .. } => "SELLER_DEAUTHORIZATION",
            SandboxEvent::UpcomingAuthorizationExpiration { .. } => {
                "UPCOMING_AUTHORIZATION_EXPIRATION"
            }
            SandboxEvent::CancellationStatusChange { .. } => "CANCELLATION_STATUS_CHANGE",
            SandboxEvent::ReturnStatusChange { .. } => "RETURN_STATUS_CHANGE",
            SandboxEvent::ProductInformationChange { .. } => "PRODUCT_INFORMATION_CHANGE",
            SandboxEvent::ProductCreation { .. } => "PRODUCT_CREATION",
            SandboxEvent::ProductAuditStatusChange { .. } => "PRODUCT_AUDIT_STATUS_CHANGE",
            SandboxEvent::PromotionActivityStatus { .. } => "PROMOTION_ACTIVITY_STATUS_CHANGE",
            SandboxEvent::PromotionActivityChange { .. } => "PROMOTION_ACTIVITY_CHANGE",
            SandboxEvent::SampleApplicationStatus { .. } => "SAMPLE_APPLICATION_STATUS_CHANGE",
        }
    }

    pub fn shop_id(&self) -> Id {
        match self {
            SandboxEvent::OrderStatusChange { shop_id, .. }
            | SandboxEvent::RecipientAddressUpdate { shop_id, .. }
            | SandboxEvent::PackageUpdate { shop_id, .. }
            | SandboxEvent::ProductStatusChange { shop_id, .. }
            | SandboxEvent::SellerDeauthorization { shop_id, .. }
            | SandboxEvent::UpcomingAuthorizationExpiration { shop_id, .. }
            | SandboxEvent::CancellationStatusChange { shop_id, .. }
            | SandboxEvent::ReturnStatusChange { shop_id, .. }
            | SandboxEvent::ProductInformationChange { shop_id, .. }
            | SandboxEvent::ProductCreation { shop_id, .. }
            | SandboxEvent::ProductAuditStatusChange { shop_id, .. }
            | SandboxEvent::PromotionActivityStatus { shop_id, .. }
            | SandboxEvent::PromotionActivityChange { shop_id, .. }
            | SandboxEvent::SampleApplicationStatus { shop_id, .. } => *shop_id,
        }
    }

    /// Only this app is told (deauthorization and expiry notices concern one app); `None` = every app
    /// subscribed for the shop.
    pub fn only_app(&self) -> Option<&str> {
        match self {
            SandboxEvent::SellerDeauthorization { app_key, .. }
            | SandboxEvent::UpcomingAuthorizationExpiration { app_key, .. } => Some(app_key),
            SandboxEvent::OrderStatusChange { .. }
            | SandboxEvent::RecipientAddressUpdate { .. }
            | SandboxEvent::PackageUpdate { .. }
            | SandboxEvent::ProductStatusChange { .. }
            | SandboxEvent::CancellationStatusChange { .. }
            | SandboxEvent::ReturnStatusChange { .. }
            | SandboxEvent::ProductInformationChange { .. }
            | SandboxEvent::ProductCreation { .. }
            | SandboxEvent::ProductAuditStatusChange { .. }
            | SandboxEvent::PromotionActivityStatus { .. }
            | SandboxEvent::PromotionActivityChange { .. }
            | SandboxEvent::SampleApplicationStatus { .. } => None,
        }
    }

    /// The push's `data` object, in the real shapes (tiktok-api.md "Webhooks"); ids as strings.
    pub fn data(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            SandboxEvent::OrderStatusChange {
                order_id,
                order_status,
                is_on_hold_order,
                update_time,
                ..
            } => json!({
                "order_id": order_id.to_string(),
                "order_status": order_status.as_str(),
                "is_on_hold_order": is_on_hold_order,
                "update_time": update_time,
            }),
            SandboxEvent::RecipientAddressUpdate {
                order_id,
                update_time,
                ..
            } => json!({"order_id": order_id.to_string(), "update_time": update_time}),
            SandboxEvent::PackageUpdate {
                package_id,
                order_ids,
                update_time,
                ..
            } => json!({
                "sc_type": "COMBINE",
                "role_type": "SELLER",
                "package_list": [{
                    "package_id": package_id.to_string(),
                    "order_id_list": order_ids.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
                }],
                "update_time": update_time,
            }),
            SandboxEvent::ProductStatusChange {
                product_id,
                status,
                suspended_reason,
                update_time,
                ..
            } => json!({
                "product_id": product_id.to_string(),
                "status": status.as_str(),
                "suspended_reason": suspended_reason,
                "update_time": update_time,
            }),
            SandboxEvent::SellerDeauthorization { message, .. } => json!({"message": message}),
            SandboxEvent::UpcomingAuthorizationExpiration {
                message,
                expiration_time,
                ..
            } => json!({"message": message, "expiration_time": expiration_time}),
            SandboxEvent::CancellationStatusChange {
                order_id,
                cancellations_role,
                cancel_status,
                cancel_id,
                create_time,
                update_time,
                ..
            } => json!({
                "order_id": order_id.to_string(),
                "cancellations_role": cancellations_role,
                "cancel_status": cancel_status,
                "cancel_id": cancel_id.to_string(),
                "create_time": create_time,
                "update_time": update_time,
            }),
            SandboxEvent::ReturnStatusChange {
                order_id,
                return_role,
                return_type,
                return_status,
                return_id,
                create_time,
                update_time,
                ..
            } => json!({
                "order_id": order_id.to_string(),
                "return_role": return_role,
                "return_type": return_type,
                "return_status": return_status,
                "return_id": return_id.to_string(),
                "create_time": create_time,
                "update_time": update_time,
            }),
            SandboxEvent::ProductInformationChange {
                product_id,
                update_time,
                ..
            } => json!({"product_id": product_id.to_string(), "update_time": update_time}),
            SandboxEvent::ProductCreation {
                product_id,
                update_time,
                ..
            } => json!({"product_id": product_id.to_string(), "update_time": update_time}),
            SandboxEvent::ProductAuditStatusChange {
                product_id,
                status,
                update_time,
                ..
            } => json!({
                "product_id": product_id.to_string(),
                "status": status,
                "update_time": update_time,
            }),
            SandboxEvent::PromotionActivityStatus {
                activity_id,
                activity_type,
                product_level,
                status,
                update_time,
                ..
            } => json!({
                "activity_id": activity_id.to_string(),
                "activity_type": activity_type,
                "product_level": product_level,
                "status": status,
                "update_time": update_time,
            }),
            SandboxEvent::PromotionActivityChange {
                activity_id,
                change_type,
                updated,
                removed,
                update_time,
                ..
            } => {
                let mut v = json!({
                    "activity_id": activity_id.to_string(),
                    "change_type": change_type,
                    "update_time": update_time,
                });
                if !updated.is_empty() {
                    v["product_update_list"] = updated.to_json();
                }
                if !removed.is_empty() {
                    v["product_remove_list"] = removed.to_json();
                }
                v
            }
            SandboxEvent::SampleApplicationStatus {
                application_id,
                new_status,
                creator_open_id,
                product_id,
                sku_id,
                ..
            } => json!({
                "application_id": application_id.to_string(),
                "new_status": new_status,
                "creator": [{"creator_open_id": creator_open_id}],
                "product": [{"id": product_id.to_string(), "sku_id": sku_id.to_string()}],
            }),
        }
    }
}
