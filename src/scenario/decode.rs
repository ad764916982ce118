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

    let vpcs = top.req(
        cx,
        "vpc",
        "[{ id = \"vpc-main\", cidr_blocks = [\"172.31.0.0/16\"] }]",
    );
    let vpc_id_spans = field_spans(vpcs, "id");
    let vpcs = list(vpcs, "vpc", cx, vpcs::decode, &mut Vec::new());
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
        |n, p, cx| security_groups::decode(n, p, &sg_ids, cx),
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
        .and_then(|n| endpoint::decode(n, vpc_ids.as_ref(), &sg_ids, &limits, &mut spans, cx));

    let subnets_node = top.req(cx, "subnet", "[{ id = \"subnet-a\", vpc_id = \"vpc-main\", cidr_block = \"172.31.0.0/20\", availability_zone = \"us-east-1a\" }]");
    let subnets = list(
        subnets_node,
        "subnet",
        cx,
        |n, p, cx| subnets::decode(n, p, vpc_ids.as_ref(), cx),
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
        |n, p, cx| subnets::decode_association(n, p, subnet_ids.as_ref(), cx),
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
        |n, p, cx| routes::decode(n, p, subnet_ids.as_ref(), assoc_of_subnet.as_ref(), cx),
        &mut spans.route,
    );
    let rules_node = top.opt("authorization_rule");
    spans.rule_group = field_spans(rules_node, "access_group_id");
    let rules = list(
        rules_node,
        "authorization_rule",
        cx,
        |n, p, cx| authorization::decode(n, p, &limits, cx),
        &mut spans.rule,
    );

    let networks_node = top.opt("network");
    let mut net_spans = Vec::new();
    let declared = list(
        networks_node,
        "network",
        cx,
        |n, p, cx| networks::decode(n, p, &sg_ids, cx),
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
            populations::decode(
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

    let data_plane = dataplane::decode(
        &mut top,
        &dataplane::Refs {
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
            events::decode(
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

    super::cross::check(&mut s, &spans, cx);
    if !cx.diags.iter().any(|d| d.is_error()) {
        super::dns::check(&s, &spans.dns_server, cx);
    }
    if cx.diags.iter().any(|d| d.is_error()) {
        None
    } else {
        Some(s)
    }
}
