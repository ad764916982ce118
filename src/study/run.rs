//! Running a grid: jobs are (variant, replica) pairs numbered in grid order; a shard takes every
//! N-th job; jobs run in parallel on rayon and results are handed on in job order as soon as
//! every earlier job is done ([`ordered`]), through a window that bounds what is held, so the
//! output does not depend on the number of threads or on sharding, and a sweep's memory does
//! not grow with its number of runs.

use super::stats::figures;
use crate::model::Scenario;
use crate::sim::{simulate, SimOptions};

/// `--shard K/N`: the K-th of N deterministic subsets (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`--shard {text}`: expected K/N, e.g. 3/10"))?;
        let k: u32 = k
            .trim()
            .parse()
            .map_err(|_| format!("`--shard {text}`: K is not a whole number"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("`--shard {text}`: N is not a whole number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("`--shard {text}`: need 1 ≤ K ≤ N"));
        }
        Ok(Shard { k, n })
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.k, self.n)
    }
}

/// One simulation to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    pub index: usize,
    pub variant: usize,
    pub replica: u32,
}

/// The jobs of a grid (`variants × replicas`, replicas fastest), restricted to a shard.
pub fn jobs(variants: usize, replicas: u32, shard: Option<Shard>) -> Vec<Job> {
    (0..variants)
        .flat_map(|v| (0..replicas).map(move |r| (v, r)))
        .enumerate()
        .map(|(index, (variant, replica))| Job {
            index,
            variant,
            replica,
        })
        .filter(|j| shard.is_none_or(|s| j.index % s.n as usize == (s.k - 1) as usize))
        .collect()
}

/// The jobs of a grid restricted to a shard, as [`jobs`] lists them, computed from their
/// position: nothing per job is held, however many runs a sweep has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobList {
    replicas: u32,
    shard: Option<Shard>,
    len: usize,
}

impl JobList {
    /// `variants × replicas` (the caller has checked that the product fits).
    pub fn new(variants: usize, replicas: u32, shard: Option<Shard>) -> JobList {
        let total = variants.saturating_mul(replicas as usize);
        let len = match shard {
            None => total,
            // The indices i < total with i mod N = K - 1.
            Some(s) => total
                .saturating_sub(s.k as usize - 1)
                .div_ceil(s.n as usize),
        };
        JobList {
            replicas,
            shard,
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th job (`i < len()`).
    pub fn get(&self, i: usize) -> Job {
        let index = match self.shard {
            None => i,
            Some(s) => i * s.n as usize + (s.k as usize - 1),
        };
        let r = self.replicas.max(1) as usize;
        Job {
            index,
            variant: index / r,
            replica: (index % r) as u32,
        }
    }
}

/// One job's figures (see [`super::stats::figure_names`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub job: Job,
    pub figures: Vec<f64>,
}

/// Most finished rows waiting for an earlier job, per worker thread (see [`window`]).
pub const WINDOW_PER_THREAD: usize = 64;

/// The reorder window of a pool of `threads`: a job starts only when it is fewer than this many
/// jobs after the first job not yet handed on, so at most this many rows are ever held, whatever
/// the number of jobs. Wide enough that a slow job rarely stalls the other workers.
pub fn window(threads: usize) -> usize {
    WINDOW_PER_THREAD * threads.max(1)
}

/// What running a list of jobs held at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    /// The most rows finished and waiting for an earlier job at any moment.
    pub max_waiting: usize,
}

