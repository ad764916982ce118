//! Rows streamed as the run advances (`SimOptions::sample_sink`): the files written from the
//! stream are the bytes the exporters render from kept rows, no row is kept in memory, and the
//! time series' digest (what charts, report and findings read) equals the figures computed from
//! the whole series.

use std::sync::Mutex;

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::report::{self, series, RunOutput};
use cvpnsim::scenario::fingerprint;
use cvpnsim::sim::digest::{self, Field};
use cvpnsim::sim::{self, FailureReason, RunResult, Sample, SampleSeries, SimOptions};

/// Three days of morning storms through a throttling handler, with an AZ outage on day 1:
/// refusals, throttling, fine samples after an event, and a busiest window past the first day.
fn storms(sample_interval: Millis) -> Scenario {
    let mut sc = endpoint(2);
    sc.duration = 3 * DAY;
    sc.sample_interval = sample_interval;
    sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(2_000.0), 4));
    let mut pop = workday("office", 400, 9 * HOUR, 8 * HOUR, EVERY_DAY);
    pop.retry = retries(6);
    sc.populations.push(pop);
    sc.populations.push(poisson(
        "field",
        30.0,
        Dist::Exponential { mean: HOUR as f64 },
    ));
    let outage = outage(&sc, 0, DAY + 13 * HOUR, Some(HOUR));
    sc.events.push(outage);
    sc
}

fn kept(sc: &Scenario) -> RunResult {
    sim::simulate(sc, &SimOptions::default())
}

/// Runs with every row handed to a sink; returns the result and the rows by series.
fn streamed(sc: &Scenario) -> (RunResult, Vec<(SampleSeries, Sample)>) {
    let rows = Mutex::new(Vec::new());
    let sink = |k: SampleSeries, s: &Sample| rows.lock().unwrap().push((k, s.clone()));
    let r = sim::simulate(
        sc,
        &SimOptions {
            sample_sink: Some(&sink),
            ..SimOptions::default()
        },
    );
    (r, rows.into_inner().unwrap())
}

fn render(sc: &Scenario, r: &RunResult, name: &str) -> Vec<u8> {
    let hash = fingerprint(sc);
    let out = RunOutput {
        scenario: sc,
        result: r,
        scenario_hash: &hash,
        gaps: &[],
    };
    report::standard_exporters(false)
        .into_iter()
        .find(|e| e.file_name() == name)
        .unwrap()
        .render(&out)
        .unwrap()
}

#[test]
fn streamed_rows_are_the_kept_rows_and_nothing_is_kept() {
    for interval in [5 * MINUTE, 7 * MINUTE] {
        let sc = storms(interval);
        let a = kept(&sc);
        let (b, rows) = streamed(&sc);
        assert!(b.samples.is_empty() && b.metric_rows().next().is_none());
        let ts: Vec<Sample> = rows
            .iter()
            .filter(|(k, _)| *k == SampleSeries::Timeseries)
            .map(|(_, s)| s.clone())
            .collect();
        assert_eq!(ts, a.samples);
        // 3 days of 5- or 7-minute rows, the last one cut by the run's end.
        assert_eq!(ts.len() as u64, (3 * DAY).div_ceil(interval));
        let own = rows.iter().any(|(k, _)| *k == SampleSeries::Metrics);
        assert_eq!(own, !sim::metrics_merge(&sc), "interval {interval}");
        assert_eq!(a.digest, b.digest);
        assert_eq!(a.summary, b.summary);
        assert_eq!(a.event_samples, b.event_samples);
    }
}

#[test]
fn files_written_from_the_stream_are_the_exporters_bytes() {
    for interval in [5 * MINUTE, 7 * MINUTE] {
        let sc = storms(interval);
        let a = kept(&sc);
        let files = series::Streamed::new(&sc, Some(Vec::new()), Some(Vec::new())).unwrap();
        let sink = |k: SampleSeries, s: &Sample| files.row(k, s);
        sim::simulate(
            &sc,
            &SimOptions {
                sample_sink: Some(&sink),
                ..SimOptions::default()
            },
        );
        let (ts, ms) = files.finish().unwrap();
        let ts = ts.unwrap();
        let ms = ms.unwrap();
        assert_eq!(ts, render(&sc, &a, "timeseries.csv"), "interval {interval}");
        assert_eq!(ms, render(&sc, &a, "metrics.csv"), "interval {interval}");
        // 3 days in five-minute CloudWatch periods, and a header.
        assert_eq!(ms.iter().filter(|&&b| b == b'\n').count(), 3 * 288 + 1);
    }
}

