//! The configuration an importer read, before it is a scenario: every value with where it came
//! from (an input file and JSON path, or an assumption the importer had to make and says why).
//! This module fills the gaps an input cannot answer (a subnet's zone without `describe-subnets`,
//! …) — always as a stated assumption — writes the scenario file (comments on every assumed
//! value, a placeholder population marked "edit me"), and runs it through the normal loader,
//! tracing each of the loader's diagnostics back to the input field that caused it.

use std::fmt::Write as _;

use ipnet::Ipv4Net;
use toml_edit::{Array, InlineTable, Value};

use super::json::{Finding, Findings, Level, Origin};
use crate::source::diag::{self, Diagnostic, Source};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Src {
    /// Read from an input file.
    Input(Origin),
    /// Not in the inputs: chosen by the importer for the reason given (written as a comment in
    /// the scenario and reported on stderr). `origin` is the input it relates to, if any.
    Assumed { why: String, origin: Option<Origin> },
}

impl Src {
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Src::Input(o) => Some(o),
            Src::Assumed { origin, .. } => origin.as_ref(),
        }
    }
}

/// A value and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Sv<T> {
    pub value: T,
    pub src: Src,
}

impl<T> Sv<T> {
    pub fn input(value: T, origin: Origin) -> Sv<T> {
        Sv {
            value,
            src: Src::Input(origin),
        }
    }

    pub fn assumed(value: T, why: impl Into<String>, origin: Option<Origin>) -> Sv<T> {
        Sv {
            value,
            src: Src::Assumed {
                why: why.into(),
                origin,
            },
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EndpointCfg {
    pub origin: Option<Origin>,
    pub id: Option<Sv<String>>,
    pub description: Option<Sv<String>>,
    pub client_cidr_block: Option<Sv<String>>,
    pub transport_protocol: Option<Sv<String>>,
    pub vpn_port: Option<Sv<i64>>,
    pub split_tunnel: Option<Sv<bool>>,
    pub session_timeout_hours: Option<Sv<i64>>,
    pub disconnect_on_session_timeout: Option<Sv<bool>>,
    /// Scenario names: `mutual`, `active-directory`, `federated`.
    pub authentication: Option<Sv<Vec<String>>>,
    pub self_service_portal: Option<Sv<bool>>,
    pub login_banner: Option<Sv<String>>,
    pub dns_servers: Option<Sv<Vec<String>>>,
    pub vpc_id: Option<Sv<String>>,
    pub security_group_ids: Option<Sv<Vec<String>>>,
    /// The client connect handler's Lambda function name, when the handler is enabled.
    pub handler: Option<Sv<String>>,
    /// Connection logging on the real endpoint → the simulator writes its connection log too.
    pub connection_log: Option<Sv<bool>>,
}

#[derive(Debug, Clone)]
pub struct VpcCfg {
    pub origin: Option<Origin>,
    pub id: String,
    pub cidr_blocks: Option<Sv<Vec<String>>>,
    pub instance_tenancy: Option<Sv<String>>,
}

#[derive(Debug, Clone)]
pub struct SubnetCfg {
    pub origin: Option<Origin>,
    pub id: String,
    pub vpc_id: Option<Sv<String>>,
    pub cidr_block: Option<Sv<String>>,
    pub availability_zone: Option<Sv<String>>,
    pub available_ip_address_count: Option<Sv<i64>>,
}

#[derive(Debug, Clone)]
pub struct AssocCfg {
    pub origin: Option<Origin>,
    pub subnet_id: Sv<String>,
    /// The VPC the input says the subnet is in, if it says.
    pub vpc_id: Option<Sv<String>>,
}

#[derive(Debug, Clone)]
pub struct RouteCfg {
    pub origin: Option<Origin>,
    pub destination: Sv<String>,
    pub target: Sv<String>,
    pub description: Option<Sv<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GrantCfg {
    AllGroups,
    Group(String),
}

#[derive(Debug, Clone)]
pub struct RuleCfg {
    pub origin: Option<Origin>,
    pub destination: Sv<String>,
    pub grant: Sv<GrantCfg>,
    pub description: Option<Sv<String>>,
}

/// A value of a data-plane field, written with the scenario's (Terraform's) attribute name.
#[derive(Debug, Clone, PartialEq)]
pub enum DpVal {
    Str(String),
    Strs(Vec<String>),
    Bool(bool),
    Int(i64),
    /// An array of inline tables (`route = [{ … }]`, `ingress = [{ … }]`).
    Rows(Vec<DpRow>),
}

/// One data-plane table (a `[[route_table]]`, or a row of its `route` array): its fields in the
/// order written, each with its source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DpRow {
    pub origin: Option<Origin>,
    pub fields: Vec<(&'static str, Sv<DpVal>)>,
}

impl DpRow {
    pub fn new(origin: Origin) -> DpRow {
        DpRow {
            origin: Some(origin),
            fields: Vec::new(),
        }
    }

    /// Sets `key` (replacing an earlier value).
    pub fn set(&mut self, key: &'static str, v: Sv<DpVal>) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some(f) => f.1 = v,
            None => self.fields.push((key, v)),
        }
    }

    pub fn str(&mut self, key: &'static str, v: Sv<String>) {
        self.set(
            key,
            Sv {
                value: DpVal::Str(v.value),
                src: v.src,
            },
        );
    }

    pub fn get(&self, key: &str) -> Option<&Sv<DpVal>> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key).map(|v| &v.value) {
            Some(DpVal::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Appends `item` to the string list `key` (created with `origin` as its source).
    pub fn push_str(&mut self, key: &'static str, item: String, origin: Src) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((
                _,
                Sv {
                    value: DpVal::Strs(v),
                    ..
                },
            )) => {
                if !v.contains(&item) {
                    v.push(item)
                }
            }
            _ => self.fields.push((
                key,
                Sv {
                    value: DpVal::Strs(vec![item]),
                    src: origin,
                },
            )),
        }
    }

    /// Appends a row to the array of tables `key`.
    pub fn push_row(&mut self, key: &'static str, row: DpRow, origin: Src) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((
                _,
                Sv {
                    value: DpVal::Rows(v),
                    ..
                },
            )) => v.push(row),
            _ => self.fields.push((
                key,
                Sv {
                    value: DpVal::Rows(vec![row]),
                    src: origin,
                },
            )),
        }
    }
}

