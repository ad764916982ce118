//! The checked scenario back to TOML: a canonical file that loads to an equal [`Scenario`].
//! Used by round-trip tests, by importers that write scenario files, and by sweeps that record
//! each variant.

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::duration;
use crate::dist::Dist;
use crate::model::*;

fn dur(ms: Millis) -> Value {
    Value::from(duration::format(ms))
}

/// A float that stays a float in TOML (so `1` is written `1.0`).
fn float(x: f64) -> Value {
    Value::from(x)
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().collect::<Array>())
}

fn inline(pairs: Vec<(&str, Value)>) -> Value {
    let mut t = InlineTable::new();
    for (k, v) in pairs {
        t.insert(k, v);
    }
    Value::InlineTable(t)
}

/// A distribution; `duration` says whether values are milliseconds (written as durations).
fn dist(d: &Dist, duration: bool) -> Value {
    dist_value(d, duration, false)
}

/// A distribution as a scenario value. Values are durations when `duration`; empirical weights
/// are written exactly (for round trips), or rounded to three decimals for people to read.
pub fn dist_value(d: &Dist, duration: bool, round_weights: bool) -> Value {
    let v = |x: f64| {
        if duration {
            dur(libm::round(x.max(0.0)) as Millis)
        } else {
            float(x)
        }
    };
    match d {
        Dist::Fixed(x) => v(*x),
        Dist::Uniform { low, high } => inline(vec![(
            "uniform",
            Value::Array([v(*low), v(*high)].into_iter().collect()),
        )]),
        Dist::Exponential { mean } => {
            inline(vec![("exponential", inline(vec![("mean", v(*mean))]))])
        }
        Dist::Normal { mean, sd } => inline(vec![(
            "normal",
            inline(vec![("mean", v(*mean)), ("sd", v(*sd))]),
        )]),
        Dist::LogNormal { median, p99 } => inline(vec![(
            "lognormal",
            inline(vec![("median", v(*median)), ("p99", v(*p99))]),
        )]),
        Dist::Empirical { values, cumulative } => {
            let mut prev = 0.0;
            let items: Array = values
                .iter()
                .zip(cumulative)
                .map(|(x, c)| {
                    let w = c - prev;
                    prev = *c;
                    let w = if round_weights {
                        libm::round(w * 1000.0) / 1000.0
                    } else {
                        w
                    };
                    inline(vec![("value", v(*x)), ("weight", float(w))])
                })
                .collect();
            inline(vec![("empirical", Value::Array(items))])
        }
    }
}

fn days(d: DaySet) -> String {
    let names: Vec<&str> = Weekday::ALL
        .iter()
        .filter(|w| d.contains(**w))
        .map(|w| w.name())
        .collect();
    names.join(",")
}

