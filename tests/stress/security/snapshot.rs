//! Nothing changed: every row of every table as text, what differs between two snapshots, and the sandbox's request log since a point.

use super::*;

/// Every row of every table, as text, by table.
pub(super) async fn snapshot(db: &DatabaseConnection) -> BTreeMap<String, Vec<String>> {
    let backend = db.get_database_backend();
    let rows = |sql: String| async move {
        db.query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<String>>()
    };
    let tables = match backend {
        DbBackend::Sqlite => {
            rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name".into())
                .await
        }
        _ => {
            rows("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename".into())
                .await
        }
    };
    assert!(tables.len() > 10, "the tables are found: {tables:?}");
    let mut all = BTreeMap::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Sqlite => {
                let columns = rows(format!(
                    "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .await;
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                format!("SELECT {row} AS r FROM \"{table}\" ORDER BY 1")
            }
            _ => format!("SELECT t::text AS r FROM \"{table}\" t ORDER BY 1"),
        };
        let content = rows(sql).await;
        all.insert(table, content);
    }
    all
}

/// What differs between two snapshots, table by table (a few rows each).
pub(super) fn differences(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for t in tables {
        let empty = Vec::new();
        let b: BTreeSet<&String> = before.get(t).unwrap_or(&empty).iter().collect();
        let a: BTreeSet<&String> = after.get(t).unwrap_or(&empty).iter().collect();
        if a != b || before.get(t).map(Vec::len) != after.get(t).map(Vec::len) {
            let gone: Vec<_> = b.difference(&a).take(3).collect();
            let new: Vec<_> = a.difference(&b).take(3).collect();
            out.push(format!("{t}: gone {gone:?}, new {new:?}"));
        }
    }
    out
}

/// The highest sequence number of the sandbox's request log.
pub(super) fn sandbox_seq(env: &SandboxEnv) -> u64 {
    env.sandbox
        .state()
        .requests()
        .iter()
        .map(|r| r.seq)
        .max()
        .unwrap_or(0)
}

/// The sandbox's requests after `seq`, as "METHOD path".
pub(super) fn sandbox_calls_after(env: &SandboxEnv, seq: u64) -> Vec<String> {
    env.sandbox
        .state()
        .requests()
        .into_iter()
        .filter(|r| r.seq > seq)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
