//! `[[vpc]]`: the VPCs and their CIDR blocks, read and written side by side.

use super::*;

/// How a missing `[[vpc]]` is written, for the hint.
pub(crate) const EXAMPLE: &str = "[{ id = \"vpc-main\", cidr_blocks = [\"172.31.0.0/16\"] }]";

pub(crate) fn decode(n: &Node, p: &str, cx: &mut Cx) -> Option<Vpc> {
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
                        RuleId::Value,
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

pub(crate) fn cidr_list(n: &Node, p: &str, cx: &mut Cx) -> Option<Vec<Ipv4Net>> {
    let items = read::array(n, p, cx)?;
    if items.is_empty() {
        cx.error(
            RuleId::Value,
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

/// Writes the `[[vpc]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    let mut vpcs = ArrayOfTables::new();
    for v in &s.vpcs {
        let mut t = TomlTable::new();
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
}

/// Every `[[vpc]]`, with the map of ids to indices (a repeated id is reported).
pub(crate) fn decode_list(
    node: Option<&Node>,
    cx: &mut Cx,
) -> (Option<Vec<Vpc>>, Option<BTreeMap<String, VpcId>>) {
    let vpcs = list(node, "vpc", cx, decode, &mut Vec::new());
    let ids = vpcs.as_ref().map(|v| {
        index_by(
            v.iter().map(|x| x.id.as_str()),
            &field_spans(node, "id"),
            "vpc",
            "id",
            cx,
        )
    });
    (vpcs, ids)
}
