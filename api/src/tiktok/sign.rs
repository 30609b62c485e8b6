//! Request signing for TikTok Shop Open API versions 202309 and later (tiktok-api.md, "Signing a request").

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Query parameters that are never signed.
const UNSIGNED: [&str; 2] = ["sign", "access_token"];

/// `lowercase_hex(HMAC-SHA256(app_secret, app_secret + path + sorted(key + value) + body + app_secret))`.
///
/// `query` is the query as sent, `sign` and `access_token` are skipped. A key given more than once is
/// an array value: its values are joined with `,` in the order given. `body` is the exact bytes sent
/// (never a re-serialization); `None` or empty appends nothing.
pub fn sign(
    app_secret: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&[u8]>,
) -> String {
    let mut params: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, _)| !UNSIGNED.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Stable: the values of a repeated key keep their order.
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

    let mut message: Vec<u8> =
        Vec::with_capacity(2 * app_secret.len() + path.len() + body.map_or(0, <[u8]>::len) + 64);
    message.extend_from_slice(app_secret.as_bytes());
    message.extend_from_slice(path.as_bytes());
    let mut previous: Option<&str> = None;
    for (key, value) in params {
        if previous == Some(key) {
            message.push(b',');
        } else {
            message.extend_from_slice(key.as_bytes());
        }
        message.extend_from_slice(value.as_bytes());
        previous = Some(key);
    }
    if let Some(body) = body {
        message.extend_from_slice(body);
    }
    message.extend_from_slice(app_secret.as_bytes());

    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(&message);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::sign;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn vector_authorized_shops() {
        let query = q(&[("app_key", "29a39d"), ("timestamp", "1623812664")]);
        assert_eq!(
            sign("e59af819cc", "/authorization/202309/shops", &query, None),
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
        );
    }

    fn webhook_query() -> Vec<(String, String)> {
        // Deliberately unsorted: the function sorts.
        q(&[
            ("timestamp", "1696909648"),
            ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
            ("app_key", "68xu9ks5p4i8"),
        ])
    }

    #[test]
    fn vector_get_webhooks() {
        assert_eq!(
            sign(
                "e59af819cc",
                "/event/202309/webhooks",
                &webhook_query(),
                None
            ),
            "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37"
        );
    }

    #[test]
    fn vector_put_webhooks_with_body() {
        let body = br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#;
        assert_eq!(
            sign(
                "e59af819cc",
                "/event/202309/webhooks",
                &webhook_query(),
                Some(body)
            ),
            "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
        );
    }

    #[test]
    fn vector_test_api() {
        assert_eq!(
            sign("app_secret", "/test-api", &q(&[("foo", "bar")]), None),
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
        );
    }

    #[test]
    fn vector_inventory_update_ignores_access_token_and_sign() {
        let query = q(&[
            ("access_token", "IGNORED"),
            ("app_key", "test_app_key"),
            ("shop_cipher", "ROW_test_cipher"),
            ("sign", "IGNORED"),
            ("timestamp", "1700000000"),
        ]);
        let body = br#"{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":10}]}]}"#;
        let expected = "8bdbb13b4365200f55bddb28f89145d7a39c88e96686055d9a3b6f9e6c26ae70";
        let path = "/product/202309/products/1729592969712207008/inventory/update";
        assert_eq!(sign("test_app_secret", path, &query, Some(body)), expected);
        // Without the two ignored parameters: the same.
        let trimmed: Vec<_> = query
            .iter()
            .filter(|(k, _)| k != "access_token" && k != "sign")
            .cloned()
            .collect();
        assert_eq!(
            sign("test_app_secret", path, &trimmed, Some(body)),
            expected
        );
    }

    #[test]
    fn vector_order_detail_with_array_ids() {
        let expected = "60912beed547e591e12012ec096ebf59bf89d5fa3d25c614d96cf7a97c2ede3c";
        // As sent: ids=576461413038785752,576461413038785753
        let joined = q(&[
            ("app_key", "test_app_key"),
            ("ids", "576461413038785752,576461413038785753"),
            ("shop_cipher", "ROW_test_cipher"),
            ("timestamp", "1700000000"),
        ]);
        assert_eq!(
            sign("test_app_secret", "/order/202309/orders", &joined, None),
            expected
        );
        // Given as a repeated key, the values are joined with ',' in order.
        let repeated = q(&[
            ("ids", "576461413038785752"),
            ("timestamp", "1700000000"),
            ("app_key", "test_app_key"),
            ("ids", "576461413038785753"),
            ("shop_cipher", "ROW_test_cipher"),
        ]);
        assert_eq!(
            sign("test_app_secret", "/order/202309/orders", &repeated, None),
            expected
        );
    }

    #[test]
    fn vector_order_search_with_query_and_body() {
        let query = q(&[
            ("app_key", "test_app_key"),
            ("page_size", "50"),
            ("shop_cipher", "ROW_test_cipher"),
            ("sort_field", "create_time"),
            ("sort_order", "ASC"),
            ("timestamp", "1700000000"),
        ]);
        let body = br#"{"order_status":"AWAITING_SHIPMENT","create_time_ge":1699900000,"create_time_lt":1700000000}"#;
        assert_eq!(
            sign(
                "test_app_secret",
                "/order/202309/orders/search",
                &query,
                Some(body)
            ),
            "58215d91551bd4d20523eb7460846dc68fc9804d744cb4b2220d05dd7eea223b"
        );
    }

    #[test]
    fn empty_body_appends_nothing() {
        let query = q(&[("foo", "bar")]);
        assert_eq!(
            sign("app_secret", "/test-api", &query, Some(b"")),
            sign("app_secret", "/test-api", &query, None)
        );
    }
}
