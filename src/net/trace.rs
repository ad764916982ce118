//! The decision path for one address, printed like a traceroute of the configuration: one line
//! per step (client LAN, tunnel, authorization, route, security group), then the verdict and
//! what decided it.

use std::fmt::Write;

use super::addr::lan_private_ranges;
use super::auth::AuthDecision;
use super::client::Client;
use super::dataplane::render::step_line;
use super::eval::{LanStep, Path, RouteStep, SgStep, Trace, TunnelStep};
use super::verdict::{cite_labels, sg_name, Cite};
use crate::model::Scenario;

/// The trace as text lines.
pub fn render(s: &Scenario, t: &Trace) -> String {
    let mut out = String::new();
    let subnet = s.subnet_of(t.association);
    let _ = writeln!(
        out,
        "{} -> {}  landing on {} ({})",
        describe_client(&t.client),
        t.address,
        subnet.id,
        subnet.availability_zone
    );
    if let Some(n) = t.network {
        let _ = writeln!(out, "   destination network: {}", s.network(n).name);
    }
    let bypass = t.path.bypasses();
    let hops = [
        ("client LAN", lan_hop(s, t)),
        ("tunnel", tunnel_hop(s, t)),
        ("authorization", vpn_hop(bypass, || auth_hop(s, t))),
        ("route", vpn_hop(bypass, || route_hop(s, t))),
        ("security group", vpn_hop(bypass, || sg_hop(s, &t.path))),
    ];
    for (i, (stage, (result, note))) in hops.iter().enumerate() {
        let mut lines = note.lines();
        let _ = writeln!(
            out,
            "{:>3}  {:<15} {:<7} {}",
            i + 1,
            stage,
            result,
            lines.next().unwrap_or("")
        );
        for more in lines {
            let _ = writeln!(out, "{:>3}  {:<15} {:<7} {}", "", "", "", more);
        }
    }
    if let Some(w) = &t.walk {
        let _ = writeln!(
            out,
            "   past the endpoint ({}):",
            t.service
                .map_or("ports not modelled".to_string(), |sv| sv.to_string())
        );
        for (k, st) in w.steps.iter().enumerate() {
            let (stage, result, note) = step_line(s, st);
            let _ = writeln!(
                out,
                "{:>3}  {:<15} {:<7} {}",
                hops.len() + k + 1,
                stage,
                result,
                note
            );
        }
        if let Some((_, c)) = &w.drop {
            let _ = writeln!(out, "   first drop: {}", c.label(s));
        }
    }
    let _ = writeln!(
        out,
        "   verdict: {} ({})",
        t.outcome,
        cite_labels(s, &t.cites)
    );
    out
}

fn describe_client(c: &Client) -> String {
    let groups = if c.groups_unavailable {
        "no groups: mutual authentication".to_string()
    } else if c.groups.as_slice().is_empty() {
        "no groups".to_string()
    } else {
        let mut g = format!("groups {}", c.groups.as_slice().join(", "));
        if c.groups.ignored > 0 {
            let _ = write!(
                g,
                " (+{} ignored beyond the per-user quota)",
                c.groups.ignored
            );
        }
        g
    };
    match c.lan {
        Some(lan) => format!("{} [{groups}; LAN {lan}]", c.name),
        None => format!("{} [{groups}]", c.name),
    }
}

