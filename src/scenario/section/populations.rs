//! `[[population]]`: who connects, when and how often (work days, Poisson arrivals), what
//! they need and how their clients retry, read and written side by side.

use super::*;

/// Resolves a population's need: a declared network, a VPC id, `internet` or `clients`.
pub(crate) fn need(
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

/// How users arrive: a closed `workday` population of `users`, or open Poisson `arrivals`.
fn arrivals(
    n: &Node,
    p: &str,
    users_node: Option<&Node>,
    workday_node: Option<&Node>,
    arrivals_node: Option<&Node>,
    cx: &mut Cx,
) -> Option<Arrivals> {
    match (workday_node, arrivals_node) {
        (Some(w), None) => {
            let users = match users_node {
                Some(u) => read::integer(u, &join(p, "users"), 1, u32::MAX as i64, cx),
                None => {
                    cx.error(
                        RuleId::MissingField,
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
                    RuleId::Value,
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
                RuleId::Value,
                p,
                w.span.clone(),
                "a population is either `workday` (closed) or `arrivals` (open Poisson), not both",
                "keep one of them",
            );
            None
        }
        (None, None) => {
            cx.error(
                RuleId::MissingField,
                &join(p, "workday"),
                n.span.clone(),
                "a population needs `workday` (closed) or `arrivals` (open Poisson)",
                "e.g. workday = { start = \"09:00\", length = \"8h\", days = \"mon-fri\" }",
            );
            None
        }
    }
}

/// `groups`: each ID within the length quota; groups past the per-user quota are ignored.
fn groups(n: &Node, gp: &str, limits: &Option<Limits>, cx: &mut Cx) -> Option<Vec<String>> {
    let v = read::strings(n, gp, cx)?;
    let max_len = limits.as_ref().map_or(255, |l| l.group_id_length) as usize;
    let max_groups = limits.as_ref().map_or(200, |l| l.groups_per_user) as usize;
    for (g, span) in &v {
        if g.chars().count() > max_len {
            cx.error(
                RuleId::GroupIdLength,
                gp,
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
            RuleId::GroupsPerUser,
            gp,
            v[max_groups].1.clone(),
            format!(
                "{} groups listed: groups after the {max_groups}th are ignored",
                v.len()
            ),
            "put the groups that authorization rules name first",
        );
    }
    Some(v.into_iter().map(|(g, _)| g).collect())
}

/// `needs`: networks by name, VPC id, `internet` or `clients`.
fn needs(
    n: &Node,
    np: &str,
    networks: &mut Vec<Network>,
    vpcs: Option<&[Vpc]>,
    client_cidr: Option<Ipv4Net>,
    cx: &mut Cx,
) -> Option<Vec<NetworkId>> {
    let v = read::strings(n, np, cx)?;
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
                        RuleId::UnknownReference,
                        np,
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
}

pub(crate) fn decode(
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
    let arrivals = arrivals(n, p, users_node, workday_node, arrivals_node, cx);
    let gp = join(p, "groups");
    let groups = t
        .opt("groups")
        .map_or(Some(Vec::new()), |n| groups(n, &gp, limits, cx));
    let lan = t.opt("lan_cidr").map_or(Some(None), |n| {
        read::cidr(n, &join(p, "lan_cidr"), cx).map(Some)
    });
    let demand = t.opt("demand_mbps").map_or(Some(Dist::Fixed(1.0)), |n| {
        read::dist(n, &join(p, "demand_mbps"), Unit::Number, cx)
    });
    let np = join(p, "needs");
    let needs = t.opt("needs").map_or(Some(Vec::new()), |n| {
        needs(n, &np, networks, vpcs, client_cidr, cx)
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
                                RuleId::Value,
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
                    RuleId::Value,
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
                RuleId::MissingField,
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
                RuleId::Value,
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
            RuleId::Value,
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

pub(crate) fn write_one(s: &Scenario, p: &Population) -> TomlTable {
    let mut t = TomlTable::new();
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
                ("days", TomlValue::from(day_set(*d))),
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
                None => TomlValue::from("none"),
            };
            t["arrivals"] = Item::Value(inline(vec![
                ("profile", TomlValue::Array(steps)),
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
        ("give_up_after", TomlValue::from(r.give_up_after as i64)),
    ]));
    t["dns_caching"] = value(p.dns_caching);
    t["auth_failure_rate"] = Item::Value(float(p.auth_failure_rate));
    t["revoked_fraction"] = Item::Value(float(p.revoked_fraction));
    t["manual_reconnect_delay"] = Item::Value(dist(&p.manual_reconnect_delay, true));
    t["manual_reconnect_probability"] = Item::Value(float(p.manual_reconnect_probability));
    t["outage_detection_delay"] = Item::Value(dist(&p.outage_detection_delay, true));
    t
}

/// Writes the `[[population]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    let mut pops = ArrayOfTables::new();
    for p in &s.populations {
        pops.push(write_one(s, p));
    }
    doc["population"] = Item::ArrayOfTables(pops);
}

/// The declared `[[network]]`s and every `[[population]]`: networks declared first, then the
/// implicit ones (VPC ids, `internet`, `clients`) as populations need them.
pub(crate) fn decode_with_networks(
    networks_node: Option<&Node>,
    pops_node: Option<&Node>,
    sg_ids: &BTreeMap<String, SgId>,
    vpcs: Option<&[Vpc]>,
    client_cidr: Option<Ipv4Net>,
    limits: &Option<Limits>,
    cx: &mut Cx,
) -> (Vec<Network>, Option<Vec<Population>>) {
    let mut net_spans = Vec::new();
    let declared = list(
        networks_node,
        "network",
        cx,
        |n, p, cx| super::networks::decode(n, p, sg_ids, cx),
        &mut net_spans,
    );

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
        |n, p, cx| decode(n, p, &mut networks, vpcs, client_cidr, limits, cx),
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
    (networks, populations)
}
