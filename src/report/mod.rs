//! Outputs (docs/model.md §10): each format in its own file. A run's files are [`Exporter`]s that turn
//! results into bytes, plus the charts and the one-page report ([`charts_and_page`]);
//! [`write_results`] puts them in a results folder through [`files::ResultsWriter`], which locks
//! the folder, stages the new set beside it and replaces the old set as a whole, and refuses a
//! folder holding another scenario's results unless forced. `summary.json` records the
//! scenario's fingerprint.

pub mod cells;
pub mod chart;
pub mod connlog;
pub mod files;
pub mod glyphs;
pub mod handoff;
pub mod html;
pub mod metrics;
pub mod plots;
pub mod reachability;
pub mod rows;
pub mod series;
pub mod summary;
pub mod timeseries;

use std::path::{Path, PathBuf};

use crate::model::Scenario;
use crate::net::{Matrix, WeightedGap};
use crate::sim::RunResult;
use chart::ChartError;
use files::{OutputError, ResultsWriter};
use plots::Plot;

/// What the exporters of a run render.
#[derive(Debug, Clone, Copy)]
pub struct RunOutput<'a> {
    pub scenario: &'a Scenario,
    pub result: &'a RunResult,
    /// [`crate::scenario::fingerprint`] of the scenario that ran.
    pub scenario_hash: &'a str,
    /// Reachability gaps weighted by the run's client time ([`crate::net::weighted_gaps`]).
    pub gaps: &'a [WeightedGap],
}

/// One output file: its name in the results folder and its bytes. Every error (of the writer,
/// or of rendering) is returned, never swallowed.
pub trait Exporter {
    fn file_name(&self) -> &'static str;
    /// Writes the file to `w` as it goes, so a large file is never held whole in memory.
    fn write_to(&self, out: &RunOutput, w: &mut dyn std::io::Write) -> std::io::Result<()>;
    /// The file's bytes: what [`Exporter::write_to`] writes.
    fn render(&self, out: &RunOutput) -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_to(out, &mut bytes)?;
        Ok(bytes)
    }
}

/// `reachability.csv`: the gaps weighted by client time ([`reachability::gaps_csv`]).
pub struct ReachabilityCsv;

pub const REACHABILITY_FILE: &str = "reachability.csv";

impl Exporter for ReachabilityCsv {
    fn file_name(&self) -> &'static str {
        REACHABILITY_FILE
    }

    fn write_to(&self, out: &RunOutput, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(reachability::gaps_csv(out.scenario, out.gaps)?.as_bytes())
    }
}

/// The files of a run: the time series, the CloudWatch metrics, the weighted reachability gaps,
/// the connection log when asked for, and the summary (always written last).
pub fn standard_exporters(connection_log: bool) -> Vec<Box<dyn Exporter>> {
    let mut v: Vec<Box<dyn Exporter>> = vec![
        Box::new(timeseries::Timeseries),
        Box::new(metrics::Metrics),
        Box::new(ReachabilityCsv),
    ];
    if connection_log {
        v.push(Box::new(connlog::ConnectionLog));
    }
    v.push(Box::new(summary::SummaryJson));
    v
}

/// The run's charts (`charts/<name>.png` and `.svg`, from [`plots::plots`]; with a modelled
/// data plane `charts/topology.svg`, the topology with its failing hops) and the one-page
/// `report.html` ([`html::render`]) that embeds them, as (path in the folder, bytes). `charts`
/// writes the chart files, `page` the report (which embeds the SVG figures either way); with
/// neither, nothing is plotted.
pub fn charts_and_page(
    out: &RunOutput,
    matrix: &Matrix,
    charts: bool,
    page: bool,
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let mut files = Vec::new();
    if !charts && !page {
        return Ok(files);
    }
    // Each chart is drawn on its own (in parallel where there are cores), then taken in order.
    use rayon::prelude::*;
    let drawn = plots::plots(out.scenario, out.result, matrix)
        .into_par_iter()
        .map(|(stem, plot)| {
            let (png, svg, title) = match &plot {
                Plot::Time(c) => (
                    charts
                        .then(|| chart::time_png(c, chart::SIZE))
                        .transpose()?,
                    chart::time_svg(c, chart::SIZE)?,
                    c.title.clone(),
                ),
                Plot::Heat(h) => (
                    charts
                        .then(|| chart::heatmap_png(h, chart::SIZE))
                        .transpose()?,
                    chart::heatmap_svg(h, chart::SIZE)?,
                    h.title.clone(),
                ),
            };
            Ok((stem, png, svg, title))
        })
        .collect::<Result<Vec<_>, ChartError>>()?;
    let mut figures = Vec::new();
    for (stem, png, svg, title) in drawn {
        if let Some(png) = png {
            files.push((format!("charts/{stem}.png"), png));
            files.push((format!("charts/{stem}.svg"), svg.clone().into_bytes()));
        }
        figures.push(html::Figure {
            stem: stem.to_string(),
            title,
            svg,
        });
    }
    if charts {
        if let Some((svg, _)) = html::topology_picture(out.scenario, out.result, out.gaps) {
            files.push(("charts/topology.svg".to_string(), svg.into_bytes()));
        }
    }
    if page {
        let page = html::render(
            out.scenario,
            out.result,
            out.gaps,
            out.scenario_hash,
            &figures,
        );
        files.push((REPORT_FILE.to_string(), page.into_bytes()));
    }
    Ok(files)
}

pub const REPORT_FILE: &str = "report.html";

/// Writes every exporter's file and the `extra` files (charts, the page) into the folder being
/// written, the summary last. The set becomes visible only when the caller commits the writer
/// ([`files::ResultsWriter::commit`]), replacing the folder's earlier set as a whole.
pub fn write_results(
    folder: &mut ResultsWriter,
    out: &RunOutput,
    exporters: &[Box<dyn Exporter>],
    extra: &[(String, Vec<u8>)],
) -> Result<(), OutputError> {
    let (last, first): (Vec<_>, Vec<_>) = exporters
        .iter()
        .partition(|e| e.file_name() == summary::FILE_NAME);
    for e in &first {
        let name = e.file_name();
        let mut w = folder.create(name)?;
        e.write_to(out, &mut w)
            .map_err(|err| OutputError::Io(folder.path.join(name), err))?;
        folder.finish(name, w)?;
    }
    for (name, bytes) in extra {
        folder.write(name, bytes)?;
    }
    for e in &last {
        let bytes = e
            .render(out)
            .map_err(|err| OutputError::Io(folder.path.join(e.file_name()), err))?;
        folder.write(e.file_name(), &bytes)?;
    }
    Ok(())
}

/// Claims `dir` for this run's scenario ([`run_identity`]), writes the run's files
/// ([`write_results`]) and puts them in place as a whole. Returns the paths written, in order.
pub fn write_run(
    dir: &Path,
    out: &RunOutput,
    exporters: &[Box<dyn Exporter>],
    extra: &[(String, Vec<u8>)],
    force: bool,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut folder =
        ResultsWriter::begin(dir, &run_identity(out.scenario, out.scenario_hash), force)?;
    write_results(&mut folder, out, exporters, extra)?;
    folder.commit()
}

/// What a run's folder marker says: `run <name> sha256:<fingerprint>`.
pub fn run_identity(scenario: &Scenario, scenario_hash: &str) -> String {
    format!("run {} sha256:{scenario_hash}", scenario.name)
}
