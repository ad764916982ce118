//! Outputs (DESIGN §10): each format in its own file, turning results into bytes through the
//! [`Exporter`] trait, and one writer, [`write_results`], that puts them in a results folder.
//!
//! The writer guarantees two things:
//! - an interrupted run never leaves a half-written file that looks complete: every file is
//!   written under a temporary name and renamed into place, and `summary.json` is written last,
//!   so a folder with a `summary.json` holds a complete set;
//! - a run never silently overwrites another scenario's results: `summary.json` records the
//!   scenario's hash, and a folder holding a different hash (or result files without a summary)
//!   is only overwritten when the caller says so (`--force`).

pub mod chart;
pub mod connlog;
pub mod metrics;
pub mod summary;
pub mod timeseries;

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::{Millis, Scenario, HOUR, MINUTE, SECOND};
use crate::sim::RunResult;

/// What the exporters render.
#[derive(Debug, Clone, Copy)]
pub struct RunOutput<'a> {
    pub scenario: &'a Scenario,
    pub result: &'a RunResult,
    /// See [`scenario_hash`].
    pub scenario_hash: &'a str,
}

/// One output file: its name in the results folder and its bytes.
pub trait Exporter {
    fn file_name(&self) -> &'static str;
    fn render(&self, out: &RunOutput) -> Vec<u8>;
}

/// The files of a run: the time series, the CloudWatch metrics, the connection log when asked
/// for, and the summary (always written last by [`write_results`]).
pub fn standard_exporters(connection_log: bool) -> Vec<Box<dyn Exporter>> {
    let mut v: Vec<Box<dyn Exporter>> =
        vec![Box::new(timeseries::Timeseries), Box::new(metrics::Metrics)];
    if connection_log {
        v.push(Box::new(connlog::ConnectionLog));
    }
    v.push(Box::new(summary::SummaryJson));
    v
}

/// Every file name a run may write (used to recognise and clean up our own files).
pub const RESULT_FILES: [&str; 4] = [
    summary::FILE_NAME,
    timeseries::FILE_NAME,
    metrics::FILE_NAME,
    connlog::FILE_NAME,
];

/// A stable identifier of the checked scenario: SHA-256 of its canonical debug rendering (no
/// hash maps, shortest round-trip floats), so any change of meaning changes it and a change of
/// comments or layout in the file does not.
pub fn scenario_hash(scenario: &Scenario) -> String {
    let digest = Sha256::digest(format!("{scenario:?}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why results could not be written.
#[derive(Debug)]
pub enum WriteError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The folder holds another scenario's results (or files whose scenario is unknown).
    Occupied {
        dir: PathBuf,
        found: Option<String>,
        ours: String,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io { path, error } => write!(f, "cannot write {}: {error}", path.display()),
            WriteError::Occupied { dir, found: Some(found), ours } => write!(
                f,
                "{} holds results of a different scenario (hash {}…, this one {}…); \
                 pass --force to overwrite them or choose another folder with --out",
                dir.display(),
                &found[..found.len().min(12)],
                &ours[..ours.len().min(12)]
            ),
            WriteError::Occupied { dir, found: None, .. } => write!(
                f,
                "{} holds result files without a readable summary.json (an interrupted or foreign run); \
                 pass --force to overwrite them or choose another folder with --out",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for WriteError {}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |error| WriteError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Writes every exporter's file into `dir` (created if needed), the summary last, each one
/// atomically; removes our own result files that this run does not produce (a connection log
/// from an earlier run, say). Returns the paths written, in writing order.
pub fn write_results(
    dir: &Path,
    out: &RunOutput,
    exporters: &[Box<dyn Exporter>],
    force: bool,
) -> Result<Vec<PathBuf>, WriteError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    if !force {
        check_folder(dir, out.scenario_hash)?;
    }
    let (last, first): (Vec<_>, Vec<_>) = exporters
        .iter()
        .partition(|e| e.file_name() == summary::FILE_NAME);
    let mut written = Vec::new();
    // Drop the old summary first: until the new one lands, the folder is visibly incomplete.
    remove_if_present(&dir.join(summary::FILE_NAME))?;
    for e in first.iter().chain(&last) {
        let path = dir.join(e.file_name());
        write_atomically(&path, &e.render(out))?;
        written.push(path);
    }
    for name in RESULT_FILES {
        if !exporters.iter().any(|e| e.file_name() == name) {
            remove_if_present(&dir.join(name))?;
        }
    }
    Ok(written)
}

/// Refuses a folder that holds a different scenario's results, or result files of unknown origin.
fn check_folder(dir: &Path, ours: &str) -> Result<(), WriteError> {
    let summary_path = dir.join(summary::FILE_NAME);
    let occupied = |found| WriteError::Occupied {
        dir: dir.to_path_buf(),
        found,
        ours: ours.to_string(),
    };
    match fs::read(&summary_path) {
        Ok(bytes) => match summary::recorded_hash(&bytes) {
            Some(found) if found == ours => Ok(()),
            found => Err(occupied(found)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let ours_present = RESULT_FILES.iter().any(|n| dir.join(n).exists());
            if ours_present {
                Err(occupied(None))
            } else {
                Ok(())
            }
        }
        Err(error) => Err(WriteError::Io {
            path: summary_path,
            error,
        }),
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`, so `path` is either the old file or the complete new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(error) = result {
        let _ = fs::remove_file(&tmp);
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            error,
        });
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), WriteError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WriteError::Io {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// Wall-clock rendering of simulated time, `YYYY-MM-DD HH:MM:SS`, as in the guide's connection
/// log. Day 0 is the first date on or after 2024-01-01 (a Monday) with the scenario's start
/// weekday; the simulator has no calendar beyond that.
pub fn timestamp(scenario: &Scenario, t: Millis) -> String {
    let day = t / crate::model::DAY;
    let (y, m, d) = civil_date(19_723 + scenario.start_weekday.index() as i64 + day as i64);
    let s = t % crate::model::DAY;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / HOUR,
        s % HOUR / MINUTE,
        s % MINUTE / SECOND
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_723), (2024, 1, 1));
        assert_eq!(civil_date(19_723 + 59), (2024, 2, 29));
        assert_eq!(civil_date(19_723 + 366), (2025, 1, 1));
    }
}
