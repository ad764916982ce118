//! `cvpnsim import terraform`: reads `terraform show -json` output — of a saved plan
//! (`planned_values`, `resource_changes[].change.after_unknown`, `configuration`) or of the
//! state (`values`) — and picks up the Client VPN resources and the subnets and VPCs they use:
//! `aws_ec2_client_vpn_endpoint`, `aws_ec2_client_vpn_network_association`,
//! `aws_ec2_client_vpn_route`, `aws_ec2_client_vpn_authorization_rule`, `aws_subnet`,
//! `aws_vpc`, `aws_vpc_ipv4_cidr_block_association` (managed or data sources), in the root
//! module and in child modules.
//!
//! A value known only after apply (an id of a resource the plan creates) is reported by name.
//! When the plan's configuration shows which resource it refers to — directly, by `count.index`,
//! by `each.value` / `each.key` of a `for_each`, through a module's variables or its outputs, in
//! nested modules — that resource stands for it (its address becomes its id in the scenario),
//! so a pull request's planned configuration can be checked before apply.

use std::collections::BTreeMap;

use super::aws::{self, Text};
use super::draft::{
    self, AssocCfg, Config, GrantCfg, Imported, RouteCfg, RuleCfg, SubnetCfg, Sv, VpcCfg,
};
use super::json::{Findings, InputFile, Json, Level, Obj, Origin, J};

mod dataplane;

#[derive(Debug, Clone, Default)]
pub struct TerraformOptions {
    /// Address of the endpoint resource, when the plan has several.
    pub endpoint: Option<String>,
    /// Scenario name (default: the endpoint resource's name).
    pub name: Option<String>,
    /// `describe-subnets` / `describe-vpcs` output for subnets and VPCs the plan only refers to.
    pub subnets: Option<Text>,
    pub vpcs: Option<Text>,
}

const ENDPOINT: &str = "aws_ec2_client_vpn_endpoint";
const ASSOCIATION: &str = "aws_ec2_client_vpn_network_association";
const ROUTE: &str = "aws_ec2_client_vpn_route";
const RULE: &str = "aws_ec2_client_vpn_authorization_rule";

/// One resource instance of the plan.
struct Res<'a> {
    address: String,
    /// Module address with a trailing dot (`module.vpn.`), empty in the root module.
    prefix: String,
    rtype: String,
    /// JSON path of the resource object and where it was written.
    path: String,
    span: std::ops::Range<usize>,
    values: Option<&'a Json>,
}

impl Res<'_> {
    fn is_data(&self) -> bool {
        self.address
            .strip_prefix(&self.prefix)
            .is_some_and(|a| a.starts_with("data."))
    }

    /// `[1]` or `["x"]` when the resource has `count` or `for_each`.
    fn index(&self) -> &str {
        match self.address.ends_with(']') {
            true => self.address.rfind('[').map_or("", |i| &self.address[i..]),
            false => "",
        }
    }
}

/// The plan, indexed.
struct Plan<'a> {
    file: &'a InputFile,
    resources: Vec<Res<'a>>,
    /// Address → (`after_unknown` object, its JSON path).
    unknown: BTreeMap<String, (&'a Json, String)>,
    /// Configuration address (no instance keys) → `expressions` object.
    config: BTreeMap<String, &'a Json>,
    /// Module prefix in the configuration (`module.vpn.`) → the call's `expressions` (what
    /// the module's `var.*` are set to).
    calls: BTreeMap<String, &'a Json>,
    /// Configuration address → `for_each_expression` (what `each.value` ranges over).
    for_each: BTreeMap<String, &'a Json>,
    /// `module.vpc.private_subnets` (with the caller's module prefix) → the output's
    /// `expression` in the called module.
    outputs: BTreeMap<String, &'a Json>,
}

/// The configuration's indexes, filled by [`walk_config`].
#[derive(Default)]
struct ConfigIndex<'a> {
    expressions: BTreeMap<String, &'a Json>,
    calls: BTreeMap<String, &'a Json>,
    for_each: BTreeMap<String, &'a Json>,
    outputs: BTreeMap<String, &'a Json>,
}

/// The instance key of an address as a sort key: numbers in numeric order, then strings.
fn instance_order(address: &str) -> (u8, u64, String) {
    let key = match address.ends_with(']') {
        true => address
            .rfind('[')
            .map_or("", |i| &address[i + 1..address.len() - 1]),
        false => "",
    };
    match key.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, key.to_string()),
    }
}

/// Whether `longer` is `reference` followed by more traversal steps (`.id`, `[0]`).
fn extends(longer: &str, reference: &str) -> bool {
    longer.len() > reference.len()
        && longer.starts_with(reference)
        && matches!(longer.as_bytes()[reference.len()], b'.' | b'[')
}

