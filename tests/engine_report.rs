//! Output files (docs/model.md §10) and the results writer: formats as the guide names them, atomic
//! writes, and no silent overwrite of another scenario's results.

use std::fs;

use crate::support::*;
use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::report::files::OutputError;
use cvpnsim::report::{self, RunOutput};
use cvpnsim::scenario::fingerprint;
use cvpnsim::sim::{self, RunResult, SimOptions};

fn small() -> Scenario {
    let mut sc = endpoint(2);
    sc.duration = 2 * HOUR;
    sc.endpoint.authentication = Authentication::MutualAnd(UserAuth::ActiveDirectory);
    sc.endpoint.client_connect_handler = Some(handler(Dist::Fixed(500.0), 3));
    let mut pop = crowd(10, HOUR);
    pop.retry = retries(2);
    sc.populations.push(pop);
    sc
}

fn result(sc: &Scenario) -> RunResult {
    sim::simulate(
        sc,
        &SimOptions {
            connection_log: true,
            ..SimOptions::default()
        },
    )
}

fn render(sc: &Scenario, r: &RunResult, name: &str) -> String {
    let hash = fingerprint(sc);
    let out = RunOutput {
        scenario: sc,
        result: r,
        scenario_hash: &hash,
        gaps: &[],
    };
    let e = report::standard_exporters(true)
        .into_iter()
        .find(|e| e.file_name() == name)
        .unwrap();
    String::from_utf8(e.render(&out).unwrap()).unwrap()
}

/// Guide, "Connection log entries": the keys of the example entry, in its order, then the keys
/// the guide lists after it; handler throttling appears with the guide's reason string.
#[test]
fn connection_log_entries_use_the_guides_keys() {
    let sc = small();
    let r = result(&sc);
    let text = render(&sc, &r, "connection-log.jsonl");
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .next()
        .unwrap()
        .split("\",\"")
        .map(|k| k.trim_start_matches("{\""))
        .map(|k| k.split('"').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "connection-log-type",
            "connection-attempt-status",
            "connection-reset-status",
            "connection-attempt-failure-reason",
            "connection-id",
            "client-vpn-endpoint-id",
            "transport-protocol",
            "connection-start-time",
            "connection-last-update-time",
            "client-ip",
            "common-name",
            "device-type",
            "device-ip",
            "port",
            "ingress-bytes",
            "egress-bytes",
            "ingress-packets",
            "egress-packets",
            "connection-end-time",
            "username",
            "connection-duration-seconds",
        ]
    );
    assert_eq!(first["connection-log-type"], "connection-attempt");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let throttled = lines
        .iter()
        .filter(|l| l["connection-attempt-failure-reason"] == "client-connect-handler-throttled")
        .count();
    assert_eq!(
        throttled as u64,
        r.summary.failures_by_reason.0[sim::FailureReason::HandlerThrottled.index()]
    );
    assert!(throttled > 0);
    // Three handler slots for ten simultaneous users: the first three connect at 00:00:00.5.
    let ok: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["connection-attempt-status"] == "successful")
        .collect();
    assert_eq!(ok[0]["connection-start-time"], "2024-01-01 00:00:00");
    assert_eq!(ok[0]["client-ip"], "10.100.128.0");
    assert_eq!(ok[0]["common-name"], ok[0]["username"]);
    // An ended connection repeats the id with its end time and duration.
    let ended: Vec<&&serde_json::Value> = ok
        .iter()
        .filter(|l| l["connection-end-time"] != "NA")
        .collect();
    assert!(!ended.is_empty());
    let id = &ended[0]["connection-id"];
    assert_eq!(
        lines.iter().filter(|l| &l["connection-id"] == id).count(),
        2
    );
    assert_eq!(ended[0]["connection-duration-seconds"], "3599");
}

/// Guide, "Connection log entries": the example entry's `port` is "50096", the client's source
/// port, not the endpoint's VPN port (443). Each connection gets a port of the dynamic range
/// 49152–65535 from its id; its end entry repeats it; ports vary between connections and repeat
/// exactly in a second run.
#[test]
fn connection_log_port_is_the_clients_source_port() {
    let sc = small();
    let r = result(&sc);
    let text = render(&sc, &r, "connection-log.jsonl");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut by_id: std::collections::BTreeMap<String, Vec<u16>> = Default::default();
    for l in &lines {
        let port: u16 = l["port"].as_str().unwrap().parse().unwrap();
        assert!((49152..=65535).contains(&port), "{port}");
        assert_ne!(port, sc.endpoint.vpn_port);
        by_id
            .entry(l["connection-id"].as_str().unwrap().to_string())
            .or_default()
            .push(port);
    }
    assert!(
        by_id.values().all(|p| p.iter().all(|&x| x == p[0])),
        "one port per connection"
    );
    let distinct: std::collections::BTreeSet<u16> = by_id.values().map(|p| p[0]).collect();
    assert!(
        distinct.len() * 10 >= by_id.len() * 9,
        "{} ports for {} connections",
        distinct.len(),
        by_id.len()
    );
    assert_eq!(render(&sc, &result(&sc), "connection-log.jsonl"), text);
}

