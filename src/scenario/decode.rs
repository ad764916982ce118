//! From the [`Node`] tree to the checked [`Scenario`]: field by field, then the cross-checks of
//! docs/model.md §9 that need the whole file (references, overlaps, one association per AZ, quotas).
//! Every problem is recorded; a scenario is returned only when there is no error.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use ipnet::Ipv4Net;

use super::read::{self, join, Cx, Table, Unit};
use crate::dist::Dist;
use crate::model::*;
use crate::source::tree::{Node, Value};

/// Where things were written, for cross-checks after field decoding: each list's elements, and
/// the values of the fields a cross-check names in its path.
#[derive(Default)]
struct Spans {
    subnet_cidr: Vec<Range<usize>>,
    association: Vec<Range<usize>>,
    association_subnet: Vec<Range<usize>>,
    /// Field path of each association's subnet: `association[i].subnet_id`, or
    /// `event[j].associate` for a subnet associated mid-run.
    association_path: Vec<String>,
    route: Vec<Range<usize>>,
    route_destination: Vec<Range<usize>>,
    route_target: Vec<Range<usize>>,
    rule: Vec<Range<usize>>,
    rule_group: Vec<Range<usize>>,
    client_cidr: Range<usize>,
    dns_server: Vec<Range<usize>>,
}

/// Decodes and validates. `Err` carries only when at least one diagnostic is an error.
pub fn decode(root: &Node, cx: &mut Cx) -> Option<Scenario> {
    cx.schema = Some(super::schema::declared);
    let mut top = Table::new(root, "", cx)?;
    let mut spans = Spans::default();
    super::include::format_version(top.opt("format_version"), cx);
    // Included files were merged into the tree before decoding (`scenario::include`).
    top.opt("include");

    let name = top
        .req(cx, "name", "\"my-endpoint\"")
        .and_then(|n| read::string(n, "name", cx));
    let description = top
        .opt("description")
        .and_then(|n| read::string(n, "description", cx));
    let seed = top.opt("seed").map_or(Some(1), |n| {
        read::integer(n, "seed", 0, i64::MAX, cx).map(|v| v as u64)
    });
    let duration = top
        .req(cx, "duration", "\"7d\"")
        .and_then(|n| positive_duration(n, "duration", cx));
    let sample_interval = top.opt("sample_interval").map_or(Some(5 * MINUTE), |n| {
        positive_duration(n, "sample_interval", cx)
    });
    let start_weekday = top
        .opt("start_weekday")
        .map_or(Some(Weekday::Mon), |n| weekday(n, "start_weekday", cx));
    let output = top
        .opt("output")
        .map_or(Some(OutputOptions::default()), |n| output(n, cx));
    let limits = top
        .opt("limits")
        .map_or(Some(Limits::default()), |n| limits(n, cx));
    let pricing = top
        .opt("pricing")
        .map_or(Some(Pricing::default()), |n| pricing(n, cx));

    let vpcs = top.req(
        cx,
        "vpc",
        "[{ id = \"vpc-main\", cidr_blocks = [\"172.31.0.0/16\"] }]",
    );
    let vpc_id_spans = field_spans(vpcs, "id");
    let vpcs = list(vpcs, "vpc", cx, vpc, &mut Vec::new());
    let vpc_ids = vpcs.as_ref().map(|v| {
        index_by(
            v.iter().map(|x| x.id.as_str()),
            &vpc_id_spans,
            "vpc",
            "id",
            cx,
        )
    });

    let security_groups_node = top.opt("security_group");
    // Groups may refer to each other, so ids are known before the groups are decoded; a repeated
    // id keeps its first declaration (and is reported below).
    let mut sg_ids: BTreeMap<String, SgId> = BTreeMap::new();
    if let Some(Value::Array(items)) = security_groups_node.map(|n| &n.value) {
        for (i, n) in items.iter().enumerate() {
            if let Some(Value::String(s)) = n.get("id").map(|id| &id.value) {
                sg_ids.entry(s.clone()).or_insert(SgId(i as u32));
            }
        }
    }
    let mut sg_spans = Vec::new();
    let security_groups = list(
        security_groups_node,
        "security_group",
        cx,
        |n, p, cx| security_group(n, p, &sg_ids, cx),
        &mut sg_spans,
    );
    if let Some(g) = &security_groups {
        index_by::<SgId>(
            g.iter().map(|x| x.id.as_str()),
            &field_spans(security_groups_node, "id"),
            "security_group",
            "id",
            cx,
        );
    }

    let endpoint = top.req(
        cx,
        "endpoint",
        "{ client_cidr_block = \"10.100.0.0/16\", vpc_id = \"vpc-main\" }",
    );
    let endpoint = endpoint
        .and_then(|n| endpoint_table(n, vpc_ids.as_ref(), &sg_ids, &limits, &mut spans, cx));

    let subnets_node = top.req(cx, "subnet", "[{ id = \"subnet-a\", vpc_id = \"vpc-main\", cidr_block = \"172.31.0.0/20\", availability_zone = \"us-east-1a\" }]");
    let subnets = list(
        subnets_node,
        "subnet",
        cx,
        |n, p, cx| subnet(n, p, vpc_ids.as_ref(), cx),
        &mut Vec::new(),
    );
    spans.subnet_cidr = field_spans(subnets_node, "cidr_block");
    let subnet_ids = subnets.as_ref().map(|v| {
        index_by(
            v.iter().map(|x| x.id.as_str()),
            &field_spans(subnets_node, "id"),
            "subnet",
            "id",
            cx,
        )
    });

    let assoc_node = top.opt("association");
    spans.association_subnet = field_spans(assoc_node, "subnet_id");
    let associations = list(
        assoc_node,
        "association",
        cx,
        |n, p, cx| association(n, p, subnet_ids.as_ref(), cx),
        &mut spans.association,
    );
    spans.association_path = (0..spans.association_subnet.len())
        .map(|i| format!("association[{i}].subnet_id"))
        .collect();
    // Subnets associated mid-run by an `associate` event come after the configured ones, so
    // routes may target them and every association rule applies to them too.
    let associations = associations.map(|mut list| {
        if let Some(Value::Array(items)) = top.opt("event").map(|n| &n.value) {
            // In time order (ties in file order), as the events are kept, so that a written
            // scenario reads back with the same association indices.
            let at = |item: &Node| match item.get("at").map(|n| &n.value) {
                Some(Value::String(t)) => super::duration::parse(t).unwrap_or(Millis::MAX),
                _ => Millis::MAX,
            };
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by_key(|&j| at(&items[j]));
            for j in order {
                let item = &items[j];
                let Some(node) = item.get("associate") else {
                    continue;
                };
                let (Value::String(id), Some(ids)) = (&node.value, subnet_ids.as_ref()) else {
                    continue;
                };
                let Some(&sub) = ids.get(id) else { continue };
                if list.iter().any(|a: &Association| a.subnet == sub) {
                    continue; // reported with the event
                }
                list.push(Association { subnet: sub });
                spans.association.push(node.span.clone());
                spans.association_subnet.push(node.span.clone());
                spans.association_path.push(format!("event[{j}].associate"));
            }
        }
        list
    });
    let configured_associations = spans
        .association_path
        .iter()
        .filter(|p| p.starts_with("association["))
        .count();

    // Subnet id → association index, for routes.
    let assoc_of_subnet: Option<BTreeMap<SubnetId, AssocId>> = associations.as_ref().map(|a| {
        a.iter()
            .enumerate()
            .map(|(i, x)| (x.subnet, AssocId(i as u32)))
            .collect()
    });

    let routes_node = top.opt("route");
    spans.route_destination = field_spans(routes_node, "destination_cidr_block");
    spans.route_target = field_spans(routes_node, "target_vpc_subnet_id");
    let routes = list(
        routes_node,
        "route",
        cx,
        |n, p, cx| route(n, p, subnet_ids.as_ref(), assoc_of_subnet.as_ref(), cx),
        &mut spans.route,
    );
    let rules_node = top.opt("authorization_rule");
    spans.rule_group = field_spans(rules_node, "access_group_id");
    let rules = list(
        rules_node,
        "authorization_rule",
        cx,
        |n, p, cx| auth_rule(n, p, &limits, cx),
        &mut spans.rule,
    );

    let networks_node = top.opt("network");
    let mut net_spans = Vec::new();
    let declared = list(
        networks_node,
        "network",
        cx,
        |n, p, cx| network(n, p, &sg_ids, cx),
        &mut net_spans,
    );

    let pops_node = top.req(cx, "population", "[{ name = \"staff\", … }]");
    // Networks: declared, then implicit ones (VPC ids, internet, clients) as populations need them.
    let mut networks = declared.clone().unwrap_or_default();
    if let Some(d) = &declared {
        index_by::<NetworkId>(
            d.iter().map(|x| x.name.as_str()),
            &field_spans(networks_node, "name"),
            "network",
            "name",
            cx,
        );
    }
    let mut pop_spans = Vec::new();
    let populations = list(
        pops_node,
        "population",
        cx,
        |n, p, cx| {
            population(
                n,
                p,
                &mut networks,
                vpcs.as_deref(),
                endpoint.as_ref().map(|e| e.client_cidr_block),
                &limits,
                cx,
            )
        },
        &mut pop_spans,
    );
    if let Some(p) = &populations {
        index_by::<PopId>(
            p.iter().map(|x| x.name.as_str()),
            &field_spans(pops_node, "name"),
            "population",
            "name",
            cx,
        );
    }

    let data_plane = super::dataplane::decode(
        &mut top,
        &super::dataplane::Refs {
            vpcs: vpc_ids.as_ref(),
            subnets: subnet_ids.as_ref(),
            sgs: &sg_ids,
        },
        cx,
    );

    let mut ev_spans = Vec::new();
    let events = list(
        top.opt("event"),
        "event",
        cx,
        |n, p, cx| {
            event(
                n,
                p,
                duration,
                subnets.as_deref(),
                associations.as_deref(),
                assoc_of_subnet.as_ref(),
                subnet_ids.as_ref(),
                configured_associations,
                cx,
            )
        },
        &mut ev_spans,
    );

    top.finish(cx);

    // Everything decoded field by field; now the checks that need the whole file.
    let mut s = Scenario {
        name: name?,
        description,
        seed: seed?,
        duration: duration?,
        sample_interval: sample_interval?,
        start_weekday: start_weekday?,
        endpoint: endpoint?,
        vpcs: vpcs?,
        subnets: subnets?,
        associations: associations?,
        routes: routes?,
        authorization_rules: rules?,
        security_groups: security_groups?,
        networks,
        populations: populations?,
        limits: limits?,
        events: events?,
        output: output?,
        pricing: pricing?,
        data_plane: data_plane?,
    };
    // Stable sort: equal times keep file order.
    let mut order: Vec<usize> = (0..s.events.len()).collect();
    order.sort_by_key(|&i| s.events[i].at);
    s.events = order.iter().map(|&i| s.events[i].clone()).collect();

    cross_checks(&mut s, &spans, cx);
    if !cx.diags.iter().any(|d| d.is_error()) {
        super::dns::check(&s, &spans.dns_server, cx);
    }
    if cx.diags.iter().any(|d| d.is_error()) {
        None
    } else {
        Some(s)
    }
}

