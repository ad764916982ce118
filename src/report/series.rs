//! `timeseries.csv` and `metrics.csv` written as the run advances: the engine hands each row to
//! [`Streamed::row`] (through `SimOptions::sample_sink`), which writes it at once, merging the
//! time series' rows into CloudWatch periods when one sampler feeds both files. Memory stays flat
//! however long the run; the bytes are those the [`super::timeseries::Timeseries`] and
//! [`super::metrics::Metrics`] exporters render from kept rows. The first write error stops the
//! stream and is returned by [`Streamed::finish`] with the file it concerns.
//!
//! [`Streamed::beside`] renders and writes the rows on a thread of their own, handed over in
//! order ([`super::handoff`]): the same bytes, written while the simulation goes on. The time
//! series' digest is computed there too, from the rows as they are written
//! ([`Streamed::digest`], given to the engine as `SimOptions::series_digest`), so the
//! simulating thread spends nothing on it.

use std::io::{self, Write};
use std::sync::Mutex;

use crate::model::Scenario;
use crate::report::handoff::Handoff;
use crate::report::rows::RowWriter;
use crate::report::{metrics, timeseries};
use crate::sim::{MetricMerge, Sample, SampleSeries, SeriesDigest};

struct State<W: Write> {
    timeseries: Option<RowWriter<W>>,
    metrics: Option<RowWriter<W>>,
    /// Merges the time series' rows into periods (`None`: the metrics come from their own
    /// sampler).
    merge: Option<MetricMerge>,
    failed: Option<(&'static str, io::Error)>,
    /// The time series' figures, computed from the rows as they are written, and the rows it
    /// gave back, to be reused.
    digest: SeriesDigest,
    #[allow(clippy::vec_box)] // what the digest keeps and gives back
    spare: Vec<Box<Sample>>,
}

/// The two files of rows, each optional (`None`: not written).
pub struct Streamed<W: Write> {
    state: Mutex<State<W>>,
}

/// The writers back, each flushed of the rows it buffered.
pub type Finished<W> = (Option<W>, Option<W>);

impl<W: Write> Streamed<W> {
    /// Starts both files with their headers.
    pub fn new(
        scenario: &Scenario,
        timeseries: Option<W>,
        metrics: Option<W>,
    ) -> Result<Self, (&'static str, io::Error)> {
        let mut ts = timeseries.map(|w| RowWriter::new(scenario, w));
        if let Some(w) = &mut ts {
            timeseries::header_bytes(scenario)
                .and_then(|h| w.raw(&h))
                .map_err(|e| (timeseries::FILE_NAME, e))?;
        }
        let mut ms = metrics.map(|w| RowWriter::new(scenario, w));
        if let Some(w) = &mut ms {
            metrics::header_bytes()
                .and_then(|h| w.raw(&h))
                .map_err(|e| (metrics::FILE_NAME, e))?;
        }
        Ok(Streamed {
            state: Mutex::new(State {
                timeseries: ts,
                metrics: ms,
                merge: crate::sim::metrics_merge(scenario)
                    .then(|| MetricMerge::new(scenario.output.metrics_period)),
                failed: None,
                digest: SeriesDigest::new(scenario),
                spare: Vec::new(),
            }),
        })
    }

    /// The digest of the time series' rows written so far (see `SimOptions::series_digest`),
    /// the run being over.
    pub fn digest(&self) -> SeriesDigest {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.digest.finish();
        st.digest.clone()
    }

    /// Writes one row of `series` (nothing after a write error).
    pub fn row(&self, series: SampleSeries, s: &Sample) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *state;
        if series == SampleSeries::Timeseries {
            st.digest.observe(s);
            let mut kept = st.spare.pop().unwrap_or_default();
            kept.set_from(s);
            st.digest.keep(kept, &mut st.spare);
        }
        if st.failed.is_some() {
            return;
        }
        let r = match series {
            SampleSeries::Timeseries => {
                let mut r = st
                    .timeseries
                    .as_mut()
                    .map_or(Ok(()), |w| timeseries::row(w, s))
                    .map_err(|e| (timeseries::FILE_NAME, e));
                if let (Some(merge), Some(w)) = (&mut st.merge, &mut st.metrics) {
                    merge.push(s, |m| {
                        if r.is_ok() {
                            r = metrics::row(w, m).map_err(|e| (metrics::FILE_NAME, e));
                        }
                    });
                }
                r
            }
            SampleSeries::Metrics => st.metrics.as_mut().map_or(Ok(()), |w| {
                metrics::row(w, &crate::sim::MetricRow::of(s)).map_err(|e| (metrics::FILE_NAME, e))
            }),
        };
        if let Err(e) = r {
            st.failed = Some(e);
        }
    }

    /// The writers back, or the first write error and its file.
    pub fn finish(self) -> Result<Finished<W>, (&'static str, io::Error)> {
        let mut st = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = st.failed {
            return Err(e);
        }
        if let (Some(merge), Some(w)) = (&mut st.merge, &mut st.metrics) {
            let mut r = Ok(());
            merge.finish(|m| r = metrics::row(w, m));
            r.map_err(|e| (metrics::FILE_NAME, e))?;
        }
        let ts = st
            .timeseries
            .map(|w| w.into_inner())
            .transpose()
            .map_err(|e| (timeseries::FILE_NAME, e))?;
        let ms = st
            .metrics
            .map(|w| w.into_inner())
            .transpose()
            .map_err(|e| (metrics::FILE_NAME, e))?;
        Ok((ts, ms))
    }
}

/// A row on its way to the writer thread.
#[derive(Debug, Default)]
pub struct HandedRow {
    series: Option<SampleSeries>,
    sample: Sample,
}

/// The simulating thread's end of [`Streamed::beside`].
pub struct Beside<'scope, W: Write> {
    handoff: Handoff<'scope, HandedRow>,
    streamed: &'scope Streamed<W>,
}

impl<W: Write + Send> Streamed<W> {
    /// Writes the rows handed to [`Beside::row`] on a writer thread in `scope`, in order.
    pub fn beside<'scope, 'env>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Beside<'scope, W> {
        Beside {
            handoff: Handoff::spawn(scope, move |rows: &[HandedRow]| {
                for r in rows {
                    if let Some(series) = r.series {
                        self.row(series, &r.sample);
                    }
                }
            }),
            streamed: self,
        }
    }
}

impl<W: Write + Send> crate::sim::RowSink for Beside<'_, W> {
    /// Hands one row of `series` over (a copy into a reused row).
    fn row(&self, series: SampleSeries, s: &Sample) {
        self.handoff.push(|r| {
            r.series = Some(series);
            r.sample.set_from(s);
        });
    }

    /// Hands one row of `series` over, filled in place (in a reused row).
    fn fill(&self, series: SampleSeries, fill: &mut dyn FnMut(&mut Sample)) {
        self.handoff.push(|r| {
            r.series = Some(series);
            fill(&mut r.sample);
        });
    }
}

impl<W: Write + Send> Beside<'_, W> {
    /// The digest of every row handed over, once the writer has taken them (the run being
    /// over).
    pub fn digest(&self) -> SeriesDigest {
        self.handoff.drain();
        self.streamed.digest()
    }

    /// Waits until every row handed over is written.
    pub fn finish(self) {
        self.handoff.finish();
    }
}
