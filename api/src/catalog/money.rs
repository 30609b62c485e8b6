//! Prices the ERP sends, checked against the shop before TikTok is called: the currency is the
//! shop region's, written with that currency's decimals, positive and within TikTok's range.

use crate::error::{Error, Result};
use crate::shops::Region;

use super::input::PriceIn;

/// The largest price we send, in the currency's major unit. TikTok's fact sheets give no upper
/// bound; this one keeps a mistyped price (a barcode pasted into the amount) from going out.
pub const MAX_AMOUNT: u64 = 99_999_999;

/// Minor-unit digits of a currency as TikTok takes its prices: none for IDR and VND, two elsewhere.
pub fn decimals(currency: &str) -> u32 {
    match currency {
        "IDR" | "VND" => 0,
        _ => 2,
    }
}

/// Checks one price against the shop's region; `field` names it in the error ("skus[0].price").
pub fn check_price(field: &str, price: &PriceIn, region: Region) -> Result<()> {
    let currency = region.info().currency;
    if price.currency != currency {
        return Err(Error::invalid_field(
            &format!("{field}.currency"),
            format!(
                "`{}` is not this shop's currency: a {} shop sells in {currency}",
                price.currency,
                region.as_str()
            ),
        ));
    }
    let places = decimals(currency);
    let form = if places == 0 {
        format!("a whole number of {currency}, e.g. \"150000\"")
    } else {
        format!("a decimal string with at most {places} decimals, e.g. \"19.99\"")
    };
    let bad = || {
        Error::invalid_field(
            &format!("{field}.amount"),
            format!(
                "`{}` is not a price in {currency}: give {form}, above 0 and at most {MAX_AMOUNT}",
                price.amount
            ),
        )
    };
    let (whole, fraction) = match price.amount.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (price.amount.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f) || f.len() > places as usize) {
        return Err(bad());
    }
    if places == 0 && fraction.is_some() {
        return Err(bad());
    }
    let whole_value: u64 =
        whole
            .trim_start_matches('0')
            .parse()
            .unwrap_or(if whole.bytes().all(|b| b == b'0') {
                0
            } else {
                u64::MAX
            });
    let fraction_zero = fraction.is_none_or(|f| f.bytes().all(|b| b == b'0'));
    if (whole_value == 0 && fraction_zero)
        || whole_value > MAX_AMOUNT
        || (whole_value == MAX_AMOUNT && !fraction_zero)
    {
        return Err(bad());
    }
    Ok(())
}

/// A decimal string in ten-thousandths (for comparing amounts exactly).
pub fn minor(amount: &str) -> Option<i64> {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 12
        || !digits(whole)
        || fraction.len() > 4
        || !digits(fraction)
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<4}").parse().ok()?;
    Some(whole * 10_000 + fraction)
}

/// Ten-thousandths as a decimal string with `currency`'s decimals (the sum of amounts [`minor`] read).
pub fn format_minor(minor: i64, currency: &str) -> String {
    let (whole, fraction) = (minor / 10_000, minor % 10_000);
    if decimals(currency) == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{:02}", fraction / 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(amount: &str, currency: &str) -> PriceIn {
        PriceIn {
            amount: amount.into(),
            currency: currency.into(),
        }
    }

    #[test]
    fn a_price_is_in_the_shops_currency_with_its_decimals() {
        assert!(check_price("price", &price("19.99", "USD"), Region::US).is_ok());
        assert!(check_price("price", &price("20", "GBP"), Region::UK).is_ok());
        assert!(check_price("price", &price("0.5", "SGD"), Region::SG).is_ok());
        assert!(check_price("price", &price("150000", "IDR"), Region::ID).is_ok());
        assert!(check_price("price", &price("99999999", "VND"), Region::VN).is_ok());

        let e = check_price("skus[0].price", &price("19.99", "GBP"), Region::US).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Invalid);
        assert!(
            e.message.contains("skus[0].price.currency"),
            "{}",
            e.message
        );
        assert!(e.message.contains("USD"), "{}", e.message);
        for (amount, currency, region) in [
            ("19.999", "USD", Region::US),
            ("150000.50", "IDR", Region::ID),
            ("150000.", "IDR", Region::ID),
            ("0", "USD", Region::US),
            ("0.00", "THB", Region::TH),
            ("-1", "MYR", Region::MY),
            ("1e3", "PHP", Region::PH),
            ("", "USD", Region::US),
            (".5", "USD", Region::US),
            ("100000000", "VND", Region::VN),
            ("99999999.01", "USD", Region::US),
            ("12,50", "USD", Region::US),
            ("184467440737095516160", "USD", Region::US),
        ] {
            let e = check_price("price", &price(amount, currency), region).unwrap_err();
            assert!(
                e.message.contains("price.amount"),
                "{amount} {currency}: {}",
                e.message
            );
        }
    }

    #[test]
    fn amounts_compare_exactly() {
        assert_eq!(format_minor(125_000, "USD"), "12.50");
        assert_eq!(format_minor(1_500_000_000, "IDR"), "150000");
        assert_eq!(minor("15"), Some(150_000));
        assert_eq!(minor("15.5"), Some(155_000));
        assert_eq!(minor("0.0001"), Some(1));
        assert!(minor("15.00") < minor("15.01"));
        assert_eq!(minor("-1"), None);
        assert_eq!(minor("1e3"), None);
        assert_eq!(minor(""), None);
    }
}
