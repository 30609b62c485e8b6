//! The webhook signature cases, and the secrets absent from the database's bytes, the logs and every answer.

use super::*;

/// Missing, wrong secret, tampered body, another shop's app, unknown shop: each a 401 with the same
/// envelope, and nothing stored; then the right signature is stored (the control). Returns the
/// number of refused cases.
pub(super) async fn webhook_cases(
    env: &SandboxEnv,
    tiktok_shop: &str,
    bodies: &mut Vec<String>,
) -> usize {
    let data = json!({"order_id": "576461413038785752", "order_status": "AWAITING_SHIPMENT", "update_time": 1_700_000_000});
    let body = event_body(tiktok_shop, 1, "security-hook-1", data.clone());
    let signed = sign(APP_KEY, APP_SECRET_TT, &body);
    let tampered = {
        let mut v: Value = serde_json::from_slice(&body).unwrap();
        v["data"]["order_status"] = json!("CANCELLED");
        serde_json::to_vec(&v).unwrap()
    };
    let unknown = event_body("7499999999999999999", 1, "security-hook-2", data);
    let cases: Vec<(&str, &[u8], Option<String>)> = vec![
        ("missing", &body, None),
        (
            "wrong secret",
            &body,
            Some(sign(APP_KEY, "not-the-app-secret", &body)),
        ),
        ("tampered body", &tampered, Some(signed.clone())),
        (
            "another shop's app",
            &body,
            Some(sign(OTHER_APP_KEY, OTHER_APP_SECRET, &body)),
        ),
        (
            "unknown shop",
            &unknown,
            Some(sign(APP_KEY, APP_SECRET_TT, &unknown)),
        ),
    ];
    let before = snapshot(&env.app.state.db).await;
    let stored_before = stored(env).await;
    let mut refused_messages = BTreeSet::new();
    for (name, payload, signature) in &cases {
        let (status, text) = deliver(env, payload, signature.clone()).await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        bodies.push(text);
        envelope(status, &answer, 401, "invalid_signature")
            .unwrap_or_else(|e| panic!("webhook {name}: {e}"));
        if signature.is_some() {
            refused_messages.insert(answer["error"]["message"].to_string());
        }
    }
    assert_eq!(
        refused_messages.len(),
        1,
        "a bad signature and an unknown shop answer alike: {refused_messages:?}"
    );
    // Let anything that was wrongly accepted be written before looking.
    let (status, _) = env
        .app
        .get(&env.shop_path("/webhooks/events"), &env.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        stored(env).await,
        stored_before,
        "a refused delivery was stored"
    );
    let changed = differences(&before, &snapshot(&env.app.state.db).await);
    assert!(
        changed.is_empty(),
        "refused deliveries changed the database:\n{}",
        changed.join("\n")
    );
    let (status, text) = deliver(env, &body, Some(signed)).await;
    assert_eq!(status, 200, "the control delivery is accepted: {text}");
    assert_eq!(stored(env).await, stored_before + 1);
    cases.len()
}

/// No secret in the database's bytes, the captured logs or any answer received. Returns how many
/// secrets were looked for.
pub(super) async fn secrets_absent(env: &SandboxEnv, bodies: &[String]) -> usize {
    let app = &env.app;
    let mut secrets: Vec<(String, Vec<u8>)> = vec![
        ("the app secret".into(), APP_SECRET_TT.as_bytes().to_vec()),
        (
            "the other app's secret".into(),
            OTHER_APP_SECRET.as_bytes().to_vec(),
        ),
        (
            "the master key".into(),
            app.env["OCEAN_MASTER_KEY"].as_bytes().to_vec(),
        ),
        (
            "the master key's bytes".into(),
            base64::engine::general_purpose::STANDARD
                .decode(&app.env["OCEAN_MASTER_KEY"])
                .unwrap(),
        ),
        (
            "the JWT secret".into(),
            app.env["OCEAN_JWT_SECRET"].as_bytes().to_vec(),
        ),
    ];
    {
        let sandbox = env.sandbox.state();
        let auth = sandbox.auth();
        for t in auth.access_tokens.keys() {
            secrets.push((format!("access token {}…", &t[..8]), t.as_bytes().to_vec()));
        }
        for t in auth.refresh_tokens.keys() {
            secrets.push((format!("refresh token {}…", &t[..8]), t.as_bytes().to_vec()));
        }
    }
    assert!(
        secrets.len() >= 5 + 4,
        "the sandbox issued tokens (connect and reconnect)"
    );

    let db_bytes: Vec<u8> = match app.db.sqlite_file() {
        Some(file) => {
            app.state
                .db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
            let mut raw = std::fs::read(&file).unwrap();
            if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
                raw.extend(wal);
            }
            raw
        }
        None => snapshot(&app.state.db)
            .await
            .into_iter()
            .flat_map(|(t, rows)| std::iter::once(t).chain(rows))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    };
    assert!(db_bytes.len() > 10_000, "the database was read");
    let logs = captured_logs();
    let answers = bodies.join("\n");
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let mut found = Vec::new();
    for (name, secret) in &secrets {
        if contains(&db_bytes, secret) {
            found.push(format!("{name} in the database"));
        }
        if contains(logs.as_bytes(), secret) {
            found.push(format!("{name} in the logs"));
        }
        if contains(answers.as_bytes(), secret) {
            found.push(format!("{name} in an answer"));
        }
    }
    assert!(found.is_empty(), "secrets leaked: {found:?}");
    secrets.len()
}