/// Guide, "CloudWatch metrics": the metric names, one row per five-minute period.
#[test]
fn metrics_use_cloudwatch_names_per_five_minutes() {
    let mut sc = small();
    sc.sample_interval = 10 * MINUTE;
    let r = result(&sc);
    let text = render(&sc, &r, "metrics.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Timestamp,period_start_ms,ActiveConnectionsCount,AuthenticationFailures,ClientConnectHandlerTimeouts,\
         ClientConnectHandlerInvalidResponses,ClientConnectHandlerOtherExecutionErrors,\
         ClientConnectHandlerThrottlingErrors,ClientConnectHandlerDeniedConnections,\
         ClientConnectHandlerFailedServiceErrors"
    );
    assert_eq!(lines.count(), 24, "2 h in 5-minute periods");
    assert_eq!(
        r.samples.len(),
        12,
        "the time series follows sample_interval"
    );
    let throttled: u64 = r
        .metric_rows()
        .map(|s| s.counts.failures_of(sim::FailureReason::HandlerThrottled))
        .sum();
    assert_eq!(
        throttled,
        r.summary.failures_by_reason.0[sim::FailureReason::HandlerThrottled.index()]
    );
}

#[test]
fn timeseries_has_a_column_per_association_and_reason() {
    let sc = small();
    let r = result(&sc);
    let text = render(&sc, &r, "timeseries.csv");
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    for col in [
        "active_subnet-a",
        "active_subnet-b",
        "limit_subnet-a",
        "client-cidr-exhausted",
        "handler_in_flight",
        "below_floor",
    ] {
        assert!(header.contains(&col), "{col}");
    }
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 24);
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(rows[0][col("limit_subnet-a")], "18250");
    assert_eq!(rows[0][col("time")], "d0 Mon 00:00:00");
}

#[test]
fn summary_records_the_hash_seed_and_marks() {
    let mut sc = small();
    sc.events
        .push(outage(&sc, 0, 30 * MINUTE, Some(10 * MINUTE)));
    let r = result(&sc);
    let v: serde_json::Value = serde_json::from_str(&render(&sc, &r, "summary.json")).unwrap();
    assert_eq!(v["scenario_hash"], fingerprint(&sc));
    assert_eq!(v["seed"], 7);
    assert_eq!(v["marks"][0]["kind"], "az-outage-start");
    assert_eq!(v["marks"][1]["at_ms"], 40 * MINUTE);
    assert_eq!(
        v["failures_by_reason"]["client-connect-handler-throttled"],
        r.summary.failures_by_reason.0[3]
    );
}

/// summary.json carries the verdict and the findings the report and the terminal show: the
/// bundled two-az-workday's /18 at 2.3 % headroom is a finding whose change is a /17, and its
/// reset storm through a handler of 100 is one whose change is a handler concurrency.
#[test]
fn summary_carries_the_verdict_and_the_findings() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/two-az-workday.toml");
    let sc = cvpnsim::scenario::load_file(std::path::Path::new(path))
        .unwrap()
        .scenario;
    let r = result(&sc);
    let v: serde_json::Value = serde_json::from_str(&render(&sc, &r, "summary.json")).unwrap();
    // The renderer above passes no reachability gaps: the findings without them.
    let found = cvpnsim::findings::findings(&sc, &r, &[]);
    assert_eq!(v["verdict"], cvpnsim::findings::verdict(&found));
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), found.len());
    for (j, x) in f.iter().zip(&found) {
        assert_eq!(j["title"], x.title.as_str());
        assert_eq!(j["measured"], x.measured.as_str());
        assert_eq!(j["fix"], x.fix_text.as_str());
    }
    let by = |t: &str| {
        f.iter()
            .find(|x| x["title"].as_str().unwrap().starts_with(t))
            .unwrap()
    };
    let addresses = by("Client-address headroom");
    assert_eq!(addresses["severity"], "warning");
    assert_eq!(addresses["change"]["client_cidr_prefix"], 17);
    let handler = by("Connect handler throttling");
    assert!(handler["change"]["handler_concurrency"].as_u64().unwrap() > 100);
    assert_eq!(by("Bandwidth below")["severity"], "not-measured");
    // The report shows what users saw: the time to connect and each event's recovery, in the
    // seconds (one decimal, thousands grouped) the terminal writes.
    let html = cvpnsim::report::html::render(&sc, &r, &[], "hash", &[]);
    assert!(html.contains("<h3>Time to connect</h3>"), "no outcomes");
    assert!(
        html.contains("<h3>Recovery after each event</h3>"),
        "no recovery"
    );
    let reset = r
        .summary
        .recovery
        .iter()
        .find(|e| e.users_dropped == 8000)
        .unwrap();
    // The report keeps a time on one line: a no-break space before the unit.
    let p99 = format!("{:.1}\u{a0}s", reset.time_to_99_percent_back_s.unwrap());
    assert!(
        html.contains("<td class=\"n\">8,000</td><td class=\"n\">8,000</td><td class=\"n\">0</td>"),
        "reset row"
    );
    assert!(html.contains(&p99), "{p99} not in the report");
}

