//! Pulls in flight: a fixed pool of `daemon.concurrency` threads fetching feeds, each feed on
//! its own schedule.
//!
//! The daemon used to fetch due feeds in chunks and wait for each chunk's slowest member, so
//! six slowloris feeds held up every round of 200 by minutes (issue 12, item 8). Now a round
//! hands its due feeds to the pool and records whatever has finished within [`ROUND_WAIT`];
//! a pull still running then stays in flight, is not started again, and is recorded by a
//! later round (the run loop wakes as soon as it finishes). A slow feed delays only itself,
//! and holds one of the pool's threads for at most `daemon.fetch_timeout`.

use std::collections::HashSet;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::feed::{FeedError, Fetched, Fetcher, Source, Validators};

/// How long a round waits for the pulls in flight before it goes on without the slow ones.
pub const ROUND_WAIT: Duration = Duration::from_secs(2);

struct Job {
    feed: usize,
    source: Source,
    prev: Validators,
}

pub type PullResult = (usize, Result<Fetched, FeedError>);

pub struct Pulls {
    jobs: Sender<Job>,
    results: Receiver<PullResult>,
    /// Feeds (by index) handed to the pool whose result has not arrived yet.
    in_flight: HashSet<usize>,
    /// Results that arrived between rounds, for the next round to record.
    ready: Vec<PullResult>,
}

impl Pulls {
    /// Starts `threads` fetch threads (at least one). They end when the `Pulls` is dropped
    /// and their current fetch is done.
    pub fn new(fetcher: Fetcher, threads: usize) -> Pulls {
        let (jobs, job_rx) = channel::<Job>();
        let (result_tx, results) = channel();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let fetcher = Arc::new(fetcher);
        for n in 0..threads.max(1) {
            let (job_rx, result_tx, fetcher) =
                (Arc::clone(&job_rx), result_tx.clone(), Arc::clone(&fetcher));
            let spawned = std::thread::Builder::new()
                .name(format!("calaudit-pull-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, not while fetching.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(p) => p.into_inner().recv(),
                    };
                    let Ok(job) = job else { break };
                    let res = fetcher.fetch(&job.source, &job.prev);
                    if result_tx.send((job.feed, res)).is_err() {
                        break;
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a fetch thread; fewer pulls run at once");
            }
        }
        Pulls {
            jobs,
            results,
            in_flight: HashSet::new(),
            ready: Vec::new(),
        }
    }

    /// True while the feed's pull runs or its result waits for a round to record it: until
    /// then the stored schedule is not yet the new one, so the feed must be neither started
    /// again nor given to another worker.
    pub fn in_flight(&self, feed: usize) -> bool {
        self.in_flight.contains(&feed) || self.ready.iter().any(|(f, _)| *f == feed)
    }

    pub fn any_in_flight(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Hands a feed to the pool (a feed already in flight is not started twice).
    pub fn start(&mut self, feed: usize, source: Source, prev: Validators) {
        if self.in_flight.insert(feed) && self.jobs.send(Job { feed, source, prev }).is_err() {
            self.in_flight.remove(&feed);
        }
    }

    /// The pulls that have finished, waiting until none is in flight or `wait` has passed.
    pub fn finished(&mut self, wait: Duration) -> Vec<PullResult> {
        let deadline = Instant::now() + wait;
        let mut out = std::mem::take(&mut self.ready);
        while self.any_in_flight() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(r) => {
                    self.in_flight.remove(&r.0);
                    out.push(r);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        out
    }

    /// Waits up to `wait` for the next pull to finish and keeps it for the next round: lets
    /// the run loop sleep until a result comes or its next wake-up. True when one came.
    pub fn wait_for_one(&mut self, wait: Duration) -> bool {
        if !self.any_in_flight() {
            return false;
        }
        match self.results.recv_timeout(wait) {
            Ok(r) => {
                self.in_flight.remove(&r.0);
                self.ready.push(r);
                true
            }
            Err(_) => false,
        }
    }
}
