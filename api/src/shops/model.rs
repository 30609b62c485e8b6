//! The values a shop is made of, parsed once at the edge so invalid ones cannot travel.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The markets TikTok Shop serves that we support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Region {
    US,
    UK,
    ID,
    SG,
    MY,
    TH,
    VN,
    PH,
}

/// Facts about a region the ERP shows next to a shop.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionInfo {
    /// ISO 4217 currency of the region's prices.
    #[schema(example = "USD")]
    pub currency: &'static str,
    /// Where the seller manages the shop on TikTok.
    #[schema(example = "https://seller-us.tiktok.com")]
    pub seller_center_url: &'static str,
    /// Whether cash on delivery exists in the region.
    pub cod_available: bool,
}

impl Region {
    pub const ALL: [Region; 8] = [
        Region::US,
        Region::UK,
        Region::ID,
        Region::SG,
        Region::MY,
        Region::TH,
        Region::VN,
        Region::PH,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::US => "US",
            Region::UK => "UK",
            Region::ID => "ID",
            Region::SG => "SG",
            Region::MY => "MY",
            Region::TH => "TH",
            Region::VN => "VN",
            Region::PH => "PH",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let upper = raw.trim().to_ascii_uppercase();
        // TikTok itself says GB for the United Kingdom in some payloads.
        let upper = if upper == "GB" {
            "UK".to_owned()
        } else {
            upper
        };
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == upper)
            .ok_or_else(|| {
                format!(
                    "`{raw}` is not a supported region; use one of US, UK, ID, SG, MY, TH, VN, PH"
                )
            })
    }

    pub fn info(self) -> RegionInfo {
        let (currency, seller_center_url, cod_available) = match self {
            Region::US => ("USD", "https://seller-us.tiktok.com", false),
            Region::UK => ("GBP", "https://seller-uk.tiktok.com", false),
            Region::ID => ("IDR", "https://seller-id.tiktok.com", true),
            Region::SG => ("SGD", "https://seller-sg.tiktok.com", false),
            Region::MY => ("MYR", "https://seller-my.tiktok.com", true),
            Region::TH => ("THB", "https://seller-th.tiktok.com", true),
            Region::VN => ("VND", "https://seller-vn.tiktok.com", true),
            Region::PH => ("PHP", "https://seller-ph.tiktok.com", true),
        };
        RegionInfo {
            currency,
            seller_center_url,
            cod_available,
        }
    }
}

/// The nine areas a shop can sync, each a toggle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Products,
    Orders,
    Inventory,
    Logistics,
    Promotions,
    Returns,
    LiveShopping,
    Affiliate,
    Analytics,
}

impl Feature {
    pub const ALL: [Feature; 9] = [
        Feature::Products,
        Feature::Orders,
        Feature::Inventory,
        Feature::Logistics,
        Feature::Promotions,
        Feature::Returns,
        Feature::LiveShopping,
        Feature::Affiliate,
        Feature::Analytics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Products => "products",
            Feature::Orders => "orders",
            Feature::Inventory => "inventory",
            Feature::Logistics => "logistics",
            Feature::Promotions => "promotions",
            Feature::Returns => "returns",
            Feature::LiveShopping => "live_shopping",
            Feature::Affiliate => "affiliate",
            Feature::Analytics => "analytics",
        }
    }

    fn on_by_default(self) -> bool {
        matches!(
            self,
            Feature::Products | Feature::Orders | Feature::Inventory
        )
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }
}

/// All nine toggles, always complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features(BTreeMap<Feature, bool>);

impl Default for Features {
    fn default() -> Self {
        Self(
            Feature::ALL
                .into_iter()
                .map(|f| (f, f.on_by_default()))
                .collect(),
        )
    }
}

impl Features {
    pub fn is_enabled(&self, feature: Feature) -> bool {
        self.0.get(&feature).copied().unwrap_or(false)
    }

    /// Applies the toggles given by name; any other name is an error naming it.
    pub fn apply(&mut self, changes: &BTreeMap<String, bool>) -> Result<(), String> {
        for (name, on) in changes {
            let feature = Feature::parse(name).ok_or_else(|| {
                format!(
                    "`{name}` is not a feature; use {}",
                    Feature::ALL.map(Feature::as_str).join(", ")
                )
            })?;
            self.0.insert(feature, *on);
        }
        Ok(())
    }

    pub fn to_map(&self) -> BTreeMap<String, bool> {
        self.0
            .iter()
            .map(|(f, on)| (f.as_str().to_owned(), *on))
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_map()).expect("a map of bools serializes")
    }

    /// Reads the stored form; unknown names (from a newer version) are ignored, missing ones default.
    pub fn from_json(stored: &str) -> Self {
        let mut features = Self::default();
        if let Ok(map) = serde_json::from_str::<BTreeMap<String, bool>>(stored) {
            for (name, on) in map {
                if let Some(f) = Feature::parse(&name) {
                    features.0.insert(f, on);
                }
            }
        }
        features
    }
}