/// Runs `count` jobs (`work(i)` for `i` in `0..count`) on the current rayon pool and hands each
/// result to `sink` in job order, as soon as every earlier job has been handed on. Workers take
/// jobs in index order; a job starts only within `window` jobs of the first one not yet handed
/// on, so at most `window - 1` results wait. `sink` runs on one worker at a time. The first
/// error of `sink` stops the workers taking new jobs and is returned. Every thread of the pool
/// runs one worker loop, which may wait for an earlier job: `work` itself must not wait for
/// other rayon work (a simulation runs on its one thread).
pub fn ordered<T: Send, E: Send>(
    count: usize,
    window: usize,
    work: &(dyn Fn(usize) -> T + Sync),
    sink: &mut (dyn FnMut(usize, T) -> Result<(), E> + Send),
) -> Result<Held, E> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};

    struct State<'a, T, E> {
        /// The first job not yet handed to the sink.
        next_out: usize,
        waiting: std::collections::BTreeMap<usize, T>,
        max_waiting: usize,
        /// Set by a sink error or a worker's panic: nobody starts or waits any more.
        stop: bool,
        error: Option<E>,
        sink: &'a mut (dyn FnMut(usize, T) -> Result<(), E> + Send),
    }
    /// Stops every worker if its worker unwinds (a panic in `work`), so none waits forever
    /// for the job that will not come; rayon then carries the panic to the caller.
    struct OnPanic<'s, S>(&'s Mutex<S>, &'s Condvar, fn(&mut S));
    impl<S> Drop for OnPanic<'_, S> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
                (self.2)(&mut s);
                self.1.notify_all();
            }
        }
    }

    let window = window.max(1);
    let next_job = AtomicUsize::new(0);
    let state = Mutex::new(State {
        next_out: 0,
        waiting: std::collections::BTreeMap::new(),
        max_waiting: 0,
        stop: false,
        error: None,
        sink,
    });
    let turn = Condvar::new();
    let worker = || {
        let _guard = OnPanic(&state, &turn, |s: &mut State<T, E>| s.stop = true);
        loop {
            let i = next_job.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                return;
            }
            {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                while !s.stop && i >= s.next_out + window {
                    s = turn.wait(s).unwrap_or_else(|e| e.into_inner());
                }
                if s.stop {
                    return;
                }
            }
            let result = work(i);
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            if s.stop {
                return;
            }
            s.waiting.insert(i, result);
            let s = &mut *s;
            while let Some(r) = s.waiting.remove(&s.next_out) {
                if let Err(e) = (s.sink)(s.next_out, r) {
                    s.error = Some(e);
                    s.stop = true;
                    break;
                }
                s.next_out += 1;
            }
            s.max_waiting = s.max_waiting.max(s.waiting.len());
            turn.notify_all();
        }
    };
    // One worker loop on each thread of the pool.
    rayon::broadcast(|_| worker());
    let s = state.into_inner().unwrap_or_else(|e| e.into_inner());
    match s.error {
        Some(e) => Err(e),
        None => Ok(Held {
            max_waiting: s.max_waiting,
        }),
    }
}

/// Runs one job: `scenarios[job.variant]` with the job's replica, its samples dropped.
pub fn simulate_job(scenarios: &[Scenario], job: &Job) -> Row {
    let result = simulate(
        &scenarios[job.variant],
        &SimOptions {
            replica: job.replica,
            sample_sink: Some(&crate::sim::discard_rows),
            ..SimOptions::default()
        },
    );
    Row {
        job: *job,
        figures: figures(&scenarios[job.variant], &result.summary),
    }
}

/// Runs `count` jobs (the `i`-th is `job_at(i)`) on the current rayon pool and hands each row
/// to `sink` in job order as it is ready (see [`ordered`]; the window is [`window`] of the
/// pool's threads). `done` is called after each job (from any thread) with the number finished
/// so far.
pub fn run_streamed<E: Send>(
    scenarios: &[Scenario],
    count: usize,
    job_at: &(dyn Fn(usize) -> Job + Sync),
    done: Option<&(dyn Fn(usize) + Sync)>,
    sink: &mut (dyn FnMut(Row) -> Result<(), E> + Send),
) -> Result<Held, E> {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let work = |i: usize| {
        let row = simulate_job(scenarios, &job_at(i));
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(f) = done {
            f(n);
        }
        row
    };
    ordered(
        count,
        window(rayon::current_num_threads()),
        &work,
        &mut |_, row| sink(row),
    )
}

