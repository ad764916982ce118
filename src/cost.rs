//! What a run costs (guide: "Pricing for Client VPN"): "You are charged for each endpoint
//! association and each VPN connection on an hourly basis", plus the Lambda invocations of the
//! client connect handler, CloudWatch Logs for connection logging, and the public IPv4 addresses
//! of the endpoint's network interfaces when the VPC has an internet gateway.
//!
//! Prices come from the scenario's `[pricing]` ([`crate::model::Pricing`]); quantities from the
//! scenario (how long each association exists) and the run ([`crate::sim::Usage`]). Pure: no
//! I/O, no clock.

use serde::Serialize;

use crate::model::{Billing, EventKind, Millis, Scenario, HOUR};
use crate::sim::Usage;

/// Hours in a month as AWS prices count them (8,760 hours a year / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Bytes in a GB as CloudWatch Logs ingestion is billed.
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// One line of the bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostItem {
    /// What is charged: `associations`, `connections`, `handler-requests`, `handler-duration`,
    /// `connection-logs`, `public-ipv4`.
    pub item: &'static str,
    pub quantity: f64,
    /// Unit of `quantity`: `association-hours`, `connection-hours`, `requests`, `GB-seconds`,
    /// `GB`, `address-hours`.
    pub unit: &'static str,
    pub unit_price: f64,
    pub amount: f64,
}

/// The bill of one run, in US dollars (or whatever currency the prices are in).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// Items in a fixed order; an item that does not apply (no handler, no logging, no internet
    /// gateway) is left out.
    pub items: Vec<CostItem>,
    pub total: f64,
    /// The run's simulated length in hours.
    pub run_hours: f64,
    /// `total` scaled to a 730-hour month at the run's rate.
    pub per_month: f64,
    /// How hours were counted (`started-hour` or `prorated`).
    pub billing: &'static str,
}

impl Cost {
    /// The amount of the item named `item`, 0 when it does not apply.
    pub fn amount_of(&self, item: &str) -> f64 {
        self.items
            .iter()
            .find(|i| i.item == item)
            .map_or(0.0, |i| i.amount)
    }
}

/// Each association's life in the run: from the start (or its association event) until its
/// disassociation or the end of the run. An Availability Zone outage does not end it: the
/// association still exists, and is still billed.
pub fn association_lifetimes(sc: &Scenario) -> Vec<(Millis, Millis)> {
    let mut life: Vec<(Millis, Millis)> = vec![(0, sc.duration); sc.associations.len()];
    for e in &sc.events {
        match &e.kind {
            EventKind::Disassociate { association } => {
                let l = &mut life[association.index()];
                l.1 = l.1.min(e.at);
            }
            EventKind::Associate { association } => {
                let l = &mut life[association.index()];
                l.0 = e.at;
            }
            EventKind::AzOutage { .. }
            | EventKind::Modify { .. }
            | EventKind::SessionTimeout { .. } => {}
        }
    }
    life
}

/// Billed hours for a span of `ms`: each started hour in full, or exactly.
fn billed_hours(ms: Millis, billing: Billing) -> f64 {
    match billing {
        Billing::StartedHour => ms.div_ceil(HOUR) as f64,
        Billing::Prorated => ms as f64 / HOUR as f64,
    }
}

/// The bill of a run of `sc` that measured `usage`.
pub fn of_run(sc: &Scenario, usage: &Usage) -> Cost {
    let p = &sc.pricing;
    let mut items = Vec::new();
    let mut item = |item, quantity: f64, unit, unit_price: f64| {
        items.push(CostItem {
            item,
            quantity,
            unit,
            unit_price,
            amount: quantity * unit_price,
        });
    };
    let association_hours: f64 = association_lifetimes(sc)
        .iter()
        .map(|&(from, to)| billed_hours(to.saturating_sub(from), p.billing))
        .sum();
    item(
        "associations",
        association_hours,
        "association-hours",
        p.association_hour,
    );
    let connection_hours = match p.billing {
        Billing::StartedHour => usage.started_connection_hours as f64,
        Billing::Prorated => usage.connection_hours,
    };
    item(
        "connections",
        connection_hours,
        "connection-hours",
        p.connection_hour,
    );
    if sc.endpoint.client_connect_handler.is_some() {
        item(
            "handler-requests",
            usage.handler_invocations as f64,
            "requests",
            p.lambda_request,
        );
        let gb_seconds = usage.handler_ms as f64 / 1000.0 * f64::from(p.lambda_memory_mb) / 1024.0;
        item(
            "handler-duration",
            gb_seconds,
            "GB-seconds",
            p.lambda_gb_second,
        );
    }
    if p.connection_logging {
        let gb = usage.log_entries as f64 * f64::from(p.log_entry_bytes) / BYTES_PER_GB;
        item("connection-logs", gb, "GB", p.log_ingestion_gb);
    }
    let has_igw = sc
        .vpcs
        .get(sc.endpoint.vpc.index())
        .is_some_and(|v| v.internet_gateway);
    if has_igw && p.public_ipv4_per_association > 0 {
        item(
            "public-ipv4",
            association_hours * f64::from(p.public_ipv4_per_association),
            "address-hours",
            p.public_ipv4_hour,
        );
    }
    let total: f64 = items.iter().map(|i| i.amount).sum();
    let run_hours = sc.duration as f64 / HOUR as f64;
    Cost {
        items,
        total,
        run_hours,
        per_month: if run_hours > 0.0 {
            total * HOURS_PER_MONTH / run_hours
        } else {
            0.0
        },
        billing: p.billing.name(),
    }
}

/// The fixed part of a month's bill of an endpoint with `associations` associations kept all
/// month and `connections` connections on average (prorated): what `plan` compares options by.
pub fn monthly_estimate(
    p: &crate::model::Pricing,
    associations: u32,
    mean_connections: f64,
    public_ipv4: bool,
) -> f64 {
    let assoc = f64::from(associations) * HOURS_PER_MONTH * p.association_hour;
    let conns = mean_connections * HOURS_PER_MONTH * p.connection_hour;
    let ipv4 = if public_ipv4 {
        f64::from(associations)
            * f64::from(p.public_ipv4_per_association)
            * HOURS_PER_MONTH
            * p.public_ipv4_hour
    } else {
        0.0
    };
    assoc + conns + ipv4
}

/// Thousands separated with commas: `1,234,567`.
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount of money with cents and thousands separators: `$12,345.67`.
pub fn money(x: f64) -> String {
    let cents = (x.max(0.0) * 100.0).round() as u64;
    format!("${}.{:02}", grouped(cents / 100), cents % 100)
}

/// A quantity: whole numbers grouped, fractions with up to three decimals.
pub fn quantity(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        grouped(x.max(0.0) as u64)
    } else {
        let r = (x * 1000.0).round() / 1000.0;
        format!(
            "{}{}",
            grouped(r.trunc() as u64),
            &format!("{:.3}", r.fract())[1..]
        )
    }
}

/// A unit price, with as many decimals as it needs (prices per request are tiny).
pub fn unit_price(x: f64) -> String {
    if x >= 0.01 || x == 0.0 {
        format!("${x:.3}")
    } else {
        format!("${x:.10}").trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_quantities_read_like_a_bill() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(1234567.891), "$1,234,567.89");
        assert_eq!(money(73.0), "$73.00");
        assert_eq!(quantity(1460.0), "1,460");
        assert_eq!(quantity(12.3456), "12.346");
        assert_eq!(unit_price(0.10), "$0.100");
        assert_eq!(unit_price(0.0000002), "$0.0000002");
    }
}
