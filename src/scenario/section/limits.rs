//! `[limits]`: the quotas of the guide's "Client VPN quotas" as declared (defaults, raised
//! values) and the resource budgets of a run, read and written side by side.

use super::*;

pub(crate) fn decode(n: &Node, cx: &mut Cx) -> Option<Limits> {
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
                            RuleId::Limits,
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
                    RuleId::Limits,
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
                        RuleId::HandlerTimeout,
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

pub(crate) fn write(l: &Limits) -> TomlTable {
    let mut t = TomlTable::new();
    t["connections_by_associations"] = Item::Value(TomlValue::Array(
        l.connections_by_associations
            .iter()
            .map(|&c| TomlValue::from(c as i64))
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