/// One item of a data-plane section (`section` as in `scenario::dataplane::SECTIONS`).
#[derive(Debug, Clone, PartialEq)]
pub struct DpItem {
    pub section: &'static str,
    pub row: DpRow,
}

/// Everything an importer read.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Scenario name.
    pub name: String,
    /// First comment line of the file: what it was imported from.
    pub imported_from: String,
    pub endpoint: EndpointCfg,
    pub vpcs: Vec<VpcCfg>,
    pub subnets: Vec<SubnetCfg>,
    pub associations: Vec<AssocCfg>,
    pub routes: Vec<RouteCfg>,
    pub rules: Vec<RuleCfg>,
    /// The data-plane sections' items (route tables, gateways, peerings, transit gateways, VPC
    /// endpoints, network ACLs, security group rules), in reading order.
    pub data_plane: Vec<DpItem>,
    /// Security groups declared besides the endpoint's: those described, and those a rule names.
    pub security_groups: Vec<Sv<String>>,
    /// The VPC an input says a subnet is in, for subnets the data plane names but no
    /// `describe-subnets` output describes (a NAT gateway's `VpcId`, a route table's VPC).
    pub subnet_vpc_hints: Vec<(String, Sv<String>)>,
    /// CIDR blocks an input implies for a VPC when the VPC itself was not described (AWS: the
    /// routes created by associating a subnet carry the VPC's CIDR).
    pub vpc_cidr_hints: Vec<(String, Sv<String>)>,
    /// What to pass to get the missing VPC and subnet details, for messages (`--vpcs`, …).
    pub vpc_hint: String,
    pub subnet_hint: String,
}

impl Config {
    /// Adds an item to data-plane section `section`.
    pub fn push_data_plane(&mut self, section: &'static str, row: DpRow) {
        self.data_plane.push(DpItem { section, row });
    }

    /// The item of data-plane section `section` whose `id` is `id`.
    pub fn data_plane_item(&mut self, section: &str, id: &str) -> Option<&mut DpRow> {
        self.data_plane
            .iter_mut()
            .find(|d| d.section == section && d.row.get_str("id") == Some(id))
            .map(|d| &mut d.row)
    }

    /// Fills what the inputs did not say with stated assumptions; what cannot be assumed
    /// (a VPC's CIDR) becomes an error finding.
    pub fn fill_gaps(&mut self, out: &mut Findings) {
        self.fill_endpoint_vpc();
        self.add_missing_subnets();
        self.add_missing_vpcs(out);
        self.add_missing_groups();
        self.close_empty_egress(out);
        self.fill_zones();
        self.fill_subnet_blocks(out);
    }

    fn fill_endpoint_vpc(&mut self) {
        if self.endpoint.vpc_id.is_some() {
            return;
        }
        let vpcs: Vec<&Sv<String>> = self
            .associations
            .iter()
            .filter_map(|a| a.vpc_id.as_ref())
            .collect();
        if let Some(first) = vpcs.first() {
            if vpcs.iter().all(|v| v.value == first.value) {
                self.endpoint.vpc_id = Some(Sv::assumed(
                    first.value.clone(),
                    "the endpoint's VPC is not in the input: taken from its associated subnets",
                    first.src.origin().cloned(),
                ));
            }
        }
    }

    /// The VPCs the data-plane items name (`vpc_id`, `peer_vpc_id`), each with its source.
    pub fn dp_vpcs(&self) -> Vec<Sv<String>> {
        let mut v: Vec<Sv<String>> = Vec::new();
        for item in &self.data_plane {
            for key in ["vpc_id", "peer_vpc_id"] {
                if let (Some(id), Some(sv)) = (item.row.get_str(key), item.row.get(key)) {
                    if !v.iter().any(|x| x.value == id) {
                        v.push(Sv {
                            value: id.to_string(),
                            src: sv.src.clone(),
                        });
                    }
                }
            }
        }
        v
    }