type Hop = (&'static str, String);

fn vpn_hop(bypass: bool, f: impl FnOnce() -> Hop) -> Hop {
    if bypass {
        (
            "-",
            "not reached: the traffic does not enter the VPN".to_string(),
        )
    } else {
        f()
    }
}

fn lan_hop(s: &Scenario, t: &Trace) -> Hop {
    let x = t.address;
    match t.path.lan {
        LanStep::NoLan => ("pass", "no LAN range declared for this client".to_string()),
        LanStep::Outside(lan) => ("pass", format!("{x} is outside the client LAN {lan}")),
        LanStep::KeptLocal(lan) => (
            "local",
            format!(
                "{x} is in the client LAN {lan} (a private range): its connected route is more specific than any pushed route, the traffic stays local{} -> {}",
                if t.path.public { "" } else { ",\nand the destination is not reachable without the tunnel" },
                t.outcome
            ),
        ),
        LanStep::OutrankedBy(lan, r) => (
            "pass",
            format!("{x} is in the client LAN {lan}, but the pushed {} is more specific", Cite::Route(r).label(s)),
        ),
        LanStep::BlockLocal(lan) => {
            let ranges: Vec<String> = lan_private_ranges().iter().map(|r| r.to_string()).collect();
            (
                "forced",
                format!(
                    "{x} is in the client LAN {lan}, outside {}:\nthe endpoint pushes redirect-gateway block-local, LAN traffic enters the tunnel",
                    ranges.join(", ")
                ),
            )
        }
    }
}

fn tunnel_hop(s: &Scenario, t: &Trace) -> Hop {
    match t.path.tunnel {
        TunnelStep::FullTunnel => ("pass", "full tunnel: all traffic enters the tunnel".to_string()),
        TunnelStep::Pushed(r) => ("pass", format!("split tunnel: pushed {}", Cite::Route(r).label(s))),
        TunnelStep::NotPushed => (
            "local",
            format!(
                "split tunnel: no route in the endpoint's table covers {}; it leaves through the client's own network{} -> {}",
                t.address,
                if t.path.public { "" } else { ",\nwhere a private destination is not reachable" },
                t.outcome
            ),
        ),
        TunnelStep::Forced => ("pass", "forced in by redirect-gateway block-local".to_string()),
        TunnelStep::NotConsulted => ("-", "not consulted: the client LAN route took the traffic".to_string()),
    }
}

fn auth_hop(s: &Scenario, t: &Trace) -> Hop {
    let a: &AuthDecision = &t.path.authorization;
    let mut note = match a.level {
        None => format!("no rule covers {}: default deny", t.address),
        Some(0) => "no longer rule covers it; the 0.0.0.0/0 rules decide:".to_string(),
        Some(len) => format!("longest prefix /{len}:"),
    };
    for &i in &a.tier {
        let _ = write!(note, "\n{}", Cite::Rule(i).label(s));
    }
    if a.client_to_client {
        note.push_str("\n(client-to-client traffic: group-based rules do not apply)");
    }
    if a.granted {
        return ("pass", note);
    }
    if a.level.is_some() {
        note.push_str("\nnone grants this client -> ");
        note.push_str(if a.shadowed.is_empty() {
            "not-authorized"
        } else {
            "shadowed-by-longer-prefix"
        });
    } else {
        note.push_str(" -> not-authorized");
    }
    for &i in &a.shadowed {
        let _ = write!(note, "\n{}", Cite::Hidden(i).label(s));
    }
    ("DROP", note)
}

fn route_hop(s: &Scenario, t: &Trace) -> Hop {
    let subnet = &s.subnet_of(t.association).id;
    match t.path.route {
        RouteStep::Found(r) => ("pass", Cite::Route(r).label(s)),
        RouteStep::Missing { elsewhere } => {
            let mut note = format!("no route to {} targets {subnet}", t.address);
            if let Some(r) = elsewhere {
                let _ = write!(note, "\n{} exists for another subnet only", Cite::Route(r).label(s));
            }
            note.push_str(" -> no-route-on-landing-subnet");
            ("DROP", note)
        }
        RouteStep::MissingLocal => (
            "DROP",
            format!(
                "{} is in the client CIDR: client-to-client traffic needs a `local` route, and none covers it -> no-route-on-landing-subnet",
                t.address
            ),
        ),
    }
}

fn sg_hop(s: &Scenario, p: &Path) -> Hop {
    match p.security_group {
        SgStep::NotModelled if s.data_plane.is_modelled() => (
            "pass",
            "checked at the destination, past the endpoint".to_string(),
        ),
        SgStep::NotModelled => (
            "pass",
            "no security group modelled for this destination".to_string(),
        ),
        SgStep::Admits(sg) => (
            "pass",
            format!("{} admits the endpoint's security group", sg_name(s, sg)),
        ),
        SgStep::Refuses(sg) => (
            "DROP",
            format!(
                "{} has no inbound rule from the endpoint's security groups -> security-group",
                sg_name(s, sg)
            ),
        ),
    }
}
