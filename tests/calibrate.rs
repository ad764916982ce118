//! `cvpnsim calibrate` on connection logs generated here from a known model with a fixed seed:
//! the fit must recover the model's parameters within the tolerances stated in each test
//! (derived from the sampling error of the generated data).
//!
//! The logs follow the guide's "Connection log entries" format: one `connection-attempt` entry
//! per attempt (successful or failed with its reason) and, for a connection that ends, a second
//! entry with the same `connection-id` and the `connection-end-time`.

use std::fmt::Write as _;
use std::sync::OnceLock;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use cvpnsim::calibrate::{self, ArrivalModel, CalibrateOptions, Calibration};
use cvpnsim::dist::{unit, Dist};
use cvpnsim::import::aws::Text;
use cvpnsim::import::logs::{self, days_from_civil};
use cvpnsim::model::*;
use cvpnsim::timefmt::unix as format_time;

/// The behaviour of clients when connecting.
struct Behaviour {
    auth_fail: f64,
    deny: f64,
    /// Retry: initial delay (s), multiplier, cap (s), jitter, attempts before giving up.
    retry: (f64, f64, f64, f64, u32),
}

struct Log {
    text: String,
    next_id: u64,
}

impl Log {
    /// One entry: `times` = (start, last update, end), `outcome` = (status, reason).
    fn entry(
        &mut self,
        id: u64,
        user: &str,
        times: (i64, i64, Option<i64>),
        outcome: (&str, &str),
    ) {
        let (start, update, end) = times;
        let (status, reason) = outcome;
        let end_text = end.map_or("NA".to_string(), format_time);
        let duration = end.map_or("NA".to_string(), |e| (e - start).to_string());
        let line = serde_json::json!({
            "connection-log-type": "connection-attempt",
            "connection-attempt-status": status,
            "connection-reset-status": "NA",
            "connection-attempt-failure-reason": reason,
            "connection-id": format!("cvpn-connection-{id:017x}"),
            "client-vpn-endpoint-id": "cvpn-endpoint-0123456789abcdef0",
            "transport-protocol": "udp",
            "connection-start-time": format_time(start),
            "connection-last-update-time": format_time(update),
            "client-ip": if status == "successful" { "10.100.0.5" } else { "NA" },
            "common-name": "NA",
            "device-type": "mac",
            "device-ip": "198.51.100.7",
            "port": "443",
            "ingress-bytes": "0",
            "egress-bytes": "0",
            "ingress-packets": "0",
            "egress-packets": "0",
            "connection-end-time": end_text,
            "username": user,
            "connection-duration-seconds": duration,
        });
        let _ = writeln!(self.text, "{line}");
    }

    /// Attempts until connected (or given up) from time `t` (seconds); returns when the user
    /// connected.
    fn connect(
        &mut self,
        rng: &mut ChaCha8Rng,
        b: &Behaviour,
        user: &str,
        mut t: f64,
    ) -> Option<f64> {
        let (initial, mult, cap, jitter, give_up) = b.retry;
        for k in 1..=give_up {
            let id = self.next_id;
            self.next_id += 1;
            let reason = if unit(rng) < b.auth_fail {
                Some("authentication-failed")
            } else if unit(rng) < b.deny {
                Some("client-connect-failed")
            } else {
                None
            };
            let start = t as i64;
            match reason {
                None => {
                    self.entry(id, user, (start, start, None), ("successful", "NA"));
                    return Some(t);
                }
                Some(r) => {
                    let done = t + 1.0;
                    self.entry(id, user, (start, done as i64, None), ("failed", r));
                    let nominal = (initial * mult.powi(k as i32 - 1)).min(cap);
                    t = done + nominal * (1.0 - jitter * unit(rng));
                }
            }
        }
        None
    }

    /// The end entry of the last successful connection.
    fn end(&mut self, user: &str, start: f64, end: f64) {
        let id = self.next_id - 1;
        self.entry(
            id,
            user,
            (start as i64, end as i64, Some(end as i64)),
            ("successful", "NA"),
        );
    }
}

const MONDAY: i64 = 19_723; // 2024-01-01

fn poisson_rate(weekday: usize, hour: usize) -> f64 {
    match (weekday, hour) {
        (0..=4, 8..=17) => 240.0,
        (0..=4, _) => 12.0,
        _ => 6.0,
    }
}

const FLAKY: Behaviour = Behaviour {
    auth_fail: 0.25,
    deny: 0.05,
    retry: (10.0, 2.0, 45.0, 0.4, 6),
};