/// The references of an expression object, as written.
fn refs_of(expr: Option<&Json>) -> Vec<&str> {
    match expr.and_then(|e| e.get("references")).map(|x| &x.value) {
        Some(J::Array(refs)) => refs.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A scenario name from a resource address: the module names and the resource name,
/// `module.client_vpn.aws_ec2_client_vpn_endpoint.this` → `client_vpn-this`.
fn scenario_name(address: &str) -> String {
    let parts: Vec<String> = strip_indices(address)
        .split('.')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| match pair {
            ["module", name] => Some(name.to_string()),
            [_, name] => Some(name.to_string()),
            _ => None,
        })
        .collect();
    parts.join("-")
}

/// The module that calls the module at `prefix`: `module.a.module.b[0].` → `module.a.`.
fn parent_prefix(prefix: &str) -> &str {
    let trimmed = prefix.trim_end_matches('.');
    match trimmed.rfind("module.") {
        Some(i) => &prefix[..i],
        None => "",
    }
}

/// Removes instance keys: `module.a[0].aws_subnet.b["x"]` → `module.a.aws_subnet.b`.
fn strip_indices(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut in_str = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn walk_module<'a>(
    node: &'a Json,
    path: &str,
    prefix: &str,
    out: &mut Vec<Res<'a>>,
    findings: &mut Findings,
    file: &InputFile,
) {
    if let Some(J::Array(rs)) = node.get("resources").map(|r| &r.value) {
        for (i, r) in rs.iter().enumerate() {
            let rp = format!("{path}.resources[{i}]");
            let (Some(address), Some(rtype)) = (
                r.get("address").and_then(Json::as_str),
                r.get("type").and_then(Json::as_str),
            ) else {
                findings.push(
                    Level::Error,
                    Some(file.origin(&rp, &r.span)),
                    "missing: a resource needs `address` and `type`",
                );
                continue;
            };
            out.push(Res {
                address: address.to_string(),
                prefix: prefix.to_string(),
                rtype: rtype.to_string(),
                path: rp,
                span: r.span.clone(),
                values: r.get("values").filter(|v| matches!(v.value, J::Table(_))),
            });
        }
    }
    if let Some(J::Array(cs)) = node.get("child_modules").map(|c| &c.value) {
        for (i, c) in cs.iter().enumerate() {
            let cp = format!("{path}.child_modules[{i}]");
            let Some(addr) = c.get("address").and_then(Json::as_str) else {
                findings.push(
                    Level::Error,
                    Some(file.origin(&format!("{cp}.address"), &c.span)),
                    "missing",
                );
                continue;
            };
            walk_module(c, &cp, &format!("{addr}."), out, findings, file);
        }
    }
}

fn walk_config<'a>(node: &'a Json, prefix: &str, ix: &mut ConfigIndex<'a>) {
    if let Some(J::Array(rs)) = node.get("resources").map(|r| &r.value) {
        for r in rs {
            let Some(a) = r.get("address").and_then(Json::as_str) else {
                continue;
            };
            if let Some(e) = r.get("expressions") {
                ix.expressions.insert(format!("{prefix}{a}"), e);
            }
            if let Some(e) = r.get("for_each_expression") {
                ix.for_each.insert(format!("{prefix}{a}"), e);
            }
        }
    }
    if let Some(J::Table(module_calls)) = node.get("module_calls").map(|m| &m.value) {
        for e in module_calls {
            let (name, call) = (&e.key, &e.node);
            let inner = format!("{prefix}module.{name}.");
            if let Some(e) = call.get("expressions") {
                ix.calls.insert(inner.clone(), e);
            }
            let Some(m) = call.get("module") else {
                continue;
            };
            if let Some(J::Table(outputs)) = m.get("outputs").map(|o| &o.value) {
                for e in outputs {
                    let (output, o) = (&e.key, &e.node);
                    if let Some(e) = o.get("expression") {
                        ix.outputs.insert(format!("{inner}{output}"), e);
                    }
                }
            }
            walk_config(m, &inner, ix);
        }
    }
}

impl<'a> Plan<'a> {
    fn read(file: &'a InputFile, out: &mut Findings) -> Option<Plan<'a>> {
        let mut root = file.root(out)?;
        root.known(&[
            "format_version",
            "terraform_version",
            "variables",
            "resource_drift",
            "output_changes",
            "relevant_attributes",
            "checks",
            "timestamp",
            "applyable",
            "complete",
        ]);
        let mut resources = Vec::new();
        let planned = root.opt("planned_values");
        let state = root.opt("values");
        let (values, vpath) = match (planned, state) {
            (Some(p), _) => (p, "$.planned_values"),
            (None, Some(s)) => (s, "$.values"),
            (None, None) => {
                out.push(
                    Level::Error,
                    Some(root.origin_of("planned_values")),
                    "missing: neither planned_values (a plan) nor values (a state); write the \
                     file with `terraform show -json PLANFILE`",
                );
                return None;
            }
        };
        match values.get("root_module") {
            Some(m) => walk_module(
                m,
                &format!("{vpath}.root_module"),
                "",
                &mut resources,
                out,
                file,
            ),
            None => out.push(
                Level::Error,
                Some(file.origin(&format!("{vpath}.root_module"), &values.span)),
                "missing",
            ),
        }
        // Data sources read during planning are in the prior state.
        if let Some(m) = root
            .opt("prior_state")
            .and_then(|p| p.get("values"))
            .and_then(|v| v.get("root_module"))
        {
            let mut prior = Vec::new();
            walk_module(
                m,
                "$.prior_state.values.root_module",
                "",
                &mut prior,
                out,
                file,
            );
            for r in prior {
                if r.is_data() && !resources.iter().any(|x| x.address == r.address) {
                    resources.push(r);
                }
            }
        }
        let mut unknown = BTreeMap::new();
        if let Some(J::Array(changes)) = root.opt("resource_changes").map(|c| &c.value) {
            for (i, c) in changes.iter().enumerate() {
                let (Some(addr), Some(u)) = (
                    c.get("address").and_then(Json::as_str),
                    c.get("change").and_then(|ch| ch.get("after_unknown")),
                ) else {
                    continue;
                };
                unknown.insert(
                    addr.to_string(),
                    (u, format!("$.resource_changes[{i}].change.after_unknown")),
                );
            }
        }
        let mut ix = ConfigIndex::default();
        if let Some(m) = root.opt("configuration").and_then(|c| c.get("root_module")) {
            walk_config(m, "", &mut ix);
        }
        if root.opt_bool("errored", out) == Some(true) {
            out.push(
                Level::Warning,
                Some(root.origin_of("errored")),
                "terraform reported errors while planning: the plan may be incomplete",
            );
        }
        root.finish(out);
        Some(Plan {
            file,
            resources,
            unknown,
            config: ix.expressions,
            calls: ix.calls,
            for_each: ix.for_each,
            outputs: ix.outputs,
        })
    }

    fn of_type(&self, t: &str) -> impl Iterator<Item = &Res<'a>> {
        let t = t.to_string();
        self.resources.iter().filter(move |r| r.rtype == t)
    }

