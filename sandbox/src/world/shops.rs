//! Sellers, their shops, the shops' warehouses (with their addresses and delivery options) and the
//! shipping providers.

use super::{Id, Region};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seller {
    pub id: Id,
    pub name: String,
    pub base_region: Region,
    /// The seller's id as token answers show it.
    pub open_id: String,
    /// 0 = seller, 1 = creator (token answers' `user_type`).
    pub user_type: u8,
    pub shop_ids: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SellerType {
    Local,
    CrossBorder,
}

impl SellerType {
    pub fn as_str(self) -> &'static str {
        match self {
            SellerType::Local => "LOCAL",
            SellerType::CrossBorder => "CROSS_BORDER",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shop {
    pub id: Id,
    pub seller_id: Id,
    pub name: String,
    pub region: Region,
    pub seller_type: SellerType,
    /// The opaque value that API calls carry as `shop_cipher`.
    pub cipher: String,
    /// The short shop code sellers see (e.g. "USLCXXXXXX").
    pub code: String,
    /// Its warehouses, the default sales warehouse first.
    pub warehouse_ids: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarehouseType {
    Sales,
    Return,
}

impl WarehouseType {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseType::Sales => "SALES_WAREHOUSE",
            WarehouseType::Return => "RETURN_WAREHOUSE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: Id,
    pub shop_id: Id,
    pub name: String,
    pub kind: WarehouseType,
    pub is_default: bool,
    /// "ENABLED" / "DISABLED" / "RESTRICTED".
    pub effect_status: String,
    pub address: PostalAddress,
    pub delivery_option_ids: Vec<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PostalAddress {
    pub contact_person: String,
    pub phone_number: String,
    pub region_code: String,
    pub state: String,
    pub city: String,
    pub district: String,
    pub address_line1: String,
    pub postal_code: String,
}

impl PostalAddress {
    pub fn full_address(&self) -> String {
        format!(
            "{}, {}, {}, {} {}",
            self.address_line1, self.district, self.city, self.state, self.postal_code
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryOption {
    pub id: Id,
    pub warehouse_id: Id,
    pub name: String,
    /// "STANDARD" / "EXPRESS" / "ECONOMY" / "SEND_BY_SELLER".
    pub delivery_type: String,
    pub min_days: u32,
    pub max_days: u32,
    pub shipping_provider_ids: Vec<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippingProvider {
    pub id: Id,
    pub name: String,
    pub region: Region,
}
