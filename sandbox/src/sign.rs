//! TikTok Shop request signing (API 202309 and later) and the webhook signature, exactly as
//! `shared/tiktok-api.md` states them. Implemented here on its own, never shared with the `api` crate.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Builds the string that is signed: path, then every query parameter except `sign` and
/// `access_token` sorted by key (byte order) as `key + value`, then the body (unless multipart).
/// A key given several times has its values joined with `,` (an array value).
pub fn string_to_sign(
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    multipart: bool,
) -> Vec<u8> {
    let mut params: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for (k, v) in query {
        if k == "sign" || k == "access_token" {
            continue;
        }
        params.entry(k.as_str()).or_default().push(v.as_str());
    }
    let mut s = Vec::with_capacity(path.len() + body.len() + 64);
    s.extend_from_slice(path.as_bytes());
    for (k, vs) in params {
        s.extend_from_slice(k.as_bytes());
        s.extend_from_slice(vs.join(",").as_bytes());
    }
    if !multipart {
        s.extend_from_slice(body);
    }
    s
}

/// The string a client signs when it treats a repeated key as separate pairs (`ids=1&ids=2` signed
/// as `ids1ids2`, pairs sorted by key, a repeated key's values in the order received). The fact
/// sheet joins array values with `,` ([`string_to_sign`]); it says nothing of repeated keys, so the
/// sandbox accepts this form too when a key repeats (see the README).
pub fn string_to_sign_pairwise(
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    multipart: bool,
) -> Vec<u8> {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "sign" && k != "access_token")
        .collect();
    // A stable sort keeps a repeated key's values in the order received.
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = Vec::with_capacity(path.len() + body.len() + 64);
    s.extend_from_slice(path.as_bytes());
    for (k, v) in pairs {
        s.extend_from_slice(k.as_bytes());
        s.extend_from_slice(v.as_bytes());
    }
    if !multipart {
        s.extend_from_slice(body);
    }
    s
}

/// Whether `given` signs the request, in the fact sheet's form or, when a query key repeats, in
/// the pairwise form.
pub fn verify(
    app_secret: &str,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    multipart: bool,
    given: &str,
) -> bool {
    let given = given.to_ascii_lowercase();
    if constant_time_eq(&given, &sign(app_secret, path, query, body, multipart)) {
        return true;
    }
    let mut keys: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    let repeats = keys.windows(2).any(|w| w[0] == w[1]);
    repeats && {
        let inner = string_to_sign_pairwise(path, query, body, multipart);
        constant_time_eq(&given, &wrap_and_mac(app_secret, &inner))
    }
}

fn wrap_and_mac(app_secret: &str, inner: &[u8]) -> String {
    let mut wrapped = Vec::with_capacity(inner.len() + 2 * app_secret.len());
    wrapped.extend_from_slice(app_secret.as_bytes());
    wrapped.extend_from_slice(inner);
    wrapped.extend_from_slice(app_secret.as_bytes());
    hmac_hex(app_secret.as_bytes(), &wrapped)
}

/// The `sign` query parameter: `hex(HMAC-SHA256(secret, secret + string_to_sign + secret))`.
pub fn sign(
    app_secret: &str,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    multipart: bool,
) -> String {
    wrap_and_mac(app_secret, &string_to_sign(path, query, body, multipart))
}

