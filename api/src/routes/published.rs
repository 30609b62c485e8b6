//! The API as published, handed to the routes as app data: the OpenAPI document (rendered once)
//! and each documented path's methods (for the 405 of a request no route takes). The app builds it
//! from the registered routes (`app.rs`), so the routes never build the document themselves.

/// Each documented path as its segments (`{…}` matches any one segment) with its methods.
pub type RouteMethods = Vec<(Vec<String>, Vec<&'static str>)>;

pub struct Published {
    pub openapi_json: String,
    pub route_methods: RouteMethods,
}
