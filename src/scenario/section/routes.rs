//! `[[route]]`: the endpoint's route table, read and written side by side.

use super::*;
use crate::scenario::decode::Spans;

pub(crate) fn decode(
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
                    RuleId::RouteTarget,
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

/// Writes the `[[route]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    if !s.routes.is_empty() {
        let mut routes = ArrayOfTables::new();
        for r in &s.routes {
            let mut t = TomlTable::new();
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
}

/// Every `[[route]]`, with where each and its destination and target were written.
pub(crate) fn decode_list(
    node: Option<&Node>,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    assoc_of: Option<&BTreeMap<SubnetId, AssocId>>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> Option<Vec<Route>> {
    spans.route_destination = field_spans(node, "destination_cidr_block");
    spans.route_target = field_spans(node, "target_vpc_subnet_id");
    list(
        node,
        "route",
        cx,
        |n, p, cx| decode(n, p, subnet_ids, assoc_of, cx),
        &mut spans.route,
    )
}
