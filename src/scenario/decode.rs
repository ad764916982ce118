//! From the [`Node`] tree to the checked [`Scenario`]: the sections in the order they depend
//! on each other (each read by its module in `scenario::section`), then the cross-checks that
//! need the whole file (`scenario::cross`). Every problem is recorded; a scenario is returned
//! only when there is no error.

use super::section::*;

/// Where things were written, for cross-checks after field decoding: each list's elements, and
/// the values of the fields a cross-check names in its path.
#[derive(Default)]
pub(crate) struct Spans {
    pub(crate) subnet_cidr: Vec<Range<usize>>,
    pub(crate) association: Vec<Range<usize>>,
    pub(crate) association_subnet: Vec<Range<usize>>,
    /// Field path of each association's subnet: `association[i].subnet_id`, or
    /// `event[j].associate` for a subnet associated mid-run.
    pub(crate) association_path: Vec<String>,
    pub(crate) route: Vec<Range<usize>>,
    pub(crate) route_destination: Vec<Range<usize>>,
    pub(crate) route_target: Vec<Range<usize>>,
    pub(crate) rule: Vec<Range<usize>>,
    pub(crate) rule_group: Vec<Range<usize>>,
    pub(crate) client_cidr: Range<usize>,
    pub(crate) dns_server: Vec<Range<usize>>,
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
        .map_or(Some(OutputOptions::default()), |n| output::decode(n, cx));
    let limits = top
        .opt("limits")
        .map_or(Some(Limits::default()), |n| limits::decode(n, cx));
    let pricing = top
        .opt("pricing")
        .map_or(Some(Pricing::default()), |n| pricing::decode(n, cx));
    let (vpcs, vpc_ids) = vpcs::decode_list(top.req(cx, "vpc", vpcs::EXAMPLE), cx);
    let security_groups_node = top.opt("security_group");
    let (sg_ids, security_groups) = security_groups::decode_list(security_groups_node, cx);
    let endpoint = top.req(cx, "endpoint", endpoint::EXAMPLE);
    let endpoint = endpoint
        .and_then(|n| endpoint::decode(n, vpc_ids.as_ref(), &sg_ids, &limits, &mut spans, cx));
    let subnets_node = top.req(cx, "subnet", subnets::EXAMPLE);
    let (subnets, subnet_ids) =
        subnets::decode_list(subnets_node, vpc_ids.as_ref(), &mut spans, cx);

    let assoc_node = top.opt("association");
    let events_node = top.opt("event");
    let (associations, configured_associations) =
        subnets::associations(assoc_node, events_node, subnet_ids.as_ref(), &mut spans, cx);
    // Subnet id → association index, for routes.
    let assoc_of_subnet = associations.as_deref().map(subnets::association_of);
    let routes_node = top.opt("route");
    let routes = routes::decode_list(
        routes_node,
        subnet_ids.as_ref(),
        assoc_of_subnet.as_ref(),
        &mut spans,
        cx,
    );
    let rules_node = top.opt("authorization_rule");
    let rules = authorization::decode_list(rules_node, &limits, &mut spans, cx);
    let networks_node = top.opt("network");
    let pops_node = top.req(cx, "population", "[{ name = \"staff\", … }]");
    let (networks, populations) = populations::decode_with_networks(
        networks_node,
        pops_node,
        &sg_ids,
        vpcs.as_deref(),
        endpoint.as_ref().map(|e| e.client_cidr_block),
        &limits,
        cx,
    );
    let data_plane = dataplane::decode(
        &mut top,
        &dataplane::Refs {
            vpcs: vpc_ids.as_ref(),
            subnets: subnet_ids.as_ref(),
            sgs: &sg_ids,
        },
        cx,
    );
    let events = events::decode_list(
        events_node,
        &events::Refs {
            duration,
            subnets: subnets.as_deref(),
            assocs: associations.as_deref(),
            assoc_of: assoc_of_subnet.as_ref(),
            subnet_ids: subnet_ids.as_ref(),
            configured_associations,
        },
        cx,
    );
    top.finish(cx);

    // Everything decoded field by field; now the checks that need the whole file.
    let s = Scenario {
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
    whole_file(s, &spans, cx)
}

/// Events in time order (equal times keep file order), then the checks that need the whole
/// file; the scenario when no error was found.
fn whole_file(mut s: Scenario, spans: &Spans, cx: &mut Cx) -> Option<Scenario> {
    // Stable sort: equal times keep file order.
    let mut order: Vec<usize> = (0..s.events.len()).collect();
    order.sort_by_key(|&i| s.events[i].at);
    s.events = order.iter().map(|&i| s.events[i].clone()).collect();

    super::cross::check(&mut s, spans, cx);
    if !cx.diags.iter().any(|d| d.is_error()) {
        super::dns::check(&s, &spans.dns_server, cx);
    }
    if cx.diags.iter().any(|d| d.is_error()) {
        None
    } else {
        Some(s)
    }
}
