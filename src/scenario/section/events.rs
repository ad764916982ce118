//! `[[event]]`: what happens during a run (outages, modifications, (dis)associations, storms),
//! read and written side by side.

use super::endpoint::session_timeout;
use super::*;

/// Modifications "will take effect up to 4 hours after a request is accepted by the Client VPN
/// service" (guide: "Endpoint modification"); a longer `propagation` gets a warning.
const MAX_PROPAGATION: Millis = 4 * HOUR;

fn modification(name: &str) -> Option<Modification> {
    Modification::ALL.iter().copied().find(|m| m.name() == name)
}

/// What an event may refer to, decoded before the events.
#[derive(Clone, Copy)]
pub(crate) struct Refs<'a> {
    /// The run's duration, when it was read, for the event-time rule.
    pub duration: Option<Millis>,
    pub subnets: Option<&'a [Subnet]>,
    pub assocs: Option<&'a [Association]>,
    pub assoc_of: Option<&'a BTreeMap<SubnetId, AssocId>>,
    pub subnet_ids: Option<&'a BTreeMap<String, SubnetId>>,
    /// Associations configured at the start (those of `associate` events come after).
    pub configured_associations: usize,
}

/// Every `[[event]]`.
pub(crate) fn decode_list(node: Option<&Node>, refs: &Refs, cx: &mut Cx) -> Option<Vec<Event>> {
    list(
        node,
        "event",
        cx,
        |n, p, cx| decode(n, p, refs, cx),
        &mut Vec::new(),
    )
}

