use sqlx::Connection;
use std::time::Instant;
fn main() {
    let url = std::env::var("CALAUDIT_TEST_PG").unwrap();
    let n: u32 = 5000;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = rt.block_on(sqlx::PgConnection::connect(&url)).unwrap();
    rt.block_on(
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS kv_sqlx (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )
        .execute(&mut c),
    )
    .unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _: (i32,) = rt
            .block_on(sqlx::query_as("SELECT 1").fetch_one(&mut c))
            .unwrap();
    }
    let sel = t.elapsed();
    let t = Instant::now();
    for i in 0..n {
        rt.block_on(async {
            let mut tx = c.begin().await.unwrap();
            sqlx::query("INSERT INTO kv_sqlx (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value").bind(format!("k{}", i % 50)).bind(i.to_string()).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        });
    }
    let up = t.elapsed();
    println!(
        "sqlx(block_on): SELECT 1 {:.1} us/op; upsert+tx {:.1} us/op",
        sel.as_secs_f64() * 1e6 / n as f64,
        up.as_secs_f64() * 1e6 / n as f64
    );
}