    /// The values of a resource as an object to read.
    fn values(&self, r: &Res<'a>, out: &mut Findings) -> Option<Obj<'a>> {
        match r.values {
            Some(v) => Obj::new(self.file, v, &format!("{}.values", r.path), out),
            None => {
                out.push(
                    Level::Error,
                    Some(self.file.origin(&format!("{}.values", r.path), &r.span)),
                    format!("missing: {} has no values", r.address),
                );
                None
            }
        }
    }

    /// Where `after_unknown` marks `key` of `r`, if it does.
    fn unknown_origin(&self, r: &Res<'a>, key: &str) -> Option<Origin> {
        let (u, path) = self.unknown.get(&r.address)?;
        let v = u.get(key)?;
        matches!(v.value, J::Bool(true))
            .then(|| self.file.origin(&format!("{path}.{key}"), &v.span))
    }

    /// The resources the configuration says `key` of `r` refers to, in the order written,
    /// and whether the expression indexes them by `count.index`. `each.value` stands for the
    /// instance of what `for_each` ranges over with the same key.
    fn references(&self, r: &Res<'a>, key: &str) -> (Vec<&Res<'a>>, bool) {
        let Some(exprs) = self.config.get(&strip_indices(&r.address)) else {
            return (Vec::new(), false);
        };
        let refs = refs_of(exprs.get(key));
        let by_count = refs.contains(&"count.index");
        let found = self.resolve_all(&refs, |reference| {
            if reference == "each.value" || reference.starts_with("each.value.") {
                let each = refs_of(self.for_each.get(&strip_indices(&r.address)).copied());
                self.resolve_all(&each, |x| self.resolve(&r.prefix, r.index(), x, 1))
            } else {
                self.resolve(&r.prefix, r.index(), reference, 0)
            }
        });
        (found, by_count)
    }

    /// Resolves a list of references as Terraform writes them — the most specific form first
    /// (`aws_subnet.a["x"].id`, `aws_subnet.a["x"]`, `aws_subnet.a`) — skipping the shorter
    /// forms of a reference already resolved; each resource once, in the order found.
    fn resolve_all<'s>(
        &'s self,
        refs: &[&str],
        one: impl Fn(&str) -> Vec<&'s Res<'a>>,
    ) -> Vec<&'s Res<'a>> {
        let mut found: Vec<&Res<'a>> = Vec::new();
        let mut resolved: Vec<&str> = Vec::new();
        for &reference in refs {
            if resolved.iter().any(|done| extends(done, reference)) {
                continue;
            }
            let targets = one(reference);
            if !targets.is_empty() {
                resolved.push(reference);
            }
            for t in targets {
                if !found.iter().any(|f| f.address == t.address) {
                    found.push(t);
                }
            }
        }
        found
    }

    /// The prefix of the module call `name` (`vpc`, or an instance `vpc[0]` as the reference
    /// wrote it) in the module at `prefix`: `module.NAME.`, or its one instance
    /// (`module.NAME[0].`, `module.NAME["x"].`) when the call has `count` or `for_each`, the
    /// reference names no instance and the plan has exactly one.
    fn module_instance(&self, prefix: &str, name: &str) -> String {
        let plain = format!("{prefix}module.{name}.");
        if self.resources.iter().any(|r| r.address.starts_with(&plain)) {
            return plain;
        }
        let keyed = format!("{prefix}module.{name}[");
        let mut instances: Vec<String> = Vec::new();
        for r in &self.resources {
            if let Some(rest) = r.address.strip_prefix(&keyed) {
                if let Some(end) = rest.find("].") {
                    let p = format!("{keyed}{}].", &rest[..end]);
                    if !instances.contains(&p) {
                        instances.push(p);
                    }
                }
            }
        }
        match instances.as_slice() {
            [one] => one.clone(),
            _ => plain,
        }
    }

