//! `[[subnet]]` and `[[association]]`: the subnets of the VPCs and the target-network
//! associations, read and written side by side.

use super::*;
use crate::scenario::decode::Spans;

/// How a missing `[[subnet]]` is written, for the hint.
pub(crate) const EXAMPLE: &str = "[{ id = \"subnet-a\", vpc_id = \"vpc-main\", cidr_block = \"172.31.0.0/20\", availability_zone = \"us-east-1a\" }]";

pub(crate) fn decode(
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
                RuleId::UnknownReference,
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
                RuleId::SubnetSize,
                &cp,
                n.span.clone(),
                format!("subnet {cidr} is smaller than a /27"),
                "associate a subnet of /27 or larger",
            );
        } else if avail < 20 {
            let span = avail_node.map_or(n.span.clone(), |a| a.span.clone());
            cx.error(
                RuleId::SubnetSize,
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

pub(crate) fn decode_association(
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

pub(crate) fn subnet_ref(
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
            RuleId::UnknownReference,
            p,
            n.span.clone(),
            format!("subnet `{s}` is not declared"),
            hint_list("declare it as [[subnet]] or use one of", ids.keys()),
        );
    }
    v
}

/// Writes the `[[subnet]]` and `[[association]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    let mut subnets = ArrayOfTables::new();
    for sub in &s.subnets {
        let mut t = TomlTable::new();
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
        let mut t = TomlTable::new();
        t["subnet_id"] = value(s.subnets[a.subnet.index()].id.as_str());
        assocs.push(t);
    }
    doc["association"] = Item::ArrayOfTables(assocs);
}

/// The configured `[[association]]`s, then the subnets associated mid-run by an `associate`
/// event (after the configured ones, so routes may target them and every association rule
/// applies to them too), with the count of configured ones.
pub(crate) fn associations(
    assoc_node: Option<&Node>,
    events_node: Option<&Node>,
    subnet_ids: Option<&BTreeMap<String, SubnetId>>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> (Option<Vec<Association>>, usize) {
    spans.association_subnet = field_spans(assoc_node, "subnet_id");
    let associations = list(
        assoc_node,
        "association",
        cx,
        |n, p, cx| subnets::decode_association(n, p, subnet_ids, cx),
        &mut spans.association,
    );
    spans.association_path = (0..spans.association_subnet.len())
        .map(|i| format!("association[{i}].subnet_id"))
        .collect();
    // Subnets associated mid-run by an `associate` event come after the configured ones, so
    // routes may target them and every association rule applies to them too.
    let associations = associations.map(|mut list| {
        if let Some(Value::Array(items)) = events_node.map(|n| &n.value) {
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
                let (Value::String(id), Some(ids)) = (&node.value, subnet_ids) else {
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
    (associations, configured_associations)
}

/// Every `[[subnet]]`, with the map of ids to indices (a repeated id is reported).
pub(crate) fn decode_list(
    node: Option<&Node>,
    vpc_ids: Option<&BTreeMap<String, VpcId>>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> (Option<Vec<Subnet>>, Option<BTreeMap<String, SubnetId>>) {
    let subnets = list(
        node,
        "subnet",
        cx,
        |n, p, cx| decode(n, p, vpc_ids, cx),
        &mut Vec::new(),
    );
    spans.subnet_cidr = field_spans(node, "cidr_block");
    let ids = subnets.as_ref().map(|v| {
        index_by(
            v.iter().map(|x| x.id.as_str()),
            &field_spans(node, "id"),
            "subnet",
            "id",
            cx,
        )
    });
    (subnets, ids)
}

/// Subnet → the index of its association.
pub(crate) fn association_of(associations: &[Association]) -> BTreeMap<SubnetId, AssocId> {
    associations
        .iter()
        .enumerate()
        .map(|(i, x)| (x.subnet, AssocId(i as u32)))
        .collect()
}
