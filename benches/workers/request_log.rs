//! The feed server's request log as the workers benchmark reads it (`benches/workers.rs`):
//! its chunked transfer undone, then one request per line. Kept apart so that the integration
//! tests check it (`tests/workers.rs`, which includes this file): until run 5 the benchmark
//! read the chunk framing as log lines and reported requests no worker made (BENCHMARKS.md,
//! "Team scale").

/// The body of a `Transfer-Encoding: chunked` answer; `None` when the framing is broken.
/// tiny_http sends every body of 32 KiB or more that way, in 8 KiB chunks: read as is, the
/// chunk sizes and the line breaks around them cut request-log lines in two, and the tail
/// of a cut line ("34 1733…" out of "1234 1733…") reads as a request of another feed.
pub(crate) fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::with_capacity(rest.len());
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(after.get(..size)?);
        rest = after.get(size..)?.strip_prefix("\r\n")?;
    }
}

/// The log's requests per feed (`feeds` of them), each feed's instants sorted. The log is a
/// line `requests N`, then `feed instant` lines; a line that is not one, a feed out of range
/// or a number of lines other than N is an error, never a guess.
pub(crate) fn parse(text: &str, feeds: usize) -> Result<Vec<Vec<u64>>, String> {
    let mut out = vec![Vec::new(); feeds];
    let mut lines = text.lines();
    let count: usize = lines
        .next()
        .and_then(|l| l.strip_prefix("requests "))
        .and_then(|n| n.parse().ok())
        .ok_or("the request log does not start with its count")?;
    let mut read = 0;
    for line in lines {
        let mut it = line.split(' ').map(|v| v.parse::<u64>());
        match (it.next(), it.next(), it.next()) {
            (Some(Ok(f)), Some(Ok(t)), None) if (f as usize) < feeds => {
                out[f as usize].push(t);
                read += 1;
            }
            _ => return Err(format!("unreadable request log line {line:?}")),
        }
    }
    if read != count {
        return Err(format!("read {read} requests from a log of {count}"));
    }
    // The server's threads append in turn: the log is in order per thread, not overall.
    for v in &mut out {
        v.sort_unstable();
    }
    Ok(out)
}
