//! Requests no route takes: a path the API has with another method is a 405 that lists the methods
//! it takes (`Allow`); any other path is a 404. The routes are read from the OpenAPI document, which
//! is built from the registered routes, so the two cannot disagree.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{Error, Kind};

use super::published::{Published, RouteMethods};

pub fn route_methods(doc: &utoipa::openapi::OpenApi) -> RouteMethods {
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
                ("HEAD", item.head.is_some()),
                ("OPTIONS", item.options.is_some()),
            ]
            .into_iter()
            .filter_map(|(m, has)| has.then_some(m))
            .collect();
            (
                path.trim_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect(),
                methods,
            )
        })
        .collect()
}

/// The methods the API takes on `path`, over the routes that match it most closely: as OpenAPI
/// matches paths, a concrete one (`…/aftersale-rules/simulate`) before a template that would also
/// take it (`…/aftersale-rules/{rule_id}`).
pub fn allowed(routes: &RouteMethods, path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let matching: Vec<&(Vec<String>, Vec<&'static str>)> = routes
        .iter()
        .filter(|(pattern, _)| {
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
        .collect();
    let literal = |pattern: &[String]| pattern.iter().filter(|p| !p.starts_with('{')).count();
    let closest = matching.iter().map(|(p, _)| literal(p)).max().unwrap_or(0);
    let mut methods: Vec<&'static str> = matching
        .into_iter()
        .filter(|(p, _)| literal(p) == closest)
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods
}

pub async fn unmatched(req: HttpRequest) -> HttpResponse {
    let methods = req
        .app_data::<web::Data<Published>>()
        .map(|p| allowed(&p.route_methods, req.path()))
        .unwrap_or_default();
    if methods.is_empty() {
        return Error::new(
            Kind::NotFound,
            "route_not_found",
            format!(
                "no route for {} {}; the API is described at /api/docs",
                req.method(),
                req.path()
            ),
        )
        .error_response();
    }
    let mut response = Error::new(
        Kind::MethodNotAllowed,
        "method_not_allowed",
        format!(
            "{} does not take {}; it takes {}",
            req.path(),
            req.method(),
            methods.join(", ")
        ),
    )
    .error_response();
    if let Ok(allow) = actix_web::http::header::HeaderValue::from_str(&methods.join(", ")) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, allow);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_path_lists_its_methods_and_an_unknown_one_none() {
        let routes = route_methods(&crate::openapi::build());
        assert_eq!(
            allowed(&routes, "/api/integrations/tiktok/shops"),
            ["GET", "POST"]
        );
        assert_eq!(
            allowed(
                &routes,
                "/api/integrations/tiktok/shops/0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21"
            ),
            ["DELETE", "GET", "PATCH"]
        );
        assert_eq!(allowed(&routes, "/api/webhooks/tiktok"), ["POST"]);
        // A concrete path before the template that would also take it.
        let rules =
            "/api/integrations/tiktok/shops/0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a21/aftersale-rules";
        assert_eq!(allowed(&routes, &format!("{rules}/simulate")), ["POST"]);
        assert_eq!(
            allowed(
                &routes,
                &format!("{rules}/0b9f6a5e-3c1d-4f8e-9a2b-7c6d5e4f3a22")
            ),
            ["DELETE", "GET", "PUT"]
        );
        assert!(allowed(&routes, "/api/nothing/here").is_empty());
    }
}
