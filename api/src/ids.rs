//! Ids parsed once, where they enter: [`TikTokId`] for TikTok's ids (a shop, an order, a package, a
//! product, a SKU, a carrier: decimal digits carried as text) and [`ShopId`] for ours (a UUID). A
//! value of either type is known to be well formed, so nothing downstream checks it again, and an id
//! that cannot exist never reaches TikTok or the database.

use std::fmt;

use crate::error::{Error, Result};

/// The longest TikTok id we accept (TikTok's are 19 digits today).
const MAX_TIKTOK_ID_LEN: usize = 32;

/// One of TikTok's ids: 1 to 32 ASCII digits, kept exactly as TikTok writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TikTokId(String);

impl TikTokId {
    /// `raw` as a TikTok id, if it is one (no trimming: ` 12` is not an id).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_TIKTOK_ID_LEN
            && raw.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }

    /// `raw` as the TikTok id a request's `field` must hold; otherwise a 400 that names the field.
    pub fn field(field: &str, raw: &str) -> Result<Self> {
        Self::parse(raw).ok_or_else(|| {
            Error::invalid_field(
                field,
                format!("{raw:?} is not a TikTok id (1 to {MAX_TIKTOK_ID_LEN} digits)"),
            )
        })
    }

    /// Whether `raw` is a TikTok id: one that is not cannot exist at TikTok (a 404, not a call).
    pub fn is_valid(raw: &str) -> bool {
        Self::parse(raw).is_some()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TikTokId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TikTokId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Our id of a shop: a UUID, kept in its hyphenated text form (as stored).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShopId(String);

impl ShopId {
    /// `raw` as our shop id, if it is one, written as we write them (hyphenated, lower case).
    pub fn parse(raw: &str) -> Option<Self> {
        let id = uuid::Uuid::parse_str(raw).ok()?.hyphenated().to_string();
        (id == raw).then_some(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiktok_id_is_one_to_thirty_two_digits() {
        for good in ["7", "576461413038785752", &"1".repeat(32)] {
            assert_eq!(TikTokId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "12a", " 12", "12 ", "-1", "1.0", &"1".repeat(33), "١٢"] {
            assert!(TikTokId::parse(bad).is_none(), "{bad:?}");
        }
        let e = TikTokId::field("order_id", "12a").unwrap_err();
        assert_eq!(e.code, "invalid_field");
        assert!(e.message.starts_with("order_id:"), "{}", e.message);
    }

    #[test]
    fn a_shop_id_is_a_uuid_in_its_stored_form() {
        let id = "0b7c6f0e-7d1f-4c8e-9a51-2f4f8d0c1a22";
        assert_eq!(ShopId::parse(id).unwrap().as_str(), id);
        let other_forms = [id.to_uppercase(), id.replace('-', ""), format!("{{{id}}}")];
        for bad in [
            "",
            "shop-1",
            "0b7c6f0e7d1f4c8e9a512f4f8d0c1a2",
            "' OR 1=1 --",
        ]
        .into_iter()
        .chain(other_forms.iter().map(String::as_str))
        {
            assert!(ShopId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