/// How often a shop syncs by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncInterval {
    Minutes(u16),
    Manual,
}

impl Default for SyncInterval {
    fn default() -> Self {
        SyncInterval::Minutes(15)
    }
}

/// The wire form: a number of minutes (5, 15, 30, 60) or the string `manual`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = 15)]
pub enum SyncIntervalWire {
    Minutes(i64),
    Word(String),
}

impl SyncInterval {
    pub const ALLOWED_MINUTES: [u16; 4] = [5, 15, 30, 60];

    pub fn parse(wire: &SyncIntervalWire) -> Result<Self, String> {
        let problem = "use 5, 15, 30 or 60 (minutes) or \"manual\"";
        match wire {
            SyncIntervalWire::Minutes(m) => Self::ALLOWED_MINUTES
                .into_iter()
                .find(|a| i64::from(*a) == *m)
                .map(SyncInterval::Minutes)
                .ok_or_else(|| format!("{m} is not an allowed interval; {problem}")),
            SyncIntervalWire::Word(w) if w == "manual" => Ok(SyncInterval::Manual),
            SyncIntervalWire::Word(w) => {
                Err(format!("`{w}` is not an allowed interval; {problem}"))
            }
        }
    }

    pub fn to_wire(self) -> SyncIntervalWire {
        match self {
            SyncInterval::Minutes(m) => SyncIntervalWire::Minutes(i64::from(m)),
            SyncInterval::Manual => SyncIntervalWire::Word("manual".into()),
        }
    }

    pub fn to_column(self) -> Option<i32> {
        match self {
            SyncInterval::Minutes(m) => Some(i32::from(m)),
            SyncInterval::Manual => None,
        }
    }

    pub fn from_column(value: Option<i32>) -> Self {
        match value {
            Some(m) => SyncInterval::Minutes(u16::try_from(m).unwrap_or(15)),
            None => SyncInterval::Manual,
        }
    }
}

/// Where a shop is in its lifecycle (design.md, "Shop lifecycle").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShopStatus {
    Configured,
    Authorizing,
    Connected,
    ReauthorizationRequired,
    Disconnected,
}

impl ShopStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShopStatus::Configured => "configured",
            ShopStatus::Authorizing => "authorizing",
            ShopStatus::Connected => "connected",
            ShopStatus::ReauthorizationRequired => "reauthorization_required",
            ShopStatus::Disconnected => "disconnected",
        }
    }

    pub fn from_column(value: &str) -> Self {
        match value {
            "authorizing" => ShopStatus::Authorizing,
            "connected" => ShopStatus::Connected,
            "reauthorization_required" => ShopStatus::ReauthorizationRequired,
            "disconnected" => ShopStatus::Disconnected,
            _ => ShopStatus::Configured,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_case_insensitively_and_gb_is_uk() {
        assert_eq!(Region::parse("us").unwrap(), Region::US);
        assert_eq!(Region::parse("GB").unwrap(), Region::UK);
        assert!(Region::parse("XX").unwrap_err().contains("US, UK"));
        assert!(!Region::US.info().cod_available);
        assert!(Region::ID.info().cod_available);
    }

    #[test]
    fn three_features_are_on_by_default() {
        let f = Features::default();
        let on: Vec<_> = Feature::ALL
            .into_iter()
            .filter(|x| f.is_enabled(*x))
            .collect();
        assert_eq!(on, [Feature::Products, Feature::Orders, Feature::Inventory]);
        assert_eq!(Features::from_json(&f.to_json()), f);
    }

    #[test]
    fn unknown_features_are_named() {
        let mut f = Features::default();
        let err = f
            .apply(&BTreeMap::from([("teleport".to_owned(), true)]))
            .unwrap_err();
        assert!(err.contains("teleport"));
    }

    #[test]
    fn sync_intervals() {
        assert_eq!(
            SyncInterval::parse(&SyncIntervalWire::Minutes(30)).unwrap(),
            SyncInterval::Minutes(30)
        );
        assert_eq!(
            SyncInterval::parse(&SyncIntervalWire::Word("manual".into())).unwrap(),
            SyncInterval::Manual
        );
        assert!(SyncInterval::parse(&SyncIntervalWire::Minutes(7)).is_err());
        assert!(SyncInterval::parse(&SyncIntervalWire::Word("hourly".into())).is_err());
        assert_eq!(
            SyncInterval::from_column(SyncInterval::Manual.to_column()),
            SyncInterval::Manual
        );
    }
}