fn session_truth() -> Dist {
    Dist::LogNormal {
        median: HOUR as f64,
        p99: 6.0 * HOUR as f64,
    }
}

/// Four weeks of open arrivals (the rates above times `scale`), each a new user, sessions
/// log-normal.
fn poisson_logs(seed: u64, scale: f64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = Log {
        text: String::new(),
        next_id: 1,
    };
    let session = session_truth();
    let mut user = 0;
    for day in 0..28 {
        for hour in 0..24 {
            let rate = scale * poisson_rate(day as usize % 7, hour);
            let slot = (MONDAY + day) * 86_400 + hour as i64 * 3600;
            let mut t = slot as f64;
            loop {
                t += -3600.0 / rate * libm::log(1.0 - unit(&mut rng));
                if t >= (slot + 3600) as f64 {
                    break;
                }
                user += 1;
                let name = format!("contractor-{user:06}");
                let len = session.sample(&mut rng) / 1000.0;
                if let Some(at) = log.connect(&mut rng, &FLAKY, &name, t) {
                    log.end(&name, at, at + len);
                }
            }
        }
    }
    log.text
}

/// The main logs' rates: about 26,000 arrivals in four weeks.
const SCALE: f64 = 0.5;

/// The main logs and their fits, generated once for the tests that share them.
fn poisson_fit() -> &'static Calibration {
    static FIT: OnceLock<Calibration> = OnceLock::new();
    FIT.get_or_init(|| fit(&poisson_logs(11, SCALE), ArrivalModel::Auto))
}

/// Smaller logs (about 10,000 arrivals) for the tests that fit more than once.
fn small_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| poisson_logs(3, 0.2))
}

fn workday_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| workday_logs(5, 400))
}

fn workday_fit() -> &'static Calibration {
    static FIT: OnceLock<Calibration> = OnceLock::new();
    FIT.get_or_init(|| fit(workday_text(), ArrivalModel::Auto))
}

fn fit(text: &str, model: ArrivalModel) -> Calibration {
    let read = logs::read(&[Text::new("connection-log.jsonl", text)], 0);
    assert_eq!(read.unreadable, 0, "{:?}", read.findings);
    let conns = logs::pair(&read.entries);
    let opts = CalibrateOptions {
        model,
        ..CalibrateOptions::default()
    };
    calibrate::calibrate(&conns, &opts).unwrap()
}

#[test]
fn poisson_arrivals_by_hour_of_week_are_recovered() {
    let c = poisson_fit();
    assert_eq!(c.model, ArrivalModel::Poisson, "{}", c.model_reason);
    let Arrivals::Poisson {
        profile, period, ..
    } = &c.population.arrivals
    else {
        panic!("not Poisson")
    };
    assert_eq!(*period, Some(7 * DAY));
    assert_eq!(profile.len(), 168);
    // Each hour's rate is the mean of 4 Poisson counts: within 4 standard errors
    // (4·√(λ/4)), plus 0.5 for rounding.
    for (h, (at, rate)) in profile.iter().enumerate() {
        assert_eq!(*at, h as Millis * HOUR);
        let truth = SCALE * poisson_rate(h / 24, h % 24);
        let tol = 4.0 * (truth / 4.0).sqrt() + 0.5;
        assert!(
            (rate - truth).abs() <= tol,
            "hour {h}: fitted {rate}, truth {truth}, tolerance {tol}"
        );
    }
    // The week's total within 2 % (its standard error is 0.6 %).
    let total: f64 = profile.iter().map(|p| p.1).sum();
    let truth: f64 = (0..168).map(|h| SCALE * poisson_rate(h / 24, h % 24)).sum();
    assert!((total / truth - 1.0).abs() < 0.02, "{total} vs {truth}");
}

#[test]
fn session_lengths_choose_the_lognormal_and_recover_it() {
    let c = poisson_fit();
    assert_eq!(c.session.chosen, "lognormal", "{:?}", c.session.candidates);
    let Dist::LogNormal { median, p99 } = c.session.dist else {
        panic!("not lognormal")
    };
    // 26,000 sessions: the median's standard error is below 1 %; retry delays add at most
    // a few seconds to a session. Median within 3 %, p99 within 10 %.
    assert!((median / HOUR as f64 - 1.0).abs() < 0.03, "median {median}");
    assert!((p99 / (6.0 * HOUR as f64) - 1.0).abs() < 0.10, "p99 {p99}");
}

