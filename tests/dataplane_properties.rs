//! Properties of the data-plane verdict over generated network ACLs and security group rules
//! (on tests/fixtures/dataplane/troubleshooting.toml): adding an allow never removes a
//! delivered path, and the verdict does not depend on the order the configuration lists
//! things in (rules, ACLs, route tables).

use std::net::Ipv4Addr;

use cvpnsim::model::dataplane::Service;
use cvpnsim::model::{AssocId, PopId, Scenario};
use cvpnsim::net::{AddrSet, Client, Evaluator, Matrix, Outcome, RouteTables};
use cvpnsim::scenario::load_str;
use proptest::prelude::*;

const BASE: &str = include_str!("fixtures/dataplane/troubleshooting.toml");

#[derive(Debug, Clone)]
struct AclRule {
    number: u16,
    protocol: &'static str,
    allow: bool,
    cidr: &'static str,
    ports: (u16, u16),
}

impl AclRule {
    fn toml(&self) -> String {
        let ports = if self.protocol == "-1" {
            String::new()
        } else {
            format!(", from_port = {}, to_port = {}", self.ports.0, self.ports.1)
        };
        format!(
            "  {{ rule_number = {}, protocol = \"{}\", rule_action = \"{}\", cidr_block = \"{}\"{ports} }},\n",
            self.number,
            self.protocol,
            if self.allow { "allow" } else { "deny" },
            self.cidr
        )
    }
}

#[derive(Debug, Clone)]
struct SgRule {
    protocol: &'static str,
    ports: (u16, u16),
    source: &'static str,
}

impl SgRule {
    fn toml(&self) -> String {
        let ports = if self.protocol == "-1" {
            String::new()
        } else {
            format!("from_port = {}\nto_port = {}\n", self.ports.0, self.ports.1)
        };
        let source = if self.source.starts_with("sg-") {
            format!("source_security_group_id = \"{}\"", self.source)
        } else {
            format!("cidr_blocks = [\"{}\"]", self.source)
        };
        format!(
            "[[security_group_rule]]\nsecurity_group_id = \"sg-app\"\ntype = \"ingress\"\nprotocol = \"{}\"\n{ports}{source}\n\n",
            self.protocol
        )
    }
}

/// Generated configuration: the ACL rules of acl-a (in, out) and acl-b (in, out), and the
/// security group rules of sg-app.
#[derive(Debug, Clone)]
struct Config {
    acls: [Vec<AclRule>; 4],
    sg: Vec<SgRule>,
}

const CIDRS: [&str; 6] = [
    "0.0.0.0/0",
    "10.10.0.0/16",
    "10.20.0.0/16",
    "10.10.0.0/28",
    "8.0.0.0/8",
    "52.216.0.0/15",
];
const PORTS: [(u16, u16); 4] = [(443, 443), (1024, 65535), (0, 65535), (22, 22)];
const PROTOCOLS: [&str; 3] = ["-1", "tcp", "udp"];

fn acl_rule(number: u16) -> impl Strategy<Value = AclRule> {
    (0..3usize, any::<bool>(), 0..CIDRS.len(), 0..PORTS.len()).prop_map(move |(p, allow, c, r)| {
        AclRule {
            number,
            protocol: PROTOCOLS[p],
            allow,
            cidr: CIDRS[c],
            ports: PORTS[r],
        }
    })
}

fn acl_rules() -> impl Strategy<Value = Vec<AclRule>> {
    prop::collection::btree_set(1u16..60, 0..5).prop_flat_map(|numbers| {
        numbers
            .into_iter()
            .map(|n| acl_rule(n * 10))
            .collect::<Vec<_>>()
    })
}

fn sg_rule() -> impl Strategy<Value = SgRule> {
    (0..3usize, 0..PORTS.len(), 0..4usize).prop_map(|(p, r, s)| SgRule {
        protocol: PROTOCOLS[p],
        ports: PORTS[r],
        source: ["sg-cvpn", "10.10.0.0/16", "10.10.0.0/28", "192.168.0.0/16"][s],
    })
}

fn config() -> impl Strategy<Value = Config> {
    (
        acl_rules(),
        acl_rules(),
        acl_rules(),
        acl_rules(),
        prop::collection::vec(sg_rule(), 0..4),
    )
        .prop_map(|(a, b, c, d, sg)| Config {
            acls: [a, b, c, d],
            sg,
        })
}

