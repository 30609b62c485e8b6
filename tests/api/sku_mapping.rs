//! SKU mapping: ERP codes map to TikTok SKUs by `seller_sku` unless set by hand; the report lists what
//! is unmapped on either side.

use std::collections::BTreeMap;

use api::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sandbox_env::*;
use crate::sync::{connected_with, drain, drive_by_hand, sync};

async fn mappings(env: &SandboxEnv) -> BTreeMap<String, Value> {
    let (status, body) = env
        .app
        .get(
            &env.shop_path("/sku-mappings?limit=200"),
            &env.app.token("acme", Role::Viewer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["tiktok_sku_id"].as_str().unwrap().to_owned(), m.clone()))
        .collect()
}

#[tokio::test]
async fn erp_codes_map_by_seller_sku_unless_mapped_by_hand() {
    let env = connected_with(|c| c.products = 4).await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    drain(&env).await;
    let operator = env.app.token("acme", Role::Operator);

    let before = mappings(&env).await;
    assert!(before.len() >= 3);
    for m in before.values() {
        assert_eq!(m["erp_sku"], m["seller_sku"], "{m}");
        assert_eq!(m["source"], "seller_sku");
    }
    let ids: Vec<String> = before.keys().cloned().collect();
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    let a_code = before[a]["seller_sku"].as_str().unwrap().to_owned();

    // The ERP calls B by A's seller SKU: B takes the code, A is left without one.
    let (status, body) = env
        .app
        .put(
            &env.shop_path(&format!("/sku-mappings/{a_code}")),
            &operator,
            json!({"tiktok_sku_id": b}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "manual");
    let now = mappings(&env).await;
    assert_eq!(now[b]["erp_sku"], a_code.as_str());
    assert_eq!(
        (&now[a]["erp_sku"], &now[a]["source"]),
        (&Value::Null, &json!("none"))
    );

    // One code per TikTok SKU.
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/sku-mappings/OTHER-CODE"),
            &operator,
            json!({"tiktok_sku_id": b}),
        )
        .await;
    assert_error(status, &body, 409, "sku_already_mapped");
    // Mapping the code again moves it.
    let (status, _) = env
        .app
        .put(
            &env.shop_path(&format!("/sku-mappings/{a_code}")),
            &operator,
            json!({"tiktok_sku_id": c}),
        )
        .await;
    assert_eq!(status, 200);
    let now = mappings(&env).await;
    assert_eq!(now[c]["erp_sku"], a_code.as_str());
    assert_eq!(
        now[b]["source"], "seller_sku",
        "B has its own seller SKU again"
    );

    // The report: codes the ERP has that map to nothing, and TikTok SKUs none of its codes reach.
    let mut erp: Vec<String> = vec![a_code.clone(), "NOT-ON-TIKTOK".into()];
    erp.push(now[b]["erp_sku"].as_str().unwrap().to_owned());
    let (status, report) = env
        .app
        .post(
            &env.shop_path("/sku-mappings/report"),
            &env.app.token("acme", Role::Viewer),
            json!({ "erp_skus": erp }),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["unmapped_erp_skus"], json!(["NOT-ON-TIKTOK"]));
    let unmapped: Vec<&str> = report["unmapped_tiktok_skus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["tiktok_sku_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| *id != b.as_str() && *id != c.as_str())
        .collect();
    assert_eq!(unmapped, expected);

    // Removing the hand mapping: the code maps by seller SKU again.
    let path = env.shop_path(&format!("/sku-mappings/{a_code}"));
    let (status, _) = env.app.delete(&path, &operator).await;
    assert_eq!(status, 204);
    assert_eq!(mappings(&env).await, before);
    let (status, body) = env.app.delete(&path, &operator).await;
    assert_error(status, &body, 404, "not_found");

    let (_, audit) = env.app.get(&env.shop_path("/audit"), &operator).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("sku_mapping."))
            .count(),
        3,
        "{actions:?}"
    );
}

#[tokio::test]
async fn bad_mappings_are_refused() {
    let env = connected_with(|c| c.products = 2).await;
    drive_by_hand(&env);
    sync(&env, json!({"resources": ["products"], "mode": "full"})).await;
    drain(&env).await;
    let operator = env.app.token("acme", Role::Operator);
    let sku = mappings(&env).await.keys().next().unwrap().clone();
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/sku-mappings/CODE-1"),
            &env.app.token("acme", Role::Viewer),
            json!({"tiktok_sku_id": sku}),
        )
        .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = env
        .app
        .put(
            &env.shop_path("/sku-mappings/CODE-1"),
            &operator,
            json!({"tiktok_sku_id": "424242"}),
        )
        .await;
    assert_error(status, &body, 404, "not_found");
    let long = "x".repeat(101);
    for (code, body) in [
        ("%20CODE", json!({"tiktok_sku_id": sku})),
        (long.as_str(), json!({"tiktok_sku_id": sku})),
        ("CODE-1", json!({})),
        ("CODE-1", json!({"tiktok_sku_id": 5})),
    ] {
        let (status, answer) = env
            .app
            .put(
                &env.shop_path(&format!("/sku-mappings/{code}")),
                &operator,
                body,
            )
            .await;
        assert_eq!(status, 400, "{code}: {answer}");
    }
    let too_many: Vec<String> = (0..10_001).map(|i| format!("C{i}")).collect();
    let (status, body) = env
        .app
        .post(
            &env.shop_path("/sku-mappings/report"),
            &operator,
            json!({ "erp_skus": too_many }),
        )
        .await;
    assert_error(status, &body, 400, "invalid_field");
    assert!(
        mappings(&env)
            .await
            .values()
            .all(|m| m["source"] == "seller_sku")
    );
    let (_, audit) = env.app.get(&env.shop_path("/audit"), &operator).await;
    assert_eq!(audit["items"], json!([]));
}