    /// The subnets the data-plane items name (`subnet_id`, `subnet_ids`), each with the VPC
    /// the input implies for it (the item's own `vpc_id`, or a hint), if any.
    pub fn dp_subnets(&self) -> Vec<(Sv<String>, Option<Sv<String>>)> {
        let mut v: Vec<(Sv<String>, Option<Sv<String>>)> = Vec::new();
        for item in &self.data_plane {
            let vpc = item.row.get_str("vpc_id").and_then(|id| {
                item.row.get("vpc_id").map(|sv| Sv {
                    value: id.to_string(),
                    src: sv.src.clone(),
                })
            });
            for key in ["subnet_id", "subnet_ids"] {
                let Some(sv) = item.row.get(key) else {
                    continue;
                };
                let ids = match &sv.value {
                    DpVal::Str(s) => vec![s.clone()],
                    DpVal::Strs(s) => s.clone(),
                    _ => Vec::new(),
                };
                for id in ids {
                    if v.iter().any(|(x, _)| x.value == id) {
                        continue;
                    }
                    let hint = self
                        .subnet_vpc_hints
                        .iter()
                        .find(|(s, _)| *s == id)
                        .map(|(_, h)| h.clone());
                    v.push((
                        Sv {
                            value: id,
                            src: sv.src.clone(),
                        },
                        hint.or_else(|| vpc.clone()),
                    ));
                }
            }
        }
        v
    }

    /// The VPCs of the scenario: the endpoint's, its associated subnets', the data plane's.
    pub fn scenario_vpcs(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        let all = self
            .endpoint
            .vpc_id
            .iter()
            .chain(self.associations.iter().filter_map(|a| a.vpc_id.as_ref()))
            .map(|x| x.value.clone())
            .chain(self.dp_vpcs().into_iter().map(|x| x.value));
        for id in all {
            if !v.contains(&id) {
                v.push(id);
            }
        }
        v
    }

    /// Whether a described subnet belongs in the scenario: the endpoint uses it, the data plane
    /// names it, or (when the data plane is imported) it is in one of the scenario's VPCs, where
    /// a destination may be.
    pub fn wants_subnet(&self, id: &str, vpc: Option<&str>) -> bool {
        self.associations.iter().any(|a| a.subnet_id.value == id)
            || self.routes.iter().any(|r| r.target.value == id)
            || self.dp_subnets().iter().any(|(s, _)| s.value == id)
            || (!self.data_plane.is_empty()
                && vpc.is_some_and(|v| self.scenario_vpcs().iter().any(|x| x == v)))
    }

    /// Security groups the data plane names that are neither the endpoint's nor described:
    /// declared, as a stated assumption, so that the rules naming them load.
    fn add_missing_groups(&mut self) {
        let mut named: Vec<(String, Option<Origin>)> = Vec::new();
        for item in &self.data_plane {
            for key in [
                "security_group_id",
                "source_security_group_id",
                "security_group_ids",
            ] {
                let Some(sv) = item.row.get(key) else {
                    continue;
                };
                let ids = match &sv.value {
                    DpVal::Str(s) => vec![s.clone()],
                    DpVal::Strs(s) => s.clone(),
                    _ => Vec::new(),
                };
                named.extend(ids.into_iter().map(|i| (i, sv.src.origin().cloned())));
            }
        }
        for (id, origin) in named {
            let known = self
                .endpoint
                .security_group_ids
                .as_ref()
                .is_some_and(|g| g.value.contains(&id))
                || self.security_groups.iter().any(|g| g.value == id);
            if !known {
                self.security_groups.push(Sv::assumed(
                    id.clone(),
                    format!(
                        "security group {id} is named by a rule but not described: declared \
                         without rules of its own"
                    ),
                    origin,
                ));
            }
        }
    }

    /// An endpoint's security group that was described with no outbound rule lets nothing out
    /// (AWS has no implicit outbound rule once a group's rules are removed), whereas a scenario
    /// group without egress rules keeps the default outbound rule. So that the imported scenario
    /// decides as AWS does, such a group gets one egress rule that matches nothing the endpoint
    /// sends, stated as an assumption, and a warning.
    fn close_empty_egress(&mut self, out: &mut Findings) {
        let Some(endpoint_groups) = self.endpoint.security_group_ids.clone() else {
            return;
        };
        for g in &endpoint_groups.value {
            let Some(described) = self
                .security_groups
                .iter()
                .find(|x| x.value == *g && matches!(x.src, Src::Input(_)))
                .cloned()
            else {
                continue;
            };
            let has_egress = self.data_plane.iter().any(|d| {
                d.section == "security_group_rule"
                    && d.row.get_str("security_group_id") == Some(g)
                    && d.row.get_str("type") == Some("egress")
            });
            if has_egress {
                continue;
            }
            let origin = described.src.origin().cloned();
            out.push(
                Level::Warning,
                origin.clone(),
                format!(
                    "the endpoint's security group {g} has no outbound rule: AWS lets no traffic \
                     out of the endpoint"
                ),
            );
            let input = |v: DpVal| Sv {
                value: v,
                src: described.src.clone(),
            };
            let mut row = DpRow {
                origin: origin.clone(),
                fields: Vec::new(),
            };
            row.set("security_group_id", input(DpVal::Str(g.clone())));
            row.set(
                "type",
                Sv::assumed(
                    DpVal::Str("egress".into()),
                    format!(
                        "security group {g} has no outbound rule, so nothing leaves the endpoint; \
                         a group without egress rules would keep the default outbound rule, so \
                         this rule, which matches nothing the endpoint sends, stands for none"
                    ),
                    origin,
                ),
            );
            row.set("protocol", input(DpVal::Str("icmp".into())));
            row.set(
                "cidr_blocks",
                input(DpVal::Strs(vec!["255.255.255.255/32".into()])),
            );
            self.data_plane.push(DpItem {
                section: "security_group_rule",
                row,
            });
        }
    }