    /// `module.NAME.OUTPUT` or `module.NAME.OUTPUT[n]…`, written in the module at `prefix`:
    /// the resources the output's expression refers to in the called module (element `n` of
    /// them when indexed; otherwise those with the key `index`, if the output lists instances
    /// keyed like the referring resource, else all, in key order).
    fn module_output(&self, prefix: &str, index: &str, rest: &str, depth: usize) -> Vec<&Res<'a>> {
        let Some((name, tail)) = rest.split_once('.') else {
            return Vec::new();
        };
        let end = tail.find(['.', '[']).unwrap_or(tail.len());
        let (output, after) = tail.split_at(end);
        let Some(expr) = self
            .outputs
            .get(&strip_indices(&format!("{prefix}module.{name}.{output}")))
        else {
            return Vec::new();
        };
        let child = self.module_instance(prefix, name);
        let element = after
            .strip_prefix('[')
            .and_then(|a| a.split_once(']'))
            .and_then(|(n, _)| n.parse::<usize>().ok());
        let pass = if element.is_some() { "" } else { index };
        let mut found = self.resolve_all(&refs_of(Some(expr)), |x| {
            self.resolve(&child, pass, x, depth + 1)
        });
        found.sort_by_key(|r| instance_order(&r.address));
        match element {
            Some(n) => found.get(n).map(|r| vec![*r]).unwrap_or_default(),
            None => found,
        }
    }

    /// A reference like `aws_subnet.a.id` or `var.subnet_ids`, written in the module at
    /// `prefix` by a resource instance with key `index` → the resource instances it names.
    fn resolve(&self, prefix: &str, index: &str, reference: &str, depth: usize) -> Vec<&Res<'a>> {
        if depth > 16 {
            return Vec::new();
        }
        if let Some(var) = reference.strip_prefix("var.") {
            let name = var.split(['.', '[']).next().unwrap_or(var);
            let Some(J::Array(refs)) = self
                .calls
                .get(&strip_indices(prefix))
                .and_then(|e| e.get(name))
                .and_then(|e| e.get("references"))
                .map(|x| &x.value)
            else {
                return Vec::new();
            };
            let parent = parent_prefix(prefix);
            let refs: Vec<&str> = refs.iter().filter_map(Json::as_str).collect();
            return self.resolve_all(&refs, |r| self.resolve(parent, "", r, depth + 1));
        }
        if let Some(rest) = reference.strip_prefix("module.") {
            return self.module_output(prefix, index, rest, depth);
        }
        if ["local.", "each.", "count.", "path.", "self."]
            .iter()
            .any(|p| reference.starts_with(p))
        {
            return Vec::new();
        }
        let mut full = format!("{prefix}{reference}");
        loop {
            if let Some(x) = self.resources.iter().find(|x| x.address == full) {
                return vec![x];
            }
            let same_index = format!("{full}{index}");
            if let Some(x) = self.resources.iter().find(|x| x.address == same_index) {
                return vec![x];
            }
            let mut instances: Vec<&Res<'a>> = self
                .resources
                .iter()
                .filter(|x| x.address.starts_with(&format!("{full}[")))
                .collect();
            instances.sort_by_key(|x| instance_order(&x.address));
            if !instances.is_empty() {
                return instances;
            }
            match full.rfind('.') {
                Some(i) if i > prefix.len() => full.truncate(i),
                _ => return Vec::new(),
            }
        }
    }

    /// How the scenario names a resource: its id when known, else its address.
    fn ident(&self, r: &Res<'a>) -> String {
        r.values
            .and_then(|v| v.get("id"))
            .and_then(Json::as_str)
            .map_or_else(|| r.address.clone(), str::to_string)
    }

    /// A list of ids (`subnet_ids`, `security_group_ids`) that may be known only after apply:
    /// known → as read; unknown → the resources the configuration refers to (a note says so),
    /// or reported and left out.
    fn id_list(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        out: &mut Findings,
    ) -> Option<Sv<Vec<String>>> {
        if let Some(v) = o.opt_strings(key, out) {
            return Some(Sv::input(v, o.origin_of(key)));
        }
        let unknown = self.unknown_origin(r, key)?;
        let (targets, _) = self.references(r, key);
        if targets.is_empty() {
            out.push(
                Level::Warning,
                Some(unknown),
                format!(
                    "{}.{key} is known only after apply and the plan does not show which \
                     resources: left out",
                    r.address
                ),
            );
            return None;
        }
        let ids: Vec<String> = targets.iter().map(|t| self.ident(t)).collect();
        let why = format!(
            "{}.{key} is known only after apply; the configuration refers to {}",
            r.address,
            targets
                .iter()
                .map(|t| t.address.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Some(Sv::assumed(ids, why, Some(unknown)))
    }

    /// A string attribute that may be known only after apply: known → as read; unknown →
    /// the resource the configuration refers to (a note says so), or reported.
    fn id_attr(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        needed: bool,
        out: &mut Findings,
    ) -> Option<Sv<String>> {
        if let Some(v) = o.opt_str(key, out) {
            return Some(Sv::input(v.to_string(), o.origin_of(key)));
        }
        let unknown = self.unknown_origin(r, key)?;
        let (targets, by_count) = self.references(r, key);
        let numeric = r
            .index()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<usize>()
            .ok();
        let (target, how) = match (targets.as_slice(), by_count, numeric) {
            ([t], _, _) => (Some(*t), String::new()),
            (ts, true, Some(i)) if i < ts.len() => (
                Some(ts[i]),
                format!(" (element {i} by count.index, of {} it lists)", ts.len()),
            ),
            _ => (None, String::new()),
        };
        let Some(t) = target else {
            out.push(
                if needed { Level::Error } else { Level::Warning },
                Some(unknown),
                format!(
                    "{}.{key} is known only after apply and the plan does not show which \
                     resource it comes from{}",
                    r.address,
                    if needed { "" } else { ": left out" }
                ),
            );
            return None;
        };
        // A route names its subnet through the association (`….this[count.index].subnet_id`).
        if t.rtype == ASSOCIATION && key != "subnet_id" {
            let mut to = self.values(t, out)?;
            let sub = self.id_attr(t, &mut to, "subnet_id", needed, out)?;
            let why = format!(
                "{}.{key} is known only after apply; the configuration refers to {}{how}, \
                 whose subnet is {}",
                r.address, t.address, sub.value
            );
            return Some(Sv::assumed(sub.value, why, Some(unknown)));
        }
        let why = format!(
            "{}.{key} is known only after apply; the configuration refers to {}{how}",
            r.address, t.address
        );
        Some(Sv::assumed(self.ident(t), why, Some(unknown)))
    }

    /// A plain attribute; if it is known only after apply that is reported (an error when the
    /// scenario needs it).
    fn attr(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        needed: bool,
        out: &mut Findings,
    ) -> Option<&'a Json> {
        if let Some(v) = o.opt(key) {
            return Some(v);
        }
        if let Some(u) = self.unknown_origin(r, key) {
            out.push(
                if needed { Level::Error } else { Level::Warning },
                Some(u),
                format!(
                    "{}.{key} is known only after apply{}",
                    r.address,
                    if needed {
                        ": the scenario needs it"
                    } else {
                        ": left out"
                    }
                ),
            );
        } else if needed {
            out.push(Level::Error, Some(o.origin_of(key)), "missing");
        }
        None
    }

    fn str_attr(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        needed: bool,
        out: &mut Findings,
    ) -> Option<Sv<String>> {
        let v = self.attr(r, o, key, needed, out)?;
        match v.as_str() {
            Some(s) => Some(Sv::input(s.to_string(), o.origin_of(key))),
            None => {
                out.push(
                    Level::Error,
                    Some(o.origin_of(key)),
                    format!("expected a string, found {}", v.value.json_kind()),
                );
                None
            }
        }
    }

    fn bool_attr(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        out: &mut Findings,
    ) -> Option<Sv<bool>> {
        self.attr(r, o, key, false, out)?;
        o.opt_bool(key, out).map(|b| Sv::input(b, o.origin_of(key)))
    }

    fn int_attr(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        out: &mut Findings,
    ) -> Option<Sv<i64>> {
        self.attr(r, o, key, false, out)?;
        o.opt_int(key, out).map(|b| Sv::input(b, o.origin_of(key)))
    }

    /// The first element of a nested block list (`client_connect_options = [{ … }]`).
    fn block(&self, o: &mut Obj<'a>, key: &'static str, out: &mut Findings) -> Option<Obj<'a>> {
        o.objects(key, false, out).into_iter().next()
    }
}

