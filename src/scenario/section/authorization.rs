//! `[[authorization_rule]]`: who may reach which network, read and written side by side.

use super::*;
use crate::scenario::decode::Spans;

pub(crate) fn decode(
    n: &Node,
    p: &str,
    limits: &Option<Limits>,
    cx: &mut Cx,
) -> Option<AuthorizationRule> {
    let mut t = Table::new(n, p, cx)?;
    let dest = t
        .req(cx, "target_network_cidr", "\"172.31.0.0/16\"")
        .and_then(|n| read::cidr(n, &join(p, "target_network_cidr"), cx));
    let group_node = t.opt("access_group_id");
    let all_node = t.opt("authorize_all_groups");
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, &join(p, "description"), cx));
    t.finish(cx);
    let group = group_node.and_then(|n| read::string(n, &join(p, "access_group_id"), cx));
    let all = all_node.and_then(|n| read::boolean(n, &join(p, "authorize_all_groups"), cx));
    let grant = match (group, all) {
        (Some(g), None | Some(false)) => {
            let max = limits.as_ref().map_or(255, |l| l.group_id_length) as usize;
            if g.chars().count() > max {
                cx.error(
                    RuleId::GroupIdLength,
                    &join(p, "access_group_id"),
                    group_node.map_or(0..0, |n| n.span.clone()),
                    format!(
                        "group ID is {} characters, more than {max}",
                        g.chars().count()
                    ),
                    "use the group's shorter identifier",
                );
            }
            if g.is_empty() {
                cx.error(
                    RuleId::Value,
                    &join(p, "access_group_id"),
                    group_node.map_or(0..0, |n| n.span.clone()),
                    "empty group ID",
                    "name a group, or use authorize_all_groups = true",
                );
                return None;
            }
            Grant::Group(g)
        }
        (None, Some(true)) => Grant::AllGroups,
        (Some(_), Some(true)) => {
            cx.error(
                RuleId::Value,
                p,
                n.span.clone(),
                "a rule has either `access_group_id` or `authorize_all_groups = true`, not both",
                "remove one of them",
            );
            return None;
        }
        _ => {
            if group_node.is_none() && (all_node.is_none() || all == Some(false)) {
                cx.error(
                    RuleId::MissingField,
                    &join(p, "access_group_id"),
                    n.span.clone(),
                    "an authorization rule must grant a group or all groups",
                    "add `access_group_id = \"…\"` or `authorize_all_groups = true`",
                );
            }
            return None;
        }
    };
    Some(AuthorizationRule {
        destination: dest?,
        grant,
        description,
    })
}

/// Writes the `[[authorization_rule]]` tables into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    if !s.authorization_rules.is_empty() {
        let mut rules = ArrayOfTables::new();
        for r in &s.authorization_rules {
            let mut t = TomlTable::new();
            t["target_network_cidr"] = value(r.destination.to_string());
            match &r.grant {
                Grant::AllGroups => t["authorize_all_groups"] = value(true),
                Grant::Group(g) => t["access_group_id"] = value(g.as_str()),
            }
            if let Some(d) = &r.description {
                t["description"] = value(d.as_str());
            }
            rules.push(t);
        }
        doc["authorization_rule"] = Item::ArrayOfTables(rules);
    }
}

/// Every `[[authorization_rule]]`, with where each and its group were written.
pub(crate) fn decode_list(
    node: Option<&Node>,
    limits: &Option<Limits>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> Option<Vec<AuthorizationRule>> {
    spans.rule_group = field_spans(node, "access_group_id");
    list(
        node,
        "authorization_rule",
        cx,
        |n, p, cx| decode(n, p, limits, cx),
        &mut spans.rule,
    )
}