/// Reads an array of tables with `f`, recording each element's span. `None` (absent) is an empty
/// list; a non-array is an error.
fn list<T>(
    node: Option<&Node>,
    path: &str,
    cx: &mut Cx,
    mut f: impl FnMut(&Node, &str, &mut Cx) -> Option<T>,
    spans: &mut Vec<Range<usize>>,
) -> Option<Vec<T>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    let items = read::array(node, path, cx)?;
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        spans.push(item.span.clone());
        match f(item, &format!("{path}[{i}]"), cx) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// The span of field `key` in each element of an array of tables (the element's own span where
/// the field is absent), so that a cross-check whose path names the field points at its value.
fn field_spans(node: Option<&Node>, key: &str) -> Vec<Range<usize>> {
    match node.map(|n| &n.value) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.get(key).map_or(item.span.clone(), |n| n.span.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Maps ids to indices, reporting duplicates.
fn index_by<'a, Id: From<u32>>(
    ids: impl Iterator<Item = &'a str>,
    spans: &[Range<usize>],
    what: &str,
    field: &str,
    cx: &mut Cx,
) -> BTreeMap<String, Id> {
    let mut map = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        if map.contains_key(id) {
            cx.error(
                "duplicate-id",
                &format!("{what}[{i}].{field}"),
                spans[i].clone(),
                format!("{what} {field} `{id}` is declared twice"),
                format!("give each {what} a unique {field}"),
            );
        } else {
            map.insert(id.to_string(), Id::from(i as u32));
        }
    }
    map
}

macro_rules! from_u32 {
    ($($t:ident),*) => { $(impl From<u32> for $t { fn from(v: u32) -> Self { $t(v) } })* };
}
from_u32!(VpcId, SubnetId, NetworkId, PopId, SgId, AssocId);

fn positive_duration(n: &Node, path: &str, cx: &mut Cx) -> Option<Millis> {
    let d = read::duration(n, path, cx)?;
    if d == 0 {
        cx.error(
            "value",
            path,
            n.span.clone(),
            format!("`{path}` must be longer than zero"),
            "",
        );
        return None;
    }
    Some(d)
}

fn weekday(n: &Node, path: &str, cx: &mut Cx) -> Option<Weekday> {
    let s = read::string(n, path, cx)?;
    let w = Weekday::ALL
        .iter()
        .find(|w| w.name() == s.to_ascii_lowercase().get(..3).unwrap_or(""));
    if w.is_none() {
        cx.error(
            "value",
            path,
            n.span.clone(),
            format!("`{s}` is not a weekday"),
            "use mon, tue, wed, thu, fri, sat or sun",
        );
    }
    w.copied()
}

fn days(n: &Node, path: &str, cx: &mut Cx) -> Option<DaySet> {
    let s = read::string(n, path, cx)?;
    let bad = |cx: &mut Cx| {
        cx.error(
            "value",
            path,
            n.span.clone(),
            format!("`{s}` is not a set of weekdays"),
            "write e.g. \"mon-fri\", \"mon,wed,fri\" or \"all\"",
        )
    };
    if s == "all" || s == "every day" {
        return Some(DaySet(0x7f));
    }
    let day = |t: &str| {
        Weekday::ALL
            .iter()
            .position(|w| w.name() == t.trim().to_ascii_lowercase())
    };
    let mut set = 0u8;
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (Some(a), Some(b)) = (day(a), day(b)) else {
                    bad(cx);
                    return None;
                };
                let mut d = a;
                loop {
                    set |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => {
                let Some(d) = day(part) else {
                    bad(cx);
                    return None;
                };
                set |= 1 << d;
            }
        }
    }
    Some(DaySet(set))
}

fn output(n: &Node, cx: &mut Cx) -> Option<OutputOptions> {
    let mut t = Table::new(n, "output", cx)?;
    let connection_log = t.opt("connection_log").map_or(Some(false), |n| {
        read::boolean(n, "output.connection_log", cx)
    });
    let metrics_period = t
        .opt("metrics_period")
        .map_or(Some(CLOUDWATCH_PERIOD), |n| {
            let d = positive_duration(n, "output.metrics_period", cx)?;
            if d % MINUTE != 0 {
                cx.error(
                    "value",
                    "output.metrics_period",
                    n.span.clone(),
                    "`output.metrics_period` must be a whole number of minutes: CloudWatch periods are multiples of 60 seconds".to_string(),
                    "use \"1m\", \"5m\" (what Client VPN publishes) or \"1h\"",
                );
                return None;
            }
            Some(d)
        });
    let headroom_margin = t.opt("headroom_margin").map_or(Some(0.2), |n| {
        read::number(n, "output.headroom_margin", 0.0, true, 0.95, cx)
    });
    let thresholds = t.opt("outcome_thresholds").map_or(
        Some(crate::model::DEFAULT_OUTCOME_THRESHOLDS.to_vec()),
        |n| outcome_thresholds(n, cx),
    );
    t.finish(cx);
    Some(OutputOptions {
        connection_log: connection_log?,
        metrics_period: metrics_period?,
        headroom_margin: headroom_margin?,
        outcome_thresholds: thresholds?,
    })
}

