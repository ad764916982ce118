//! `sweep`'s study: a grid of `--vary` axes expanded into variants, every variant applied to
//! the scenario's tree and checked (and held to the resource budget) before anything runs, then
//! `variants × replicas` jobs (or one shard of them) simulated, their rows streamed in job order.

use super::grid::{self, show, Axis, Variant};
use super::run::{self, JobList, Row, Shard};
use super::stats::figure_names;
use super::table::{Manifest, Table};
use super::{within_budget, Base, StudyError};
use crate::model::Scenario;
use crate::scenario;

/// Most runs one sweep may hold without `allow_large`.
pub const MAX_JOBS: usize = 1_000_000;

/// A sweep ready to run: every variant checked, its jobs known (not listed: see [`JobList`]).
pub struct Sweep {
    base: Base,
    axes: Vec<Axis>,
    variants: Vec<Variant>,
    scenarios: Vec<Scenario>,
    replicas: u32,
    shard: Option<Shard>,
    jobs: JobList,
}

/// Expands the grid and checks every variant; `allow_large` lifts the job count's and the
/// resource budget's limits.
pub fn prepare(
    base: Base,
    axes: Vec<Axis>,
    replicas: u32,
    shard: Option<Shard>,
    allow_large: bool,
) -> Result<Sweep, StudyError> {
    let variants = grid::expand(&axes);
    // Checked before the job list is allocated: `--replicas 4294967295` is refused, not tried.
    let jobs_total = variants.len().checked_mul(replicas as usize);
    if jobs_total.is_none_or(|n| n > MAX_JOBS && !allow_large) {
        return Err(format!(
            "{} variants × {} replicas is more than {MAX_JOBS} runs: use fewer values or replicas, or split the sweep with --shard (--allow-large to run it anyway)",
            variants.len(),
            replicas
        )
        .into());
    }
    let name = &base.source().name;
    let mut scenarios: Vec<Scenario> = Vec::with_capacity(variants.len());
    for v in &variants {
        let checked = base
            .variant(format!("{name} [{}]", v.label()), |t| grid::apply(t, v))
            .map_err(|e| match e {
                super::VariantError::Edit(e) => {
                    format!("variant {} ({}): {e}", v.index, v.label())
                }
                e => format!(
                    "variant {} ({}) is not a valid scenario:\n{e}",
                    v.index,
                    v.label()
                ),
            })?;
        within_budget(checked.source(), checked.scenario(), false, allow_large)?;
        scenarios.push(checked.loaded.scenario);
    }
    let jobs = JobList::new(variants.len(), replicas, shard);
    Ok(Sweep {
        base,
        axes,
        variants,
        scenarios,
        replicas,
        shard,
        jobs,
    })
}

impl Sweep {
    /// The scenario the grid varies.
    pub fn base(&self) -> &Scenario {
        self.base.scenario()
    }

    pub fn variants(&self) -> usize {
        self.variants.len()
    }

    /// The jobs this sweep (or shard) runs.
    pub fn jobs(&self) -> usize {
        self.jobs.len()
    }

    /// The grid's manifest (`sweep.json`).
    pub fn manifest(&self) -> Manifest {
        let base = self.base();
        Manifest {
            scenario: base.name.clone(),
            scenario_sha256: scenario::fingerprint(base),
            keys: self.axes.iter().map(|a| a.key.clone()).collect(),
            variants: self
                .variants
                .iter()
                .map(|v| v.settings.iter().map(|(_, x)| show(x)).collect())
                .collect(),
            replicas: self.replicas,
            figures: figure_names(&base.output.outcome_thresholds),
            shard: self.shard,
        }
    }

    /// Runs the jobs on the current rayon pool and hands each row to `sink` in job order as
    /// soon as it and every earlier one are done; at most a window of rows is held
    /// ([`run::run_streamed`]). `done` is called after each job with the number finished.
    pub fn stream<E: Send>(
        &self,
        done: Option<&(dyn Fn(usize) + Sync)>,
        sink: &mut (dyn FnMut(Row) -> Result<(), E> + Send),
    ) -> Result<run::Held, E> {
        let jobs = self.jobs;
        run::run_streamed(&self.scenarios, jobs.len(), &|i| jobs.get(i), done, sink)
    }

    /// Runs the jobs and holds every row: the whole table in memory (`sweep` streams instead).
    pub fn run(&self, done: Option<&(dyn Fn(usize) + Sync)>) -> Table {
        Table {
            manifest: self.manifest(),
            rows: run::run(
                &self.scenarios,
                &(0..self.jobs.len())
                    .map(|i| self.jobs.get(i))
                    .collect::<Vec<_>>(),
                done,
            ),
        }
    }
}
