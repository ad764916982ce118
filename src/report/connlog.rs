//! `connection-log.jsonl` (docs/model.md §10; guide: "Connection log entries"): one JSON object per line
//! with the guide's keys, in the guide's order, so users can test their own log tooling.
//!
//! Each attempt has one `connection-attempt` entry (`successful` or `failed` with the reason);
//! a connection that ends gets a second entry with the same `connection-id`, its
//! `connection-end-time` and `connection-duration-seconds`. Failed mutual authentication attempts
//! are not logged (the guide's note). `client-ip` comes from the client CIDR pool. Fields the
//! simulator does not model (device, public IP, byte and packet counts) are `NA` or `0`.

use serde::Serialize;

use std::io::Write;
use std::sync::Mutex;

use crate::model::{Authentication, PopId, Scenario};
use crate::report::{Exporter, RunOutput};
use crate::sim::LogEntry;
use crate::timefmt::timestamp;

pub const FILE_NAME: &str = "connection-log.jsonl";

pub struct ConnectionLog;

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "connection-log-type")]
    log_type: &'static str,
    #[serde(rename = "connection-attempt-status")]
    status: &'static str,
    #[serde(rename = "connection-reset-status")]
    reset_status: &'static str,
    #[serde(rename = "connection-attempt-failure-reason")]
    failure_reason: &'static str,
    #[serde(rename = "connection-id")]
    connection_id: String,
    #[serde(rename = "client-vpn-endpoint-id")]
    endpoint_id: &'a str,
    #[serde(rename = "transport-protocol")]
    transport: &'static str,
    #[serde(rename = "connection-start-time")]
    start: String,
    #[serde(rename = "connection-last-update-time")]
    last_update: String,
    #[serde(rename = "client-ip")]
    client_ip: String,
    #[serde(rename = "common-name")]
    common_name: String,
    #[serde(rename = "device-type")]
    device_type: &'static str,
    #[serde(rename = "device-ip")]
    device_ip: &'static str,
    port: String,
    #[serde(rename = "ingress-bytes")]
    ingress_bytes: &'static str,
    #[serde(rename = "egress-bytes")]
    egress_bytes: &'static str,
    #[serde(rename = "ingress-packets")]
    ingress_packets: &'static str,
    #[serde(rename = "egress-packets")]
    egress_packets: &'static str,
    #[serde(rename = "connection-end-time")]
    end: String,
    username: String,
    #[serde(rename = "connection-duration-seconds")]
    duration: String,
}

fn user_name(sc: &Scenario, pop: PopId, user: u64) -> String {
    format!("{}-{user:06}", sc.populations[pop.index()].name)
}

fn line<'a>(sc: &'a Scenario, e: &LogEntry) -> Line<'a> {
    let na = || "NA".to_string();
    let auth = sc.endpoint.authentication;
    let name = user_name(sc, e.population, e.user);
    Line {
        log_type: "connection-attempt",
        status: if e.failure.is_some() {
            "failed"
        } else {
            "successful"
        },
        reset_status: "NA",
        failure_reason: e.failure.map_or("NA", |r| r.name()),
        connection_id: format!("cvpn-connection-{:017x}", e.connection_id),
        endpoint_id: &sc.endpoint.id,
        transport: sc.endpoint.transport_protocol.name(),
        start: timestamp(sc, e.start),
        last_update: timestamp(sc, e.at),
        client_ip: e.client_ip.map_or_else(na, |ip| ip.to_string()),
        common_name: if auth.uses_mutual() {
            name.clone()
        } else {
            na()
        },
        device_type: "NA",
        device_ip: "NA",
        port: e.client_port.to_string(),
        ingress_bytes: "0",
        egress_bytes: "0",
        ingress_packets: "0",
        egress_packets: "0",
        end: e.end.map_or_else(na, |t| timestamp(sc, t)),
        username: if auth != Authentication::Mutual {
            name
        } else {
            na()
        },
        duration: e
            .end
            .map_or_else(na, |t| ((t - e.start) / 1000).to_string()),
    }
}

impl Exporter for ConnectionLog {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn write_to(&self, out: &RunOutput, w: &mut dyn Write) -> std::io::Result<()> {
        for e in &out.result.connection_log {
            serde_json::to_writer(&mut *w, &line(out.scenario, e))?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The connection log written as the run advances: the engine hands each entry to
/// [`Streamed::entry`] (through `SimOptions::log_sink`), which renders it as a line of
/// `connection-log.jsonl` into `out`. Memory stays flat however long the log; the bytes are those
/// the [`ConnectionLog`] exporter renders from a kept log. The first write error stops the
/// stream and is returned by [`Streamed::finish`].
pub struct Streamed<'a, W: Write> {
    scenario: &'a Scenario,
    state: Mutex<(W, Option<std::io::Error>)>,
}

impl<'a, W: Write> Streamed<'a, W> {
    pub fn new(scenario: &'a Scenario, out: W) -> Self {
        Streamed {
            scenario,
            state: Mutex::new((out, None)),
        }
    }

    /// Writes one entry (nothing after a write error).
    pub fn entry(&self, e: &LogEntry) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (out, failed) = &mut *state;
        if failed.is_some() {
            return;
        }
        let r = serde_json::to_writer(&mut *out, &line(self.scenario, e))
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(err) = r {
            *failed = Some(err);
        }
    }

    /// The writer back, or the first write error.
    pub fn finish(self) -> std::io::Result<W> {
        let (out, failed) = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}
