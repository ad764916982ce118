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
                    RuleId::UnknownReference,
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

/// Every `[[security_group]]` with the map of ids to indices. Groups may refer to each other,
/// so ids are known before the groups are decoded; a repeated id keeps its first declaration
/// (and is reported).
pub(crate) fn decode_list(
    node: Option<&Node>,
    cx: &mut Cx,
) -> (BTreeMap<String, SgId>, Option<Vec<SecurityGroup>>) {
    let security_groups_node = node;
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
    (sg_ids, security_groups)
}