/// Runs the jobs and returns every row, in job order (for callers that want the rows in
/// memory; `sweep` streams them with [`run_streamed`]). `done` as in [`run_streamed`].
pub fn run(
    scenarios: &[Scenario],
    jobs: &[Job],
    done: Option<&(dyn Fn(usize) + Sync)>,
) -> Vec<Row> {
    let mut rows = Vec::with_capacity(jobs.len());
    let job_at = |i: usize| jobs[i];
    let Ok(_) =
        run_streamed::<std::convert::Infallible>(scenarios, jobs.len(), &job_at, done, &mut |r| {
            rows.push(r);
            Ok(())
        });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_jobs() {
        let all = jobs(5, 3, None);
        assert_eq!(all.len(), 15);
        assert_eq!(
            all[4],
            Job {
                index: 4,
                variant: 1,
                replica: 1
            }
        );
        let mut union: Vec<Job> = (1..=4)
            .flat_map(|k| jobs(5, 3, Some(Shard { k, n: 4 })))
            .collect();
        union.sort_by_key(|j| j.index);
        assert_eq!(union, all);
        assert!(jobs(5, 3, Some(Shard { k: 2, n: 4 }))
            .iter()
            .all(|j| j.index % 4 == 1));
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn results_come_in_job_order_and_the_window_bounds_what_waits() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (count, window) = (200, 8);
        // Job 0 finishes only after seven later jobs have: with two workers the other one
        // runs jobs 1..=7 meanwhile and must then stop at job 8, eight past the first job
        // not handed on. Exactly seven rows wait then, and never more.
        let others = AtomicUsize::new(0);
        let work = |i: usize| {
            if i == 0 {
                let start = std::time::Instant::now();
                while others.load(Ordering::SeqCst) < window - 1 && start.elapsed().as_secs() < 30 {
                    std::thread::yield_now();
                }
            } else {
                others.fetch_add(1, Ordering::SeqCst);
            }
            i * 10
        };
        let mut seen = Vec::new();
        let held = pool(2)
            .install(|| {
                ordered::<usize, ()>(count, window, &work, &mut |i, r| {
                    seen.push((i, r));
                    Ok(())
                })
            })
            .unwrap();
        assert_eq!(seen, (0..count).map(|i| (i, i * 10)).collect::<Vec<_>>());
        assert_eq!(held.max_waiting, window - 1);
        // One worker never holds a row back.
        let mut n = 0;
        let held = pool(1)
            .install(|| {
                ordered::<usize, ()>(50, window, &|i| i, &mut |i, r| {
                    assert_eq!((i, r), (n, n));
                    n += 1;
                    Ok(())
                })
            })
            .unwrap();
        assert_eq!((n, held.max_waiting), (50, 0));
    }

    #[test]
    fn a_sink_error_stops_the_jobs_and_a_panic_reaches_the_caller() {
        let mut calls = 0;
        let r = pool(2).install(|| {
            ordered(1_000, 4, &|i| i, &mut |i, _| {
                calls += 1;
                if i == 50 {
                    Err(format!("disk full at {i}"))
                } else {
                    Ok(())
                }
            })
        });
        assert_eq!(r, Err("disk full at 50".to_string()));
        assert_eq!(calls, 51);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool(2).install(|| {
                ordered::<usize, ()>(
                    1_000,
                    4,
                    &|i| if i == 3 { panic!("job 3") } else { i },
                    &mut |_, _| Ok(()),
                )
            })
        }));
        assert!(panicked.is_err());
    }

    #[test]
    fn the_job_list_computes_what_the_listing_lists() {
        for (variants, replicas) in [(5, 3), (1, 1), (7, 4), (0, 3), (3, 0)] {
            let shards = [
                None,
                Some((1, 1)),
                Some((1, 4)),
                Some((4, 4)),
                Some((3, 20)),
            ];
            for shard in shards.map(|s| s.map(|(k, n)| Shard { k, n })) {
                let listed = jobs(variants, replicas, shard);
                let list = JobList::new(variants, replicas, shard);
                let computed: Vec<Job> = (0..list.len()).map(|i| list.get(i)).collect();
                assert_eq!(computed, listed, "{variants} × {replicas}, {shard:?}");
            }
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("3/10"), Ok(Shard { k: 3, n: 10 }));
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("3").is_err());
    }
}
