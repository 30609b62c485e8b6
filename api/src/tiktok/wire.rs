//! Wire helpers shared by the area modules: TikTok sends an id as a decimal string, but in some
//! places as a JSON number (`tiktok-api-areas.md`, "ids").

use serde::{Deserialize, Deserializer};

/// An id sent as a string or a number, kept as its decimal text.
pub fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

/// An optional id or short text sent as a string or a number; an empty string or `null` is none.
pub fn de_opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(serde_json::Value::deserialize(d)
        .ok()
        .as_ref()
        .and_then(id_text))
}

/// An id (or short text) in an answer or an event that arrives as a string, and sometimes as a
/// number, as its text; an empty string, `null` or anything else is none.
pub fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An optional whole number sent as a number or as its text (TikTok does both for counts and
/// times); anything else is none.
pub fn de_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(serde_json::Value::deserialize(d)
        .ok()
        .as_ref()
        .and_then(id_text)
        .and_then(|t| t.parse().ok()))
}
