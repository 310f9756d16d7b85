//! The two places where the pipeline's middle shares work between two threads: classifying
//! the events of a large feed, and building the weekly report beside the protected-time
//! check. What is computed is decided in `pipeline`; this module only decides whether a
//! second thread is worth it and runs the same work on it, so the result is the same.
//!
//! Each is a `std::thread::scope` with one helper thread for the length of one call. Every
//! such call swapped for `rayon::join` (same results) was slower on cal_stress: medians of 15
//! alternating runs, wall 0.218 s vs 0.196 s, CPU 0.313 s vs 0.293 s, RSS 62 vs 56 MiB (see
//! docs/DESIGN.md); so no rayon.

/// Below this many events to classify, one thread does it: a second thread saves wall time
/// but adds CPU, and CPU is what counts on small and middle-sized feeds (cal_5y: 3,591
/// events; cal_stress: 32,000).
const PARALLEL_CLASSIFY_MIN: usize = 10_000;

/// Below this many occurrences the report is built on one thread (cal_5y has about 10,000).
const PARALLEL_REPORT_MIN: usize = 20_000;

/// Runs `run` over `items` with its `out` (one per item), split in two halves on two
/// threads when `work` (how many items need running) is large; `run` must treat each item
/// on its own, so that halves give the result of the whole.
pub(super) fn classify_in_halves<I: Sync, F: Sync, O: Send>(
    work: usize,
    items: &[I],
    flags: &[F],
    out: &mut [O],
    run: impl Fn(&[I], &[F], &mut [O]) + Sync,
) {
    if work < PARALLEL_CLASSIFY_MIN {
        run(items, flags, out);
        return;
    }
    let mid = items.len() / 2;
    let (head, tail) = out.split_at_mut(mid);
    std::thread::scope(|scope| {
        scope.spawn(|| run(&items[mid..], &flags[mid..], tail));
        run(&items[..mid], &flags[..mid], head);
    });
}

/// `(a(), b())`, with `b` on a second thread when the analysis has at least
/// [`PARALLEL_REPORT_MIN`] rows: the weekly sweep and the protected-time check read the same
/// rows and nothing of each other, and on a large analysis each is a few percent of the run.
pub(super) fn report_beside<A, B: Send>(
    rows: usize,
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if rows < PARALLEL_REPORT_MIN {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        // A panic on the other thread is a bug; pass it on rather than hide it.
        (a, b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}