/// Whether an item names the chosen endpoint (by id or through a reference).
enum Owner {
    Chosen,
    Other(String),
}

/// Imports the plan; `output_name` names the scenario file in diagnostics.
pub fn import(plan: &Text, opts: &TerraformOptions, output_name: &str) -> Imported {
    let mut out = Findings::default();
    let mut config = Config {
        vpc_hint: "add the aws_vpc (or a data \"aws_vpc\" source) to the configuration, or \
                   pass --vpcs with the output of `aws ec2 describe-vpcs`"
            .into(),
        subnet_hint: "add the aws_subnet (or a data \"aws_subnet\" source) to the \
                      configuration, or pass --subnets with the output of `aws ec2 \
                      describe-subnets`"
            .into(),
        imported_from: format!("Imported by `cvpnsim import terraform` from {}.", plan.name),
        ..Config::default()
    };
    let file = match InputFile::parse(&plan.name, &plan.text) {
        Ok(f) => f,
        Err(e) => {
            out.list.push(e);
            return draft::finish(config, out, output_name);
        }
    };
    let Some(p) = Plan::read(&file, &mut out) else {
        return draft::finish(config, out, output_name);
    };
    let Some(endpoint) = choose_endpoint(&p, opts, &mut out) else {
        return draft::finish(config, out, output_name);
    };
    config.name = opts
        .name
        .clone()
        .unwrap_or_else(|| scenario_name(&endpoint.address));
    endpoint_fields(&p, endpoint, &mut config, &mut out);
    let chosen = endpoint.address.clone();
    for r in p.of_type(ASSOCIATION) {
        association(&p, r, &chosen, &mut config, &mut out);
    }
    for r in p.of_type(ROUTE) {
        route(&p, r, &chosen, &mut config, &mut out);
    }
    for r in p.of_type(RULE) {
        rule(&p, r, &chosen, &mut config, &mut out);
    }
    dataplane::read(&p, &mut config, &mut out);
    subnets(&p, &mut config, &mut out);
    vpcs(&p, &mut config, &mut out);
    for (t, read) in [
        (
            &opts.subnets,
            aws::read_subnets as fn(&InputFile, &mut Config, &mut Findings),
        ),
        (&opts.vpcs, aws::read_vpcs),
    ] {
        if let Some(t) = t {
            match InputFile::parse(&t.name, &t.text) {
                Ok(f) => read(&f, &mut config, &mut out),
                Err(e) => out.list.push(e),
            }
        }
    }
    draft::finish(config, out, output_name)
}