/// Writes `s` as a scenario file.
pub fn to_toml(s: &Scenario) -> String {
    let mut doc = DocumentMut::new();
    doc["name"] = value(s.name.as_str());
    if let Some(d) = &s.description {
        doc["description"] = value(d.as_str());
    }
    doc["seed"] = value(s.seed as i64);
    doc["duration"] = Item::Value(dur(s.duration));
    doc["sample_interval"] = Item::Value(dur(s.sample_interval));
    doc["start_weekday"] = value(s.start_weekday.name());
    let mut out = Table::new();
    out["connection_log"] = value(s.output.connection_log);
    if s.output.metrics_period != crate::model::CLOUDWATCH_PERIOD {
        out["metrics_period"] = Item::Value(dur(s.output.metrics_period));
    }
    if s.output.headroom_margin != crate::model::OutputOptions::default().headroom_margin {
        out["headroom_margin"] = value(s.output.headroom_margin);
    }
    let mut thresholds = Array::new();
    for &t in &s.output.outcome_thresholds {
        thresholds.push(dur(t));
    }
    out["outcome_thresholds"] = value(thresholds);
    doc["output"] = Item::Table(out);
    doc["endpoint"] = Item::Table(endpoint(s));
    doc["limits"] = Item::Table(limits(&s.limits));
    if s.pricing != Pricing::default() {
        doc["pricing"] = Item::Table(pricing(&s.pricing));
    }

    let mut vpcs = ArrayOfTables::new();
    for v in &s.vpcs {
        let mut t = Table::new();
        t["id"] = value(v.id.as_str());
        t["cidr_blocks"] = Item::Value(strings(
            v.cidr_blocks
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ));
        t["instance_tenancy"] = value(if v.dedicated_tenancy {
            "dedicated"
        } else {
            "default"
        });
        if v.internet_gateway {
            t["internet_gateway"] = value(true);
        }
        vpcs.push(t);
    }
    doc["vpc"] = Item::ArrayOfTables(vpcs);

    if !s.security_groups.is_empty() {
        let mut sgs = ArrayOfTables::new();
        for g in &s.security_groups {
            let mut t = Table::new();
            t["id"] = value(g.id.as_str());
            t["inbound_from"] = Item::Value(strings(
                g.inbound_from
                    .iter()
                    .map(|i| s.security_groups[i.index()].id.as_str()),
            ));
            sgs.push(t);
        }
        doc["security_group"] = Item::ArrayOfTables(sgs);
    }

    let mut subnets = ArrayOfTables::new();
    for sub in &s.subnets {
        let mut t = Table::new();
        t["id"] = value(sub.id.as_str());
        t["vpc_id"] = value(s.vpcs[sub.vpc.index()].id.as_str());
        t["cidr_block"] = value(sub.cidr_block.to_string());
        t["availability_zone"] = value(sub.availability_zone.as_str());
        t["available_ip_address_count"] = value(sub.available_ip_addresses as i64);
        subnets.push(t);
    }
    doc["subnet"] = Item::ArrayOfTables(subnets);

    let mut assocs = ArrayOfTables::new();
    // A subnet associated mid-run is written as its `associate` event only.
    let at_start = s.associated_at_start();
    for (i, a) in s.associations.iter().enumerate() {
        if !at_start[i] {
            continue;
        }
        let mut t = Table::new();
        t["subnet_id"] = value(s.subnets[a.subnet.index()].id.as_str());
        assocs.push(t);
    }
    doc["association"] = Item::ArrayOfTables(assocs);

    if !s.routes.is_empty() {
        let mut routes = ArrayOfTables::new();
        for r in &s.routes {
            let mut t = Table::new();
            t["destination_cidr_block"] = value(r.destination.to_string());
            t["target_vpc_subnet_id"] = value(match r.target {
                RouteTarget::Local => "local",
                RouteTarget::Association(a) => s.subnet_of(a).id.as_str(),
            });
            if let Some(d) = &r.description {
                t["description"] = value(d.as_str());
            }
            routes.push(t);
        }
        doc["route"] = Item::ArrayOfTables(routes);
    }

    if !s.authorization_rules.is_empty() {
        let mut rules = ArrayOfTables::new();
        for r in &s.authorization_rules {
            let mut t = Table::new();
            t["target_network_cidr"] = value(r.destination.to_string());
            match &r.grant {
                Grant::AllGroups => t["authorize_all_groups"] = value(true),
                Grant::Group(g) => t["access_group_id"] = value(g.as_str()),
            }
            if let Some(d) = &r.description {
                t["description"] = value(d.as_str());
            }
            rules.push(t);
        }
        doc["authorization_rule"] = Item::ArrayOfTables(rules);
    }

    let declared: Vec<&Network> = s
        .networks
        .iter()
        .filter(|n| n.kind == NetworkKind::Declared)
        .collect();
    if !declared.is_empty() {
        let mut nets = ArrayOfTables::new();
        for n in declared {
            let mut t = Table::new();
            t["name"] = value(n.name.as_str());
            t["cidr_blocks"] = Item::Value(strings(
                n.cidr_blocks
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ));
            if let Some(g) = n.security_group {
                t["security_group_id"] = value(s.security_groups[g.index()].id.as_str());
            }
            if n.public {
                t["public"] = value(true);
            }
            if let Some(svc) = n.service {
                t["port"] = value(svc.to_string());
            }
            nets.push(t);
        }
        doc["network"] = Item::ArrayOfTables(nets);
    }
    super::dataplane::write(s, &mut doc);

    let mut pops = ArrayOfTables::new();
    for p in &s.populations {
        pops.push(population(s, p));
    }
    doc["population"] = Item::ArrayOfTables(pops);

    if !s.events.is_empty() {
        let mut evs = ArrayOfTables::new();
        for e in &s.events {
            evs.push(event(s, e));
        }
        doc["event"] = Item::ArrayOfTables(evs);
    }
    doc.to_string()
}

