//! The catalogue: categories with their attributes and rules, brands, products and their SKUs, and the
//! `World` methods that insert and change products (keeping the product indexes right).

use super::{Id, Stock, World};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: Id,
    /// 0 at the root.
    pub parent_id: Id,
    pub local_name: String,
    pub is_leaf: bool,
    /// e.g. ["AVAILABLE"], ["INVITE_ONLY"], ["NON_MAIN_CATEGORY"].
    pub permission_statuses: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub rules: CategoryRules,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeKind {
    SalesProperty,
    ProductProperty,
}

impl AttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::SalesProperty => "SALES_PROPERTY",
            AttributeKind::ProductProperty => "PRODUCT_PROPERTY",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub id: Id,
    pub name: String,
    pub kind: AttributeKind,
    pub is_required: bool,
    pub is_customizable: bool,
    pub is_multiple_selection: bool,
    pub values: Vec<(Id, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryRules {
    pub package_dimension_required: bool,
    pub size_chart_required: bool,
    pub cod_supported: bool,
    /// Certifications the category asks for: (id, name, required).
    pub certifications: Vec<(Id, String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    pub id: Id,
    pub name: String,
    /// "AUTHORIZED" / "UNAUTHORIZED".
    pub authorized_status: String,
    /// "AVAILABLE" / "UNAVAILABLE".
    pub brand_status: String,
    pub is_t1_brand: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProductStatus {
    Draft,
    Pending,
    Failed,
    Activate,
    SellerDeactivated,
    PlatformDeactivated,
    Freeze,
    Deleted,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 8] = [
        ProductStatus::Draft,
        ProductStatus::Pending,
        ProductStatus::Failed,
        ProductStatus::Activate,
        ProductStatus::SellerDeactivated,
        ProductStatus::PlatformDeactivated,
        ProductStatus::Freeze,
        ProductStatus::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "DRAFT",
            ProductStatus::Pending => "PENDING",
            ProductStatus::Failed => "FAILED",
            ProductStatus::Activate => "ACTIVATE",
            ProductStatus::SellerDeactivated => "SELLER_DEACTIVATED",
            ProductStatus::PlatformDeactivated => "PLATFORM_DEACTIVATED",
            ProductStatus::Freeze => "FREEZE",
            ProductStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<ProductStatus> {
        ProductStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesAttribute {
    pub id: Id,
    pub name: String,
    pub value_id: Id,
    pub value_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sku {
    pub id: Id,
    pub seller_sku: String,
    pub sales_attributes: Vec<SalesAttribute>,
    /// Sale price in minor units of the shop's currency.
    pub price: i64,
    /// Available and committed units per warehouse (see [`stock`](super::stock)).
    pub inventory: Vec<Stock>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    pub description: String,
    pub category_id: Id,
    pub brand_id: Option<Id>,
    pub status: ProductStatus,
    /// Image URIs as uploaded (`main_images[{uri}]`).
    pub main_images: Vec<String>,
    pub skus: Vec<Sku>,
    /// (value, unit), e.g. ("0.5", "KILOGRAM").
    pub package_weight: (String, String),
    /// (length, width, height, unit) as given.
    pub package_dimensions: Option<(String, String, String, String)>,
    /// The `product_attributes` array as sent (kept verbatim).
    pub product_attributes: serde_json::Value,
    pub video: Option<serde_json::Value>,
    pub is_cod_allowed: bool,
    pub create_time: i64,
    pub update_time: i64,
    /// When a PENDING product leaves audit (sandbox clock); `None` when not in audit.
    pub audit_due: Option<i64>,
    pub audit_failed_reasons: Vec<String>,
}

impl World {
    /// Adds a product (or replaces the one with its id), indexed and, unless DELETED, counted in its
    /// shop.
    pub fn insert_product(&mut self, product: Product) {
        if let Some(old) = self.products.get(&product.id) {
            let (shop, created, updated, id) =
                (old.shop_id, old.create_time, old.update_time, old.id);
            let live = old.status != ProductStatus::Deleted;
            let skus: Vec<Id> = old.skus.iter().map(|s| s.id).collect();
            let audit = old.audit_due;
            self.products_by_create.remove(&(shop, created, id));
            self.products_by_update.remove(&(shop, updated, id));
            for s in skus {
                self.sku_owner.remove(&s);
            }
            if let Some(due) = audit {
                self.audit_timers.remove(&(due, id));
            }
            if live {
                self.shop_counts_mut(shop).products -= 1;
            }
        }
        if product.status != ProductStatus::Deleted {
            self.shop_counts_mut(product.shop_id).products += 1;
        }
        self.products_by_create
            .insert((product.shop_id, product.create_time, product.id));
        self.products_by_update
            .insert((product.shop_id, product.update_time, product.id));
        for sku in &product.skus {
            self.sku_owner.insert(sku.id, product.id);
        }
        if let Some(due) = product.audit_due
            && product.status == ProductStatus::Pending
        {
            self.audit_timers.insert((due, product.id));
        }
        self.products.insert(product.id, product);
    }

    /// Changes a product, stamps `update_time = now` and keeps the indexes right.
    pub fn update_product<R>(
        &mut self,
        id: Id,
        now: i64,
        f: impl FnOnce(&mut Product) -> R,
    ) -> Option<R> {
        let product = self.products.get_mut(&id)?;
        let shop = product.shop_id;
        let old_update = product.update_time;
        let old_audit = product.audit_due;
        let old_skus: Vec<Id> = product.skus.iter().map(|s| s.id).collect();
        let was_live = product.status != ProductStatus::Deleted;
        let r = f(product);
        let is_live = product.status != ProductStatus::Deleted;
        product.update_time = now.max(product.create_time);
        let new_update = product.update_time;
        let new_audit = product.audit_due;
        let status = product.status;
        let new_skus: Vec<Id> = product.skus.iter().map(|s| s.id).collect();
        self.products_by_update.remove(&(shop, old_update, id));
        self.products_by_update.insert((shop, new_update, id));
        if was_live != is_live {
            let counts = self.shop_counts_mut(shop);
            if is_live {
                counts.products += 1;
            } else {
                counts.products -= 1;
            }
        }
        for s in old_skus {
            self.sku_owner.remove(&s);
        }
        for s in new_skus {
            self.sku_owner.insert(s, id);
        }
        if let Some(due) = old_audit {
            self.audit_timers.remove(&(due, id));
        }
        if let Some(due) = new_audit
            && status == ProductStatus::Pending
        {
            self.audit_timers.insert((due, id));
        }
        Some(r)
    }

    /// Finds a SKU by id: (product, index of the SKU in it).
    pub fn find_sku(&self, sku_id: Id) -> Option<(&Product, usize)> {
        let pid = self.sku_owner.get(&sku_id)?;
        let p = self.products.get(pid)?;
        let i = p.skus.iter().position(|s| s.id == sku_id)?;
        Some((p, i))
    }
}
