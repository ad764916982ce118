//! Connection logs in (guide: "Connection log entries"): one JSON object per line as the guide
//! shows it, a CloudWatch Logs export (`aws logs filter-log-events` or `get-log-events` JSON,
//! JSON lines of events with a `message`, or the `TIMESTAMP {json}` lines of an export to S3),
//! or the output of `aws ec2 describe-client-vpn-connections`. Entries are paired by
//! `connection-id` into [`Connection`]s: the attempt's outcome and, for one that connected, its
//! end.
//!
//! Times are the logs' own (`2024-03-11 09:00:00`, UTC); `utc_offset` shifts them to the users'
//! local clock so that a workday starts at 09:00, not at 07:00.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::aws::Text;
use super::json::{Finding, Level, Origin};

/// One connection-log entry, as far as calibration needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub connection_id: String,
    /// `connection-reset` entries (SAML re-assertion) carry no attempt outcome.
    pub reset: bool,
    pub status: Status,
    /// `connection-attempt-failure-reason`, when not `NA`.
    pub failure_reason: Option<String>,
    /// Seconds since 1970-01-01 on the users' clock.
    pub start: i64,
    pub last_update: Option<i64>,
    pub end: Option<i64>,
    /// `username`, else `common-name` (the same person across connections).
    pub user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Successful,
    Failed,
    WaitingForAssertion,
    Na,
}

/// What became of one connection attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Connected,
    Failed(String),
    /// Never reached an outcome in the logs (e.g. `waiting-for-assertion` only).
    Incomplete,
}

/// The entries of one `connection-id`, paired.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: String,
    pub user: Option<String>,
    pub start: i64,
    /// When the outcome was known (a failed attempt's `connection-last-update-time`).
    pub done: i64,
    pub outcome: Outcome,
    /// End of a connection that was established and ended within the logs.
    pub end: Option<i64>,
}

/// Everything read from the log files.
#[derive(Debug, Default)]
pub struct Logs {
    pub entries: Vec<Entry>,
    pub findings: Vec<Finding>,
    /// Lines or events that could not be read (each reported, up to a limit).
    pub unreadable: usize,
    /// Whether some input was describe-client-vpn-connections output (no failed attempts).
    pub from_connections_api: bool,
}

/// At most this many unreadable lines are reported one by one per file.
const REPORTED_PER_FILE: usize = 10;

const KNOWN_KEYS: &[&str] = &[
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
    "posture-compliance-statuses",
    "username",
    "connection-duration-seconds",
];

pub use crate::calendar::{days_from_civil, weekday};

/// Parses `2024-03-11 09:00:00`, `2024-03-11T09:00:00Z` or `2024-03-11T09:00:00.123+00:00`
/// into seconds since 1970-01-01 (UTC).
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest[1..].split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Formats seconds since 1970-01-01 like the guide's entries: `2024-03-11 09:00:00`.
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let s = t.rem_euclid(86_400);
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

struct Reader<'a> {
    file: &'a str,
    offset: i64,
    logs: Logs,
    reported: usize,
    unknown_keys: BTreeMap<String, (usize, usize)>,
}

