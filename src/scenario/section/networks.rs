//! `[[network]]`: the networks users need, read and written side by side.

use super::*;

pub(crate) fn decode(
    n: &Node,
    p: &str,
    sg_ids: &BTreeMap<String, SgId>,
    cx: &mut Cx,
) -> Option<Network> {
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
                    RuleId::UnknownReference,
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
        let v = crate::model::dataplane::Service::parse(&s);
        if v.is_none() {
            cx.error(
                RuleId::Value,
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

/// Writes the declared `[[network]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    let declared: Vec<&Network> = s
        .networks
        .iter()
        .filter(|n| n.kind == NetworkKind::Declared)
        .collect();
    if !declared.is_empty() {
        let mut nets = ArrayOfTables::new();
        for n in declared {
            let mut t = TomlTable::new();
            t["name"] = value(n.name.as_str());
            t["cidr_blocks"] = Item::Value(strings(
                n.cidr_blocks
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ));
            if let Some(g) = n.security_group {
                t["security_group_id"] = value(s.security_groups[g.index()].id.as_str());
            }
            if n.public {
                t["public"] = value(true);
            }
            if let Some(svc) = n.service {
                t["port"] = value(svc.to_string());
            }
            nets.push(t);
        }
        doc["network"] = Item::ArrayOfTables(nets);
    }
}
