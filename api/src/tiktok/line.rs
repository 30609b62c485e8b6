//! [`ShopLine`]: what an area's operations call TikTok through. The connector knows how to make
//! one call (its transport signs, limits, retries and decodes); which shop, with which token, and
//! what to do when TikTok refuses the token are the caller's (the shop session, which keeps tokens
//! in our database). Each area module offers one function per TikTok operation over a `ShopLine`.

use std::future::Future;

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::ApiResponse;

/// One shop's authorized line to TikTok.
pub trait ShopLine: Send {
    /// Why a call failed: TikTok's classified failure, or the line's own (e.g. the shop must be
    /// authorized again).
    type Error: Send;

    fn call<T: DeserializeOwned + Send>(
        &mut self,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<serde_json::Value>,
    ) -> impl Future<Output = Result<ApiResponse<T>, Self::Error>> + Send;
}