    /// Every subnet the associations and routes name is declared, so that a route to a subnet
    /// that is not associated is reported as such.
    fn add_missing_subnets(&mut self) {
        let named: Vec<(String, Option<Origin>, Option<Sv<String>>)> = self
            .associations
            .iter()
            .map(|a| {
                (
                    a.subnet_id.value.clone(),
                    a.origin.clone(),
                    a.vpc_id.clone(),
                )
            })
            .chain(
                self.routes
                    .iter()
                    .filter(|r| r.target.value != "local")
                    .map(|r| (r.target.value.clone(), r.target.src.origin().cloned(), None)),
            )
            .chain(
                self.dp_subnets()
                    .into_iter()
                    .map(|(s, vpc)| (s.value, s.src.origin().cloned(), vpc)),
            )
            .collect();
        for (id, origin, vpc) in named {
            if self.subnets.iter().any(|s| s.id == id) {
                continue;
            }
            self.subnets.push(SubnetCfg {
                origin,
                id,
                vpc_id: vpc.or_else(|| self.endpoint.vpc_id.clone()),
                cidr_block: None,
                availability_zone: None,
                available_ip_address_count: None,
            });
        }
    }

    fn add_missing_vpcs(&mut self, out: &mut Findings) {
        let mut wanted: Vec<(String, Option<Origin>)> = Vec::new();
        if let Some(v) = &self.endpoint.vpc_id {
            wanted.push((v.value.clone(), v.src.origin().cloned()));
        }
        for s in &self.subnets {
            if let Some(v) = &s.vpc_id {
                wanted.push((v.value.clone(), v.src.origin().cloned()));
            }
        }
        for v in self.dp_vpcs() {
            wanted.push((v.value.clone(), v.src.origin().cloned()));
        }
        for (id, origin) in wanted {
            if self.vpcs.iter().any(|v| v.id == id) {
                continue;
            }
            let hints: Vec<&Sv<String>> = self
                .vpc_cidr_hints
                .iter()
                .filter(|(v, _)| *v == id)
                .map(|(_, c)| c)
                .collect();
            let mut blocks: Vec<String> = Vec::new();
            for h in &hints {
                if !blocks.contains(&h.value) {
                    blocks.push(h.value.clone());
                }
            }
            let cidr_blocks = match hints.first() {
                Some(h) => Some(Sv::assumed(
                    blocks,
                    format!(
                        "VPC {id} was not described ({}): its CIDR blocks are taken from the \
                         routes AWS created when its subnets were associated",
                        self.vpc_hint
                    ),
                    h.src.origin().cloned(),
                )),
                None => {
                    out.push(
                        Level::Error,
                        origin.clone(),
                        format!(
                            "the CIDR blocks of VPC {id} are not in the inputs: {}",
                            self.vpc_hint
                        ),
                    );
                    None
                }
            };
            self.vpcs.push(VpcCfg {
                origin,
                id,
                cidr_blocks,
                instance_tenancy: None,
            });
        }
    }

    fn fill_zones(&mut self) {
        let mut n = 0;
        let associated: Vec<String> = self
            .associations
            .iter()
            .map(|a| a.subnet_id.value.clone())
            .collect();
        for s in &mut self.subnets {
            if s.availability_zone.is_some() {
                continue;
            }
            n += 1;
            let why = if associated.contains(&s.id) {
                format!(
                    "the Availability Zone of {} is not in the inputs ({}); a placeholder, one \
                     zone per association as AWS requires",
                    s.id, self.subnet_hint
                )
            } else {
                format!(
                    "the Availability Zone of {} is not in the inputs ({})",
                    s.id, self.subnet_hint
                )
            };
            s.availability_zone = Some(Sv::assumed(
                format!("unknown-az-{n}"),
                why,
                s.origin.clone(),
            ));
        }
    }

