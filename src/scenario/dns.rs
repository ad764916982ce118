//! The endpoint's DNS servers must be reachable through the tunnel from every landing
//! association (guide: "Troubleshooting AWS Client VPN: Clients can't access a peered VPC,
//! Amazon S3, or the internet", step 2: "Verify that the DNS server is accessible from the
//! VPC"). A server that some population cannot reach from some association is a warning naming
//! the missing route or rule; the same verdict is a `dns-unreachable` gap in every output.

use crate::source::rules::RuleId;
use std::ops::Range;

use super::read::Cx;
use crate::model::{AssocId, PopId, Scenario};
use crate::net::{Cite, Client, Evaluator, Outcome, RouteTables};

/// One warning per (server, landing association, reason), listing the populations concerned.
pub(super) fn check(s: &Scenario, server_spans: &[Range<usize>], cx: &mut Cx) {
    if s.endpoint.dns_servers.is_empty() || s.populations.is_empty() {
        return;
    }
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let clients: Vec<Client> = (0..s.populations.len())
        .map(|p| Client::population(s, PopId(p as u32)))
        .collect();
    for (i, &x) in s.endpoint.dns_servers.iter().enumerate() {
        let span = server_spans.get(i).cloned().unwrap_or(0..0);
        for a in tables.live().collect::<Vec<AssocId>>() {
            // (reason, first trace's cites, populations)
            let mut failures: Vec<(Outcome, Vec<Cite>, Vec<&str>)> = Vec::new();
            for c in &clients {
                let (outcome, cites) = eval.dns_server(c, a, x);
                if !outcome.is_gap() {
                    continue;
                }
                match failures.iter_mut().find(|f| f.0 == outcome) {
                    Some(f) => f.2.push(&c.name),
                    None => failures.push((outcome, cites, vec![&c.name])),
                }
            }
            let subnet = &s.subnet_of(a).id;
            for (outcome, cites, pops) in failures {
                cx.warning(
                    RuleId::DnsReachable,
                    &format!("endpoint.dns_servers[{i}]"),
                    span.clone(),
                    format!(
                        "DNS server {x} is not reachable through the tunnel from {subnet} ({outcome}: {}) for {}",
                        crate::net::verdict::cite_labels(s, &cites),
                        pops.join(", ")
                    ),
                    hint(s, x, subnet, outcome, &cites),
                );
            }
        }
    }
}

/// What to add or change so that the server is reached.
fn hint(s: &Scenario, x: std::net::Ipv4Addr, subnet: &str, why: Outcome, cites: &[Cite]) -> String {
    match why {
        Outcome::NoRouteOnLandingSubnet => format!(
            "add a [[route]] whose destination_cidr_block covers {x} with target_vpc_subnet_id = \"{subnet}\""
        ),
        Outcome::NotRoutedIntoTunnel => format!(
            "split tunnel sends only the endpoint's routes into the tunnel: add a [[route]] covering {x} for every associated subnet"
        ),
        Outcome::NotAuthorized | Outcome::ShadowedByLongerPrefix => format!(
            "add an [[authorization_rule]] whose target_network_cidr covers {x} for these populations' groups (or authorize_all_groups = true)"
        ),
        Outcome::SecurityGroup => {
            let sg = cites.iter().find_map(|c| match c {
                Cite::SecurityGroup(g) => Some(crate::net::verdict::sg_name(s, *g).to_string()),
                _ => None,
            });
            format!(
                "add the endpoint's security group to inbound_from of {}",
                sg.unwrap_or_else(|| "the server's security group".into())
            )
        }
        Outcome::LanOverlap | Outcome::LanRedirected => format!(
            "the client LAN contains {x}: choose a DNS server outside the clients' LAN ranges"
        ),
        Outcome::NoRouteInVpc
        | Outcome::BlackholeRoute
        | Outcome::NaclDenied
        | Outcome::NaclReturnDenied
        | Outcome::NoReturnRoute => format!(
            "past the endpoint: {} (see `cvpnsim reach --to {x}`)",
            crate::net::verdict::cite_labels(s, cites)
        ),
        Outcome::Reachable | Outcome::BypassesVpn | Outcome::DnsUnreachable => {
            "check the route and authorization rule for the DNS server".to_string()
        }
    }
}
