//! Running a grid: jobs are (variant, replica) pairs numbered in grid order; a shard takes every
//! N-th job; jobs run in parallel on rayon and results are put back in job order, so the output
//! does not depend on the number of threads or on sharding.

use rayon::prelude::*;

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

/// One job's figures (see [`super::stats::figure_names`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub job: Job,
    pub figures: Vec<f64>,
}

/// Runs the jobs; `scenarios[v]` is variant `v`. `done` is called after each job (from any
/// thread) with the number finished so far.
pub fn run(
    scenarios: &[Scenario],
    jobs: &[Job],
    done: Option<&(dyn Fn(usize) + Sync)>,
) -> Vec<Row> {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let mut rows: Vec<Row> = jobs
        .par_iter()
        .map(|job| {
            let result = simulate(
                &scenarios[job.variant],
                &SimOptions {
                    replica: job.replica,
                    sample_sink: Some(&crate::sim::discard_rows),
                    ..SimOptions::default()
                },
            );
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if let Some(f) = done {
                f(n);
            }
            Row {
                job: *job,
                figures: figures(&scenarios[job.variant], &result.summary),
            }
        })
        .collect();
    rows.sort_by_key(|r| r.job.index);
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

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("3/10"), Ok(Shard { k: 3, n: 10 }));
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("3").is_err());
    }
}