/// The rows handed to a writer thread beside the simulation (as `cvpnsim run` does): the
/// same files, and the digest computed there (given to the engine as `series_digest`) equals
/// the one the engine computes from kept rows.
#[test]
fn rows_written_beside_the_simulation_give_the_same_files_and_digest() {
    for interval in [5 * MINUTE, 7 * MINUTE] {
        let sc = storms(interval);
        let a = kept(&sc);
        let files = series::Streamed::new(&sc, Some(Vec::new()), Some(Vec::new())).unwrap();
        let b = std::thread::scope(|scope| {
            let beside = files.beside(scope);
            let digest = || beside.digest();
            let b = sim::simulate(
                &sc,
                &SimOptions {
                    sample_sink: Some(&beside),
                    series_digest: Some(&digest),
                    ..SimOptions::default()
                },
            );
            beside.finish();
            b
        });
        assert_eq!(a.digest, b.digest, "interval {interval}");
        assert!(b.digest.busiest.is_some() && b.digest.throttled.is_some());
        let (ts, ms) = files.finish().unwrap();
        assert_eq!(ts.unwrap(), render(&sc, &a, "timeseries.csv"));
        assert_eq!(ms.unwrap(), render(&sc, &a, "metrics.csv"));
    }
}

/// The digest's figures against the same figures worked out from every row.
#[test]
fn the_digest_equals_the_figures_of_the_whole_series() {
    let sc = storms(5 * MINUTE);
    let r = kept(&sc);
    let rows = &r.samples;
    let d = &r.digest;
    assert_eq!(d.rows, rows.len() as u64);
    let throttled = |x: &Sample| x.counts.failures_of(FailureReason::HandlerThrottled);
    assert!(
        rows.iter().any(|x| throttled(x) > 0),
        "the handler throttles"
    );
    assert!(rows.iter().any(
        |x| x.counts.failures_of(FailureReason::AssociationAtCapacity) > 0 || x.counts.failed() > 0
    ));

    // Refusals: the first and the most refused interval (the earliest on ties).
    let first = rows.iter().find(|x| x.counts.failed() > 0).unwrap();
    assert_eq!(d.first_refusal, Some(first.start));
    let most = rows
        .iter()
        .max_by_key(|x| (x.counts.failed(), std::cmp::Reverse(x.start)))
        .unwrap();
    assert_eq!(d.most_refused, Some((most.start, most.counts.failed())));

    // The busiest two hours: an hour before the most refused interval, clipped to the run.
    let from = most.start.saturating_sub(HOUR);
    let to = (from + 2 * HOUR).min(sc.duration);
    let from = to.saturating_sub(2 * HOUR);
    assert_eq!(d.busiest, Some((from, to)));
    let window: Vec<Sample> = rows
        .iter()
        .filter(|x| x.end > from && x.start < to)
        .cloned()
        .collect();
    assert_eq!(window.len(), 24, "two hours of five-minute rows");
    assert_eq!(d.busiest_rows, window);

    // The chart envelope: 864 rows in steps of 2, each step the highest value of its rows.
    let group = rows.len().div_ceil(600);
    assert_eq!(group, 2);
    for f in [
        Field::Active(0),
        Field::Limit(1),
        Field::ActiveTotal,
        Field::HandlerPeakInFlight,
        Field::FailuresPerMinute(FailureReason::HandlerThrottled),
        Field::RetriesPerMinute,
    ] {
        let mut want = Vec::new();
        for c in rows.chunks(group) {
            let v = c.iter().map(|x| f.of(x)).fold(f64::NEG_INFINITY, f64::max);
            want.push((c[0].start, v));
            want.push((c[c.len() - 1].end, v));
        }
        assert_eq!(d.envelope.steps(f), want, "{f:?}");
        assert_eq!(digest::steps(rows, f), want, "{f:?}");
    }

    // The throttled stretch: the consecutive throttled rows around the most throttled one.
    let worst = rows
        .iter()
        .enumerate()
        .max_by_key(|(_, x)| (throttled(x), std::cmp::Reverse(x.start)))
        .unwrap()
        .0;
    let mut a = worst;
    while a > 0 && throttled(&rows[a - 1]) > 0 {
        a -= 1;
    }
    let mut b = worst;
    while b + 1 < rows.len() && throttled(&rows[b + 1]) > 0 {
        b += 1;
    }
    let t = d.throttled.unwrap();
    assert_eq!((t.from, t.to), (rows[a].start, rows[b].end));
    assert_eq!(t.worst, throttled(&rows[worst]));
    let w = &rows[worst].counts;
    assert_eq!(t.first_attempts, w.attempts - w.retries);

    // The highest attempt rate per second (the earliest on ties).
    let mut rate = (0.0, 0);
    for x in rows {
        let v = x.counts.attempts as f64 / ((x.end - x.start) as f64 / 1_000.0);
        if v > rate.0 {
            rate = (v, x.start);
        }
    }
    assert_eq!(d.peak_attempt_rate, rate);

    // The least headroom: each row's peak against the higher of the limits at its start and
    // end, and with even-share limits each association against its own limit.
    let mut prev = sc.connection_limit(2);
    let mut least = f64::INFINITY;
    for x in rows {
        let limit = prev.max(x.limit_total);
        prev = x.limit_total;
        if limit > 0 {
            least = least.min(1.0 - x.peak_active_total as f64 / limit as f64);
        }
        for (i, &l) in x.limits.iter().enumerate() {
            if l > 0 {
                least = least.min(1.0 - x.active[i] as f64 / l as f64);
            }
        }
    }
    assert_eq!(d.headroom.unwrap().headroom, least);
}