/// The scenario text; `reorder` lists every section and rule in another order.
fn render(c: &Config, reorder: bool) -> String {
    let acl_start = BASE.find("[[network_acl]]").unwrap();
    let pop = BASE.find("[[population]]").unwrap();
    let sg_start = BASE.find("[[security_group_rule]]").unwrap();
    let sg_end = BASE.find("[[network]]").unwrap();
    let rules = |v: &[AclRule]| {
        let mut v: Vec<String> = v.iter().map(AclRule::toml).collect();
        if reorder {
            v.reverse();
        }
        v.concat()
    };
    let acl = |id: &str, subnet: &str, vpc: &str, i: usize| {
        format!(
            "[[network_acl]]\nid = \"{id}\"\nvpc_id = \"{vpc}\"\nsubnet_ids = [\"{subnet}\"]\ningress = [\n{}]\negress = [\n{}]\n\n",
            rules(&c.acls[i]),
            rules(&c.acls[i + 1])
        )
    };
    let mut acls = [
        acl("acl-a", "subnet-a", "vpc-a", 0),
        acl("acl-b", "subnet-b", "vpc-b", 2),
    ];
    let mut sgs: Vec<String> = c.sg.iter().map(SgRule::toml).collect();
    if reorder {
        acls.reverse();
        sgs.reverse();
    }
    let mut text = format!(
        "{}{}{}{}{}",
        &BASE[..sg_start],
        sgs.concat(),
        &BASE[sg_end..acl_start],
        acls.concat(),
        &BASE[pop..]
    );
    if reorder {
        // The two route tables, swapped.
        let a = text.find("[[route_table]]\nid = \"rtb-a\"").unwrap();
        let b = text.find("[[route_table]]\nid = \"rtb-b\"").unwrap();
        let end = text[b..].find("\n\n").map(|k| b + k + 2).unwrap();
        let (rtb_a, rtb_b) = (text[a..b].to_string(), text[b..end].to_string());
        text.replace_range(a..end, &format!("{rtb_b}{rtb_a}"));
    }
    text
}

fn load(text: &str) -> Scenario {
    load_str("generated.toml", text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario
}

/// The verdict of every probe (address × service), then the addresses of every matrix cell
/// grouped by outcome.
fn verdicts(s: &Scenario) -> (Vec<Outcome>, Vec<Vec<(Outcome, AddrSet)>>) {
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let c = Client::population(s, PopId(0));
    let mut out = Vec::new();
    for x in ["8.8.8.8", "10.20.0.10", "52.216.1.1", "10.10.0.9"] {
        for sv in [None, Some("tcp/443"), Some("udp/53"), Some("tcp/22")] {
            let t = eval.address_service(
                &c,
                AssocId(0),
                x.parse::<Ipv4Addr>().unwrap(),
                sv.map(|v| Service::parse(v).unwrap()),
            );
            out.push(t.outcome);
        }
    }
    let cells = Matrix::all_live(s)
        .cells
        .iter()
        .map(|cell| cell.verdict.by_outcome())
        .collect();
    (out, cells)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_order_things_are_listed_in_does_not_change_a_verdict(c in config()) {
        let a = verdicts(&load(&render(&c, false)));
        let b = verdicts(&load(&render(&c, true)));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn adding_an_allow_never_removes_a_delivered_path(
        c in config(),
        which in 0..5usize,
        number in 1u16..600,
        extra in acl_rule(0),
        sg in sg_rule(),
    ) {
        let before = verdicts(&load(&render(&c, false)));
        let mut more = c.clone();
        if which < 4 {
            let n = number * 10 + 1; // never a generated number (those are multiples of 10)
            more.acls[which].push(AclRule { number: n, allow: true, ..extra });
        } else {
            more.sg.push(sg);
        }
        let after = verdicts(&load(&render(&more, false)));
        for (k, (b, a)) in before.0.iter().zip(&after.0).enumerate() {
            if *b == Outcome::Reachable {
                prop_assert_eq!(*a, Outcome::Reachable, "probe {} lost by adding an allow", k);
            }
        }
        let reached = |v: &[(Outcome, AddrSet)]| {
            v.iter()
                .find(|(o, _)| *o == Outcome::Reachable)
                .map_or(AddrSet::empty(), |(_, a)| a.clone())
        };
        prop_assert_eq!(before.1.len(), after.1.len());
        for (b, a) in before.1.iter().zip(&after.1) {
            let lost = reached(b).difference(&reached(a));
            prop_assert!(lost.is_empty(), "addresses lost by adding an allow: {:?}", lost);
        }
    }
}