#[test]
fn failure_rates_and_retry_policy_are_recovered() {
    let c = poisson_fit();
    let p = &c.population;
    // About 36,000 attempts: the rates' standard errors are below 0.3 percentage points.
    assert!(
        (p.auth_failure_rate - 0.25).abs() < 0.01,
        "{}",
        p.auth_failure_rate
    );
    let deny = c
        .handler_rates
        .iter()
        .find(|(k, _)| *k == "deny_rate")
        .unwrap()
        .1;
    assert!((deny - 0.05).abs() < 0.005, "{deny}");
    assert_eq!(p.revoked_fraction, 0.0);
    // Retry delays are measured to the second: initial 10 s within 1.5 s, the cap 45 s within
    // 10 %, the multiplier 2 within 10 %, jitter 0.4 within 0.08.
    let r = &p.retry;
    assert!((r.initial as f64 - 10_000.0).abs() <= 1_500.0, "{r:?}");
    assert!((r.max as f64 - 45_000.0).abs() <= 4_500.0, "{r:?}");
    assert!((r.multiplier - 2.0).abs() <= 0.2, "{r:?}");
    assert!((r.jitter - 0.4).abs() <= 0.08, "{r:?}");
    assert_eq!(r.give_up_after, 6, "{r:?}");
}

/// Two weeks of a closed population: `users` people on weekdays, start N(09:00, 30m),
/// working N(9h, 30m), on an endpoint whose sessions time out after 8 h and whose users must
/// log in again (federated): they come back after Exp(3m) with probability 0.9.
fn workday_logs(seed: u64, users: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = Log {
        text: String::new(),
        next_id: 1,
    };
    let calm = Behaviour {
        auth_fail: 0.02,
        deny: 0.0,
        retry: (2.0, 2.0, 120.0, 0.5, 20),
    };
    let start = Dist::Normal {
        mean: 9.0 * HOUR as f64,
        sd: 30.0 * MINUTE as f64,
    };
    let length = Dist::Normal {
        mean: 9.0 * HOUR as f64,
        sd: 30.0 * MINUTE as f64,
    };
    for day in 0..14 {
        if day % 7 >= 5 {
            continue;
        }
        for u in 0..users {
            let name = format!("engineer-{u:04}");
            let t0 = ((MONDAY + day) * 86_400) as f64 + start.sample(&mut rng) / 1000.0;
            let work_end = t0 + length.sample(&mut rng) / 1000.0;
            let mut t = t0;
            while let Some(at) = log.connect(&mut rng, &calm, &name, t) {
                let timeout = at + 8.0 * 3600.0;
                if work_end <= timeout {
                    log.end(&name, at, work_end);
                    break;
                }
                log.end(&name, at, timeout);
                if unit(&mut rng) >= 0.9 {
                    break;
                }
                t = timeout - 180.0 * libm::log(1.0 - unit(&mut rng));
            }
        }
    }
    log.text
}

#[test]
fn a_workday_population_is_recovered() {
    let c = workday_fit();
    assert_eq!(c.model, ArrivalModel::Workday, "{}", c.model_reason);
    let Arrivals::Workday {
        users,
        start,
        length,
        days,
    } = &c.population.arrivals
    else {
        panic!("not workday")
    };
    assert_eq!(*users, 400);
    assert_eq!(*days, DaySet(0b1_1111), "mon-fri");
    // 4,000 user-days: the start's mean has a standard error of 0.5 min; within 2 min, its
    // standard deviation within 10 %.
    let Dist::Normal { mean, sd } = start else {
        panic!("start {start:?}")
    };
    assert!(
        (mean - 9.0 * HOUR as f64).abs() < 2.0 * MINUTE as f64,
        "{mean}"
    );
    assert!((sd / (30.0 * MINUTE as f64) - 1.0).abs() < 0.10, "{sd}");
    // The working day spans reconnects: 90 % work the full N(9h, 30m), 10 % stop at the 8 h
    // timeout. Its mean: 0.9·9h + 0.1·8h (± a few minutes of reconnect delays) = 8.9 h ± 6 min.
    let m = length.mean() / HOUR as f64;
    assert!((m - 8.9).abs() < 0.1, "length mean {m} h ({length:?})");
}