fn choose_endpoint<'p, 'a>(
    p: &'p Plan<'a>,
    opts: &TerraformOptions,
    out: &mut Findings,
) -> Option<&'p Res<'a>> {
    let all: Vec<&Res<'a>> = p.of_type(ENDPOINT).filter(|r| !r.is_data()).collect();
    let names = || {
        all.iter()
            .map(|r| r.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&opts.endpoint, all.len()) {
        (Some(want), _) => {
            let found = all.iter().find(|r| r.address == *want).copied();
            if found.is_none() {
                out.push(
                    Level::Error,
                    None,
                    format!(
                        "{}: no {ENDPOINT} at {want} (the plan has: {})",
                        p.file.name(),
                        if all.is_empty() {
                            "none".into()
                        } else {
                            names()
                        }
                    ),
                );
            }
            found
        }
        (None, 1) => Some(all[0]),
        (None, 0) => {
            out.push(
                Level::Error,
                None,
                format!("{}: no {ENDPOINT} resource in the plan", p.file.name()),
            );
            None
        }
        (None, _) => {
            out.push(
                Level::Error,
                None,
                format!(
                    "{}: {} endpoints in the plan: choose one with --endpoint ({})",
                    p.file.name(),
                    all.len(),
                    names()
                ),
            );
            None
        }
    }
}

const ENDPOINT_KNOWN: &[&str] = &[
    "id",
    "arn",
    "dns_name",
    "server_certificate_arn",
    "tags",
    "tags_all",
    "self_service_portal_url",
    "status",
    "timeouts",
];

fn endpoint_fields<'a>(p: &Plan<'a>, r: &Res<'a>, config: &mut Config, out: &mut Findings) {
    let Some(mut o) = p.values(r, out) else {
        return;
    };
    let e = &mut config.endpoint;
    e.origin = Some(o.origin());
    e.id = Some(match o.opt_str("id", out) {
        Some(id) => Sv::input(id.to_string(), o.origin_of("id")),
        None => {
            let why = format!(
                "the endpoint's id is known only after apply: its address {} names it",
                r.address
            );
            Sv::assumed(r.address.clone(), why, p.unknown_origin(r, "id"))
        }
    });
    e.description = p.str_attr(r, &mut o, "description", false, out);
    e.client_cidr_block = p.str_attr(r, &mut o, "client_cidr_block", true, out);
    e.transport_protocol = p.str_attr(r, &mut o, "transport_protocol", false, out);
    e.vpn_port = p.int_attr(r, &mut o, "vpn_port", out);
    e.split_tunnel = p.bool_attr(r, &mut o, "split_tunnel", out);
    e.session_timeout_hours = p.int_attr(r, &mut o, "session_timeout_hours", out);
    e.disconnect_on_session_timeout = p.bool_attr(r, &mut o, "disconnect_on_session_timeout", out);
    if p.attr(r, &mut o, "dns_servers", false, out).is_some() {
        e.dns_servers = o
            .opt_strings("dns_servers", out)
            .filter(|v| !v.is_empty())
            .map(|v| Sv::input(v, o.origin_of("dns_servers")));
    }
    if let Some(v) = p.str_attr(r, &mut o, "self_service_portal", false, out) {
        match v.value.as_str() {
            "enabled" => {
                e.self_service_portal = Some(Sv {
                    value: true,
                    src: v.src,
                })
            }
            "disabled" => {
                e.self_service_portal = Some(Sv {
                    value: false,
                    src: v.src,
                })
            }
            other => out.push(
                Level::Error,
                Some(o.origin_of("self_service_portal")),
                format!("expected \"enabled\" or \"disabled\", found `{other}`"),
            ),
        }
    }
    e.vpc_id = p.id_attr(r, &mut o, "vpc_id", false, out);
    e.security_group_ids = security_groups(p, r, &mut o, out);
    e.authentication = authentication(p, r, &mut o, out);
    e.handler = connect_options(p, &mut o, out);
    e.login_banner = banner(p, &mut o, out);
    if let Some(mut log) = p.block(&mut o, "connection_log_options", out) {
        e.connection_log = log
            .opt_bool("enabled", out)
            .map(|v| Sv::input(v, log.origin_of("enabled")));
        log.known(&["cloudwatch_log_group", "cloudwatch_log_stream"]);
        log.finish(out);
    }
    if let Some(mut enf) = p.block(&mut o, "client_route_enforcement_options", out) {
        if enf.opt_bool("enforced", out) == Some(true) {
            out.push(
                Level::Warning,
                Some(enf.origin_of("enforced")),
                "client route enforcement is not modelled by the simulator",
            );
        }
        enf.finish(out);
    }
    o.known(ENDPOINT_KNOWN);
    o.finish(out);
}

fn security_groups<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    o: &mut Obj<'a>,
    out: &mut Findings,
) -> Option<Sv<Vec<String>>> {
    p.id_list(r, o, "security_group_ids", out)
        .filter(|v| !v.value.is_empty())
}

fn authentication<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    o: &mut Obj<'a>,
    out: &mut Findings,
) -> Option<Sv<Vec<String>>> {
    p.attr(r, o, "authentication_options", true, out)?;
    let origin = o.origin_of("authentication_options");
    let mut names = Vec::new();
    for mut a in o.objects("authentication_options", true, out) {
        aws::read_auth_type(&mut a, "type", &mut names, out);
        a.known(&[
            "active_directory_id",
            "root_certificate_chain_arn",
            "saml_provider_arn",
            "self_service_saml_provider_arn",
        ]);
        a.finish(out);
    }
    Some(Sv::input(names, origin))
}

fn connect_options<'a>(p: &Plan<'a>, o: &mut Obj<'a>, out: &mut Findings) -> Option<Sv<String>> {
    let mut c = p.block(o, "client_connect_options", out)?;
    let enabled = c.opt_bool("enabled", out).unwrap_or(false);
    let arn = c.opt_str("lambda_function_arn", out);
    let result = match (enabled, arn) {
        (true, Some(arn)) => Some(Sv::input(
            aws::lambda_name(arn).to_string(),
            c.origin_of("lambda_function_arn"),
        )),
        (true, None) => {
            out.push(
                Level::Error,
                Some(c.origin_of("lambda_function_arn")),
                "missing (or known only after apply): the client connect handler is enabled but \
                 its function is not named",
            );
            None
        }
        _ => None,
    };
    c.finish(out);
    result
}

fn banner<'a>(p: &Plan<'a>, o: &mut Obj<'a>, out: &mut Findings) -> Option<Sv<String>> {
    let mut b = p.block(o, "client_login_banner_options", out)?;
    let enabled = b.opt_bool("enabled", out).unwrap_or(false);
    let text = b.opt_str("banner_text", out);
    let result = match (enabled, text) {
        (true, Some(t)) => Some(Sv::input(t.to_string(), b.origin_of("banner_text"))),
        (true, None) => {
            out.push(
                Level::Warning,
                Some(b.origin_of("banner_text")),
                "the login banner is enabled but has no text: left out",
            );
            None
        }
        _ => None,
    };
    b.finish(out);
    result
}

