//! `[[security_group]]`: security groups and the groups they admit, read and written side by
//! side.

use super::*;

pub(crate) fn decode(
    n: &Node,
    p: &str,
    ids: &BTreeMap<String, SgId>,
    cx: &mut Cx,
) -> Option<SecurityGroup> {
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .req(cx, "id", "\"sg-db\"")
        .and_then(|n| read::string(n, &join(p, "id"), cx));
    let from = t.opt("inbound_from").map_or(Some(Vec::new()), |n| {
        sg_refs(n, &join(p, "inbound_from"), ids, cx)
    });
    t.finish(cx);
    Some(SecurityGroup {
        id: id?,
        inbound_from: from?,
    })
}

pub(crate) fn sg_refs(
    n: &Node,
    p: &str,
    ids: &BTreeMap<String, SgId>,
    cx: &mut Cx,
) -> Option<Vec<SgId>> {
    let names = read::strings(n, p, cx)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (name, span) in names {
        match ids.get(&name) {
            Some(id) => out.push(*id),
            None => {
                cx.error(
                    "unknown-reference",
                    p,
                    span,
                    format!("security group `{name}` is not declared"),
                    hint_list("declare it as [[security_group]] or use one of", ids.keys()),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Writes the `[[security_group]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    if !s.security_groups.is_empty() {
        let mut sgs = ArrayOfTables::new();
        for g in &s.security_groups {
            let mut t = TomlTable::new();
            t["id"] = value(g.id.as_str());
            t["inbound_from"] = Item::Value(strings(
                g.inbound_from
                    .iter()
                    .map(|i| s.security_groups[i.index()].id.as_str()),
            ));
            sgs.push(t);
        }
        doc["security_group"] = Item::ArrayOfTables(sgs);
    }
}