fn endpoint(s: &Scenario) -> Table {
    let e = &s.endpoint;
    let mut t = Table::new();
    t["id"] = value(e.id.as_str());
    if let Some(d) = &e.description {
        t["description"] = value(d.as_str());
    }
    t["client_cidr_block"] = value(e.client_cidr_block.to_string());
    t["transport_protocol"] = value(e.transport_protocol.name());
    t["vpn_port"] = value(e.vpn_port as i64);
    t["split_tunnel"] = value(e.split_tunnel);
    t["session_timeout_hours"] = value(e.session_timeout.hours() as i64);
    t["disconnect_on_session_timeout"] = value(e.disconnect_on_session_timeout);
    t["authentication"] = Item::Value(strings(e.authentication.names()));
    t["self_service_portal"] = value(e.self_service_portal);
    if let Some(b) = &e.login_banner {
        t["login_banner"] = value(b.as_str());
    }
    if !e.dns_servers.is_empty() {
        t["dns_servers"] = Item::Value(strings(
            e.dns_servers
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ));
    }
    t["vpc_id"] = value(s.vpcs[e.vpc.index()].id.as_str());
    if !e.security_groups.is_empty() {
        t["security_group_ids"] = Item::Value(strings(
            e.security_groups
                .iter()
                .map(|g| s.security_groups[g.index()].id.as_str()),
        ));
    }
    t["capacity_model"] = value(match e.capacity_model {
        CapacityModel::EvenShare => "even-share",
        CapacityModel::Pooled => "pooled",
    });
    if let Some(m) = e.max_connections {
        t["max_connections"] = value(m as i64);
    }
    if let Some(m) = e.association_throughput_mbps {
        t["association_throughput_mbps"] = Item::Value(float(m));
    }
    if let Some(h) = &e.client_connect_handler {
        let mut ht = Table::new();
        ht["function_name"] = value(h.function_name.as_str());
        ht["latency"] = Item::Value(dist(&h.latency, true));
        ht["concurrency"] = value(h.concurrency as i64);
        ht["deny_rate"] = Item::Value(float(h.deny_rate));
        ht["error_rate"] = Item::Value(float(h.error_rate));
        ht["invalid_response_rate"] = Item::Value(float(h.invalid_response_rate));
        ht["service_error_rate"] = Item::Value(float(h.service_error_rate));
        t["client_connect_handler"] = Item::Table(ht);
    }
    t
}

fn pricing(p: &Pricing) -> Table {
    let mut t = Table::new();
    t["association_hour"] = Item::Value(float(p.association_hour));
    t["connection_hour"] = Item::Value(float(p.connection_hour));
    t["billing"] = value(p.billing.name());
    t["lambda_request"] = Item::Value(float(p.lambda_request));
    t["lambda_gb_second"] = Item::Value(float(p.lambda_gb_second));
    t["lambda_memory_mb"] = value(p.lambda_memory_mb as i64);
    t["connection_logging"] = value(p.connection_logging);
    t["log_ingestion_gb"] = Item::Value(float(p.log_ingestion_gb));
    t["log_entry_bytes"] = value(p.log_entry_bytes as i64);
    t["public_ipv4_hour"] = Item::Value(float(p.public_ipv4_hour));
    t["public_ipv4_per_association"] = value(p.public_ipv4_per_association as i64);
    t
}

fn limits(l: &Limits) -> Table {
    let mut t = Table::new();
    t["connections_by_associations"] = Item::Value(Value::Array(
        l.connections_by_associations
            .iter()
            .map(|&c| Value::from(c as i64))
            .collect(),
    ));
    t["per_connection_mbps"] = Item::Value(float(l.per_connection_mbps));
    t["authorization_rules"] = value(l.authorization_rules as i64);
    t["routes"] = value(l.routes as i64);
    t["groups_per_user"] = value(l.groups_per_user as i64);
    t["group_id_length"] = value(l.group_id_length as i64);
    t["login_banner_length"] = value(l.login_banner_length as i64);
    t["handler_timeout"] = Item::Value(dur(l.handler_timeout));
    t["crl_entries"] = value(l.crl_entries as i64);
    let d = crate::model::Budget::default();
    for (key, v, default) in [
        ("max_events", l.budget.events, d.events),
        ("max_sample_rows", l.budget.sample_rows, d.sample_rows),
        ("max_memory_mb", l.budget.memory_mb, d.memory_mb),
        ("max_output_mb", l.budget.output_mb, d.output_mb),
    ] {
        if v != default {
            t[key] = value(v.min(i64::MAX as u64) as i64);
        }
    }
    t
}

