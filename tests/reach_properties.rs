//! Properties of authorization and of the exact verdicts, over random rule sets (guide: "Key
//! points for understanding authorization rules"; docs/model.md §8.3):
//! - adding an all-users `0.0.0.0/0` rule never removes access;
//! - a rule for group A never grants group B;
//! - verdicts do not depend on the order the rules are listed in;
//! - a network verdict agrees with the single-address decision at every address tried;
//! - the indexed lookups (rules, routes) agree with a plain scan.

use crate::reach_support::*;
use cvpnsim::model::{AssocId, AuthorizationRule, Grant, Scenario};
use cvpnsim::net::auth::{authorize, Authorizer, Groups};
use cvpnsim::net::{Client, Evaluator, Matrix, Outcome, RouteTables};
use proptest::prelude::*;

/// Destinations chosen to nest and overlap: the guide's networks and a few more.
const DESTS: [&str; 10] = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.2.0/24",
    "10.0.2.119/32",
    "172.16.0.0/24",
    "172.16.0.128/25",
    "192.168.0.0/24",
    "192.168.0.0/16",
    "8.0.0.0/7",
];
const GROUPS: [&str; 3] = ["S-a", "S-b", "S-c"];
const POPS: [(&str, &[&str]); 4] = [
    ("pa", &["S-a"]),
    ("pb", &["S-b"]),
    ("pab", &["S-a", "S-b"]),
    ("none", &[]),
];
const NETS: [(&str, &str); 5] = [
    ("ten", "10.0.0.0/8"),
    ("dev", "10.0.0.0/16"),
    ("onprem", "172.16.0.0/24"),
    ("cvpn", "192.168.0.0/16"),
    ("eight", "8.0.0.0/7"),
];

/// (destination index, group index or `None` for all users)
type RuleSeed = (usize, Option<usize>);

fn rule_seed() -> impl Strategy<Value = RuleSeed> {
    (0..DESTS.len(), prop::option::weighted(0.8, 0..GROUPS.len()))
}

fn scenario(rules: &[RuleSeed], split: bool) -> Scenario {
    let mut b = Builder::new("192.168.0.0/24", "100.64.0.0/22")
        .split_tunnel(split)
        .associate("subnet-a", "192.168.0.0/27", "us-east-1a")
        .route("10.0.0.0/8", "subnet-a")
        .route("172.16.0.0/24", "subnet-a")
        .route("8.0.0.0/8", "subnet-a");
    for (i, (d, g)) in rules.iter().enumerate() {
        b = b.rule(&format!("r{i}"), g.map(|g| GROUPS[g]), DESTS[*d]);
    }
    for (name, c) in NETS {
        b = b.network(name, &[c]);
    }
    let needs: Vec<&str> = NETS.iter().map(|n| n.0).collect();
    for (name, groups) in POPS {
        b = b.population(name, groups, None, &needs);
    }
    b.build()
}

/// Each cell's addresses grouped by outcome (deciding cites dropped).
fn outcomes(s: &Scenario) -> Vec<Vec<(Outcome, cvpnsim::net::AddrSet)>> {
    Matrix::all_live(s)
        .cells
        .iter()
        .map(|c| c.verdict.by_outcome())
        .collect()
}