#[test]
fn manual_reconnects_after_the_session_timeout_are_recovered() {
    // guide: AWS Client VPN maximum VPN session duration timeout — federated users log in again.
    let c = workday_fit();
    let p = &c.population;
    // About 3,600 timeouts: the probability's standard error is 0.5 percentage points.
    assert!(
        (p.manual_reconnect_probability - 0.9).abs() < 0.02,
        "{}",
        p.manual_reconnect_probability
    );
    // Delays Exp(3 min), measured to the second: mean within 10 %.
    let mean = p.manual_reconnect_delay.mean();
    assert!(
        (mean / (3.0 * MINUTE as f64) - 1.0).abs() < 0.10,
        "{:?}",
        p.manual_reconnect_delay
    );
}

#[test]
fn the_same_logs_give_the_same_fit() {
    let text = small_text();
    let a = fit(text, ArrivalModel::Auto);
    // Reversed line order: pairing and fitting do not depend on it.
    let reversed: String = text.lines().rev().map(|l| format!("{l}\n")).collect();
    let b = fit(&reversed, ArrivalModel::Auto);
    assert_eq!(a.population, b.population);
    assert_eq!(a.report, b.report);
    assert_eq!(
        calibrate::population_toml(&a),
        calibrate::population_toml(&b)
    );
}

/// A minimal scenario around a population section, to check that the section loads.
fn around(population: &str, start_weekday: &str) -> String {
    format!(
        "name = \"t\"\nduration = \"1d\"\nstart_weekday = \"{start_weekday}\"\n\
         [endpoint]\nclient_cidr_block = \"10.100.0.0/16\"\nauthentication = [\"federated\"]\n\
         vpc_id = \"vpc-a\"\n\
         [[vpc]]\nid = \"vpc-a\"\ncidr_blocks = [\"172.31.0.0/16\"]\n\
         [[subnet]]\nid = \"s-a\"\nvpc_id = \"vpc-a\"\ncidr_block = \"172.31.0.0/20\"\n\
         availability_zone = \"az-a\"\n[[association]]\nsubnet_id = \"s-a\"\n\n{population}"
    )
}

#[test]
fn the_population_section_loads_and_keeps_the_fit() {
    for (text, model) in [
        (small_text(), ArrivalModel::Poisson),
        (workday_text(), ArrivalModel::Workday),
    ] {
        let c = fit(text, model);
        let section = calibrate::population_toml(&c);
        let loaded = cvpnsim::scenario::load_str("t.toml", &around(&section, "mon"))
            .unwrap_or_else(|e| panic!("{e}\n{section}"))
            .scenario;
        let p = &loaded.populations[0];
        assert_eq!(p.retry, c.population.retry);
        match (&p.arrivals, &c.population.arrivals) {
            (Arrivals::Poisson { profile: a, .. }, Arrivals::Poisson { profile: b, .. }) => {
                assert_eq!(a, b)
            }
            (
                Arrivals::Workday {
                    users: a, days: x, ..
                },
                Arrivals::Workday {
                    users: b, days: y, ..
                },
            ) => {
                assert_eq!((a, x), (b, y))
            }
            other => panic!("arrivals changed: {other:?}"),
        }
        // Durations are written to the millisecond: the session distribution's mean is kept.
        let written = match &p.arrivals {
            Arrivals::Poisson { session, .. } => session.mean(),
            Arrivals::Workday { length, .. } => length.mean(),
        };
        let fitted = match &c.population.arrivals {
            Arrivals::Poisson { session, .. } => session.mean(),
            Arrivals::Workday { length, .. } => length.mean(),
        };
        assert!((written - fitted).abs() < 1.0);
    }
}

#[test]
fn other_log_shapes_are_read() {
    let text = poisson_logs(3, 0.05);
    let lines: Vec<&str> = text.lines().take(200).collect();
    // aws logs filter-log-events output.
    let events: Vec<serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::json!({"logStreamName": "cvpn-endpoint-0123456789abcdef0-us-east-1-2024/01/01-abc",
                "timestamp": 1_704_067_200_000_i64 + i as i64, "message": l,
                "ingestionTime": 1_704_067_200_500_i64, "eventId": format!("{i:056}")})
        })
        .collect();
    let doc = serde_json::json!({"events": events, "searchedLogStreams": []}).to_string();
    // An export to S3: the timestamp, a space, the message.
    let s3: String = lines
        .iter()
        .map(|l| format!("2024-01-01T00:00:00.000Z {l}\n"))
        .collect();
    let plain: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let want = logs::read(&[Text::new("a", plain)], 0).entries;
    assert_eq!(want.len(), 200);
    for (name, t) in [("events.json", doc), ("export.txt", s3)] {
        let got = logs::read(&[Text::new(name, t)], 0);
        assert_eq!(got.unreadable, 0, "{name}: {:?}", got.findings);
        assert_eq!(got.entries, want, "{name}");
    }
    // describe-client-vpn-connections: connections only, the active one still open.
    let api = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/aws/connections.json"
    ))
    .unwrap();
    let got = logs::read(&[Text::new("connections.json", api)], 0);
    assert!(got.from_connections_api);
    let conns = logs::pair(&got.entries);
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].user.as_deref(), Some("alice"));
    assert_eq!(conns[0].end.unwrap() - conns[0].start, 3_680);
    assert_eq!(conns[1].end, None);
}

