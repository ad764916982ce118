//! The checks of docs/model.md §9 that need the whole file: references between sections,
//! overlapping blocks, one association per Availability Zone, quotas, route-set differences.
//! They run on the decoded scenario with the spans `scenario::decode` kept.

use super::decode::Spans;
use super::section::*;

/// Every check that needs the whole file, in the order their diagnostics are reported.
pub(crate) fn check(s: &mut Scenario, spans: &Spans, cx: &mut Cx) {
    session_timeout_flips(s);
    client_cidr(s, spans, cx);
    subnets(s, spans, cx);
    associations(s, spans, cx);
    authorization(s, spans, cx);
    quotas_and_routes(s, spans, cx);
}

/// What each `disconnect_on_session_timeout` modification sets.
fn session_timeout_flips(s: &mut Scenario) {
    let ep = &s.endpoint;
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
}

/// The client CIDR against the VPC, the associated subnets and the routes.
fn client_cidr(s: &Scenario, spans: &Spans, cx: &mut Cx) {
    let ep = &s.endpoint;
    let client = ep.client_cidr_block;
    // Client CIDR must not overlap the VPC, associated subnets or route destinations (§4).
    let overlap = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    let evpc = &s.vpcs[ep.vpc.index()];
    for c in &evpc.cidr_blocks {
        if overlap(&client, c) {
            cx.error(RuleId::ClientCidrOverlap, "endpoint.client_cidr_block", spans.client_cidr.clone(), format!("client CIDR {client} overlaps VPC {} ({c})", evpc.id), "choose a client range outside every VPC block, e.g. 10.100.0.0/16 for a 172.31.0.0/16 VPC");
        }
    }
    for (i, a) in s.associations.iter().enumerate() {
        let sub = &s.subnets[a.subnet.index()];
        if overlap(&client, &sub.cidr_block) {
            cx.error(
                RuleId::ClientCidrOverlap,
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
            cx.error(RuleId::ClientCidrOverlap, &format!("route[{i}].destination_cidr_block"), spans.route_destination[i].clone(), format!("route destination {} overlaps the client CIDR {client}", r.destination), "use target_vpc_subnet_id = \"local\" for client-to-client routes, or change the destination");
        }
    }
    // A `local` route is the client CIDR's own route (guide: Client-to-client access, step 3).
    for (i, r) in s.routes.iter().enumerate() {
        if r.target == RouteTarget::Local && !client.contains(&r.destination) {
            cx.error(
                RuleId::RouteTarget,
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
}

/// Each subnet inside its VPC.
fn subnets(s: &Scenario, spans: &Spans, cx: &mut Cx) {
    // Subnets: inside their VPC.
    for (i, sub) in s.subnets.iter().enumerate() {
        let vpc = &s.vpcs[sub.vpc.index()];
        if !vpc.cidr_blocks.iter().any(|c| c.contains(&sub.cidr_block)) {
            cx.error(
                RuleId::SubnetInVpc,
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
}

/// The associations: how many, one per AZ, one VPC, no dedicated tenancy, events in order.
fn associations(s: &Scenario, spans: &Spans, cx: &mut Cx) {
    let ep = &s.endpoint;
    let evpc = &s.vpcs[ep.vpc.index()];
    // Associations: at least one, at most the table's length, one per AZ, same VPC, no dedicated tenancy.
    if s.associations.is_empty() {
        cx.error(
            RuleId::NoAssociation,
            "association",
            0..0,
            "the endpoint has no associated subnet: clients cannot connect",
            "add [[association]] subnet_id = \"…\"",
        );
    }
    let max_assoc = s.limits.connections_by_associations.len();
    if s.associations.len() > max_assoc {
        cx.error(
            RuleId::AssociationCount,
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
                RuleId::Value,
                &spans.association_path[a.index()],
                spans.association[a.index()].clone(),
                format!("subnet {} is associated twice by events", s.subnet_of(a).id),
                "associate a subnet once",
            ),
            EventKind::Associate { association: a } => associated[a.index()] = true,
            EventKind::Disassociate { association: a } if !associated[a.index()] => cx.error(
                RuleId::Value,
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
                RuleId::DuplicateId,
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
                RuleId::OneAssociationPerAz,
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
                RuleId::SameVpc,
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
                RuleId::DedicatedTenancy,
                &spans.association_path[i],
                spans.association_subnet[i].clone(),
                format!("subnet {} is in a dedicated-tenancy VPC", sub.id),
                "use a subnet of a default-tenancy VPC",
            );
        }
    }
}

/// Authorization rules against the authentication and the client CIDR.
fn authorization(s: &Scenario, spans: &Spans, cx: &mut Cx) {
    let ep = &s.endpoint;
    let client = ep.client_cidr_block;
    // Mutual authentication carries no groups: every rule must grant all users.
    if ep.authentication == Authentication::Mutual {
        for (i, r) in s.authorization_rules.iter().enumerate() {
            if let Grant::Group(g) = &r.grant {
                cx.error(
                    RuleId::MutualGroupRule,
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
                        RuleId::ClientToClientGroupRule,
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
}

/// Quotas, a default route under split tunnel, route sets that differ.
fn quotas_and_routes(s: &Scenario, spans: &Spans, cx: &mut Cx) {
    let ep = &s.endpoint;
    // Quotas (adjustable: warn at the default, error above a declared raised quota).
    quota(
        cx,
        s.authorization_rules.len(),
        s.limits.authorization_rules,
        Limits::DEFAULT_AUTHORIZATION_RULES,
        RuleId::AuthorizationRuleQuota,
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
        RuleId::RouteQuota,
        "route",
        "routes",
        "limits.routes",
        &spans.route,
    );
    // Split-tunnel with a default route.
    if ep.split_tunnel {
        for (i, r) in s.routes.iter().enumerate() {
            if r.destination.prefix_len() == 0 {
                cx.warning(RuleId::SplitTunnelDefaultRoute, &format!("route[{i}].destination_cidr_block"), spans.route_destination[i].clone(), "a 0.0.0.0/0 route with split-tunnel on may cause connectivity disruption", "turn split-tunnel off for full-tunnel, or route only the networks clients need");
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
                cx.warning(RuleId::AssociationRoutesDiffer, &format!("association[{a}]"), spans.association[a].clone(), format!("subnet {} has a different route set than {} (differs on {})", s.subnet_of(AssocId(a as u32)).id, s.subnet_of(AssocId(0)).id, missing.join(", ")), "add the same routes for every associated subnet; clients land on any of them by DNS round-robin");
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
    rule: RuleId,
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
