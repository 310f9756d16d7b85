use std::time::Instant;
fn main() {
    let url = std::env::var("CALAUDIT_TEST_PG").unwrap();
    let n: u32 = 5000;
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS kv_sync (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )
    .unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _: i32 = c.query_one("SELECT 1", &[]).unwrap().get(0);
    }
    let sel = t.elapsed();
    let t = Instant::now();
    for i in 0..n {
        let mut tx = c.transaction().unwrap();
        tx.execute("INSERT INTO kv_sync (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", &[&format!("k{}", i % 50), &i.to_string()]).unwrap();
        tx.commit().unwrap();
    }
    let up = t.elapsed();
    let s1 = c.prepare("SELECT 1").unwrap();
    let s2 = c.prepare("INSERT INTO kv_sync (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value").unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _: i32 = c.query_one(&s1, &[]).unwrap().get(0);
    }
    let psel = t.elapsed();
    let t = Instant::now();
    for i in 0..n {
        let mut tx = c.transaction().unwrap();
        tx.execute(&s2, &[&format!("k{}", i % 50), &i.to_string()])
            .unwrap();
        tx.commit().unwrap();
    }
    let pup = t.elapsed();
    println!(
        "postgres(sync, prepared once): SELECT 1 {:.1} us/op; upsert+tx {:.1} us/op",
        psel.as_secs_f64() * 1e6 / n as f64,
        pup.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "postgres(sync): SELECT 1 {:.1} us/op; upsert+tx {:.1} us/op",
        sel.as_secs_f64() * 1e6 / n as f64,
        up.as_secs_f64() * 1e6 / n as f64
    );
}