/// Which endpoint `client_vpn_endpoint_id` of `r` names.
fn owner<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    o: &mut Obj<'a>,
    chosen: &str,
    out: &mut Findings,
) -> Owner {
    let endpoint = p.resources.iter().find(|x| x.address == chosen);
    let chosen_ident = endpoint.map(|e| p.ident(e));
    if let Some(id) = o.opt_str("client_vpn_endpoint_id", out) {
        return if Some(id.to_string()) == chosen_ident {
            Owner::Chosen
        } else {
            Owner::Other(id.to_string())
        };
    }
    let (targets, _) = p.references(r, "client_vpn_endpoint_id");
    match targets.first() {
        Some(t) if t.address == chosen => Owner::Chosen,
        Some(t) => Owner::Other(t.address.clone()),
        None => {
            let origin = p
                .unknown_origin(r, "client_vpn_endpoint_id")
                .unwrap_or_else(|| o.origin_of("client_vpn_endpoint_id"));
            if p.of_type(ENDPOINT).filter(|e| !e.is_data()).count() == 1 {
                out.push(
                    Level::Note,
                    Some(origin),
                    format!(
                        "{}.client_vpn_endpoint_id is not known before apply: taken as {chosen}, \
                         the plan's only endpoint",
                        r.address
                    ),
                );
                Owner::Chosen
            } else {
                out.push(
                    Level::Warning,
                    Some(origin),
                    format!(
                        "{}.client_vpn_endpoint_id is not known before apply and the plan has \
                         several endpoints: left out",
                        r.address
                    ),
                );
                Owner::Other("?".into())
            }
        }
    }
}

fn belongs<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    o: &mut Obj<'a>,
    chosen: &str,
    out: &mut Findings,
) -> bool {
    match owner(p, r, o, chosen, out) {
        Owner::Chosen => true,
        Owner::Other(other) => {
            if other != "?" {
                out.push(
                    Level::Note,
                    Some(o.origin()),
                    format!(
                        "{} belongs to endpoint {other}, not {chosen}: left out",
                        r.address
                    ),
                );
            }
            false
        }
    }
}

fn association<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    chosen: &str,
    config: &mut Config,
    out: &mut Findings,
) {
    let Some(mut o) = p.values(r, out) else {
        return;
    };
    if !belongs(p, r, &mut o, chosen, out) {
        return;
    }
    let subnet = p.id_attr(r, &mut o, "subnet_id", true, out);
    let vpc = o
        .opt_str("vpc_id", out)
        .map(|v| Sv::input(v.to_string(), o.origin_of("vpc_id")));
    o.known(&[
        "id",
        "association_id",
        "security_groups",
        "status",
        "timeouts",
    ]);
    let origin = o.origin();
    o.finish(out);
    if let Some(subnet) = subnet {
        config.associations.push(AssocCfg {
            origin: Some(origin),
            subnet_id: subnet,
            vpc_id: vpc,
        });
    }
}

fn route<'a>(p: &Plan<'a>, r: &Res<'a>, chosen: &str, config: &mut Config, out: &mut Findings) {
    let Some(mut o) = p.values(r, out) else {
        return;
    };
    if !belongs(p, r, &mut o, chosen, out) {
        return;
    }
    let dest = p.str_attr(r, &mut o, "destination_cidr_block", true, out);
    let target = p.id_attr(r, &mut o, "target_vpc_subnet_id", true, out);
    let description = p.str_attr(r, &mut o, "description", false, out);
    o.known(&["id", "origin", "type", "timeouts"]);
    let origin = o.origin();
    o.finish(out);
    if let (Some(destination), Some(target)) = (dest, target) {
        config.routes.push(RouteCfg {
            origin: Some(origin),
            destination,
            target,
            description,
        });
    }
}

fn rule<'a>(p: &Plan<'a>, r: &Res<'a>, chosen: &str, config: &mut Config, out: &mut Findings) {
    let Some(mut o) = p.values(r, out) else {
        return;
    };
    if !belongs(p, r, &mut o, chosen, out) {
        return;
    }
    let dest = p.str_attr(r, &mut o, "target_network_cidr", true, out);
    let all = o.opt_bool("authorize_all_groups", out);
    let group = p.str_attr(r, &mut o, "access_group_id", false, out);
    let description = p.str_attr(r, &mut o, "description", false, out);
    let grant = match (all, group) {
        (Some(true), _) => Some(Sv::input(
            GrantCfg::AllGroups,
            o.origin_of("authorize_all_groups"),
        )),
        (_, Some(g)) if !g.value.is_empty() => Some(Sv {
            value: GrantCfg::Group(g.value),
            src: g.src,
        }),
        _ => {
            out.push(
                Level::Error,
                Some(o.origin_of("access_group_id")),
                "missing: the rule neither sets authorize_all_groups = true nor an access_group_id",
            );
            None
        }
    };
    o.known(&["id", "timeouts"]);
    let origin = o.origin();
    o.finish(out);
    if let (Some(destination), Some(grant)) = (dest, grant) {
        config.rules.push(RuleCfg {
            origin: Some(origin),
            destination,
            grant,
            description,
        });
    }
}