fn write(
    dir: &std::path::Path,
    sc: &Scenario,
    log: bool,
    force: bool,
) -> Result<Vec<std::path::PathBuf>, OutputError> {
    let r = result(sc);
    let hash = fingerprint(sc);
    let out = RunOutput {
        scenario: sc,
        result: &r,
        scenario_hash: &hash,
        gaps: &[],
    };
    report::write_run(
        dir,
        &out,
        &report::standard_exporters(log),
        &[("extra.txt".to_string(), b"x".to_vec())],
        force,
    )
}

#[test]
fn writer_refuses_another_scenarios_results_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results");
    let sc = small();
    let written = write(&dir, &sc, true, false).unwrap();
    let names: Vec<_> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "timeseries.csv",
            "metrics.csv",
            "reachability.csv",
            "connection-log.jsonl",
            "extra.txt",
            "summary.json",
            ".cvpnsim-results"
        ],
        "summary last of the files, the marker after it"
    );
    write(&dir, &sc, true, false).expect("the same scenario may overwrite its own results");

    let mut other = small();
    other.seed = 99;
    let err = write(&dir, &other, true, false).unwrap_err();
    assert!(matches!(err, OutputError::Foreign { .. }));
    assert!(err.to_string().contains("--force"), "{err}");
    write(&dir, &other, false, true).expect("--force overwrites");
    assert!(
        !dir.join("connection-log.jsonl").exists(),
        "a stale log of the earlier run is removed"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["scenario_hash"], fingerprint(&other));
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains(".partial-")),
        "no temporary file left: {names:?}"
    );
}

/// A folder of files cvpnsim did not write is never taken over, even with `--force`: a results
/// folder is replaced as a whole, which would delete them.
#[test]
fn writer_refuses_a_folder_of_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let err = write(tmp.path(), &small(), false, false).unwrap_err();
    assert!(matches!(err, OutputError::NotOurs { .. }), "{err}");
    let err = write(tmp.path(), &small(), false, true).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

/// One sampler feeds both files: metric rows merged from 1-minute samples are the rows a
/// separate five-minute sampler records (a 7-minute time series cannot be merged into
/// five-minute periods, so that run keeps its own metrics sampler).
#[test]
fn merged_metric_rows_equal_a_separate_samplers_rows() {
    let mut merged = small();
    merged.sample_interval = MINUTE;
    let mut separate = small();
    separate.sample_interval = 7 * MINUTE;
    assert!(sim::metrics_merge(&merged) && !sim::metrics_merge(&separate));
    let a: Vec<_> = result(&merged).metric_rows().collect();
    let b: Vec<_> = result(&separate).metric_rows().collect();
    assert_eq!(a.len(), 24, "2 h in 5-minute periods");
    assert_eq!(a, b);
    assert!(
        a.iter().map(|r| r.counts.attempts).sum::<u64>() > 0,
        "the runs did something"
    );
}

/// `[output] metrics_period` sets the CloudWatch period of `metrics.csv`.
#[test]
fn metrics_follow_the_period_set() {
    let mut sc = small();
    sc.output.metrics_period = 20 * MINUTE;
    let r = result(&sc);
    let text = render(&sc, &r, "metrics.csv");
    let starts: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        starts,
        ["0", "1200000", "2400000", "3600000", "4800000", "6000000"]
    );
    let attempts: u64 = r.metric_rows().map(|m| m.counts.attempts).sum();
    assert_eq!(attempts, r.summary.attempts);
}
