//! The operations of the OpenAPI document: which need a bearer token and which role, their paths filled with the victim's real ids, their documented request bodies; the public ones, each with why.

use super::*;

/// The operations that take no bearer token, and why each may.
pub(super) const PUBLIC: &[(&str, &str, &str)] = &[
    ("GET", "/api", "where things are"),
    ("GET", "/api/health", "liveness"),
    ("GET", "/api/ready", "readiness"),
    ("GET", "/metrics", "Prometheus metrics"),
    ("GET", "/api/docs", "Swagger UI"),
    ("GET", "/api/openapi.json", "this document"),
    (
        "POST",
        "/api/webhooks/tiktok",
        "TikTok's deliveries: the signature is the proof (the webhook cases below)",
    ),
    (
        "GET",
        "/api/integrations/tiktok/callback",
        "TikTok's OAuth redirect: the single-use state is the proof (the OAuth cases below)",
    ),
];

pub(super) const FEATURES: [&str; 9] = [
    "products",
    "orders",
    "inventory",
    "logistics",
    "promotions",
    "returns",
    "live_shopping",
    "affiliate",
    "analytics",
];

pub(super) const ERP_SKU: &str = "ERP-SEC-1";
pub(super) const OTHER_APP_KEY: &str = "globex_other_app";
pub(super) const OTHER_APP_SECRET: &str = "globex-other-app-secret-7788";
pub(super) const OTHER_TIKTOK_SHOP: &str = "7495000000000000001";

/// Real ids of the victim's shop, by path parameter name.
pub(super) struct Ids {
    pub(super) shop: String,
    pub(super) order: String,
    pub(super) product: String,
    pub(super) sku: String,
    pub(super) warehouse: String,
    pub(super) category: String,
    pub(super) ret: String,
    pub(super) cancel: String,
    pub(super) job: String,
    pub(super) event: String,
    pub(super) erp_sku: String,
    pub(super) rule: String,
    pub(super) activity: String,
    pub(super) coupon: String,
    pub(super) session: String,
    pub(super) video: String,
    pub(super) target: String,
    pub(super) sample: String,
}

impl Ids {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        Some(match name {
            "id" => &self.shop,
            "order_id" => &self.order,
            "product_id" => &self.product,
            "sku_id" => &self.sku,
            "category_id" => &self.category,
            "return_id" => &self.ret,
            "cancel_id" => &self.cancel,
            "job_id" => &self.job,
            "event_id" => &self.event,
            "erp_sku" => &self.erp_sku,
            "rule_id" => &self.rule,
            "warehouse_id" => &self.warehouse,
            "activity_id" => &self.activity,
            "coupon_id" => &self.coupon,
            "session_id" => &self.session,
            "video_id" => &self.video,
            "target_id" => &self.target,
            "sample_id" => &self.sample,
            _ => return None,
        })
    }

    /// The example body with the victim's real ids in place of the example's, so that a request that
    /// got through would really act.
    pub(super) fn fill(&self, value: &mut Value, parent: Option<&str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let real = match key.as_str() {
                        "warehouse_id" => Some(&self.warehouse),
                        "product_id" => Some(&self.product),
                        "order_id" => Some(&self.order),
                        "sku_id" | "tiktok_sku_id" => Some(&self.sku),
                        "category_id" => Some(&self.category),
                        "id" if parent == Some("skus") => Some(&self.sku),
                        _ => None,
                    };
                    match real {
                        Some(id) if v.is_string() => *v = json!(id),
                        _ => self.fill(v, Some(key)),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    if parent == Some("product_ids") && item.is_string() {
                        *item = json!(self.product);
                    } else {
                        self.fill(item, parent);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One operation of the document that needs a bearer token.
pub(super) struct Op {
    pub(super) method: reqwest::Method,
    pub(super) template: String,
    pub(super) path: String,
    pub(super) least: Role,
    pub(super) body: Option<Value>,
    pub(super) idempotency_key: bool,
}

impl Op {
    pub(super) fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
    pub(super) fn shop_scoped(&self) -> bool {
        self.template.starts_with(&format!("{SHOPS}/{{id}}"))
    }
}

pub(super) fn role_of(scope: &str) -> Option<Role> {
    match scope {
        "viewer" => Some(Role::Viewer),
        "operator" => Some(Role::Operator),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

/// The request body an operation documents: its example (of the content, else of the schema, else
/// of the referenced component), else `{}`; `None` when it takes no body.
pub(super) fn example_body(doc: &Value, op: &Value) -> Option<Value> {
    let body = op.get("requestBody")?;
    let content = body["content"].get("application/json");
    let example = content.and_then(|c| {
        c.get("example").cloned().or_else(|| {
            let schema = &c["schema"];
            let schema = match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => doc.pointer(r.trim_start_matches('#'))?,
                None => schema,
            };
            schema
                .get("example")
                .cloned()
                .or_else(|| schema["examples"].get(0).cloned())
        })
    });
    Some(example.unwrap_or_else(|| json!({})))
}

/// Reads every operation of the document: the bearer ones with their least role and filled path, and
/// the public ones (checked against `PUBLIC`).
pub(super) fn operations(doc: &Value, ids: &Ids) -> (Vec<Op>, Vec<String>) {
    let mut ops = Vec::new();
    let mut public = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            let Some(op) = item.get(method) else { continue };
            let name = format!("{} {template}", method.to_uppercase());
            let requirements = op
                .get("security")
                .or_else(|| doc.get("security"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let bearer: Vec<&Value> = requirements
                .iter()
                .filter_map(|r| r.get("bearer"))
                .collect();
            let anonymous = requirements
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
            if bearer.is_empty() {
                assert!(
                    PUBLIC
                        .iter()
                        .any(|(m, p, _)| m.eq_ignore_ascii_case(method) && p == template),
                    "{name} has no bearer requirement: give it `security((\"bearer\" = [\"<least role>\"]))`, \
                     or, if it really is public, add it to PUBLIC in tests/stress/security.rs with why"
                );
                public.push(name);
                continue;
            }
            assert!(
                !anonymous && bearer.len() == 1,
                "{name}: a bearer requirement next to an anonymous one (or two of them) makes the token optional: {requirements:?}"
            );
            let scopes = bearer[0].as_array().cloned().unwrap_or_default();
            let least = match scopes.as_slice() {
                [s] => s.as_str().and_then(role_of),
                _ => None,
            }
            .unwrap_or_else(|| {
                panic!(
                    "{name}: its bearer requirement must name, as its one scope, the least role it needs \
                     (viewer, operator or admin); it names {scopes:?}"
                )
            });
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut path = template.clone();
            while let Some(start) = path.find('{') {
                let end = start + path[start..].find('}').expect("a closed path parameter");
                let param = path[start + 1..end].to_owned();
                let value = ids.param(&param).unwrap_or_else(|| {
                    panic!(
                        "{name}: the path parameter `{param}` is new to the security matrix; add it to \
                         `Ids::param` in tests/stress/security.rs with a real id of the victim's shop"
                    )
                });
                path.replace_range(start..=end, value);
            }
            let idempotency_key = params
                .iter()
                .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key");
            let body = example_body(doc, op).map(|mut b| {
                ids.fill(&mut b, None);
                b
            });
            ops.push(Op {
                method: reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                template: template.clone(),
                path,
                least,
                body,
                idempotency_key,
            });
        }
    }
    (ops, public)
}