impl Reader<'_> {
    fn bad(&mut self, line: usize, path: &str, message: String) {
        self.logs.unreadable += 1;
        if self.reported < REPORTED_PER_FILE {
            self.reported += 1;
            self.logs.findings.push(Finding::new(
                Level::Warning,
                Some(Origin {
                    file: self.file.to_string(),
                    path: path.to_string(),
                    line,
                    col: 1,
                }),
                format!("{message}: entry skipped"),
            ));
        }
    }

    fn time(&mut self, o: &Map<String, Value>, key: &str, line: usize) -> Result<Option<i64>, ()> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if matches!(s.as_str(), "NA" | "-" | "") => Ok(None),
            Some(Value::String(s)) => match parse_time(s) {
                Some(t) => Ok(Some(t + self.offset)),
                None => {
                    self.bad(line, &format!("$.{key}"), format!("not a time: `{s}`"));
                    Err(())
                }
            },
            Some(other) => {
                self.bad(
                    line,
                    &format!("$.{key}"),
                    format!("expected a time, found {other}"),
                );
                Err(())
            }
        }
    }

    fn entry(&mut self, o: &Map<String, Value>, line: usize) {
        for k in o.keys() {
            if !KNOWN_KEYS.contains(&k.as_str()) {
                let e = self.unknown_keys.entry(k.clone()).or_insert((0, line));
                e.0 += 1;
            }
        }
        let text = |k: &str| match o.get(k) {
            Some(Value::String(s)) if s != "NA" && !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let Some(log_type) = text("connection-log-type") else {
            return self.bad(line, "$.connection-log-type", "missing".into());
        };
        let reset = match log_type.as_str() {
            "connection-attempt" => false,
            "connection-reset" => true,
            other => {
                return self.bad(
                    line,
                    "$.connection-log-type",
                    format!("unknown type `{other}` (connection-attempt or connection-reset)"),
                )
            }
        };
        let Some(connection_id) = text("connection-id") else {
            return self.bad(line, "$.connection-id", "missing".into());
        };
        let status = match text("connection-attempt-status").as_deref() {
            Some("successful") => Status::Successful,
            Some("failed") => Status::Failed,
            Some("waiting-for-assertion") => Status::WaitingForAssertion,
            None => Status::Na,
            Some(other) => {
                return self.bad(
                    line,
                    "$.connection-attempt-status",
                    format!("unknown status `{other}`"),
                )
            }
        };
        let Ok(start) = self.time(o, "connection-start-time", line) else {
            return;
        };
        let Some(start) = start else {
            return self.bad(line, "$.connection-start-time", "missing".into());
        };
        let Ok(last_update) = self.time(o, "connection-last-update-time", line) else {
            return;
        };
        let Ok(mut end) = self.time(o, "connection-end-time", line) else {
            return;
        };
        if end.is_none() {
            // Some exports carry only the duration.
            end = text("connection-duration-seconds")
                .and_then(|d| d.parse::<i64>().ok())
                .map(|d| start + d);
        }
        self.logs.entries.push(Entry {
            connection_id,
            reset,
            status,
            failure_reason: text("connection-attempt-failure-reason"),
            start,
            last_update,
            end,
            user: text("username").or_else(|| text("common-name")),
        });
    }

    /// One `Connections[]` item of describe-client-vpn-connections.
    fn api_connection(&mut self, o: &Map<String, Value>, i: usize) {
        let path = |k: &str| format!("$.Connections[{i}].{k}");
        let s = |k: &str| match o.get(k) {
            Some(Value::String(v)) if !matches!(v.as_str(), "" | "-" | "NA") => Some(v.clone()),
            _ => None,
        };
        let Some(id) = s("ConnectionId") else {
            return self.bad(1, &path("ConnectionId"), "missing".into());
        };
        let Some(start) = s("ConnectionEstablishedTime").and_then(|t| parse_time(&t)) else {
            return self.bad(
                1,
                &path("ConnectionEstablishedTime"),
                "missing or not a time".into(),
            );
        };
        let code = o
            .get("Status")
            .and_then(|st| st.get("Code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let end = match code {
            "active" => None,
            _ => s("ConnectionEndTime").and_then(|t| parse_time(&t)),
        };
        self.logs.entries.push(Entry {
            connection_id: id,
            reset: false,
            status: Status::Successful,
            failure_reason: None,
            start: start + self.offset,
            last_update: None,
            end: end.map(|e| e + self.offset),
            user: s("Username").or_else(|| s("CommonName")),
        });
    }

    fn document(&mut self, v: &Value) -> bool {
        match v {
            Value::Object(o) if o.contains_key("events") => {
                let Some(Value::Array(events)) = o.get("events") else {
                    self.bad(1, "$.events", "expected an array".into());
                    return true;
                };
                for (i, e) in events.iter().enumerate() {
                    match e.get("message").and_then(Value::as_str) {
                        Some(m) => self.message(m, 1, &format!("$.events[{i}].message")),
                        None => self.bad(1, &format!("$.events[{i}].message"), "missing".into()),
                    }
                }
                true
            }
            Value::Object(o) if o.contains_key("Connections") => {
                self.logs.from_connections_api = true;
                match o.get("Connections") {
                    Some(Value::Array(items)) => {
                        for (i, c) in items.iter().enumerate() {
                            match c.as_object() {
                                Some(c) => self.api_connection(c, i),
                                None => self.bad(
                                    1,
                                    &format!("$.Connections[{i}]"),
                                    "expected an object".into(),
                                ),
                            }
                        }
                    }
                    _ => self.bad(1, "$.Connections", "expected an array".into()),
                }
                true
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_object() {
                        Some(o) => self.entry(o, 1),
                        None => self.bad(1, &format!("$[{i}]"), "expected an object".into()),
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// A CloudWatch event's message: the entry as JSON text.
    fn message(&mut self, m: &str, line: usize, path: &str) {
        match serde_json::from_str::<Value>(m) {
            Ok(Value::Object(o)) => self.entry(&o, line),
            _ => self.bad(line, path, "the message is not a JSON object".into()),
        }
    }

    fn line(&mut self, text: &str, line: usize) {
        // S3 exports put the event's timestamp before the message.
        let Some(brace) = text.find('{') else {
            return self.bad(line, "$", "no JSON object on the line".into());
        };
        match serde_json::from_str::<Value>(&text[brace..]) {
            Ok(Value::Object(o)) => match o.get("message").and_then(Value::as_str) {
                Some(m) if !o.contains_key("connection-log-type") => {
                    self.message(m, line, "$.message")
                }
                _ => self.entry(&o, line),
            },
            Ok(_) => self.bad(line, "$", "not a JSON object".into()),
            Err(e) => self.bad(line, "$", format!("not valid JSON ({e})")),
        }
    }
}

/// Reads every input; `utc_offset` (seconds) is added to every time.
pub fn read(inputs: &[Text], utc_offset: i64) -> Logs {
    let mut logs = Logs::default();
    for t in inputs {
        let mut r = Reader {
            file: &t.name,
            offset: utc_offset,
            logs: std::mem::take(&mut logs),
            reported: 0,
            unknown_keys: BTreeMap::new(),
        };
        let whole = serde_json::from_str::<Value>(&t.text).ok();
        let done = whole.as_ref().is_some_and(|v| r.document(v));
        if !done {
            for (i, line) in t.text.lines().enumerate() {
                if !line.trim().is_empty() {
                    r.line(line, i + 1);
                }
            }
        }
        if r.reported == REPORTED_PER_FILE {
            r.logs.findings.push(Finding::new(
                Level::Warning,
                None,
                format!(
                    "{}: further unreadable entries are counted, not listed",
                    t.name
                ),
            ));
        }
        for (k, (n, first)) in &r.unknown_keys {
            r.logs.findings.push(Finding::new(
                Level::Warning,
                Some(Origin {
                    file: t.name.clone(),
                    path: format!("$.{k}"),
                    line: *first,
                    col: 1,
                }),
                format!(
                    "unknown field in {n} entr{}, not read",
                    if *n == 1 { "y" } else { "ies" }
                ),
            ));
        }
        logs = r.logs;
    }
    logs
}

/// Pairs entries by `connection-id` (in id order, so the result does not depend on the order
/// of the files).
pub fn pair(entries: &[Entry]) -> Vec<Connection> {
    let mut by_id: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_id.entry(&e.connection_id).or_default().push(e);
    }
    let mut out: Vec<Connection> = by_id
        .into_iter()
        .map(|(id, es)| {
            let start = es.iter().map(|e| e.start).min().unwrap_or(0);
            let user = es.iter().find_map(|e| e.user.clone());
            let attempts = es.iter().filter(|e| !e.reset);
            let failed = attempts.clone().find(|e| e.status == Status::Failed);
            let connected = attempts.clone().any(|e| e.status == Status::Successful);
            let end = es.iter().filter_map(|e| e.end).max();
            let (outcome, done) = if connected {
                (Outcome::Connected, start)
            } else if let Some(f) = failed {
                (
                    Outcome::Failed(
                        f.failure_reason
                            .clone()
                            .unwrap_or_else(|| "unspecified".into()),
                    ),
                    f.last_update.unwrap_or(f.start).max(start),
                )
            } else {
                (Outcome::Incomplete, start)
            };
            Connection {
                id: id.to_string(),
                user,
                start,
                done,
                end: if connected { end } else { None },
                outcome,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_weekdays_are_right() {
        let t = parse_time("2024-01-01 09:30:15").unwrap();
        assert_eq!(format_time(t), "2024-01-01 09:30:15");
        assert_eq!(weekday(t.div_euclid(86_400)), 0, "2024-01-01 was a Monday");
        assert_eq!(parse_time("2024-01-01T09:30:15.250Z"), Some(t));
        assert_eq!(parse_time("2024-01-01T11:30:15+02:00"), Some(t));
        assert_eq!(parse_time("2020-03-26 20:37:15"), Some(1_585_255_035));
        assert_eq!(parse_time("2024-13-01 00:00:00"), None);
        assert_eq!(parse_time("NA"), None);
    }

    #[test]
    fn entries_pair_by_connection_id() {
        let log = "\
{\"connection-log-type\":\"connection-attempt\",\"connection-attempt-status\":\"successful\",\"connection-id\":\"c1\",\"connection-start-time\":\"2024-01-01 09:00:00\",\"connection-end-time\":\"NA\",\"username\":\"joe\"}
{\"connection-log-type\":\"connection-attempt\",\"connection-attempt-status\":\"failed\",\"connection-attempt-failure-reason\":\"client-connect-failed\",\"connection-id\":\"c0\",\"connection-start-time\":\"2024-01-01 08:59:00\",\"connection-last-update-time\":\"2024-01-01 08:59:01\",\"username\":\"joe\"}
2024-01-01T17:00:00.000Z {\"connection-log-type\":\"connection-attempt\",\"connection-attempt-status\":\"successful\",\"connection-id\":\"c1\",\"connection-start-time\":\"2024-01-01 09:00:00\",\"connection-end-time\":\"2024-01-01 17:00:00\",\"username\":\"joe\"}
not json
";
        let logs = read(&[Text::new("l.jsonl", log)], 0);
        assert_eq!(logs.unreadable, 1);
        assert_eq!(
            logs.findings[0].to_string(),
            "warning: l.jsonl:4:1: $: no JSON object on the line: entry skipped"
        );
        let c = pair(&logs.entries);
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].outcome,
            Outcome::Failed("client-connect-failed".into())
        );
        assert_eq!(c[0].done - c[0].start, 1);
        assert_eq!(c[1].outcome, Outcome::Connected);
        assert_eq!(c[1].end.unwrap() - c[1].start, 8 * 3600);
    }
}