#[test]
fn a_utc_offset_moves_the_workday_to_local_time() {
    let text = workday_text();
    // The same logs read as if written in UTC by users at UTC+02:00: the day starts at 11:00.
    let read = logs::read(&[Text::new("l", text)], 2 * 3600);
    let conns = logs::pair(&read.entries);
    let c = calibrate::calibrate(&conns, &CalibrateOptions::default()).unwrap();
    let Arrivals::Workday { start, .. } = &c.population.arrivals else {
        panic!()
    };
    assert!((start.mean() - 11.0 * HOUR as f64).abs() < 3.0 * MINUTE as f64);
}

#[test]
fn too_few_sessions_is_an_error_not_a_guess() {
    let text: String = poisson_logs(3, 0.05)
        .lines()
        .take(15)
        .map(|l| format!("{l}\n"))
        .collect();
    let read = logs::read(&[Text::new("l", text)], 0);
    let err =
        calibrate::calibrate(&logs::pair(&read.entries), &CalibrateOptions::default()).unwrap_err();
    assert!(err.contains("at least 20 are needed"), "{err}");
    let _ = days_from_civil(2024, 1, 1);
    let _ = ChaCha8Rng::seed_from_u64(0).next_u32();
}

fn cvpnsim(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_writes_the_population_report_and_charts() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("connection-log.jsonl"), workday_text()).unwrap();
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/two-az-workday.toml");
    let args = [
        "calibrate",
        "connection-log.jsonl",
        "--base",
        base,
        "-o",
        "fit",
    ];
    let (code, out, err) = cvpnsim(&args, tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("fitted a workday population `calibrated`"),
        "{out}"
    );
    let dir = tmp.path().join("fit");
    for f in [
        "population.toml",
        "report.md",
        "arrivals.png",
        "sessions.png",
        "scenario.toml",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    for png in ["arrivals.png", "sessions.png"] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("Model: workday (auto:"));
    // The base's populations are replaced; what the logs cannot say is kept from the base.
    let s = cvpnsim::scenario::load_file(&dir.join("scenario.toml"))
        .unwrap()
        .scenario;
    assert_eq!(s.populations.len(), 1);
    assert_eq!(s.populations[0].name, "calibrated");
    assert_eq!(s.populations[0].groups, ["S-engineering"]);
    assert!(matches!(
        s.populations[0].arrivals,
        Arrivals::Workday { users: 400, .. }
    ));

    // Existing files are not replaced without --force.
    let (code, _, err) = cvpnsim(&args, tmp.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("refusing to overwrite fit/population.toml"),
        "{err}"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(cvpnsim(&forced, tmp.path()).0, 0);

    // Nothing to fit: exit 1 with the reason.
    std::fs::write(tmp.path().join("empty.jsonl"), "").unwrap();
    let (code, _, err) = cvpnsim(&["calibrate", "empty.jsonl", "-o", "e"], tmp.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("no connection attempt with an outcome"),
        "{err}"
    );
}

#[test]
fn garbage_logs_never_panic() {
    let text = small_text();
    let lines: Vec<&str> = text.lines().take(300).collect();
    let mut mangled = String::new();
    for (i, l) in lines.iter().enumerate() {
        let cut = (i * 37) % l.len().max(1);
        let l = if l.is_char_boundary(cut) {
            &l[..cut]
        } else {
            l
        };
        let _ = writeln!(mangled, "{l}");
        let _ = writeln!(mangled, "{}", lines[i].replace("2024-01", "2024-13"));
    }
    let read = logs::read(&[Text::new("mangled.jsonl", mangled)], 0);
    assert!(read.unreadable > 0);
    assert!(
        read.findings.len() <= 11 + 10,
        "reported one by one up to a limit"
    );
    let _ = calibrate::calibrate(&logs::pair(&read.entries), &CalibrateOptions::default());
}
