//! API categories: TikTok's rate limits and our metrics are per category, named by the path's first segment.

/// The API area a path belongs to (`/order/202309/orders/search` → [`ApiCategory::Order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiCategory {
    Authorization,
    Seller,
    Product,
    Order,
    Fulfillment,
    Logistics,
    ReturnRefund,
    Promotion,
    Event,
    Analytics,
    AffiliateSeller,
    Other,
}

impl ApiCategory {
    pub const ALL: [ApiCategory; 12] = [
        ApiCategory::Authorization,
        ApiCategory::Seller,
        ApiCategory::Product,
        ApiCategory::Order,
        ApiCategory::Fulfillment,
        ApiCategory::Logistics,
        ApiCategory::ReturnRefund,
        ApiCategory::Promotion,
        ApiCategory::Event,
        ApiCategory::Analytics,
        ApiCategory::AffiliateSeller,
        ApiCategory::Other,
    ];

    pub fn from_path(path: &str) -> ApiCategory {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        ApiCategory::ALL
            .into_iter()
            .find(|c| *c != ApiCategory::Other && c.as_str() == first)
            .unwrap_or(ApiCategory::Other)
    }

    /// The path segment (and metrics label).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiCategory::Authorization => "authorization",
            ApiCategory::Seller => "seller",
            ApiCategory::Product => "product",
            ApiCategory::Order => "order",
            ApiCategory::Fulfillment => "fulfillment",
            ApiCategory::Logistics => "logistics",
            ApiCategory::ReturnRefund => "return_refund",
            ApiCategory::Promotion => "promotion",
            ApiCategory::Event => "event",
            ApiCategory::Analytics => "analytics",
            ApiCategory::AffiliateSeller => "affiliate_seller",
            ApiCategory::Other => "other",
        }
    }

    /// `shop_cipher` must not be sent to `/authorization/*` and `/seller/*` (TikTok refuses it).
    pub fn takes_shop_cipher(self) -> bool {
        match self {
            ApiCategory::Authorization | ApiCategory::Seller => false,
            ApiCategory::Product
            | ApiCategory::Order
            | ApiCategory::Fulfillment
            | ApiCategory::Logistics
            | ApiCategory::ReturnRefund
            | ApiCategory::Promotion
            | ApiCategory::Event
            | ApiCategory::Analytics
            | ApiCategory::AffiliateSeller
            | ApiCategory::Other => true,
        }
    }
}

impl std::fmt::Display for ApiCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ApiCategory;

    #[test]
    fn category_from_first_segment() {
        let cases = [
            ("/authorization/202309/shops", ApiCategory::Authorization),
            ("/seller/202309/shops", ApiCategory::Seller),
            ("/product/202502/products/search", ApiCategory::Product),
            ("/order/202507/orders", ApiCategory::Order),
            (
                "/fulfillment/202309/packages/1/ship",
                ApiCategory::Fulfillment,
            ),
            ("/logistics/202309/warehouses", ApiCategory::Logistics),
            (
                "/return_refund/202602/returns/search",
                ApiCategory::ReturnRefund,
            ),
            ("/promotion/202309/activities", ApiCategory::Promotion),
            ("/event/202309/webhooks", ApiCategory::Event),
            ("/analytics/202609/shop/performance", ApiCategory::Analytics),
            (
                "/affiliate_seller/202412/open_collaborations",
                ApiCategory::AffiliateSeller,
            ),
            ("/test-api", ApiCategory::Other),
            ("/other/1", ApiCategory::Other),
            ("", ApiCategory::Other),
        ];
        for (path, want) in cases {
            assert_eq!(ApiCategory::from_path(path), want, "{path}");
        }
        assert!(!ApiCategory::Authorization.takes_shop_cipher());
        assert!(!ApiCategory::Seller.takes_shop_cipher());
        assert!(ApiCategory::Order.takes_shop_cipher());
    }
}
