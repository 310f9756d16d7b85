//! Expanding and sorting a large feed on two threads, with the result of one.
//!
//! Nothing here decides what an occurrence is: [`expand_parallel`] hands the same
//! `expand_group` calls out in chunks and puts their results back in order, and [`sort`]
//! makes and sorts the same keys as `sort` does, in two halves. A feed that reaches one of
//! its limits is expanded again on one thread (by the caller), so where a limit cuts does not
//! depend on the thread count. Tested against one thread in `expand`'s tests.
//!
//! Each is a `std::thread::scope` with one helper thread for the length of one call. Every
//! such call swapped for `rayon::join` (same results) was slower on cal_stress: medians of 15
//! alternating runs, wall 0.218 s vs 0.196 s, CPU 0.313 s vs 0.293 s, RSS 62 vs 56 MiB (see
//! docs/DESIGN.md); so no rayon.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::overrides::expand_group;
use super::sort::{Key, Sorter};
use super::{Ctx, Occurrence};
use crate::ics::event::{Calendar, Warning};

/// Below this many events a feed is expanded on one thread: a second thread saves wall time
/// but costs CPU, and CPU is what counts on small and middle-sized feeds (cal_5y: 3,591 events).
pub const PARALLEL_EXPAND_MIN: usize = 10_000;

/// Groups per unit of work handed to a thread in [`expand_parallel`].
const GROUPS_PER_CHUNK: usize = 256;

/// What one chunk of groups produced, in the order one thread would have produced it.
pub(super) struct Chunk {
    pub(super) index: usize,
    pub(super) occurrences: Vec<Occurrence>,
    pub(super) warnings: Vec<Warning>,
    /// Unknown TZIDs this chunk was the first (on its thread) to warn about, and where in
    /// `warnings` that warning is.
    pub(super) unknown_tzids: Vec<(u32, usize)>,
}

/// [`expand_groups`] of one calendar on two threads, with the same result: the groups are
/// handed out in chunks, in order, to whichever thread is free (series differ a lot in how many
/// occurrences they have, so a fixed split is unbalanced), and the chunks' results are put
/// back in order. An unknown TZID is warned about once, where one thread would have.
///
/// Each thread has the whole of the feed's limits; `None` when either reached one or both
/// together used more than one thread may: then the caller expands the feed again on one
/// thread, where the limits cut at the same place whatever the thread count.
pub(super) fn expand_parallel<'a>(
    cal: &Calendar,
    ctx: &mut Ctx<'a>,
    groups: &[&[u32]],
) -> Option<Vec<Occurrence>> {
    let n_chunks = groups.len().div_ceil(GROUPS_PER_CHUNK);
    let next = AtomicUsize::new(0);
    let work = |ctx: &mut Ctx<'a>| {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= n_chunks {
                return done;
            }
            let end = ((index + 1) * GROUPS_PER_CHUNK).min(groups.len());
            let mut occurrences = Vec::new();
            for group in &groups[index * GROUPS_PER_CHUNK..end] {
                if cal.events[group[0] as usize].section == 0 {
                    expand_group(ctx, group, &mut occurrences);
                }
            }
            done.push(Chunk {
                index,
                occurrences,
                warnings: std::mem::take(&mut ctx.warnings),
                unknown_tzids: std::mem::take(&mut ctx.unknown_tzid_warnings),
            });
        }
    };
    let mut other = ctx.fork();
    let chunks = std::thread::scope(|scope| {
        let helper = scope.spawn(|| work(&mut other));
        let mut mine = work(ctx);
        mine.extend(join(helper));
        mine
    });
    let limits = &ctx.opts.limits;
    let (a, b) = (&ctx.budget, &other.budget);
    let occurrences = (limits.occurrences_per_feed - a.occurrences)
        .saturating_add(limits.occurrences_per_feed - b.occurrences);
    let steps =
        (limits.rule_steps_per_feed - a.steps).saturating_add(limits.rule_steps_per_feed - b.steps);
    if a.touched()
        || b.touched()
        || occurrences > limits.occurrences_per_feed
        || steps > limits.rule_steps_per_feed
    {
        return None;
    }
    Some(merge_chunks(chunks, &mut ctx.warnings))
}

/// Puts the chunks of [`expand_parallel`] back in order: their occurrences, and their warnings
/// into `warnings` without the repeats of an unknown TZID's warning.
pub(super) fn merge_chunks(mut chunks: Vec<Chunk>, warnings: &mut Vec<Warning>) -> Vec<Occurrence> {
    chunks.sort_unstable_by_key(|c| c.index);
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.occurrences.len()).sum());
    let mut warned: Vec<u32> = Vec::new();
    for c in chunks {
        out.extend(c.occurrences);
        let mut repeats = Vec::new();
        for (tzid, at) in c.unknown_tzids {
            if warned.contains(&tzid) {
                repeats.push(at);
            } else {
                warned.push(tzid);
            }
        }
        warnings.extend(
            c.warnings
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !repeats.contains(i))
                .map(|(_, w)| w),
        );
    }
    out
}

/// [`sort`](super::sort::sort_occurrences) on two threads: each half's keys made and sorted
/// on its own thread, merged (a stable sort of two sorted runs is one pass over them, and
/// keeps every element of the first half ahead of its equals in the second), then the
/// occurrences gathered in two halves at once.
pub(super) fn sort(s: &Sorter<'_>) -> Vec<Occurrence> {
    let n = s.len();
    let (mut keys, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let mut k = s.keys(n / 2, n);
            s.sort(&mut k);
            k
        });
        let mut k = s.keys(0, n / 2);
        s.sort(&mut k);
        (k, join(second))
    });
    keys.extend(second);
    s.sort(&mut keys);
    let (first, second): (&[Key], &[Key]) = keys.split_at(n / 2);
    std::thread::scope(|scope| {
        let b = scope.spawn(|| s.gather(second).collect::<Vec<_>>());
        // Sized for both halves at once: growing it would copy the first.
        let mut all = Vec::with_capacity(n);
        all.extend(s.gather(first));
        all.extend(join(b));
        all
    })
}

/// The result of a scoped thread; a panic in it is a bug, passed on rather than hidden.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}
