//! The order of a feed's occurrences: by start, then UID, recurrence id and end, stable
//! (ties in everything keep expansion order). This order is part of the output; how a large
//! feed's sort is shared by two threads is in `parallel`.

use super::Occurrence;
use crate::ics::event::Calendar;

/// An occurrence's sort key: its start as integers, the first eight bytes of its UID
/// (big-endian, so integer order is byte order: only equal prefixes need the whole UID), and
/// its index. Starts tie often (a team's calendars merged into one feed: over half the
/// neighbours in a stress file), and each tie read two events' UIDs from far apart in
/// memory. A stable sort of keys in index order is a stable sort of the occurrences.
pub(super) type Key = (i64, u32, u64, u32);

/// The occurrences being sorted, with what their keys are made from.
pub(super) struct Sorter<'a> {
    cal: &'a Calendar,
    occs: &'a [Occurrence],
}

impl Sorter<'_> {
    pub(super) fn len(&self) -> usize {
        self.occs.len()
    }

    /// The keys of occurrences `from..to`, in index order.
    pub(super) fn keys(&self, from: usize, to: usize) -> Vec<Key> {
        let prefix = |uid: &str| {
            let mut b = [0u8; 8];
            let n = uid.len().min(8);
            b[..n].copy_from_slice(&uid.as_bytes()[..n]);
            u64::from_be_bytes(b)
        };
        (from..to)
            .map(|i| {
                let o = &self.occs[i];
                let t = o.start;
                let uid = &self.cal.events[o.event as usize].uid;
                (
                    t.timestamp(),
                    t.timestamp_subsec_nanos(),
                    prefix(uid),
                    i as u32,
                )
            })
            .collect()
    }

    /// Sorts keys (stable). The UIDs are only looked at on a tie of start times and prefixes
    /// (they live in the events, a cache miss away).
    pub(super) fn sort(&self, keys: &mut [Key]) {
        let (cal, occs) = (self.cal, self.occs);
        keys.sort_by(|a, b| {
            (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
                let (a, b) = (&occs[a.3 as usize], &occs[b.3 as usize]);
                (&cal.events[a.event as usize].uid, a.recurrence_id, a.end).cmp(&(
                    &cal.events[b.event as usize].uid,
                    b.recurrence_id,
                    b.end,
                ))
            })
        });
    }

    /// The occurrences of `keys`, in their order.
    pub(super) fn gather<'k>(&self, keys: &'k [Key]) -> impl Iterator<Item = Occurrence> + 'k
    where
        Self: 'k,
    {
        let occs = self.occs;
        keys.iter().map(move |k| occs[k.3 as usize].clone())
    }
}

/// Sorts `out` into the output order, on two threads with `parallel` (the same result).
pub(super) fn sort_occurrences(cal: &Calendar, out: &mut Vec<Occurrence>, parallel: bool) {
    let s = Sorter { cal, occs: out };
    let sorted = if parallel {
        super::parallel::sort(&s)
    } else {
        let mut keys = s.keys(0, s.len());
        s.sort(&mut keys);
        s.gather(&keys).collect()
    };
    *out = sorted;
}
