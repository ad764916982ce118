//! Calibrate → run → compare: a known scenario is run by the engine with its connection log on,
//! the log is written in the guide's format ("Connection log entries"), calibration fits a
//! population to it, and the fitted parameters and a run of the calibrated scenario are compared
//! with the known ones within the tolerances stated in each test.

use std::fmt::Write as _;

use cvpnsim::dist::Dist;
use cvpnsim::import::aws::Text;
use cvpnsim::import::calibrate::{self, ArrivalModel, CalibrateOptions, Calibration};
use cvpnsim::import::logs::{self, format_time};
use cvpnsim::model::*;
use cvpnsim::sim::{self, RunResult, SimOptions};

const ENDPOINT: &str = r#"
[output]
connection_log = true

[endpoint]
client_cidr_block = "10.100.0.0/16"
authentication = ["federated"]
vpc_id = "vpc-a"

[[vpc]]
id = "vpc-a"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-a"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-a"
cidr_block = "172.31.16.0/20"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"
"#;

fn load(text: &str) -> Scenario {
    cvpnsim::scenario::load_str("roundtrip.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn run(s: &Scenario) -> RunResult {
    sim::simulate(
        s,
        &SimOptions {
            connection_log: true,
            ..SimOptions::default()
        },
    )
}

/// The run's connection log in the guide's format: one `connection-attempt` entry per attempt
/// and one more, with the end time, for each connection that ended. Day 0 is 2024-01-01 plus
/// the scenario's start weekday (2024-01-01 was a Monday).
fn connection_log(s: &Scenario, r: &RunResult) -> String {
    let day0 = (19_723 + s.start_weekday.index() as i64) * 86_400;
    let time = |ms: Millis| format_time(day0 + (ms / 1000) as i64);
    let mut out = String::new();
    for e in &r.connection_log {
        let user = format!("{}-{:06}", s.populations[e.population.index()].name, e.user);
        let line = serde_json::json!({
            "connection-log-type": "connection-attempt",
            "connection-attempt-status": if e.failure.is_some() { "failed" } else { "successful" },
            "connection-reset-status": "NA",
            "connection-attempt-failure-reason": e.failure.map_or("NA", |f| f.name()),
            "connection-id": format!("cvpn-connection-{:017x}", e.connection_id),
            "client-vpn-endpoint-id": s.endpoint.id,
            "transport-protocol": s.endpoint.transport_protocol.name(),
            "connection-start-time": time(e.start),
            "connection-last-update-time": time(e.at),
            "client-ip": e.client_ip.map_or("NA".to_string(), |ip| ip.to_string()),
            "common-name": "NA",
            "device-type": "NA",
            "device-ip": "NA",
            "port": s.endpoint.vpn_port.to_string(),
            "ingress-bytes": "0",
            "egress-bytes": "0",
            "ingress-packets": "0",
            "egress-packets": "0",
            "connection-end-time": e.end.map_or("NA".to_string(), time),
            "username": user,
            "connection-duration-seconds": e.end.map_or("NA".to_string(), |t| ((t - e.start) / 1000).to_string()),
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

fn calibrate_from(s: &Scenario, r: &RunResult, model: ArrivalModel) -> Calibration {
    let read = logs::read(
        &[Text::new("connection-log.jsonl", connection_log(s, r))],
        0,
    );
    assert_eq!(read.unreadable, 0, "{:?}", read.findings);
    let opts = CalibrateOptions {
        model,
        ..CalibrateOptions::default()
    };
    calibrate::calibrate(&logs::pair(&read.entries), &opts).unwrap()
}

fn open_rate(hour: usize) -> f64 {
    match hour {
        0..=7 => 20.0,
        8..=17 => 300.0,
        _ => 40.0,
    }
}

#[test]
fn open_arrivals_and_sessions_survive_run_calibrate_run() {
    let text = format!(
        "name = \"open\"\nseed = 7\nduration = \"7d\"\n{ENDPOINT}\n\
         [[population]]\nname = \"staff\"\nauth_failure_rate = 0.1\n\
         arrivals = {{ profile = [{{ at = \"00:00\", per_hour = 20 }}, {{ at = \"08:00\", \
         per_hour = 300 }}, {{ at = \"18:00\", per_hour = 40 }}], repeat = \"1d\", session = \
         {{ lognormal = {{ median = \"45m\", p99 = \"5h\" }} }} }}\n"
    );
    let known = load(&text);
    let first = run(&known);
    let c = calibrate_from(&known, &first, ArrivalModel::Auto);
    assert_eq!(c.model, ArrivalModel::Poisson, "{}", c.model_reason);

    // Arrivals: each hour of the day averaged over the 7 days of the week fitted; a mean of
    // 7 Poisson counts has a standard error of √(λ/7): within 4 of them (plus rounding).
    let Arrivals::Poisson { profile, .. } = &c.population.arrivals else {
        panic!()
    };
    for h in 0..24 {
        let mean = (0..7).map(|d| profile[d * 24 + h].1).sum::<f64>() / 7.0;
        let truth = open_rate(h);
        let tol = 4.0 * (truth / 7.0).sqrt() + 0.5;
        assert!(
            (mean - truth).abs() <= tol,
            "hour {h}: {mean} vs {truth} ± {tol}"
        );
    }
    // Sessions: ~24,000; the log-normal is chosen, median within 5 %, p99 within 15 % (the
    // sessions still open at the end are left out, which shortens the tail a little).
    assert_eq!(c.session.chosen, "lognormal", "{:?}", c.session.candidates);
    let Dist::LogNormal { median, p99 } = c.session.dist else {
        panic!()
    };
    assert!(
        (median / (45.0 * MINUTE as f64) - 1.0).abs() < 0.05,
        "median {median}"
    );
    assert!((p99 / (5.0 * HOUR as f64) - 1.0).abs() < 0.15, "p99 {p99}");
    // Authentication failures: ~27,000 attempts, standard error 0.2 points.
    let rate = c.population.auth_failure_rate;
    assert!((rate - 0.1).abs() < 0.01, "{rate}");

    // Run the calibrated scenario and compare: attempts within 5 %, time-averaged concurrency
    // within 5 %, peak within 10 %.
    let calibrated = calibrate::with_population(&known, &c);
    let written = cvpnsim::scenario::write::to_toml(&calibrated);
    let second = run(&load(&written));
    let (a, b) = (&first.summary, &second.summary);
    let rel = |x: f64, y: f64| (x / y - 1.0).abs();
    assert!(
        rel(b.attempts as f64, a.attempts as f64) < 0.05,
        "{} vs {}",
        b.attempts,
        a.attempts
    );
    assert!(
        rel(b.mean_concurrency, a.mean_concurrency) < 0.05,
        "{} vs {}",
        b.mean_concurrency,
        a.mean_concurrency
    );
    assert!(
        rel(b.peak_concurrency as f64, a.peak_concurrency as f64) < 0.10,
        "{} vs {}",
        b.peak_concurrency,
        a.peak_concurrency
    );
}

#[test]
fn a_workday_population_survives_run_calibrate_run() {
    let text = format!(
        "name = \"workday\"\nseed = 3\nduration = \"14d\"\n{ENDPOINT}\n\
         [[population]]\nname = \"engineering\"\nusers = 300\n\
         workday = {{ start = {{ normal = {{ mean = \"09:00\", sd = \"30m\" }} }}, length = \
         {{ normal = {{ mean = \"8h\", sd = \"1h\" }} }}, days = \"mon-fri\" }}\n"
    );
    let known = load(&text);
    let first = run(&known);
    let c = calibrate_from(&known, &first, ArrivalModel::Auto);
    assert_eq!(c.model, ArrivalModel::Workday, "{}", c.model_reason);
    let Arrivals::Workday {
        users,
        start,
        length,
        days,
    } = &c.population.arrivals
    else {
        panic!()
    };
    assert_eq!(*users, 300);
    assert_eq!(*days, DaySet(0b1_1111));
    // 3,000 user-days: the start's mean has a standard error of 0.6 min (within 3 min), its
    // standard deviation within 15 %; the working day's mean within 10 minutes.
    assert!(
        (start.mean() - 9.0 * HOUR as f64).abs() < 3.0 * MINUTE as f64,
        "{start:?}"
    );
    if let Dist::Normal { sd, .. } = start {
        assert!(
            (sd / (30.0 * MINUTE as f64) - 1.0).abs() < 0.15,
            "{start:?}"
        );
    } else {
        panic!("start fitted as {start:?}");
    }
    assert!(
        (length.mean() - 8.0 * HOUR as f64).abs() < 10.0 * MINUTE as f64,
        "{length:?}"
    );

    let second = run(&load(&cvpnsim::scenario::write::to_toml(
        &calibrate::with_population(&known, &c),
    )));
    let (a, b) = (&first.summary, &second.summary);
    let rel = |x: f64, y: f64| (x / y - 1.0).abs();
    assert!(
        rel(b.attempts as f64, a.attempts as f64) < 0.05,
        "{} vs {}",
        b.attempts,
        a.attempts
    );
    assert!(
        rel(b.peak_concurrency as f64, a.peak_concurrency as f64) < 0.05,
        "{} vs {}",
        b.peak_concurrency,
        a.peak_concurrency
    );
}
