//! Inventory: TikTok's books per SKU and warehouse (`inventory/search`) and the stock update
//! (`products/{id}/inventory/update`), as the shared `tiktok-api-areas.md` §1 describes them.
//!
//! TikTok keeps two figures per SKU and warehouse: `available_quantity` (what buyers can still
//! order; what an update sets) and `committed_quantity` (units held by placed orders not yet
//! shipped). An update names **every** warehouse assigned to the SKU and no others.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResponse, ShopLine};

use super::wire::de_id;

pub const SEARCH_PATH: &str = "/product/202309/inventory/search";
/// Product ids a search takes at once.
pub const MAX_SEARCH_PRODUCTS: usize = 100;
/// SKU ids a search takes at once.
pub const MAX_SEARCH_SKUS: usize = 600;

pub fn update_path(product_id: &str) -> String {
    format!("/product/202309/products/{product_id}/inventory/update")
}

/// What a search asks for: with SKU ids, TikTok ignores product ids.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub product_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sku_ids: Vec<String>,
}

/// One warehouse's figures of a SKU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarehouseBooks {
    pub available: i64,
    pub committed: i64,
}

/// A SKU's figures in every warehouse it is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuBooks {
    pub product_id: String,
    pub sku_id: String,
    /// (warehouse id, available, committed), in TikTok's order.
    pub warehouses: Vec<(String, i64, i64)>,
}

impl SkuBooks {
    /// The figures in one warehouse; a warehouse TikTok did not list holds nothing.
    pub fn in_warehouse(&self, warehouse_id: &str) -> WarehouseBooks {
        self.warehouses
            .iter()
            .find(|(w, _, _)| w == warehouse_id)
            .map_or_else(WarehouseBooks::default, |(_, available, committed)| {
                WarehouseBooks {
                    available: *available,
                    committed: *committed,
                }
            })
    }

    pub fn assigned_to(&self, warehouse_id: &str) -> bool {
        self.warehouses.iter().any(|(w, _, _)| w == warehouse_id)
    }
}

/// The answer of a search, flattened to one entry per SKU.
pub fn books(data: wire::SearchData) -> Vec<SkuBooks> {
    data.inventory
        .into_iter()
        .flat_map(|p| {
            let product_id = p.product_id;
            p.skus.into_iter().map(move |s| SkuBooks {
                product_id: product_id.clone(),
                sku_id: s.id,
                warehouses: s
                    .warehouse_inventory
                    .into_iter()
                    .map(|w| {
                        (
                            w.warehouse_id,
                            w.available_quantity.max(0),
                            w.committed_quantity.max(0),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The body of an update: one SKU, each of its warehouses with the quantity buyers may order.
pub fn update_body(sku_id: &str, quantities: &[(String, i64)]) -> UpdateRequest {
    UpdateRequest {
        skus: vec![UpdateSku {
            id: sku_id.to_owned(),
            inventory: quantities
                .iter()
                .map(|(w, q)| UpdateWarehouse {
                    warehouse_id: w.clone(),
                    quantity: *q,
                })
                .collect(),
        }],
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateRequest {
    pub skus: Vec<UpdateSku>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateSku {
    pub id: String,
    pub inventory: Vec<UpdateWarehouse>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateWarehouse {
    pub warehouse_id: String,
    pub quantity: i64,
}

/// An update's partial refusal (`code` 0 on the envelope, errors inside `data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRefusal {
    pub code: String,
    pub message: String,
}

pub fn refusal(data: &wire::UpdateData) -> Option<UpdateRefusal> {
    data.errors.first().map(|e| UpdateRefusal {
        code: e.code.as_ref().map(ToString::to_string).unwrap_or_default(),
        message: e.message.clone().unwrap_or_else(|| "refused".into()),
    })
}

pub mod wire {
    use super::*;

    #[derive(Debug, Deserialize)]
    pub struct SearchData {
        #[serde(default)]
        pub inventory: Vec<ProductInventory>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ProductInventory {
        #[serde(deserialize_with = "de_id")]
        pub product_id: String,
        #[serde(default)]
        pub skus: Vec<SkuInventory>,
    }

    #[derive(Debug, Deserialize)]
    pub struct SkuInventory {
        #[serde(deserialize_with = "de_id")]
        pub id: String,
        #[serde(default)]
        pub warehouse_inventory: Vec<WarehouseInventory>,
    }

    #[derive(Debug, Deserialize)]
    pub struct WarehouseInventory {
        #[serde(deserialize_with = "de_id")]
        pub warehouse_id: String,
        #[serde(default)]
        pub available_quantity: i64,
        #[serde(default)]
        pub committed_quantity: i64,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct UpdateData {
        #[serde(default)]
        pub errors: Vec<UpdateError>,
    }

    #[derive(Debug, Deserialize)]
    pub struct UpdateError {
        /// A number or a string, as TikTok sends it.
        #[serde(default)]
        pub code: Option<serde_json::Value>,
        #[serde(default)]
        pub message: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_answer_becomes_books_per_sku_and_warehouse() {
        let data: wire::SearchData = serde_json::from_value(serde_json::json!({"inventory": [{
            "product_id": "1729592969712207008",
            "skus": [{"id": "1729592969712207013", "seller_sku": "TEE-M",
                "total_available_quantity": 7, "total_committed_quantity": 3,
                "warehouse_inventory": [
                    {"warehouse_id": "7068517275539719942", "available_quantity": 5, "committed_quantity": 2},
                    {"warehouse_id": 7068517275539719943_i64, "available_quantity": 2, "committed_quantity": 1}
                ]}]
        }]}))
        .unwrap();
        let books = books(data);
        assert_eq!(books.len(), 1);
        let b = &books[0];
        assert_eq!(b.sku_id, "1729592969712207013");
        assert_eq!(b.in_warehouse("7068517275539719942").committed, 2);
        assert_eq!(b.in_warehouse("7068517275539719943").available, 2);
        assert_eq!(b.in_warehouse("1").available, 0, "unlisted: nothing");
        assert!(!b.assigned_to("1"));
    }

    #[test]
    fn an_update_names_each_warehouse_and_a_refusal_is_read() {
        let body =
            serde_json::to_value(update_body("1", &[("10".into(), 4), ("11".into(), 0)])).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"skus": [{"id": "1", "inventory": [
                {"warehouse_id": "10", "quantity": 4}, {"warehouse_id": "11", "quantity": 0}]}]})
        );
        let data: wire::UpdateData = serde_json::from_value(
            serde_json::json!({"errors": [{"code": 12052700, "message": "frozen"}]}),
        )
        .unwrap();
        assert_eq!(
            refusal(&data),
            Some(UpdateRefusal {
                code: "12052700".into(),
                message: "frozen".into()
            })
        );
        assert_eq!(refusal(&wire::UpdateData::default()), None);
    }
}

// The operations, one per TikTok call, over a shop's line.

/// TikTok's books for the products or SKUs asked for.
pub async fn search<L: ShopLine>(
    line: &mut L,
    request: &SearchRequest,
) -> Result<ApiResponse<wire::SearchData>, L::Error> {
    // Plain ids: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(Method::POST, SEARCH_PATH, vec![], Some(body))
        .await
}

/// Sets what buyers can order of one SKU in each of its warehouses.
pub async fn update<L: ShopLine>(
    line: &mut L,
    product_id: &str,
    request: &UpdateRequest,
) -> Result<ApiResponse<wire::UpdateData>, L::Error> {
    // Plain ids and counts: serializing cannot fail.
    let body = serde_json::to_value(request).unwrap_or_default();
    line.call(Method::POST, &update_path(product_id), vec![], Some(body))
        .await
}