fn population(s: &Scenario, p: &Population) -> Table {
    let mut t = Table::new();
    t["name"] = value(p.name.as_str());
    match &p.arrivals {
        Arrivals::Workday {
            users,
            start,
            length,
            days: d,
        } => {
            t["users"] = value(*users as i64);
            t["workday"] = Item::Value(inline(vec![
                ("start", dist(start, true)),
                ("length", dist(length, true)),
                ("days", Value::from(days(*d))),
            ]));
        }
        Arrivals::Poisson {
            profile,
            period,
            session,
        } => {
            let steps: Array = profile
                .iter()
                .map(|(at, r)| inline(vec![("at", dur(*at)), ("per_hour", float(*r))]))
                .collect();
            let repeat = match period {
                Some(p) => dur(*p),
                None => Value::from("none"),
            };
            t["arrivals"] = Item::Value(inline(vec![
                ("profile", Value::Array(steps)),
                ("repeat", repeat),
                ("session", dist(session, true)),
            ]));
        }
    }
    t["groups"] = Item::Value(strings(p.groups.iter().map(String::as_str)));
    if let Some(l) = p.lan_cidr {
        t["lan_cidr"] = value(l.to_string());
    }
    t["demand_mbps"] = Item::Value(dist(&p.demand_mbps, false));
    t["needs"] = Item::Value(strings(
        p.needs.iter().map(|n| s.networks[n.index()].name.as_str()),
    ));
    let r = &p.retry;
    t["retry"] = Item::Value(inline(vec![
        ("initial", dur(r.initial)),
        ("multiplier", float(r.multiplier)),
        ("max", dur(r.max)),
        ("jitter", float(r.jitter)),
        ("give_up_after", Value::from(r.give_up_after as i64)),
    ]));
    t["dns_caching"] = value(p.dns_caching);
    t["auth_failure_rate"] = Item::Value(float(p.auth_failure_rate));
    t["revoked_fraction"] = Item::Value(float(p.revoked_fraction));
    t["manual_reconnect_delay"] = Item::Value(dist(&p.manual_reconnect_delay, true));
    t["manual_reconnect_probability"] = Item::Value(float(p.manual_reconnect_probability));
    t["outage_detection_delay"] = Item::Value(dist(&p.outage_detection_delay, true));
    t
}

fn event(s: &Scenario, e: &Event) -> Table {
    let mut t = Table::new();
    t["at"] = Item::Value(dur(e.at));
    if let Some(d) = &e.description {
        t["description"] = value(d.as_str());
    }
    match &e.kind {
        EventKind::AzOutage {
            availability_zone,
            duration: d,
            ..
        } => {
            let mut pairs = vec![("availability_zone", Value::from(availability_zone.as_str()))];
            if let Some(d) = d {
                pairs.push(("duration", dur(*d)));
            }
            t["az_outage"] = Item::Value(inline(pairs));
        }
        EventKind::Disassociate { association } => {
            t["disassociate"] = value(s.subnet_of(*association).id.as_str());
        }
        EventKind::Associate { association } => {
            t["associate"] = value(s.subnet_of(*association).id.as_str());
        }
        EventKind::Modify {
            changes,
            propagation,
            disconnect_on_session_timeout,
            reset_window,
            ..
        } => {
            t["modify"] = Item::Value(strings(changes.iter().map(|m| m.name())));
            // Written resolved, so a change that flipped the setting loads to the same value.
            if let Some(d) = disconnect_on_session_timeout {
                t["disconnect_on_session_timeout"] = value(*d);
            }
            t["propagation"] = Item::Value(dur(*propagation));
            if *reset_window > 0 {
                t["reset_window"] = Item::Value(dur(*reset_window));
            }
        }
        EventKind::SessionTimeout {
            timeout,
            propagation,
        } => {
            t["session_timeout_hours"] = value(timeout.hours() as i64);
            t["propagation"] = Item::Value(dur(*propagation));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_round_trips() {
        let text = include_str!("../../scenarios/two-az-workday.toml");
        let a = crate::scenario::load_str("two-az-workday.toml", text)
            .unwrap()
            .scenario;
        let written = to_toml(&a);
        let b = crate::scenario::load_str("written.toml", &written)
            .unwrap_or_else(|e| panic!("{e}\n{written}"))
            .scenario;
        assert_eq!(a, b);
        // Writing is a fixed point.
        assert_eq!(written, to_toml(&b));
    }
}