    fn fill_subnet_blocks(&mut self, out: &mut Findings) {
        for i in 0..self.subnets.len() {
            if self.subnets[i].cidr_block.is_some() {
                continue;
            }
            let s = &self.subnets[i];
            let vpc = s
                .vpc_id
                .as_ref()
                .and_then(|v| self.vpcs.iter().find(|x| x.id == v.value));
            let Some(vpc_block) = vpc
                .and_then(|v| v.cidr_blocks.as_ref())
                .and_then(|c| c.value.first())
                .and_then(|c| c.parse::<Ipv4Net>().ok())
            else {
                out.push(
                    Level::Error,
                    s.origin.clone(),
                    format!(
                        "the CIDR block of subnet {} is not in the inputs and its VPC's block \
                         is unknown: {}",
                        s.id, self.subnet_hint
                    ),
                );
                continue;
            };
            let taken: Vec<Ipv4Net> = self
                .subnets
                .iter()
                .filter_map(|x| x.cidr_block.as_ref())
                .filter_map(|c| c.value.parse().ok())
                .collect();
            let block = placeholder_block(vpc_block, &taken);
            let s = &mut self.subnets[i];
            match block {
                Some(b) => {
                    s.cidr_block = Some(Sv::assumed(
                        b.to_string(),
                        format!(
                            "the CIDR block of {} is not in the inputs ({}); a placeholder \
                             block inside {vpc_block}",
                            s.id, self.subnet_hint
                        ),
                        s.origin.clone(),
                    ))
                }
                None => out.push(
                    Level::Error,
                    s.origin.clone(),
                    format!(
                        "the CIDR block of subnet {} is not in the inputs and no free /27 is \
                         left in {vpc_block}: {}",
                        s.id, self.subnet_hint
                    ),
                ),
            }
        }
    }
}

/// A block inside `vpc` that overlaps none of `taken`: a sixteenth of the VPC, at most a /27
/// (the smallest subnet an endpoint accepts).
pub fn placeholder_block(vpc: Ipv4Net, taken: &[Ipv4Net]) -> Option<Ipv4Net> {
    let prefix = (vpc.prefix_len() + 4).min(27);
    if prefix < vpc.prefix_len() {
        return None;
    }
    let overlaps = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    vpc.subnets(prefix)
        .ok()?
        .find(|c| !taken.iter().any(|t| overlaps(c, t)))
}

/// The scenario text an importer wrote, with where each field came from.
#[derive(Debug, Clone)]
pub struct Written {
    pub text: String,
    /// Scenario field path (`endpoint.client_cidr_block`, `subnet[0]`) → input origin.
    pub provenance: Vec<(String, Origin)>,
    /// A note for every assumed value.
    pub notes: Vec<Finding>,
}

struct W {
    out: String,
    provenance: Vec<(String, Origin)>,
    notes: Vec<Finding>,
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().map(|x| x.as_str()).collect::<Array>())
}

fn dp_value(v: &DpVal) -> Value {
    match v {
        DpVal::Str(x) => s(x),
        DpVal::Strs(x) => strings(x),
        DpVal::Bool(b) => Value::from(*b),
        DpVal::Int(i) => Value::from(*i),
        // Rows are written by `W::rows`; an empty array if one ever reaches here.
        DpVal::Rows(_) => Value::Array(Array::new()),
    }
}