/// Compares two hex signatures without an early exit.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The webhook `Authorization` header: `hex(HMAC-SHA256(app_secret, app_key + raw body))`.
pub fn webhook_signature(app_key: &str, app_secret: &str, body: &[u8]) -> String {
    let mut msg = Vec::with_capacity(app_key.len() + body.len());
    msg.extend_from_slice(app_key.as_bytes());
    msg.extend_from_slice(body);
    hmac_hex(app_secret.as_bytes(), &msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn vector_authorized_shops() {
        let s = sign(
            "e59af819cc",
            "/authorization/202309/shops",
            &q(&[("app_key", "29a39d"), ("timestamp", "1623812664")]),
            b"",
            false,
        );
        assert_eq!(
            s,
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
        );
    }

    #[test]
    fn vector_webhooks_get() {
        let s = sign(
            "e59af819cc",
            "/event/202309/webhooks",
            &q(&[
                ("app_key", "68xu9ks5p4i8"),
                ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
                ("timestamp", "1696909648"),
            ]),
            b"",
            false,
        );
        assert_eq!(
            s,
            "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37"
        );
    }

    #[test]
    fn vector_webhooks_put_with_body() {
        let s = sign(
            "e59af819cc",
            "/event/202309/webhooks",
            &q(&[
                ("timestamp", "1696909648"),
                ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
                ("app_key", "68xu9ks5p4i8"),
            ]),
            br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#,
            false,
        );
        assert_eq!(
            s,
            "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
        );
    }

    #[test]
    fn vector_test_api() {
        let s = sign("app_secret", "/test-api", &q(&[("foo", "bar")]), b"", false);
        assert_eq!(
            s,
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
        );
    }

    #[test]
    fn vector_inventory_update_excludes_sign_and_access_token() {
        let s = sign(
            "test_app_secret",
            "/product/202309/products/1729592969712207008/inventory/update",
            &q(&[
                ("app_key", "test_app_key"),
                ("shop_cipher", "ROW_test_cipher"),
                ("timestamp", "1700000000"),
                ("access_token", "IGNORED"),
                ("sign", "IGNORED"),
            ]),
            br#"{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":10}]}]}"#,
            false,
        );
        assert_eq!(
            s,
            "8bdbb13b4365200f55bddb28f89145d7a39c88e96686055d9a3b6f9e6c26ae70"
        );
    }

    #[test]
    fn vector_order_detail_with_array_value() {
        let expected = "60912beed547e591e12012ec096ebf59bf89d5fa3d25c614d96cf7a97c2ede3c";
        let joined = sign(
            "test_app_secret",
            "/order/202309/orders",
            &q(&[
                ("app_key", "test_app_key"),
                ("ids", "576461413038785752,576461413038785753"),
                ("shop_cipher", "ROW_test_cipher"),
                ("timestamp", "1700000000"),
            ]),
            b"",
            false,
        );
        assert_eq!(joined, expected);
        // The same array sent as a repeated key signs the same.
        let repeated = sign(
            "test_app_secret",
            "/order/202309/orders",
            &q(&[
                ("app_key", "test_app_key"),
                ("ids", "576461413038785752"),
                ("ids", "576461413038785753"),
                ("shop_cipher", "ROW_test_cipher"),
                ("timestamp", "1700000000"),
            ]),
            b"",
            false,
        );
        assert_eq!(repeated, expected);
    }

    #[test]
    fn vector_order_search() {
        let s = sign(
            "test_app_secret",
            "/order/202309/orders/search",
            &q(&[
                ("app_key", "test_app_key"),
                ("page_size", "50"),
                ("shop_cipher", "ROW_test_cipher"),
                ("sort_field", "create_time"),
                ("sort_order", "ASC"),
                ("timestamp", "1700000000"),
            ]),
            br#"{"order_status":"AWAITING_SHIPMENT","create_time_ge":1699900000,"create_time_lt":1700000000}"#,
            false,
        );
        assert_eq!(
            s,
            "58215d91551bd4d20523eb7460846dc68fc9804d744cb4b2220d05dd7eea223b"
        );
    }

    #[test]
    fn multipart_body_is_not_signed() {
        let a = sign("s", "/p", &q(&[("a", "1")]), b"--boundary...", true);
        let b = sign("s", "/p", &q(&[("a", "1")]), b"", false);
        assert_eq!(a, b);
    }

    #[test]
    fn webhook_vector() {
        let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
        assert_eq!(
            webhook_signature("fake_app_key", "fake_app_secret", body),
            "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27"
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
