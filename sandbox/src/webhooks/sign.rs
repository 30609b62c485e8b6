//! The signature TikTok puts in a webhook's `Authorization` header:
//! `lowercase_hex(HMAC-SHA256(key = app_secret, message = app_key + raw body))`.

/// Signs a webhook body exactly as TikTok does. `body` is the bytes on the wire. The HMAC itself lives
/// with the API signature in [`crate::sign`]; this is the name the webhook code uses.
pub fn sign_webhook(app_key: &str, app_secret: &str, body: &[u8]) -> String {
    crate::sign::webhook_signature(app_key, app_secret, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vector from tiktok-api.md.
    #[test]
    fn webhook_signature_vector() {
        let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
        assert_eq!(
            sign_webhook("fake_app_key", "fake_app_secret", body),
            "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27"
        );
    }

    #[test]
    fn signature_covers_every_byte() {
        let a = sign_webhook("k", "s", br#"{"a":1}"#);
        let b = sign_webhook("k", "s", br#"{"a": 1}"#);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }
}