fn comment(out: &mut String, text: &str) {
    // Wrap long comments at about 96 columns.
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 96 && line.len() > 1 {
            let _ = writeln!(out, "{line}");
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

impl W {
    fn table(&mut self, header: &str, path: &str, origin: Option<&Origin>) {
        self.table_noted(header, path, origin, None);
    }

    fn table_noted(
        &mut self,
        header: &str,
        path: &str,
        origin: Option<&Origin>,
        note: Option<&str>,
    ) {
        self.out.push('\n');
        if let Some(n) = note {
            comment(&mut self.out, n);
        }
        if let Some(o) = origin {
            let _ = writeln!(self.out, "# from {o}");
            self.provenance.push((path.to_string(), o.clone()));
        }
        let _ = writeln!(self.out, "{header}");
    }

    fn field<T>(&mut self, path: &str, key: &str, sv: &Sv<T>, render: impl Fn(&T) -> Value) {
        let fp = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        let v = render(&sv.value);
        match &sv.src {
            Src::Input(o) => self.provenance.push((fp, o.clone())),
            Src::Assumed { why, origin } => {
                if why.starts_with("edit me") {
                    comment(&mut self.out, why);
                } else {
                    comment(&mut self.out, &format!("assumed: {why}"));
                }
                if let Some(o) = origin {
                    self.provenance.push((fp.clone(), o.clone()));
                }
                self.notes.push(Finding::new(
                    Level::Note,
                    origin.clone(),
                    format!(
                        "`{fp} = {v}`: {}",
                        why.strip_prefix("edit me: ")
                            .map_or_else(|| format!("assumed: {why}"), |w| format!("edit me: {w}"))
                    ),
                ));
            }
        }
        let _ = writeln!(self.out, "{key} = {v}");
    }

    /// An array of inline tables, one row a line; every row and cell keeps its source.
    fn rows(&mut self, path: &str, key: &str, sv: &Sv<DpVal>, rows: &[DpRow]) {
        let fp = format!("{path}.{key}");
        if let Some(o) = sv.src.origin() {
            self.provenance.push((fp.clone(), o.clone()));
        }
        let mut lines = String::new();
        for (j, row) in rows.iter().enumerate() {
            let rp = format!("{fp}[{j}]");
            if let Some(o) = &row.origin {
                self.provenance.push((rp.clone(), o.clone()));
            }
            let mut cells: Vec<String> = Vec::new();
            for (k, cell) in &row.fields {
                let v = dp_value(&cell.value);
                let cp = format!("{rp}.{k}");
                match &cell.src {
                    Src::Input(o) => self.provenance.push((cp, o.clone())),
                    Src::Assumed { why, origin } => {
                        comment(&mut self.out, &format!("assumed: {cp}: {why}"));
                        if let Some(o) = origin {
                            self.provenance.push((cp.clone(), o.clone()));
                        }
                        self.notes.push(Finding::new(
                            Level::Note,
                            origin.clone(),
                            format!("`{cp} = {v}`: assumed: {why}"),
                        ));
                    }
                }
                cells.push(format!("{k} = {v}"));
            }
            let _ = writeln!(lines, "  {{ {} }},", cells.join(", "));
        }
        let _ = write!(self.out, "{key} = [\n{lines}]\n");
    }

    fn opt<T>(&mut self, path: &str, key: &str, sv: &Option<Sv<T>>, render: impl Fn(&T) -> Value) {
        if let Some(sv) = sv {
            self.field(path, key, sv, render);
        }
    }
}

impl Config {
    /// Writes the scenario file.
    pub fn write(&self) -> Written {
        let mut w = W {
            out: String::new(),
            provenance: Vec::new(),
            notes: Vec::new(),
        };
        comment(&mut w.out, &self.imported_from);
        comment(
            &mut w.out,
            "Values the inputs did not give are marked `assumed:` and the population `edit me`: \
             check them before trusting a run. Check the file with `cvpnsim validate`.",
        );
        let _ = writeln!(w.out, "name = {}", s(&self.name));
        let _ = writeln!(w.out, "seed = 1");
        comment(&mut w.out, "edit me: how long to simulate");
        let _ = writeln!(w.out, "duration = \"7d\"");
        let _ = writeln!(w.out, "start_weekday = \"mon\"");
        if let Some(log) = &self.endpoint.connection_log {
            w.table("[output]", "output", None);
            w.field("output", "connection_log", log, |b| Value::from(*b));
        }
        self.write_endpoint(&mut w);
        self.write_networks(&mut w);
        self.write_population(&mut w);
        Written {
            text: w.out,
            provenance: w.provenance,
            notes: w.notes,
        }
    }

    fn write_endpoint(&self, w: &mut W) {
        let e = &self.endpoint;
        let p = "endpoint";
        w.table("[endpoint]", p, e.origin.as_ref());
        w.opt(p, "id", &e.id, |v| s(v));
        w.opt(p, "description", &e.description, |v| s(v));
        w.opt(p, "client_cidr_block", &e.client_cidr_block, |v| s(v));
        w.opt(p, "transport_protocol", &e.transport_protocol, |v| s(v));
        w.opt(p, "vpn_port", &e.vpn_port, |v| Value::from(*v));
        w.opt(p, "split_tunnel", &e.split_tunnel, |v| Value::from(*v));
        w.opt(p, "session_timeout_hours", &e.session_timeout_hours, |v| {
            Value::from(*v)
        });
        w.opt(
            p,
            "disconnect_on_session_timeout",
            &e.disconnect_on_session_timeout,
            |v| Value::from(*v),
        );
        w.opt(p, "authentication", &e.authentication, |v| strings(v));
        w.opt(p, "self_service_portal", &e.self_service_portal, |v| {
            Value::from(*v)
        });
        w.opt(p, "login_banner", &e.login_banner, |v| s(v));
        w.opt(p, "dns_servers", &e.dns_servers, |v| strings(v));
        w.opt(p, "vpc_id", &e.vpc_id, |v| s(v));
        w.opt(p, "security_group_ids", &e.security_group_ids, |v| {
            strings(v)
        });
        if let Some(h) = &e.handler {
            let hp = "endpoint.client_connect_handler";
            w.table("[endpoint.client_connect_handler]", hp, h.src.origin());
            w.field(hp, "function_name", h, |v| s(v));
            let why_latency = "edit me: the Lambda function's duration is not part of the \
                               endpoint's configuration; put its measured median and p99 here";
            let why_concurrency = "edit me: the Lambda function's concurrency is not part of \
                                   the endpoint's configuration; 1000 is the default account \
                                   limit, put its reserved concurrency here";
            let mut latency = InlineTable::new();
            let mut ln = InlineTable::new();
            ln.insert("median", s("300ms"));
            ln.insert("p99", s("4s"));
            latency.insert("lognormal", Value::InlineTable(ln));
            w.field(
                hp,
                "latency",
                &Sv::assumed(
                    Value::InlineTable(latency),
                    why_latency,
                    h.src.origin().cloned(),
                ),
                |v| v.clone(),
            );
            w.field(
                hp,
                "concurrency",
                &Sv::assumed(1000_i64, why_concurrency, h.src.origin().cloned()),
                |v| Value::from(*v),
            );
        }
    }

    fn write_networks(&self, w: &mut W) {
        for (i, v) in self.vpcs.iter().enumerate() {
            let p = format!("vpc[{i}]");
            w.table("[[vpc]]", &p, v.origin.as_ref());
            let _ = writeln!(w.out, "id = {}", s(&v.id));
            w.opt(&p, "cidr_blocks", &v.cidr_blocks, |c| strings(c));
            w.opt(&p, "instance_tenancy", &v.instance_tenancy, |c| s(c));
        }
        if let Some(sgs) = &self.endpoint.security_group_ids {
            for (i, g) in sgs.value.iter().enumerate() {
                let p = format!("security_group[{i}]");
                w.table_noted(
                    "[[security_group]]",
                    &p,
                    sgs.src.origin(),
                    Some(
                        "the endpoint's security group, declared for the optional \
                         security-group model (list the groups it admits in inbound_from)",
                    ),
                );
                let _ = writeln!(w.out, "id = {}", s(g));
                let _ = writeln!(w.out, "inbound_from = []");
            }
        }
        let mut k = self
            .endpoint
            .security_group_ids
            .as_ref()
            .map_or(0, |g| g.value.len());
        for g in &self.security_groups {
            if self
                .endpoint
                .security_group_ids
                .as_ref()
                .is_some_and(|e| e.value.contains(&g.value))
            {
                continue;
            }
            let p = format!("security_group[{k}]");
            w.table("[[security_group]]", &p, g.src.origin());
            w.field(&p, "id", g, |v| s(v));
            k += 1;
        }
        for (i, sub) in self.subnets.iter().enumerate() {
            let p = format!("subnet[{i}]");
            w.table("[[subnet]]", &p, sub.origin.as_ref());
            let _ = writeln!(w.out, "id = {}", s(&sub.id));
            w.opt(&p, "vpc_id", &sub.vpc_id, |v| s(v));
            w.opt(&p, "cidr_block", &sub.cidr_block, |v| s(v));
            w.opt(&p, "availability_zone", &sub.availability_zone, |v| s(v));
            w.opt(
                &p,
                "available_ip_address_count",
                &sub.available_ip_address_count,
                |v| Value::from(*v),
            );
        }
        for (i, a) in self.associations.iter().enumerate() {
            let p = format!("association[{i}]");
            w.table("[[association]]", &p, a.origin.as_ref());
            w.field(&p, "subnet_id", &a.subnet_id, |v| s(v));
        }
        for (i, r) in self.routes.iter().enumerate() {
            let p = format!("route[{i}]");
            w.table("[[route]]", &p, r.origin.as_ref());
            w.field(&p, "destination_cidr_block", &r.destination, |v| s(v));
            w.field(&p, "target_vpc_subnet_id", &r.target, |v| s(v));
            w.opt(&p, "description", &r.description, |v| s(v));
        }
        for (i, r) in self.rules.iter().enumerate() {
            let p = format!("authorization_rule[{i}]");
            w.table("[[authorization_rule]]", &p, r.origin.as_ref());
            w.field(&p, "target_network_cidr", &r.destination, |v| s(v));
            match &r.grant.value {
                GrantCfg::AllGroups => {
                    w.field(&p, "authorize_all_groups", &r.grant, |_| Value::from(true))
                }
                GrantCfg::Group(g) => {
                    w.field(&p, "access_group_id", &r.grant, |_| s(g));
                }
            }
            w.opt(&p, "description", &r.description, |v| s(v));
        }
        self.write_data_plane(w);
    }

    /// The data-plane sections, in the loader's order; each item's fields as read.
    fn write_data_plane(&self, w: &mut W) {
        for section in crate::scenario::dataplane::SECTIONS {
            let header = format!("[[{section}]]");
            for (i, item) in self
                .data_plane
                .iter()
                .filter(|d| d.section == section)
                .enumerate()
            {
                let p = format!("{section}[{i}]");
                w.table(&header, &p, item.row.origin.as_ref());
                for (key, sv) in &item.row.fields {
                    match &sv.value {
                        DpVal::Rows(rows) => w.rows(&p, key, sv, rows),
                        _ => w.field(&p, key, sv, dp_value),
                    }
                }
            }
        }
    }

    fn write_population(&self, w: &mut W) {
        let mut groups: Vec<String> = Vec::new();
        for r in &self.rules {
            if let GrantCfg::Group(g) = &r.grant.value {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
        }
        w.out.push('\n');
        comment(
            &mut w.out,
            "edit me: a placeholder population. The endpoint's configuration says nothing about \
             who connects, when, or for how long: replace this with your users, or with the \
             population `cvpnsim calibrate` fits from the endpoint's connection logs.",
        );
        w.out.push_str("[[population]]\nname = \"edit-me\"\n");
        comment(&mut w.out, "edit me: how many people use the endpoint");
        w.out.push_str("users = 100\n");
        comment(
            &mut w.out,
            "edit me: the groups the identity provider sends for these users (here: every \
             group the authorization rules name)",
        );
        let _ = writeln!(w.out, "groups = {}", strings(&groups));
        comment(&mut w.out, "edit me: when and how long they work");
        w.out.push_str(
            "workday = { start = { normal = { mean = \"09:00\", sd = \"30m\" } }, length = { \
             normal = { mean = \"8h\", sd = \"1h\" } }, days = \"mon-fri\" }\n",
        );
        if let Some(v) = &self.endpoint.vpc_id {
            comment(&mut w.out, "edit me: what they need to reach");
            let _ = writeln!(w.out, "needs = {}", strings(std::slice::from_ref(&v.value)));
        }
        w.notes.push(Finding::new(
            Level::Note,
            None,
            "the population is a placeholder marked `edit me`: replace it with your users",
        ));
    }
}

/// A loader diagnostic on the imported scenario, with the input field that caused it.
#[derive(Debug, Clone)]
pub struct Traced {
    pub diagnostic: Diagnostic,
    pub cause: Option<Origin>,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario file's text (absent when the inputs had errors).
    pub text: Option<String>,
    /// Problems and notes about the inputs (errors first, then in reading order).
    pub findings: Vec<Finding>,
    /// The loader's diagnostics on the written scenario.
    pub diagnostics: Vec<Traced>,
    /// Whether the scenario loads (no error-level diagnostic).
    pub valid: bool,
    /// The scenario as a source, for rendering diagnostics (named after the output file).
    pub source: Source,
}

impl Imported {
    /// Whether anything kept the import from producing a valid scenario.
    pub fn ok(&self) -> bool {
        self.text.is_some() && self.valid
    }

    /// The loader's diagnostics, rendered like `cvpnsim validate`, each followed by the input
    /// field it came from.
    pub fn render_diagnostics(&self) -> String {
        let mut out = String::new();
        for t in &self.diagnostics {
            let one = diag::render(&self.source, std::slice::from_ref(&t.diagnostic));
            out.push_str(one.trim_end());
            out.push('\n');
            match &t.cause {
                Some(o) => {
                    let _ = writeln!(out, "  = caused by input: {o}");
                }
                None => {
                    let _ = writeln!(out, "  = caused by input: (not tied to one input field)");
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Finds the input origin of a scenario field path: the longest recorded path that is the field
/// or contains it (`subnet[0]` for `subnet[0].cidr_block` when the field itself was assumed).
pub fn trace(provenance: &[(String, Origin)], path: &str) -> Option<Origin> {
    provenance
        .iter()
        .filter(|(p, _)| {
            path == p
                || (path.starts_with(p.as_str())
                    && matches!(path.as_bytes().get(p.len()), Some(b'.' | b'[')))
        })
        .max_by_key(|(p, _)| p.len())
        .map(|(_, o)| o.clone())
}

/// Fills gaps, writes the scenario and validates it with the loader. `output_name` names the
/// scenario in diagnostics (the file it will be written to).
pub fn finish(mut config: Config, mut findings: Findings, output_name: &str) -> Imported {
    // Gaps are filled only for inputs that were read without error: otherwise every value
    // the broken input would have given shows up again as a gap.
    if !findings.has_errors() {
        config.fill_gaps(&mut findings);
    }
    let mut list = findings.list;
    if list.iter().any(Finding::is_error) {
        list.sort_by_key(|f| f.severity);
        return Imported {
            text: None,
            findings: list,
            diagnostics: Vec::new(),
            valid: false,
            source: Source::new(output_name, ""),
        };
    }
    let written = config.write();
    list.extend(written.notes);
    list.sort_by_key(|f| f.severity);
    let (valid, diagnostics, source) = match crate::scenario::load_str(output_name, &written.text) {
        Ok(l) => (true, l.warnings, l.source),
        Err(crate::scenario::LoadError::Invalid {
            source,
            diagnostics,
        }) => (false, diagnostics, source),
        Err(e @ crate::scenario::LoadError::Io { .. }) => {
            // load_str never reads a file; keep the message if it ever does.
            list.push(Finding::new(Level::Error, None, e.to_string()));
            (false, Vec::new(), Source::new(output_name, &written.text))
        }
    };
    let diagnostics = diagnostics
        .into_iter()
        .map(|d| Traced {
            cause: trace(&written.provenance, &d.path),
            diagnostic: d,
        })
        .collect();
    Imported {
        text: Some(written.text),
        findings: list,
        diagnostics,
        valid,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(path: &str) -> Origin {
        Origin {
            file: "f.json".into(),
            path: path.into(),
            line: 1,
            col: 1,
        }
    }

    #[test]
    fn trace_takes_the_longest_enclosing_path() {
        let prov = vec![
            ("subnet[0]".to_string(), o("$.Subnets[0]")),
            (
                "subnet[0].cidr_block".to_string(),
                o("$.Subnets[0].CidrBlock"),
            ),
            ("subnet[1]".to_string(), o("$.Subnets[1]")),
        ];
        assert_eq!(
            trace(&prov, "subnet[0].cidr_block").unwrap().path,
            "$.Subnets[0].CidrBlock"
        );
        assert_eq!(
            trace(&prov, "subnet[1].availability_zone").unwrap().path,
            "$.Subnets[1]"
        );
        assert_eq!(trace(&prov, "subnet[10].id"), None);
        assert_eq!(trace(&prov, "route[0]"), None);
    }

    #[test]
    fn placeholder_blocks_avoid_taken_ones() {
        let vpc: Ipv4Net = "10.0.0.0/16".parse().unwrap();
        let first = placeholder_block(vpc, &[]).unwrap();
        assert_eq!(first.to_string(), "10.0.0.0/20");
        let second = placeholder_block(vpc, &[first]).unwrap();
        assert_eq!(second.to_string(), "10.0.16.0/20");
        // A /27 VPC has room for one /27 only.
        let small: Ipv4Net = "10.0.0.0/27".parse().unwrap();
        let only = placeholder_block(small, &[]).unwrap();
        assert_eq!(placeholder_block(small, &[only]), None);
        assert_eq!(placeholder_block("10.0.0.0/28".parse().unwrap(), &[]), None);
    }
}