/// `[output] outcome_thresholds`: one to eight positive durations, strictly ascending.
fn outcome_thresholds(n: &Node, cx: &mut Cx) -> Option<Vec<Millis>> {
    let path = "output.outcome_thresholds";
    let items = read::array(n, path, cx)?;
    if items.is_empty() || items.len() > 8 {
        cx.error(
            "outcome-thresholds",
            path,
            n.span.clone(),
            format!(
                "`{path}` has {} entries; it needs one to eight",
                items.len()
            ),
            "write e.g. outcome_thresholds = [\"1m\", \"5m\", \"15m\"]",
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let ms = positive_duration(item, &at, cx)?;
        if out.last().is_some_and(|&prev| ms <= prev) {
            cx.error(
                "outcome-thresholds",
                &at,
                item.span.clone(),
                format!("`{at}` is not longer than the threshold before it"),
                "list the thresholds in ascending order without repeats, e.g. [\"1m\", \"5m\", \"15m\"]",
            );
            return None;
        }
        out.push(ms);
    }
    Some(out)
}

/// `[pricing]`: every price overridable, none negative (guide: "Pricing for Client VPN").
fn pricing(n: &Node, cx: &mut Cx) -> Option<Pricing> {
    let mut t = Table::new(n, "pricing", cx)?;
    let mut pr = Pricing::default();
    let mut ok = true;
    macro_rules! price {
        ($key:literal, $field:ident) => {
            if let Some(n) = t.opt($key) {
                match read::number(n, concat!("pricing.", $key), 0.0, true, 1.0e6, cx) {
                    Some(v) => pr.$field = v,
                    None => ok = false,
                }
            }
        };
    }
    macro_rules! count {
        ($key:literal, $field:ident, $min:expr, $max:expr) => {
            if let Some(n) = t.opt($key) {
                match read::integer(n, concat!("pricing.", $key), $min, $max, cx) {
                    Some(v) => pr.$field = v as u32,
                    None => ok = false,
                }
            }
        };
    }
    price!("association_hour", association_hour);
    price!("connection_hour", connection_hour);
    price!("lambda_request", lambda_request);
    price!("lambda_gb_second", lambda_gb_second);
    price!("log_ingestion_gb", log_ingestion_gb);
    price!("public_ipv4_hour", public_ipv4_hour);
    count!("lambda_memory_mb", lambda_memory_mb, 128, 10_240);
    count!("log_entry_bytes", log_entry_bytes, 1, 262_144);
    count!(
        "public_ipv4_per_association",
        public_ipv4_per_association,
        0,
        16
    );
    if let Some(n) = t.opt("connection_logging") {
        match read::boolean(n, "pricing.connection_logging", cx) {
            Some(v) => pr.connection_logging = v,
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("billing") {
        match read::string(n, "pricing.billing", cx).as_deref() {
            Some("started-hour") => pr.billing = Billing::StartedHour,
            Some("prorated") => pr.billing = Billing::Prorated,
            Some(other) => {
                cx.error(
                    "value",
                    "pricing.billing",
                    n.span.clone(),
                    format!("unknown billing `{other}`"),
                    "use \"started-hour\" (each started hour billed, as AWS bills) or \"prorated\"",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(pr)
}

fn limits(n: &Node, cx: &mut Cx) -> Option<Limits> {
    let mut t = Table::new(n, "limits", cx)?;
    let mut l = Limits::default();
    let mut ok = true;
    if let Some(n) = t.opt("connections_by_associations") {
        let p = "limits.connections_by_associations";
        match read::array(n, p, cx) {
            Some(items) if !items.is_empty() => {
                let vals: Vec<Option<i64>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| read::integer(x, &format!("{p}[{i}]"), 1, u32::MAX as i64, cx))
                    .collect();
                if vals.iter().all(Option::is_some) {
                    let vals: Vec<u32> = vals
                        .into_iter()
                        .map(|v| v.unwrap_or_default() as u32)
                        .collect();
                    if vals.windows(2).any(|w| w[1] < w[0]) {
                        cx.error(
                            "limits",
                            p,
                            n.span.clone(),
                            "the connection table must not decrease with more associations",
                            "list connections for 1, 2, … associations in increasing order",
                        );
                        ok = false;
                    }
                    l.connections_by_associations = vals;
                } else {
                    ok = false;
                }
            }
            Some(_) => {
                cx.error(
                    "limits",
                    p,
                    n.span.clone(),
                    "the connection table is empty",
                    "list connections for 1, 2, … associations",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    macro_rules! int_limit {
        ($key:literal, $field:ident) => {
            if let Some(n) = t.opt($key) {
                match read::integer(n, concat!("limits.", $key), 1, u32::MAX as i64, cx) {
                    Some(v) => l.$field = v as u32,
                    None => ok = false,
                }
            }
        };
    }
    int_limit!("authorization_rules", authorization_rules);
    int_limit!("routes", routes);
    int_limit!("groups_per_user", groups_per_user);
    int_limit!("group_id_length", group_id_length);
    int_limit!("login_banner_length", login_banner_length);
    int_limit!("crl_entries", crl_entries);
    macro_rules! budget {
        ($key:literal, $field:ident) => {
            if let Some(n) = t.opt($key) {
                match read::integer(n, concat!("limits.", $key), 1, i64::MAX, cx) {
                    Some(v) => l.budget.$field = v as u64,
                    None => ok = false,
                }
            }
        };
    }
    budget!("max_events", events);
    budget!("max_sample_rows", sample_rows);
    budget!("max_memory_mb", memory_mb);
    budget!("max_output_mb", output_mb);
    if let Some(n) = t.opt("per_connection_mbps") {
        match read::number(
            n,
            "limits.per_connection_mbps",
            0.0,
            false,
            f64::INFINITY,
            cx,
        ) {
            Some(v) => l.per_connection_mbps = v,
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("handler_timeout") {
        match positive_duration(n, "limits.handler_timeout", cx) {
            Some(v) => {
                if v != Limits::default().handler_timeout {
                    cx.warning(
                        "handler-timeout",
                        "limits.handler_timeout",
                        n.span.clone(),
                        format!(
                            "the client connect handler times out after 30 seconds and the guide \
                             says this value cannot be changed; {} is simulated as written, \
                             as a what-if only",
                            super::duration::format(v)
                        ),
                        "remove `handler_timeout` to use the guide's 30 s",
                    );
                }
                l.handler_timeout = v
            }
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(l)
}

fn vpc(n: &Node, p: &str, cx: &mut Cx) -> Option<Vpc> {
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .req(cx, "id", "\"vpc-main\"")
        .and_then(|n| read::string(n, &join(p, "id"), cx));
    let cidrs = t
        .req(cx, "cidr_blocks", "[\"172.31.0.0/16\"]")
        .and_then(|n| cidr_list(n, &join(p, "cidr_blocks"), cx));
    let tenancy = match t.opt("instance_tenancy") {
        None => Some(false),
        Some(n) => {
            let tp = join(p, "instance_tenancy");
            match read::string(n, &tp, cx).as_deref() {
                Some("default") => Some(false),
                Some("dedicated") => Some(true),
                Some(other) => {
                    cx.error(
                        "value",
                        &tp,
                        n.span.clone(),
                        format!("unknown tenancy `{other}`"),
                        "use \"default\" or \"dedicated\"",
                    );
                    None
                }
                None => None,
            }
        }
    };
    let internet_gateway = t.opt("internet_gateway").map_or(Some(false), |n| {
        read::boolean(n, &join(p, "internet_gateway"), cx)
    });
    t.finish(cx);
    Some(Vpc {
        id: id?,
        cidr_blocks: cidrs?,
        dedicated_tenancy: tenancy?,
        internet_gateway: internet_gateway?,
    })
}

fn cidr_list(n: &Node, p: &str, cx: &mut Cx) -> Option<Vec<Ipv4Net>> {
    let items = read::array(n, p, cx)?;
    if items.is_empty() {
        cx.error(
            "value",
            p,
            n.span.clone(),
            format!("`{p}` is empty"),
            "list at least one CIDR block",
        );
        return None;
    }
    let v: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, x)| read::cidr(x, &format!("{p}[{i}]"), cx))
        .collect();
    v.into_iter().collect()
}

fn security_group(
    n: &Node,
    p: &str,
    ids: &BTreeMap<String, SgId>,
    cx: &mut Cx,
) -> Option<SecurityGroup> {
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .req(cx, "id", "\"sg-db\"")
        .and_then(|n| read::string(n, &join(p, "id"), cx));
    let from = t.opt("inbound_from").map_or(Some(Vec::new()), |n| {
        sg_refs(n, &join(p, "inbound_from"), ids, cx)
    });
    t.finish(cx);
    Some(SecurityGroup {
        id: id?,
        inbound_from: from?,
    })
}

fn sg_refs(n: &Node, p: &str, ids: &BTreeMap<String, SgId>, cx: &mut Cx) -> Option<Vec<SgId>> {
    let names = read::strings(n, p, cx)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (name, span) in names {
        match ids.get(&name) {
            Some(id) => out.push(*id),
            None => {
                cx.error(
                    "unknown-reference",
                    p,
                    span,
                    format!("security group `{name}` is not declared"),
                    hint_list("declare it as [[security_group]] or use one of", ids.keys()),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn hint_list<'a>(prefix: &str, names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(|s| s.as_str()).collect();
    if v.is_empty() {
        format!("{prefix}: (none declared)")
    } else {
        format!("{prefix}: {}", v.join(", "))
    }
}

fn endpoint_table(
    n: &Node,
    vpc_ids: Option<&BTreeMap<String, VpcId>>,
    sg_ids: &BTreeMap<String, SgId>,
    limits: &Option<Limits>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> Option<Endpoint> {
    let p = "endpoint";
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .opt("id")
        .map_or(Some("cvpn-endpoint-0123456789abcdef0".to_string()), |n| {
            read::string(n, "endpoint.id", cx)
        });
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, "endpoint.description", cx));
    let cidr_node = t.req(cx, "client_cidr_block", "\"10.100.0.0/16\"");
    let client_cidr = cidr_node.and_then(|n| {
        spans.client_cidr = n.span.clone();
        let c = read::cidr(n, "endpoint.client_cidr_block", cx)?;
        if !(12..=22).contains(&c.prefix_len()) {
            cx.error(
                "client-cidr-size",
                "endpoint.client_cidr_block",
                n.span.clone(),
                format!(
                    "client CIDR {c} is a /{}: it must be between /12 and /22",
                    c.prefix_len()
                ),
                if c.prefix_len() > 22 {
                    "use a /22 or larger block (a smaller prefix number)"
                } else {
                    "use a /12 or smaller block"
                },
            );
            return None;
        }
        Some(c)
    });
    let transport =
        t.opt("transport_protocol")
            .map_or(Some(Transport::Udp), |n| {
                match read::string(n, "endpoint.transport_protocol", cx)?.as_str() {
                    "udp" => Some(Transport::Udp),
                    "tcp" => Some(Transport::Tcp),
                    other => {
                        cx.error(
                            "transport",
                            "endpoint.transport_protocol",
                            n.span.clone(),
                            format!("transport `{other}` is not supported"),
                            "use \"udp\" (default) or \"tcp\"",
                        );
                        None
                    }
                }
            });
    let port = t.opt("vpn_port").map_or(Some(443), |n| {
        let v = read::integer(n, "endpoint.vpn_port", 0, 65535, cx)?;
        if v != 443 && v != 1194 {
            cx.error(
                "vpn-port",
                "endpoint.vpn_port",
                n.span.clone(),
                format!("VPN port {v} is not supported"),
                "use 443 (default) or 1194",
            );
            return None;
        }
        Some(v as u16)
    });
    let split = t.opt("split_tunnel").map_or(Some(false), |n| {
        read::boolean(n, "endpoint.split_tunnel", cx)
    });
    let timeout = t
        .opt("session_timeout_hours")
        .map_or(SessionTimeout::from_hours(24), |n| {
            session_timeout(n, "endpoint.session_timeout_hours", cx)
        });
    let disconnect = t
        .opt("disconnect_on_session_timeout")
        .map_or(Some(false), |n| {
            read::boolean(n, "endpoint.disconnect_on_session_timeout", cx)
        });
    let auth_node = t.req(cx, "authentication", "[\"federated\"]");
    let auth = auth_node.and_then(|n| authentication(n, "endpoint.authentication", cx));
    let portal_node = t.opt("self_service_portal");
    let portal = portal_node.map_or(Some(false), |n| {
        read::boolean(n, "endpoint.self_service_portal", cx)
    });
    if let (Some(true), Some(Authentication::Mutual), Some(n)) = (portal, auth, portal_node) {
        cx.error(
            "self-service-portal",
            "endpoint.self_service_portal",
            n.span.clone(),
            "the self-service portal is not available with mutual authentication only",
            "turn it off, or add a user-based method: authentication = [\"mutual\", \"federated\"]",
        );
    }
    let banner = t.opt("login_banner").and_then(|n| {
        let s = read::string(n, "endpoint.login_banner", cx)?;
        let max = limits.as_ref().map_or(1400, |l| l.login_banner_length) as usize;
        let chars = s.chars().count();
        if chars > max {
            cx.error(
                "login-banner-length",
                "endpoint.login_banner",
                n.span.clone(),
                format!("the login banner has {chars} characters, more than {max}"),
                "shorten the banner text",
            );
        }
        Some(s)
    });
    let dns = t.opt("dns_servers").map_or(Some(Vec::new()), |n| {
        let items = read::array(n, "endpoint.dns_servers", cx)?;
        if items.len() > 2 {
            cx.error(
                "value",
                "endpoint.dns_servers",
                n.span.clone(),
                format!("{} DNS servers given, at most 2", items.len()),
                "an endpoint has DNS server 1 and DNS server 2",
            );
        }
        spans.dns_server = items.iter().map(|x| x.span.clone()).collect();
        let v: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, x)| read::address(x, &format!("endpoint.dns_servers[{i}]"), cx))
            .collect();
        v.into_iter().collect()
    });
    let vpc = t.req(cx, "vpc_id", "\"vpc-main\"").and_then(|n| {
        let s = read::string(n, "endpoint.vpc_id", cx)?;
        let ids = vpc_ids?;
        let id = ids.get(&s).copied();
        if id.is_none() {
            cx.error(
                "unknown-reference",
                "endpoint.vpc_id",
                n.span.clone(),
                format!("VPC `{s}` is not declared"),
                hint_list("declare it as [[vpc]] or use one of", ids.keys()),
            );
        }
        id
    });
    let sgs = t.opt("security_group_ids").map_or(Some(Vec::new()), |n| {
        sg_refs(n, "endpoint.security_group_ids", sg_ids, cx)
    });
    let handler = t.opt("client_connect_handler").map_or(Some(None), |n| {
        handler(n, "endpoint.client_connect_handler", cx).map(Some)
    });
    let capacity = t
        .opt("capacity_model")
        .map_or(Some(CapacityModel::Pooled), |n| {
            match read::string(n, "endpoint.capacity_model", cx)?.as_str() {
                "even-share" => Some(CapacityModel::EvenShare),
                "pooled" => Some(CapacityModel::Pooled),
                other => {
                    cx.error(
                        "value",
                        "endpoint.capacity_model",
                        n.span.clone(),
                        format!("unknown capacity model `{other}`"),
                        "use \"pooled\" (default) or \"even-share\"",
                    );
                    None
                }
            }
        });
    let max_conn = t.opt("max_connections").map_or(Some(None), |n| {
        read::integer(n, "endpoint.max_connections", 1, u32::MAX as i64, cx).map(|v| Some(v as u32))
    });
    let throughput = t
        .opt("association_throughput_mbps")
        .map_or(Some(None), |n| {
            read::number(
                n,
                "endpoint.association_throughput_mbps",
                0.0,
                false,
                f64::INFINITY,
                cx,
            )
            .map(Some)
        });
    t.finish(cx);
    Some(Endpoint {
        id: id?,
        description,
        client_cidr_block: client_cidr?,
        transport_protocol: transport?,
        vpn_port: port?,
        split_tunnel: split?,
        session_timeout: timeout?,
        disconnect_on_session_timeout: disconnect?,
        authentication: auth?,
        self_service_portal: portal?,
        login_banner: banner,
        dns_servers: dns?,
        vpc: vpc?,
        security_groups: sgs?,
        client_connect_handler: handler?,
        capacity_model: capacity?,
        max_connections: max_conn?,
        association_throughput_mbps: throughput?,
    })
}

fn session_timeout(n: &Node, p: &str, cx: &mut Cx) -> Option<SessionTimeout> {
    let v = read::integer(n, p, i64::MIN, i64::MAX, cx)?;
    let t = u64::try_from(v).ok().and_then(SessionTimeout::from_hours);
    if t.is_none() {
        cx.error(
            "session-timeout",
            p,
            n.span.clone(),
            format!("{v} hours is not a supported maximum session duration"),
            "use 8, 10, 12 or 24 (default 24)",
        );
    }
    t
}

fn authentication(n: &Node, p: &str, cx: &mut Cx) -> Option<Authentication> {
    let names = read::strings(n, p, cx)?;
    let mut mutual = false;
    let mut user: Option<UserAuth> = None;
    for (name, span) in &names {
        match name.as_str() {
            "mutual" | "certificate-authentication" if !mutual => mutual = true,
            "active-directory" | "directory-service-authentication" if user.is_none() => {
                user = Some(UserAuth::ActiveDirectory)
            }
            "federated" | "federated-authentication" | "saml" if user.is_none() => {
                user = Some(UserAuth::Federated)
            }
            "mutual"
            | "active-directory"
            | "federated"
            | "certificate-authentication"
            | "directory-service-authentication"
            | "federated-authentication"
            | "saml" => {
                cx.error(
                    "authentication",
                    p,
                    span.clone(),
                    format!("`{name}` cannot be combined here"),
                    "use mutual, one user-based method, or mutual plus one user-based method",
                );
                return None;
            }
            other => {
                cx.error(
                    "authentication",
                    p,
                    span.clone(),
                    format!("unknown authentication method `{other}`"),
                    "use \"mutual\", \"active-directory\" or \"federated\"",
                );
                return None;
            }
        }
    }
    match (mutual, user) {
        (true, None) => Some(Authentication::Mutual),
        (false, Some(u)) => Some(Authentication::User(u)),
        (true, Some(u)) => Some(Authentication::MutualAnd(u)),
        (false, None) => {
            cx.error(
                "authentication",
                p,
                n.span.clone(),
                "an endpoint needs an authentication method",
                "e.g. authentication = [\"federated\"]",
            );
            None
        }
    }
}

fn handler(n: &Node, p: &str, cx: &mut Cx) -> Option<ConnectHandler> {
    let mut t = Table::new(n, p, cx)?;
    let fp = join(p, "function_name");
    let name = t
        .req(cx, "function_name", "\"AWSClientVPN-posture\"")
        .and_then(|n| {
            let s = read::string(n, &fp, cx)?;
            // The guide prints the prefix as `AWSCliEntVPN-` once; Lambda names are case-sensitive and
            // the prefix AWS documents elsewhere is `AWSClientVPN-`.
            if !s.starts_with("AWSClientVPN-") {
                cx.error(
                    "handler-name",
                    &fp,
                    n.span.clone(),
                    format!("Lambda function `{s}` does not begin with AWSClientVPN-"),
                    format!("rename the function, e.g. AWSClientVPN-{s}"),
                );
                return None;
            }
            Some(s)
        });
    let latency = t
        .req(
            cx,
            "latency",
            "{ lognormal = { median = \"300ms\", p99 = \"4s\" } }",
        )
        .and_then(|n| read::dist(n, &join(p, "latency"), Unit::Duration, cx));
    let concurrency = t
        .req(cx, "concurrency", "100")
        .and_then(|n| read::integer(n, &join(p, "concurrency"), 1, u32::MAX as i64, cx));
    let mut rate = |key: &'static str| {
        t.opt(key)
            .map_or(Some(0.0), |n| read::probability(n, &join(p, key), cx))
    };
    let deny = rate("deny_rate");
    let error = rate("error_rate");
    let invalid = rate("invalid_response_rate");
    let service = rate("service_error_rate");
    t.finish(cx);
    let sum = deny? + error? + invalid? + service?;
    if sum > 1.0 {
        cx.error("probability", p, n.span.clone(), format!("handler outcome rates add up to {sum}, more than 1"), "deny, error, invalid-response and service-error rates are exclusive outcomes of one invocation");
        return None;
    }
    Some(ConnectHandler {
        function_name: name?,
        latency: latency?,
        concurrency: concurrency? as u32,
        deny_rate: deny?,
        error_rate: error?,
        invalid_response_rate: invalid?,
        service_error_rate: service?,
    })
}

fn subnet(
    n: &Node,
    p: &str,
    vpc_ids: Option<&BTreeMap<String, VpcId>>,
    cx: &mut Cx,
) -> Option<Subnet> {
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .req(cx, "id", "\"subnet-a\"")
        .and_then(|n| read::string(n, &join(p, "id"), cx));
    let vpc = t.req(cx, "vpc_id", "\"vpc-main\"").and_then(|n| {
        let s = read::string(n, &join(p, "vpc_id"), cx)?;
        let ids = vpc_ids?;
        let v = ids.get(&s).copied();
        if v.is_none() {
            cx.error(
                "unknown-reference",
                &join(p, "vpc_id"),
                n.span.clone(),
                format!("VPC `{s}` is not declared"),
                hint_list("declare it as [[vpc]] or use one of", ids.keys()),
            );
        }
        v
    });
    let cp = join(p, "cidr_block");
    let cidr_node = t.req(cx, "cidr_block", "\"172.31.0.0/20\"");
    let cidr = cidr_node.and_then(|n| read::cidr(n, &cp, cx));
    let az = t
        .req(cx, "availability_zone", "\"us-east-1a\"")
        .and_then(|n| read::string(n, &join(p, "availability_zone"), cx));
    let avail_node = t.opt("available_ip_address_count");
    let avail = avail_node.map(|n| {
        read::integer(
            n,
            &join(p, "available_ip_address_count"),
            0,
            u32::MAX as i64,
            cx,
        )
    });
    t.finish(cx);
    let cidr = cidr?;
    // AWS reserves 5 addresses in every subnet.
    let default_avail = (1u64 << (32 - cidr.prefix_len()))
        .saturating_sub(5)
        .min(u32::MAX as u64) as u32;
    let avail = match avail {
        None => default_avail,
        Some(v) => v? as u32,
    };
    if let Some(n) = cidr_node {
        if cidr.prefix_len() > 27 {
            cx.error(
                "subnet-size",
                &cp,
                n.span.clone(),
                format!("subnet {cidr} is smaller than a /27"),
                "associate a subnet of /27 or larger",
            );
        } else if avail < 20 {
            let span = avail_node.map_or(n.span.clone(), |a| a.span.clone());
            cx.error(
                "subnet-size",
                &join(p, "available_ip_address_count"),
                span,
                format!("subnet {cidr} has {avail} free addresses, fewer than 20"),
                "free addresses in the subnet, or associate another one",
            );
        }
    }
    Some(Subnet {
        id: id?,
        vpc: vpc?,
        cidr_block: cidr,
        availability_zone: az?,
        available_ip_addresses: avail,
    })
}

fn association(
    n: &Node,
    p: &str,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    cx: &mut Cx,
) -> Option<Association> {
    let mut t = Table::new(n, p, cx)?;
    let subnet = t
        .req(cx, "subnet_id", "\"subnet-a\"")
        .and_then(|n| subnet_ref(n, &join(p, "subnet_id"), subnet_ids, cx));
    t.finish(cx);
    Some(Association { subnet: subnet? })
}

fn subnet_ref(
    n: &Node,
    p: &str,
    ids: Option<&BTreeMap<String, SubnetId>>,
    cx: &mut Cx,
) -> Option<SubnetId> {
    let s = read::string(n, p, cx)?;
    let ids = ids?;
    let v = ids.get(&s).copied();
    if v.is_none() {
        cx.error(
            "unknown-reference",
            p,
            n.span.clone(),
            format!("subnet `{s}` is not declared"),
            hint_list("declare it as [[subnet]] or use one of", ids.keys()),
        );
    }
    v
}

fn route(
    n: &Node,
    p: &str,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    assoc_of: Option<&BTreeMap<SubnetId, AssocId>>,
    cx: &mut Cx,
) -> Option<Route> {
    let mut t = Table::new(n, p, cx)?;
    let dest = t
        .req(cx, "destination_cidr_block", "\"0.0.0.0/0\"")
        .and_then(|n| read::cidr(n, &join(p, "destination_cidr_block"), cx));
    let tp = join(p, "target_vpc_subnet_id");
    let target = t
        .req(cx, "target_vpc_subnet_id", "\"subnet-a\"")
        .and_then(|n| {
            let s = read::string(n, &tp, cx)?;
            if s == "local" {
                return Some(RouteTarget::Local);
            }
            let sub = subnet_ref(n, &tp, subnet_ids, cx)?;
            let a = assoc_of?.get(&sub).copied();
            if a.is_none() {
                cx.error(
                    "route-target",
                    &tp,
                    n.span.clone(),
                    format!("subnet `{s}` is not associated with the endpoint"),
                    "add an [[association]] for it, or target an associated subnet (or \"local\")",
                );
            }
            a.map(RouteTarget::Association)
        });
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, &join(p, "description"), cx));
    t.finish(cx);
    Some(Route {
        destination: dest?,
        target: target?,
        description,
    })
}

fn auth_rule(n: &Node, p: &str, limits: &Option<Limits>, cx: &mut Cx) -> Option<AuthorizationRule> {
    let mut t = Table::new(n, p, cx)?;
    let dest = t
        .req(cx, "target_network_cidr", "\"172.31.0.0/16\"")
        .and_then(|n| read::cidr(n, &join(p, "target_network_cidr"), cx));
    let group_node = t.opt("access_group_id");
    let all_node = t.opt("authorize_all_groups");
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, &join(p, "description"), cx));
    t.finish(cx);
    let group = group_node.and_then(|n| read::string(n, &join(p, "access_group_id"), cx));
    let all = all_node.and_then(|n| read::boolean(n, &join(p, "authorize_all_groups"), cx));
    let grant = match (group, all) {
        (Some(g), None | Some(false)) => {
            let max = limits.as_ref().map_or(255, |l| l.group_id_length) as usize;
            if g.chars().count() > max {
                cx.error(
                    "group-id-length",
                    &join(p, "access_group_id"),
                    group_node.map_or(0..0, |n| n.span.clone()),
                    format!(
                        "group ID is {} characters, more than {max}",
                        g.chars().count()
                    ),
                    "use the group's shorter identifier",
                );
            }
            if g.is_empty() {
                cx.error(
                    "value",
                    &join(p, "access_group_id"),
                    group_node.map_or(0..0, |n| n.span.clone()),
                    "empty group ID",
                    "name a group, or use authorize_all_groups = true",
                );
                return None;
            }
            Grant::Group(g)
        }
        (None, Some(true)) => Grant::AllGroups,
        (Some(_), Some(true)) => {
            cx.error(
                "value",
                p,
                n.span.clone(),
                "a rule has either `access_group_id` or `authorize_all_groups = true`, not both",
                "remove one of them",
            );
            return None;
        }
        _ => {
            if group_node.is_none() && (all_node.is_none() || all == Some(false)) {
                cx.error(
                    "missing-field",
                    &join(p, "access_group_id"),
                    n.span.clone(),
                    "an authorization rule must grant a group or all groups",
                    "add `access_group_id = \"…\"` or `authorize_all_groups = true`",
                );
            }
            return None;
        }
    };
    Some(AuthorizationRule {
        destination: dest?,
        grant,
        description,
    })
}

fn network(n: &Node, p: &str, sg_ids: &BTreeMap<String, SgId>, cx: &mut Cx) -> Option<Network> {
    let mut t = Table::new(n, p, cx)?;
    let name = t
        .req(cx, "name", "\"on-prem\"")
        .and_then(|n| read::string(n, &join(p, "name"), cx));
    let cidrs = t
        .req(cx, "cidr_blocks", "[\"192.168.0.0/16\"]")
        .and_then(|n| cidr_list(n, &join(p, "cidr_blocks"), cx));
    let sg = t.opt("security_group_id").map_or(Some(None), |n| {
        let sp = join(p, "security_group_id");
        let s = read::string(n, &sp, cx)?;
        match sg_ids.get(&s) {
            Some(id) => Some(Some(*id)),
            None => {
                cx.error(
                    "unknown-reference",
                    &sp,
                    n.span.clone(),
                    format!("security group `{s}` is not declared"),
                    hint_list(
                        "declare it as [[security_group]] or use one of",
                        sg_ids.keys(),
                    ),
                );
                None
            }
        }
    });
    let public = t
        .opt("public")
        .map_or(Some(false), |n| read::boolean(n, &join(p, "public"), cx));
    let service = t.opt("port").map_or(Some(None), |n| {
        let pp = join(p, "port");
        let s = read::string(n, &pp, cx)?;
        let v = dataplane::Service::parse(&s);
        if v.is_none() {
            cx.error(
                "value",
                &pp,
                n.span.clone(),
                format!("`{s}` is not a protocol and port"),
                "write it like \"tcp/443\", \"udp/53\" or \"icmp\"",
            );
        }
        v.map(Some)
    });
    t.finish(cx);
    Some(Network {
        name: name?,
        cidr_blocks: cidrs?,
        kind: NetworkKind::Declared,
        security_group: sg?,
        public: public?,
        service: service?,
    })
}

/// Resolves a population's need: a declared network, a VPC id, `internet` or `clients`.
fn need(
    name: &str,
    networks: &mut Vec<Network>,
    vpcs: Option<&[Vpc]>,
    client_cidr: Option<Ipv4Net>,
) -> Option<NetworkId> {
    if let Some(i) = networks.iter().position(|n| n.name == name) {
        return Some(NetworkId(i as u32));
    }
    let implicit = if name == "internet" {
        Some(Network {
            name: name.into(),
            cidr_blocks: vec!["0.0.0.0/0".parse().ok()?],
            kind: NetworkKind::Internet,
            security_group: None,
            public: true,
            service: None,
        })
    } else if name == "clients" {
        Some(Network {
            name: name.into(),
            cidr_blocks: vec![client_cidr?],
            kind: NetworkKind::Clients,
            security_group: None,
            public: false,
            service: None,
        })
    } else {
        vpcs?.iter().position(|v| v.id == name).map(|i| Network {
            name: name.into(),
            cidr_blocks: vpcs.unwrap_or_default()[i].cidr_blocks.clone(),
            kind: NetworkKind::Vpc(VpcId(i as u32)),
            security_group: None,
            public: false,
            service: None,
        })
    }?;
    networks.push(implicit);
    Some(NetworkId(networks.len() as u32 - 1))
}

fn population(
    n: &Node,
    p: &str,
    networks: &mut Vec<Network>,
    vpcs: Option<&[Vpc]>,
    client_cidr: Option<Ipv4Net>,
    limits: &Option<Limits>,
    cx: &mut Cx,
) -> Option<Population> {
    let mut t = Table::new(n, p, cx)?;
    let name = t
        .req(cx, "name", "\"engineering\"")
        .and_then(|n| read::string(n, &join(p, "name"), cx));
    let users_node = t.opt("users");
    let workday_node = t.opt("workday");
    let arrivals_node = t.opt("arrivals");
    let arrivals = match (workday_node, arrivals_node) {
        (Some(w), None) => {
            let users = match users_node {
                Some(u) => read::integer(u, &join(p, "users"), 1, u32::MAX as i64, cx),
                None => {
                    cx.error(
                        "missing-field",
                        &join(p, "users"),
                        n.span.clone(),
                        "a workday population needs `users`",
                        "add `users = 1000`",
                    );
                    None
                }
            };
            workday(w, &join(p, "workday"), cx).and_then(|(start, length, days)| {
                Some(Arrivals::Workday {
                    users: users? as u32,
                    start,
                    length,
                    days,
                })
            })
        }
        (None, Some(a)) => {
            if let Some(u) = users_node {
                cx.error(
                    "value",
                    &join(p, "users"),
                    u.span.clone(),
                    "an open (Poisson) population has no fixed number of users",
                    "remove `users`; the arrival rate sets the load",
                );
            }
            poisson(a, &join(p, "arrivals"), cx)
        }
        (Some(w), Some(_)) => {
            cx.error(
                "value",
                p,
                w.span.clone(),
                "a population is either `workday` (closed) or `arrivals` (open Poisson), not both",
                "keep one of them",
            );
            None
        }
        (None, None) => {
            cx.error(
                "missing-field",
                &join(p, "workday"),
                n.span.clone(),
                "a population needs `workday` (closed) or `arrivals` (open Poisson)",
                "e.g. workday = { start = \"09:00\", length = \"8h\", days = \"mon-fri\" }",
            );
            None
        }
    };
    let gp = join(p, "groups");
    let groups = t.opt("groups").map_or(Some(Vec::new()), |n| {
        let v = read::strings(n, &gp, cx)?;
        let max_len = limits.as_ref().map_or(255, |l| l.group_id_length) as usize;
        let max_groups = limits.as_ref().map_or(200, |l| l.groups_per_user) as usize;
        for (g, span) in &v {
            if g.chars().count() > max_len {
                cx.error(
                    "group-id-length",
                    &gp,
                    span.clone(),
                    format!(
                        "group ID is {} characters, more than {max_len}",
                        g.chars().count()
                    ),
                    "use the group's shorter identifier",
                );
            }
        }
        if v.len() > max_groups {
            cx.warning(
                "groups-per-user",
                &gp,
                v[max_groups].1.clone(),
                format!(
                    "{} groups listed: groups after the {max_groups}th are ignored",
                    v.len()
                ),
                "put the groups that authorization rules name first",
            );
        }
        Some(v.into_iter().map(|(g, _)| g).collect())
    });
    let lan = t.opt("lan_cidr").map_or(Some(None), |n| {
        read::cidr(n, &join(p, "lan_cidr"), cx).map(Some)
    });
    let demand = t.opt("demand_mbps").map_or(Some(Dist::Fixed(1.0)), |n| {
        read::dist(n, &join(p, "demand_mbps"), Unit::Number, cx)
    });
    let np = join(p, "needs");
    let needs = t.opt("needs").map_or(Some(Vec::new()), |n| {
        let v = read::strings(n, &np, cx)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (name, span) in v {
            match need(&name, networks, vpcs, client_cidr) {
                Some(id) => out.push(id),
                None => {
                    let mut known: Vec<String> = networks
                        .iter()
                        .filter(|n| n.kind == NetworkKind::Declared)
                        .map(|n| n.name.clone())
                        .collect();
                    known.extend(vpcs.unwrap_or_default().iter().map(|v| v.id.clone()));
                    known.push("internet".into());
                    known.push("clients".into());
                    if vpcs.is_some() && !(name == "clients" && client_cidr.is_none()) {
                        cx.error(
                            "unknown-reference",
                            &np,
                            span,
                            format!("network `{name}` is not declared"),
                            hint_list("declare it as [[network]] or use one of", known.iter()),
                        );
                    }
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    });
    let retry = t
        .opt("retry")
        .map_or(Some(default_retry()), |n| retry(n, &join(p, "retry"), cx));
    let caching = t.opt("dns_caching").map_or(Some(false), |n| {
        read::boolean(n, &join(p, "dns_caching"), cx)
    });
    let auth_fail = t.opt("auth_failure_rate").map_or(Some(0.0), |n| {
        read::probability(n, &join(p, "auth_failure_rate"), cx)
    });
    let revoked = t.opt("revoked_fraction").map_or(Some(0.0), |n| {
        read::probability(n, &join(p, "revoked_fraction"), cx)
    });
    let manual = t
        .opt("manual_reconnect_delay")
        .map_or(Some(Dist::Fixed(2.0 * MINUTE as f64)), |n| {
            read::dist(n, &join(p, "manual_reconnect_delay"), Unit::Duration, cx)
        });
    let manual_p = t
        .opt("manual_reconnect_probability")
        .map_or(Some(1.0), |n| {
            read::probability(n, &join(p, "manual_reconnect_probability"), cx)
        });
    let detection = t
        .opt("outage_detection_delay")
        .map_or(Some(crate::model::default_outage_detection_delay()), |n| {
            read::dist(n, &join(p, "outage_detection_delay"), Unit::Duration, cx)
        });
    t.finish(cx);
    Some(Population {
        name: name?,
        arrivals: arrivals?,
        groups: groups?,
        lan_cidr: lan?,
        demand_mbps: demand?,
        needs: needs?,
        retry: retry?,
        dns_caching: caching?,
        auth_failure_rate: auth_fail?,
        revoked_fraction: revoked?,
        manual_reconnect_delay: manual?,
        manual_reconnect_probability: manual_p?,
        outage_detection_delay: detection?,
    })
}

/// Default retry policy of a population: 2 s, doubling, capped at 2 min, 50 % jitter, give up
/// after 20 attempts.
pub fn default_retry() -> RetryPolicy {
    RetryPolicy {
        initial: 2 * SECOND,
        multiplier: 2.0,
        max: 2 * MINUTE,
        jitter: 0.5,
        give_up_after: 20,
    }
}

fn workday(n: &Node, p: &str, cx: &mut Cx) -> Option<(Dist, Dist, DaySet)> {
    let mut t = Table::new(n, p, cx)?;
    let start = t
        .req(cx, "start", "\"09:00\"")
        .and_then(|n| read::dist(n, &join(p, "start"), Unit::Duration, cx));
    let length = t
        .req(cx, "length", "\"8h\"")
        .and_then(|n| read::dist(n, &join(p, "length"), Unit::Duration, cx));
    let d = t
        .opt("days")
        .map_or(Some(DaySet(0x1f)), |n| days(n, &join(p, "days"), cx));
    t.finish(cx);
    Some((start?, length?, d?))
}

fn poisson(n: &Node, p: &str, cx: &mut Cx) -> Option<Arrivals> {
    let mut t = Table::new(n, p, cx)?;
    let rate_node = t.opt("per_hour");
    let profile_node = t.opt("profile");
    let period = t.opt("repeat").map_or(Some(Some(DAY)), |n| match &n.value {
        Value::String(s) if s == "none" => Some(None),
        _ => positive_duration(n, &join(p, "repeat"), cx).map(Some),
    });
    let session = t
        .req(cx, "session", "{ exponential = { mean = \"1h\" } }")
        .and_then(|n| read::dist(n, &join(p, "session"), Unit::Duration, cx));
    t.finish(cx);
    let profile = match (rate_node, profile_node) {
        (Some(r), None) => read::number(r, &join(p, "per_hour"), 0.0, true, f64::INFINITY, cx)
            .map(|v| vec![(0, v)]),
        (None, Some(pr)) => {
            let pp = join(p, "profile");
            let items = read::array(pr, &pp, cx)?;
            let mut out: Vec<(Millis, f64)> = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                let ip = format!("{pp}[{i}]");
                let Some(mut it) = Table::new(item, &ip, cx) else {
                    ok = false;
                    continue;
                };
                let at = it
                    .req(cx, "at", "\"09:00\"")
                    .and_then(|n| read::duration(n, &join(&ip, "at"), cx));
                let rate = it.req(cx, "per_hour", "100").and_then(|n| {
                    read::number(n, &join(&ip, "per_hour"), 0.0, true, f64::INFINITY, cx)
                });
                it.finish(cx);
                match (at, rate) {
                    (Some(at), Some(rate)) => {
                        if out.last().is_some_and(|l| l.0 >= at) || (out.is_empty() && at != 0) {
                            cx.error(
                                "value",
                                &join(&ip, "at"),
                                item.get("at").map_or(item.span.clone(), |n| n.span.clone()),
                                "profile steps must start at 0 and increase",
                                "list steps in time order, the first `at = \"00:00\"`",
                            );
                            ok = false;
                        }
                        out.push((at, rate));
                    }
                    _ => ok = false,
                }
            }
            if out.is_empty() && ok {
                cx.error(
                    "value",
                    &pp,
                    pr.span.clone(),
                    "the rate profile is empty",
                    "add steps like { at = \"00:00\", per_hour = 10 }",
                );
                ok = false;
            }
            ok.then_some(out)
        }
        _ => {
            cx.error(
                "missing-field",
                &join(p, "per_hour"),
                n.span.clone(),
                "open arrivals need `per_hour` (constant) or `profile` (piecewise), one of them",
                "e.g. arrivals = { per_hour = 600, session = { exponential = { mean = \"1h\" } } }",
            );
            None
        }
    };
    let (profile, period) = (profile?, period?);
    if let Some(per) = period {
        if profile.last().is_some_and(|l| l.0 >= per) {
            cx.error(
                "value",
                &join(p, "profile"),
                n.span.clone(),
                "a profile step starts after the repeat period",
                "steps must lie within `repeat` (default 1d)",
            );
            return None;
        }
    }
    Some(Arrivals::Poisson {
        profile,
        period,
        session: session?,
    })
}

fn retry(n: &Node, p: &str, cx: &mut Cx) -> Option<RetryPolicy> {
    let d = default_retry();
    let mut t = Table::new(n, p, cx)?;
    let initial = t.opt("initial").map_or(Some(d.initial), |n| {
        read::duration(n, &join(p, "initial"), cx)
    });
    let mult = t.opt("multiplier").map_or(Some(d.multiplier), |n| {
        read::number(n, &join(p, "multiplier"), 1.0, true, 100.0, cx)
    });
    let max = t
        .opt("max")
        .map_or(Some(d.max), |n| read::duration(n, &join(p, "max"), cx));
    let jitter = t.opt("jitter").map_or(Some(d.jitter), |n| {
        read::probability(n, &join(p, "jitter"), cx)
    });
    let give_up = t
        .opt("give_up_after")
        .map_or(Some(d.give_up_after as i64), |n| {
            read::integer(n, &join(p, "give_up_after"), 1, 1_000_000, cx)
        });
    t.finish(cx);
    let (initial, max) = (initial?, max?);
    if max < initial {
        cx.error(
            "value",
            &join(p, "max"),
            n.get("max").map_or(n.span.clone(), |m| m.span.clone()),
            "the retry cap is below the initial delay",
            "set `max` at or above `initial`",
        );
        return None;
    }
    Some(RetryPolicy {
        initial,
        multiplier: mult?,
        max,
        jitter: jitter?,
        give_up_after: give_up? as u32,
    })
}

/// Modifications "will take effect up to 4 hours after a request is accepted by the Client VPN
/// service" (guide: "Endpoint modification"); a longer `propagation` gets a warning.
const MAX_PROPAGATION: Millis = 4 * HOUR;

fn modification(name: &str) -> Option<Modification> {
    Modification::ALL.iter().copied().find(|m| m.name() == name)
}

/// One event; `duration` is the run's, when it was read, for the event-time rule.
#[allow(clippy::too_many_arguments)]
fn event(
    n: &Node,
    p: &str,
    duration: Option<Millis>,
    subnets: Option<&[Subnet]>,
    assocs: Option<&[Association]>,
    assoc_of: Option<&BTreeMap<SubnetId, AssocId>>,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    configured_associations: usize,
    cx: &mut Cx,
) -> Option<Event> {
    let mut t = Table::new(n, p, cx)?;
    let at_node = t.req(cx, "at", "\"1d 10:00\"");
    let at = at_node.and_then(|n| read::duration(n, &join(p, "at"), cx));
    if let (Some(at), Some(end), Some(n)) = (at, duration, at_node) {
        if at >= end {
            cx.error(
                "event-time",
                &join(p, "at"),
                n.span.clone(),
                format!(
                    "event at {} is not before the end of the run ({})",
                    super::duration::format(at),
                    super::duration::format(end)
                ),
                "move the event earlier or lengthen `duration`",
            );
        }
    }
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, &join(p, "description"), cx));
    let outage = t.opt("az_outage");
    let disassociate = t.opt("disassociate");
    let associate = t.opt("associate");
    let modify = t.opt("modify");
    let timeout = t.opt("session_timeout_hours");
    let propagation_node = t.opt("propagation");
    let kinds = [
        outage.is_some(),
        disassociate.is_some(),
        associate.is_some(),
        modify.is_some(),
        timeout.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if kinds != 1 {
        cx.error("value", p, n.span.clone(), "an event is exactly one of `az_outage`, `disassociate`, `associate`, `modify`, `session_timeout_hours`", "split it into several [[event]] entries");
        t.finish(cx);
        return None;
    }
    let propagation =
        propagation_node.map_or(Some(0), |n| read::duration(n, &join(p, "propagation"), cx));
    if propagation_node.is_some()
        && (outage.is_some() || disassociate.is_some() || associate.is_some())
    {
        cx.error(
            "value",
            &join(p, "propagation"),
            propagation_node.map_or(0..0, |n| n.span.clone()),
            "`propagation` applies to modifications, not to outages or (dis)associations",
            "remove it",
        );
    } else if let (Some(d), Some(n)) = (propagation, propagation_node) {
        if d > MAX_PROPAGATION {
            cx.warning(
                "propagation-delay",
                &join(p, "propagation"),
                n.span.clone(),
                format!(
                    "a propagation of {} is longer than the guide's {}: a change takes effect at \
                     most 4 hours after the request is accepted",
                    super::duration::format(d),
                    super::duration::format(MAX_PROPAGATION)
                ),
                "use at most \"4h\", the guide's worst case",
            );
        }
    }
    // The new setting of a `disconnect_on_session_timeout` modification (optional: without it
    // the setting flips).
    let dost_key = Modification::DisconnectOnSessionTimeout.name();
    let dost_node = t.opt("disconnect_on_session_timeout");
    let dost = match dost_node {
        Some(n) if modify.is_some() => read::boolean(n, &join(p, dost_key), cx).map(Some),
        Some(n) => {
            cx.error(
                "value",
                &join(p, dost_key),
                n.span.clone(),
                format!("`{dost_key}` is the new setting of a `modify` event that lists it"),
                format!("remove it, or make this event `modify = [\"{dost_key}\"]`"),
            );
            None
        }
        None => Some(None),
    };
    // A reset spread over a window (modifications that reset connections).
    let window_node = t.opt("reset_window");
    let reset_window = match window_node {
        None => Some(0),
        Some(n) if modify.is_some() => read::duration(n, &join(p, "reset_window"), cx),
        Some(n) => {
            cx.error(
                "value",
                &join(p, "reset_window"),
                n.span.clone(),
                "`reset_window` spreads the reset of a `modify` event",
                "remove it, or put it on the modification that resets connections",
            );
            None
        }
    };
    let kind = if let Some(o) = outage {
        let op = join(p, "az_outage");
        let mut ot = Table::new(o, &op, cx)?;
        let az_node = ot.req(cx, "availability_zone", "\"us-east-1a\"");
        let az = az_node.and_then(|n| read::string(n, &join(&op, "availability_zone"), cx));
        let dur = ot.opt("duration").map_or(Some(None), |n| {
            positive_duration(n, &join(&op, "duration"), cx).map(Some)
        });
        ot.finish(cx);
        let az = az?;
        let (subnets, assocs) = (subnets?, assocs?);
        let hit: Vec<AssocId> = assocs
            .iter()
            .enumerate()
            .filter(|(_, a)| subnets[a.subnet.index()].availability_zone == az)
            .map(|(i, _)| AssocId(i as u32))
            .collect();
        if !subnets.iter().any(|s| s.availability_zone == az) {
            let zones: BTreeSet<String> = subnets
                .iter()
                .map(|s| s.availability_zone.clone())
                .collect();
            cx.error(
                "unknown-reference",
                &join(&op, "availability_zone"),
                az_node.map_or(0..0, |n| n.span.clone()),
                format!("no subnet is in Availability Zone `{az}`"),
                hint_list("zones in this file", zones.iter()),
            );
            return None;
        }
        EventKind::AzOutage {
            availability_zone: az,
            associations: hit,
            duration: dur?,
        }
    } else if let Some(d) = disassociate {
        let dp = join(p, "disassociate");
        let sub = subnet_ref(d, &dp, subnet_ids, cx)?;
        match assoc_of?.get(&sub) {
            Some(a) => EventKind::Disassociate { association: *a },
            None => {
                cx.error(
                    "unknown-reference",
                    &dp,
                    d.span.clone(),
                    "that subnet is not associated with the endpoint",
                    "name a subnet that has an [[association]]",
                );
                return None;
            }
        }
    } else if let Some(d) = associate {
        let dp = join(p, "associate");
        let sub = subnet_ref(d, &dp, subnet_ids, cx)?;
        match assoc_of?.get(&sub) {
            Some(a) if a.index() >= configured_associations => {
                EventKind::Associate { association: *a }
            }
            _ => {
                cx.error(
                    "value",
                    &dp,
                    d.span.clone(),
                    "that subnet is already associated with the endpoint",
                    "name a [[subnet]] that has no [[association]] and no earlier `associate` event",
                );
                return None;
            }
        }
    } else if let Some(m) = modify {
        let mp = join(p, "modify");
        let names = read::strings(m, &mp, cx)?;
        let mut changes = Vec::new();
        for (name, span) in names {
            match modification(&name) {
                Some(x) => changes.push(x),
                None => {
                    let immutable = [
                        "client_cidr_block",
                        "authentication",
                        "authentication_options",
                        "transport_protocol",
                        "client_certificate",
                    ];
                    let hint = if immutable.contains(&name.as_str()) {
                        format!("`{name}` cannot be changed after the endpoint is created")
                    } else if name == "session_timeout_hours" {
                        "the maximum VPN session duration is an event of its own: \
                         `session_timeout_hours = 12` instead of `modify`"
                            .to_string()
                    } else if name == "vpc_id" || name == "vpc" {
                        "the VPC is modified with its security group associations: \
                         use \"security_groups\""
                            .to_string()
                    } else {
                        format!(
                            "use one of: {}",
                            Modification::ALL
                                .iter()
                                .map(|m| m.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    cx.error(
                        "modification",
                        &mp,
                        span,
                        format!("`{name}` is not an endpoint modification"),
                        hint,
                    );
                    return None;
                }
            }
        }
        if changes.is_empty() {
            cx.error(
                "modification",
                &mp,
                m.span.clone(),
                "an empty modification",
                "list what changes, e.g. [\"authorization_rules\"]",
            );
            return None;
        }
        let dost = dost?;
        if let (Some(_), Some(n)) = (dost, dost_node) {
            if !changes.contains(&Modification::DisconnectOnSessionTimeout) {
                cx.error(
                    "modification",
                    &join(p, dost_key),
                    n.span.clone(),
                    format!("a new `{dost_key}` setting, but `modify` does not list that change"),
                    format!("add \"{dost_key}\" to `modify`, or remove this field"),
                );
                return None;
            }
        }
        // `resets` is completed in cross_checks, where split-tunnel is known, and so is a
        // `disconnect_on_session_timeout` change without a value, which flips the setting.
        EventKind::Modify {
            changes,
            propagation: propagation?,
            resets: false,
            disconnect_on_session_timeout: dost,
            reset_window: reset_window?,
        }
    } else {
        let tp = join(p, "session_timeout_hours");
        let to = session_timeout(timeout?, &tp, cx)?;
        EventKind::SessionTimeout {
            timeout: to,
            propagation: propagation?,
        }
    };
    t.finish(cx);
    Some(Event {
        at: at?,
        kind,
        description,
    })
}

fn cross_checks(s: &mut Scenario, spans: &Spans, cx: &mut Cx) {
    let ep = &s.endpoint;
    let client = ep.client_cidr_block;
    // Split-tunnel decides whether route changes reset connections. A change of
    // `disconnect_on_session_timeout` without a value flips the setting requested before it
    // (events are in time order here).
    let mut disconnect = ep.disconnect_on_session_timeout;
    for ev in &mut s.events {
        if let EventKind::Modify {
            changes,
            resets,
            disconnect_on_session_timeout,
            ..
        } = &mut ev.kind
        {
            *resets = changes
                .iter()
                .any(|m| m.resets_connections(ep.split_tunnel));
            if changes.contains(&Modification::DisconnectOnSessionTimeout) {
                disconnect = disconnect_on_session_timeout.unwrap_or(!disconnect);
                *disconnect_on_session_timeout = Some(disconnect);
            }
        }
    }
    // Client CIDR must not overlap the VPC, associated subnets or route destinations (§4).
    let overlap = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    let evpc = &s.vpcs[ep.vpc.index()];
    for c in &evpc.cidr_blocks {
        if overlap(&client, c) {
            cx.error("client-cidr-overlap", "endpoint.client_cidr_block", spans.client_cidr.clone(), format!("client CIDR {client} overlaps VPC {} ({c})", evpc.id), "choose a client range outside every VPC block, e.g. 10.100.0.0/16 for a 172.31.0.0/16 VPC");
        }
    }
    for (i, a) in s.associations.iter().enumerate() {
        let sub = &s.subnets[a.subnet.index()];
        if overlap(&client, &sub.cidr_block) {
            cx.error(
                "client-cidr-overlap",
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!(
                    "subnet {} ({}) overlaps the client CIDR {client}",
                    sub.id, sub.cidr_block
                ),
                "the client range must not overlap associated subnets",
            );
        }
    }
    for (i, r) in s.routes.iter().enumerate() {
        if r.target != RouteTarget::Local
            && r.destination.prefix_len() > 0
            && overlap(&client, &r.destination)
        {
            cx.error("client-cidr-overlap", &format!("route[{i}].destination_cidr_block"), spans.route_destination[i].clone(), format!("route destination {} overlaps the client CIDR {client}", r.destination), "use target_vpc_subnet_id = \"local\" for client-to-client routes, or change the destination");
        }
    }
    // A `local` route is the client CIDR's own route (guide: Client-to-client access, step 3).
    for (i, r) in s.routes.iter().enumerate() {
        if r.target == RouteTarget::Local && !client.contains(&r.destination) {
            cx.error(
                "route-target",
                &format!("route[{i}].target_vpc_subnet_id"),
                spans.route_target[i].clone(),
                format!(
                    "a `local` route is for the client CIDR {client}, not for {}",
                    r.destination
                ),
                format!(
                    "target an associated subnet, or use destination_cidr_block = \"{client}\""
                ),
            );
        }
    }
    // Subnets: inside their VPC.
    for (i, sub) in s.subnets.iter().enumerate() {
        let vpc = &s.vpcs[sub.vpc.index()];
        if !vpc.cidr_blocks.iter().any(|c| c.contains(&sub.cidr_block)) {
            cx.error(
                "subnet-in-vpc",
                &format!("subnet[{i}].cidr_block"),
                spans.subnet_cidr[i].clone(),
                format!(
                    "subnet {} ({}) is not inside VPC {}",
                    sub.id, sub.cidr_block, vpc.id
                ),
                format!(
                    "use a block inside {}",
                    vpc.cidr_blocks
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    // Associations: at least one, at most the table's length, one per AZ, same VPC, no dedicated tenancy.
    if s.associations.is_empty() {
        cx.error(
            "no-association",
            "association",
            0..0,
            "the endpoint has no associated subnet: clients cannot connect",
            "add [[association]] subnet_id = \"…\"",
        );
    }
    let max_assoc = s.limits.connections_by_associations.len();
    if s.associations.len() > max_assoc {
        cx.error(
            "association-count",
            &if spans.association_path[max_assoc].starts_with("association[") {
                format!("association[{max_assoc}]")
            } else {
                spans.association_path[max_assoc].clone()
            },
            spans.association[max_assoc].clone(),
            format!(
                "{} associations, the connection table has {max_assoc} rows",
                s.associations.len()
            ),
            "remove associations, or extend limits.connections_by_associations",
        );
    }
    // Association events in time order: an `associate` names a subnet not associated then, a
    // `disassociate` one that is.
    let mut associated = s.associated_at_start();
    for e in &s.events {
        match e.kind {
            EventKind::Associate { association: a } if associated[a.index()] => cx.error(
                "value",
                &spans.association_path[a.index()],
                spans.association[a.index()].clone(),
                format!("subnet {} is associated twice by events", s.subnet_of(a).id),
                "associate a subnet once",
            ),
            EventKind::Associate { association: a } => associated[a.index()] = true,
            EventKind::Disassociate { association: a } if !associated[a.index()] => cx.error(
                "value",
                &spans.association_path[a.index()],
                spans.association[a.index()].clone(),
                format!(
                    "subnet {} is disassociated before its `associate` event",
                    s.subnet_of(a).id
                ),
                "move the `associate` event earlier, or the disassociation later",
            ),
            EventKind::Disassociate { association: a } => associated[a.index()] = false,
            _ => {}
        }
    }
    let mut seen_az: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_subnet: BTreeMap<SubnetId, usize> = BTreeMap::new();
    for (i, a) in s.associations.iter().enumerate() {
        let sub = &s.subnets[a.subnet.index()];
        if let Some(j) = seen_subnet.insert(a.subnet, i) {
            cx.error(
                "duplicate-id",
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!(
                    "subnet {} is associated twice (also association[{j}])",
                    sub.id
                ),
                "associate each subnet once",
            );
            continue;
        }
        if let Some(j) = seen_az.insert(&sub.availability_zone, i) {
            cx.error(
                "one-association-per-az",
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!(
                    "subnet {} is in {}, like association[{j}]",
                    sub.id, sub.availability_zone
                ),
                "associate at most one subnet per Availability Zone",
            );
        }
        if sub.vpc != ep.vpc {
            cx.error(
                "same-vpc",
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!(
                    "subnet {} is in VPC {}, the endpoint is in {}",
                    sub.id,
                    s.vpcs[sub.vpc.index()].id,
                    evpc.id
                ),
                "associate subnets of the endpoint's VPC only",
            );
        }
        if s.vpcs[sub.vpc.index()].dedicated_tenancy {
            cx.error(
                "dedicated-tenancy",
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!("subnet {} is in a dedicated-tenancy VPC", sub.id),
                "use a subnet of a default-tenancy VPC",
            );
        }
    }
    // Mutual authentication carries no groups: every rule must grant all users.
    if ep.authentication == Authentication::Mutual {
        for (i, r) in s.authorization_rules.iter().enumerate() {
            if let Grant::Group(g) = &r.grant {
                cx.error(
                    "mutual-group-rule",
                    &format!("authorization_rule[{i}].access_group_id"),
                    spans.rule_group[i].clone(),
                    format!("the endpoint uses mutual authentication only, so no user is in group `{g}`"),
                    "use authorize_all_groups = true, or add a user-based method: authentication = [\"mutual\", \"active-directory\"]",
                );
            }
        }
    }
    // Group rules do not apply to client-to-client traffic (guide: Client-to-client access,
    // "Network-based authorization rules using Active Directory groups or SAML-based IdP groups
    // are not supported in this scenario"): a group rule for part of the client CIDR grants
    // nothing. Mutual-only endpoints already have an error for any group rule.
    if ep.authentication != Authentication::Mutual {
        for (i, r) in s.authorization_rules.iter().enumerate() {
            if let Grant::Group(g) = &r.grant {
                if client.contains(&r.destination) {
                    let within = if r.destination == client {
                        "is the client CIDR".to_string()
                    } else {
                        format!("lies within the client CIDR {client}")
                    };
                    cx.warning(
                        "client-to-client-group-rule",
                        &format!("authorization_rule[{i}].access_group_id"),
                        spans.rule_group[i].clone(),
                        format!(
                            "this rule for group `{g}` grants nothing: its destination {} {within}, \
                             and group-based rules do not apply to client-to-client traffic",
                            r.destination
                        ),
                        "grant client-to-client access with authorize_all_groups = true, or remove the rule",
                    );
                }
            }
        }
    }
    // Quotas (adjustable: warn at the default, error above a declared raised quota).
    quota(
        cx,
        s.authorization_rules.len(),
        s.limits.authorization_rules,
        Limits::DEFAULT_AUTHORIZATION_RULES,
        "authorization-rule-quota",
        "authorization_rule",
        "authorization rules",
        "limits.authorization_rules",
        &spans.rule,
    );
    quota(
        cx,
        s.routes.len(),
        s.limits.routes,
        Limits::DEFAULT_ROUTES,
        "route-quota",
        "route",
        "routes",
        "limits.routes",
        &spans.route,
    );
    // Split-tunnel with a default route.
    if ep.split_tunnel {
        for (i, r) in s.routes.iter().enumerate() {
            if r.destination.prefix_len() == 0 {
                cx.warning("split-tunnel-default-route", &format!("route[{i}].destination_cidr_block"), spans.route_destination[i].clone(), "a 0.0.0.0/0 route with split-tunnel on may cause connectivity disruption", "turn split-tunnel off for full-tunnel, or route only the networks clients need");
            }
        }
    }
    // Associations whose manual route sets differ (§5): the landing decides reachability.
    if s.associations.len() > 1 {
        let set_of = |a: usize| -> BTreeSet<Ipv4Net> {
            s.routes
                .iter()
                .filter(|r| r.target == RouteTarget::Association(AssocId(a as u32)))
                .map(|r| r.destination)
                .collect()
        };
        let first = set_of(0);
        for a in 1..s.associations.len() {
            let other = set_of(a);
            if other != first {
                let missing: Vec<String> = first
                    .symmetric_difference(&other)
                    .map(|c| c.to_string())
                    .collect();
                cx.warning("association-routes-differ", &format!("association[{a}]"), spans.association[a].clone(), format!("subnet {} has a different route set than {} (differs on {})", s.subnet_of(AssocId(a as u32)).id, s.subnet_of(AssocId(0)).id, missing.join(", ")), "add the same routes for every associated subnet; clients land on any of them by DNS round-robin");
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn quota(
    cx: &mut Cx,
    count: usize,
    limit: u32,
    default: u32,
    rule: &'static str,
    what: &str,
    plural: &str,
    key: &str,
    spans: &[Range<usize>],
) {
    let count32 = count as u32;
    if count32 > limit && limit > default {
        cx.error(
            rule,
            &format!("{what}[{limit}]"),
            spans[limit as usize].clone(),
            format!("{count} {plural}, above the raised quota of {limit}"),
            format!("raise {key} further (after AWS approves the increase) or remove {plural}"),
        );
    } else if count32 > limit {
        cx.warning(
            rule,
            &format!("{what}[{limit}]"),
            spans[limit as usize].clone(),
            format!("{count} {plural}, above the default quota of {limit}"),
            format!("request a quota increase and declare it as `{key} = {count}` in [limits]"),
        );
    }
}