fn delivered(s: &Scenario) -> Vec<cvpnsim::net::AddrSet> {
    Matrix::all_live(s)
        .cells
        .iter()
        .map(|c| c.verdict.with_outcome(Outcome::Reachable))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn all_users_default_rule_never_removes_access(rules in prop::collection::vec(rule_seed(), 0..8), split: bool) {
        let before = scenario(&rules, split);
        let mut after = before.clone();
        after.authorization_rules.push(AuthorizationRule {
            destination: cidr("0.0.0.0/0"),
            grant: Grant::AllGroups,
            description: None,
        });
        for (b, a) in delivered(&before).iter().zip(delivered(&after)) {
            prop_assert!(b.difference(&a).is_empty(), "lost {}", b.difference(&a));
        }
    }

    #[test]
    fn a_rule_for_one_group_never_grants_another(
        rules in prop::collection::vec(rule_seed(), 0..8),
        d in 0..DESTS.len(),
    ) {
        // Add a rule for S-c; populations without S-c must not gain any address.
        let before = scenario(&rules, false);
        let mut after = before.clone();
        after.authorization_rules.push(AuthorizationRule {
            destination: cidr(DESTS[d]),
            grant: Grant::Group("S-c".into()),
            description: None,
        });
        for (b, a) in delivered(&before).iter().zip(delivered(&after)) {
            prop_assert!(a.difference(b).is_empty(), "gained {}", a.difference(b));
        }
    }

    #[test]
    fn verdicts_do_not_depend_on_rule_order(
        rules in prop::collection::vec(rule_seed(), 0..8),
        perm in any::<u64>(),
    ) {
        let s = scenario(&rules, false);
        let mut shuffled = s.clone();
        // A deterministic permutation from the drawn seed.
        let n = shuffled.authorization_rules.len();
        let mut state = perm | 1;
        for i in (1..n).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (state >> 33) as usize % (i + 1);
            shuffled.authorization_rules.swap(i, j);
        }
        prop_assert_eq!(outcomes(&s), outcomes(&shuffled));
    }

    #[test]
    fn network_verdict_agrees_with_single_addresses(
        rules in prop::collection::vec(rule_seed(), 0..8),
        split: bool,
        offsets in prop::collection::vec(any::<u32>(), 16),
    ) {
        let s = scenario(&rules, split);
        let tables = RouteTables::all_live(&s);
        let eval = Evaluator::new(&s, &tables);
        for (p, _) in POPS.iter().enumerate() {
            let client = Client::population(&s, cvpnsim::model::PopId(p as u32));
            for (n, (_, c)) in NETS.iter().enumerate() {
                let v = eval.network(&client, AssocId(0), cvpnsim::model::NetworkId(n as u32));
                let net = cidr(c);
                let size = 1u64 << (32 - net.prefix_len());
                for off in &offsets {
                    let x = std::net::Ipv4Addr::from(u32::from(net.network()) + (*off as u64 % size) as u32);
                    let seg = v.segments.iter().find(|seg| seg.addrs.contains(x)).expect("every address has a verdict");
                    let single = eval.address(&client, AssocId(0), x).outcome;
                    prop_assert_eq!(seg.outcome, single, "{} -> {}", POPS[p].0, x);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn indexed_authorization_agrees_with_a_scan(
        rules in prop::collection::vec(rule_seed(), 0..12),
        addrs in prop::collection::vec(any::<u32>(), 32),
        c2c: bool,
    ) {
        let s = scenario(&rules, false);
        let indexed = Authorizer::new(&s.authorization_rules);
        for (_, groups) in POPS {
            let names: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
            let g = Groups::new(&names, 200);
            // Addresses near rule edges as well as anywhere.
            let near = s.authorization_rules.iter().flat_map(|r| [u32::from(r.destination.network()), u32::from(r.destination.broadcast())]);
            for a in addrs.iter().copied().chain(near) {
                let x = std::net::Ipv4Addr::from(a);
                prop_assert_eq!(indexed.authorize(&g, x, c2c), authorize(&s.authorization_rules, &g, x, c2c));
            }
        }
    }

    #[test]
    fn indexed_route_lookup_agrees_with_a_scan(
        dests in prop::collection::vec((0..DESTS.len(), 0..2usize), 0..10),
        addrs in prop::collection::vec(any::<u32>(), 32),
    ) {
        let mut b = Builder::new("192.168.0.0/24", "100.64.0.0/22")
            .associate("subnet-a", "192.168.0.0/27", "us-east-1a")
            .associate("subnet-b", "192.168.0.32/27", "us-east-1b");
        for (d, t) in &dests {
            b = b.route(DESTS[*d], ["subnet-a", "subnet-b"][*t]);
        }
        let s = b.build();
        let tables = RouteTables::all_live(&s);
        for a in [AssocId(0), AssocId(1)] {
            for &x in &addrs {
                let x = std::net::Ipv4Addr::from(x);
                let scan = tables.routes(a).iter().filter(|r| r.destination.contains(&x)).fold(None, |best: Option<&cvpnsim::net::route::TableRoute>, r| match best {
                    Some(b) if b.destination.prefix_len() >= r.destination.prefix_len() => Some(b),
                    _ => Some(r),
                });
                prop_assert_eq!(tables.lookup(a, x), scan);
            }
        }
    }
}

#[test]
fn verdicts_are_deterministic() {
    let rules: Vec<RuleSeed> = vec![(0, Some(0)), (2, Some(1)), (4, None), (5, Some(2))];
    let a = Matrix::all_live(&scenario(&rules, true));
    let b = Matrix::all_live(&scenario(&rules, true));
    assert_eq!(a, b);
}