/// One event, read against what it may refer to.
pub(crate) fn decode(n: &Node, p: &str, refs: &Refs, cx: &mut Cx) -> Option<Event> {
    let Refs {
        duration,
        subnets,
        assocs,
        assoc_of,
        subnet_ids,
        configured_associations,
    } = *refs;
    let mut t = Table::new(n, p, cx)?;
    let at_node = t.req(cx, "at", "\"1d 10:00\"");
    let at = at_node.and_then(|n| read::duration(n, &join(p, "at"), cx));
    if let (Some(at), Some(end), Some(n)) = (at, duration, at_node) {
        if at >= end {
            cx.error(
                RuleId::EventTime,
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
        cx.error(RuleId::Value, p, n.span.clone(), "an event is exactly one of `az_outage`, `disassociate`, `associate`, `modify`, `session_timeout_hours`", "split it into several [[event]] entries");
        t.finish(cx);
        return None;
    }
    let propagation = propagation(
        propagation_node,
        p,
        outage.is_some() || disassociate.is_some() || associate.is_some(),
        cx,
    );
    // The new setting of a `disconnect_on_session_timeout` modification (optional: without it
    // the setting flips).
    let dost_key = Modification::DisconnectOnSessionTimeout.name();
    let dost_node = t.opt("disconnect_on_session_timeout");
    let dost = match dost_node {
        Some(n) => modify_only(n, p, dost_key, modify.is_some(), cx)
            .and_then(|n| read::boolean(n, &join(p, dost_key), cx).map(Some)),
        None => Some(None),
    };
    // A reset spread over a window (modifications that reset connections).
    let window_node = t.opt("reset_window");
    let reset_window = match window_node {
        None => Some(0),
        Some(n) => modify_only(n, p, "reset_window", modify.is_some(), cx)
            .and_then(|n| read::duration(n, &join(p, "reset_window"), cx)),
    };
    let kind = if let Some(o) = outage {
        az_outage(o, p, subnets, assocs, cx)?
    } else if let Some(d) = disassociate {
        disassociation(d, p, subnet_ids, assoc_of, cx)?
    } else if let Some(d) = associate {
        association(d, p, subnet_ids, assoc_of, configured_associations, cx)?
    } else if let Some(m) = modify {
        let mp = join(p, "modify");
        let changes = modifications(m, &mp, cx)?;
        let dost = dost?;
        if let (Some(_), Some(n)) = (dost, dost_node) {
            if !changes.contains(&Modification::DisconnectOnSessionTimeout) {
                cx.error(
                    RuleId::Modification,
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

/// `propagation`: only for modifications; longer than the guide's 4 hours is a warning.
fn propagation(
    node: Option<&Node>,
    p: &str,
    not_a_modification: bool,
    cx: &mut Cx,
) -> Option<Millis> {
    let propagation_node = node;
    let propagation =
        propagation_node.map_or(Some(0), |n| read::duration(n, &join(p, "propagation"), cx));
    if propagation_node.is_some() && not_a_modification {
        cx.error(
            RuleId::Value,
            &join(p, "propagation"),
            propagation_node.map_or(0..0, |n| n.span.clone()),
            "`propagation` applies to modifications, not to outages or (dis)associations",
            "remove it",
        );
    } else if let (Some(d), Some(n)) = (propagation, propagation_node) {
        if d > MAX_PROPAGATION {
            cx.warning(
                RuleId::PropagationDelay,
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
    propagation
}

/// `node` (the field `key`) when the event is a modification; an error otherwise.
fn modify_only<'n>(
    node: &'n Node,
    p: &str,
    key: &str,
    is_modify: bool,
    cx: &mut Cx,
) -> Option<&'n Node> {
    if is_modify {
        return Some(node);
    }
    let (message, hint) = if key == "reset_window" {
        (
            "`reset_window` spreads the reset of a `modify` event".to_string(),
            "remove it, or put it on the modification that resets connections".to_string(),
        )
    } else {
        (
            format!("`{key}` is the new setting of a `modify` event that lists it"),
            format!("remove it, or make this event `modify = [\"{key}\"]`"),
        )
    };
    cx.error(
        RuleId::Value,
        &join(p, key),
        node.span.clone(),
        message,
        hint,
    );
    None
}

/// `disassociate = "subnet-id"`: a subnet that is associated.
fn disassociation(
    d: &Node,
    p: &str,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    assoc_of: Option<&BTreeMap<SubnetId, AssocId>>,
    cx: &mut Cx,
) -> Option<EventKind> {
    let dp = join(p, "disassociate");
    let sub = subnet_ref(d, &dp, subnet_ids, cx)?;
    match assoc_of?.get(&sub) {
        Some(a) => Some(EventKind::Disassociate { association: *a }),
        None => {
            cx.error(
                RuleId::UnknownReference,
                &dp,
                d.span.clone(),
                "that subnet is not associated with the endpoint",
                "name a subnet that has an [[association]]",
            );
            None
        }
    }
}

/// `associate = "subnet-id"`: a subnet not associated yet.
fn association(
    d: &Node,
    p: &str,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    assoc_of: Option<&BTreeMap<SubnetId, AssocId>>,
    configured_associations: usize,
    cx: &mut Cx,
) -> Option<EventKind> {
    let dp = join(p, "associate");
    let sub = subnet_ref(d, &dp, subnet_ids, cx)?;
    match assoc_of?.get(&sub) {
        Some(a) if a.index() >= configured_associations => {
            Some(EventKind::Associate { association: *a })
        }
        _ => {
            cx.error(
                RuleId::Value,
                &dp,
                d.span.clone(),
                "that subnet is already associated with the endpoint",
                "name a [[subnet]] that has no [[association]] and no earlier `associate` event",
            );
            None
        }
    }
}

/// `az_outage = { availability_zone, duration }`: every association in the zone is lost.
fn az_outage(
    o: &Node,
    p: &str,
    subnets: Option<&[Subnet]>,
    assocs: Option<&[Association]>,
    cx: &mut Cx,
) -> Option<EventKind> {
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
            RuleId::UnknownReference,
            &join(&op, "availability_zone"),
            az_node.map_or(0..0, |n| n.span.clone()),
            format!("no subnet is in Availability Zone `{az}`"),
            hint_list("zones in this file", zones.iter()),
        );
        return None;
    }
    Some(EventKind::AzOutage {
        availability_zone: az,
        associations: hit,
        duration: dur?,
    })
}

/// `modify = [...]`: the guide's modifications, at least one; what cannot change says so.
fn modifications(m: &Node, mp: &str, cx: &mut Cx) -> Option<Vec<Modification>> {
    let names = read::strings(m, mp, cx)?;
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
                    RuleId::Modification,
                    mp,
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
            RuleId::Modification,
            mp,
            m.span.clone(),
            "an empty modification",
            "list what changes, e.g. [\"authorization_rules\"]",
        );
        return None;
    }
    Some(changes)
}

pub(crate) fn write_one(s: &Scenario, e: &Event) -> TomlTable {
    let mut t = TomlTable::new();
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
            let mut pairs = vec![(
                "availability_zone",
                TomlValue::from(availability_zone.as_str()),
            )];
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

/// Writes the `[[event]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    if !s.events.is_empty() {
        let mut evs = ArrayOfTables::new();
        for e in &s.events {
            evs.push(write_one(s, e));
        }
        doc["event"] = Item::ArrayOfTables(evs);
    }
}