/// The aws_subnet resources (or data sources) the associations use, and those the data plane
/// names or that are in its VPCs (where a destination may be).
fn subnets<'a>(p: &Plan<'a>, config: &mut Config, out: &mut Findings) {
    let mut wanted: Vec<String> = config
        .associations
        .iter()
        .map(|a| a.subnet_id.value.clone())
        .collect();
    for r in p.of_type("aws_subnet") {
        let id = p.ident(r);
        let vpc = r
            .values
            .and_then(|v| v.get("vpc_id"))
            .and_then(Json::as_str);
        let named_vpc = vpc.or_else(|| {
            p.references(r, "vpc_id")
                .0
                .first()
                .map(|t| t.address.as_str())
        });
        if !wanted.contains(&id) && config.wants_subnet(&id, named_vpc) {
            wanted.push(id);
        }
    }
    for id in wanted {
        let Some(r) = p
            .resources
            .iter()
            .find(|r| r.rtype == "aws_subnet" && (r.address == id || p.ident(r) == id))
        else {
            continue;
        };
        if config.subnets.iter().any(|s| s.id == id) {
            continue;
        }
        let Some(mut o) = p.values(r, out) else {
            continue;
        };
        let vpc_id = subnet_vpc(p, r, &mut o, config.endpoint.vpc_id.as_ref(), out);
        let s = SubnetCfg {
            origin: Some(o.origin()),
            id: id.clone(),
            vpc_id,
            cidr_block: p.str_attr(r, &mut o, "cidr_block", false, out),
            availability_zone: p.str_attr(r, &mut o, "availability_zone", false, out),
            available_ip_address_count: o
                .opt_int("available_ip_address_count", out)
                .map(|v| Sv::input(v, o.origin_of("available_ip_address_count"))),
        };
        config.subnets.push(s);
    }
}

/// An associated subnet's VPC: as read or traced; when it is known only after apply and comes
/// from something the plan does not show (a `local` value, as in the public VPC module), the
/// endpoint's VPC, since every associated subnet must be in it (guide: "Rules and best
/// practices for using AWS Client VPN"), stated as an assumption.
fn subnet_vpc<'a>(
    p: &Plan<'a>,
    r: &Res<'a>,
    o: &mut Obj<'a>,
    endpoint_vpc: Option<&Sv<String>>,
    out: &mut Findings,
) -> Option<Sv<String>> {
    let mut tried = Findings::default();
    if let Some(v) = p.id_attr(r, o, "vpc_id", false, &mut tried) {
        out.list.append(&mut tried.list);
        return Some(v);
    }
    match (p.unknown_origin(r, "vpc_id"), endpoint_vpc) {
        (Some(unknown), Some(vpc)) => Some(Sv::assumed(
            vpc.value.clone(),
            format!(
                "{}.vpc_id is known only after apply and the plan does not show where it comes \
                 from: taken as the endpoint's VPC {}, since associated subnets must be in it",
                r.address, vpc.value
            ),
            Some(unknown),
        )),
        _ => {
            out.list.append(&mut tried.list);
            None
        }
    }
}

/// The aws_vpc resources (or data sources) the endpoint and its subnets are in, with the
/// blocks of aws_vpc_ipv4_cidr_block_association resources.
fn vpcs<'a>(p: &Plan<'a>, config: &mut Config, out: &mut Findings) {
    let mut wanted: Vec<String> = config
        .endpoint
        .vpc_id
        .iter()
        .map(|v| v.value.clone())
        .collect();
    for s in &config.subnets {
        if let Some(v) = &s.vpc_id {
            if !wanted.contains(&v.value) {
                wanted.push(v.value.clone());
            }
        }
    }
    for v in config.dp_vpcs() {
        if !wanted.contains(&v.value) {
            wanted.push(v.value);
        }
    }
    for id in wanted {
        let Some(r) = p
            .resources
            .iter()
            .find(|r| r.rtype == "aws_vpc" && (r.address == id || p.ident(r) == id))
        else {
            continue;
        };
        let Some(mut o) = p.values(r, out) else {
            continue;
        };
        let mut blocks: Vec<String> = Vec::new();
        let primary = p.str_attr(r, &mut o, "cidr_block", false, out);
        let cidr_origin = o.origin_of("cidr_block");
        blocks.extend(primary.map(|c| c.value));
        // data "aws_vpc" lists every block.
        for mut a in o.objects("cidr_block_associations", false, out) {
            if let (Some(c), state) = (a.opt_str("cidr_block", out), a.opt_str("state", out)) {
                if matches!(state, None | Some("associated")) && !blocks.iter().any(|b| b == c) {
                    blocks.push(c.to_string());
                }
            }
        }
        for extra in p.of_type("aws_vpc_ipv4_cidr_block_association") {
            let Some(mut eo) = p.values(extra, out) else {
                continue;
            };
            let vpc = p.id_attr(extra, &mut eo, "vpc_id", false, out);
            if vpc.is_some_and(|v| v.value == id) {
                if let Some(c) = p.str_attr(extra, &mut eo, "cidr_block", false, out) {
                    if !blocks.contains(&c.value) {
                        blocks.push(c.value);
                    }
                }
            }
        }
        let tenancy = p.str_attr(r, &mut o, "instance_tenancy", false, out);
        config.vpcs.push(VpcCfg {
            origin: Some(o.origin()),
            id: id.clone(),
            cidr_blocks: (!blocks.is_empty()).then(|| Sv::input(blocks, cidr_origin)),
            instance_tenancy: tenancy,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys_are_stripped() {
        assert_eq!(
            strip_indices("module.a[0].aws_subnet.b[\"x[1]\"]"),
            "module.a.aws_subnet.b"
        );
        assert_eq!(strip_indices("aws_vpc.main"), "aws_vpc.main");
        assert_eq!(parent_prefix("module.a.module.b[0]."), "module.a.");
        assert_eq!(parent_prefix("module.a."), "");
        assert_eq!(parent_prefix(""), "");
        assert_eq!(
            scenario_name("module.client_vpn.aws_ec2_client_vpn_endpoint.this"),
            "client_vpn-this"
        );
        assert_eq!(scenario_name("aws_ec2_client_vpn_endpoint.main"), "main");
    }
}
