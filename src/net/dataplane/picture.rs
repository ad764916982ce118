//! A picture of the data plane: the topology graph laid out in columns by hops from the
//! endpoint, the nodes a walk crossed drawn in green and the one where it dropped in red, and,
//! for a run's report, the hops where each reachability gap drops and the links that held
//! connections below the bandwidth floor (amber). SVG text, deterministic (nodes in graph
//! order), no I/O.

use std::fmt::Write;

use petgraph::algo::dijkstra;
use petgraph::graph::NodeIndex;

use super::forward::{gateway_node, Arrival, Step, Walk};
use super::graph::{Node, Topology};
use crate::model::Scenario;

const COL: f64 = 260.0;
const ROW: f64 = 46.0;
const BOX_W: f64 = 220.0;
const BOX_H: f64 = 28.0;

/// The topology nodes a walk crossed, in order (repeats removed).
pub fn walk_nodes(walk: &Walk) -> Vec<Node> {
    let mut out: Vec<Node> = vec![Node::Endpoint];
    for st in &walk.steps {
        let n = match *st {
            Step::Leave { subnet, .. } => Some(Node::Subnet(subnet.index())),
            Step::Cross(g) => gateway_node(g),
            Step::Tgw { tgw, .. } => Some(Node::TransitGateway(tgw)),
            Step::Arrive(Arrival::Subnet(x)) => Some(Node::Subnet(x.index())),
            Step::Arrive(Arrival::Internet) => Some(Node::Internet),
            Step::Arrive(Arrival::OnPremises(o)) => Some(Node::OnPremises(o)),
            Step::Arrive(Arrival::Service(e)) => Some(Node::VpcEndpoint(e)),
            _ => None,
        };
        if let Some(n) = n {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn kind(n: Node) -> &'static str {
    match n {
        Node::Endpoint => "Client VPN endpoint",
        Node::Vpc(_) => "VPC",
        Node::Subnet(_) => "subnet",
        Node::Internet => "internet",
        Node::InternetGateway(_) => "internet gateway",
        Node::NatGateway(_) => "NAT gateway",
        Node::Peering(_) => "peering connection",
        Node::TransitGateway(_) => "transit gateway",
        Node::VpnGateway(_) => "virtual private gateway",
        Node::OnPremises(_) => "on-premises network",
        Node::VpcEndpoint(_) => "VPC endpoint",
    }
}

/// A short kind for the box's text.
fn short_kind(n: Node) -> &'static str {
    match n {
        Node::Endpoint => "endpoint",
        Node::Vpc(_) => "VPC",
        Node::Subnet(_) => "subnet",
        Node::Internet => "internet",
        Node::InternetGateway(_) => "IGW",
        Node::NatGateway(_) => "NAT",
        Node::Peering(_) => "peering",
        Node::TransitGateway(_) => "TGW",
        Node::VpnGateway(_) => "VGW",
        Node::OnPremises(_) => "on-prem",
        Node::VpcEndpoint(_) => "VPC endpoint",
    }
}

/// The text in a node's box: its kind and id (the endpoint and the internet by name alone).
fn box_text(s: &Scenario, n: Node) -> String {
    match n {
        Node::Endpoint => "Client VPN endpoint".into(),
        Node::Internet => "internet".into(),
        _ => format!("{}: {}", short_kind(n), n.label(s)),
    }
}

/// At most 32 characters (about the box's width at 11 px), cut with an ellipsis.
fn fit(text: &str) -> String {
    if text.chars().count() <= 32 {
        text.to_string()
    } else {
        let head: String = text.chars().take(31).collect();
        format!("{head}…")
    }
}

use crate::markup::escape;

/// What a picture marks: hops crossed (green), hops where traffic is dropped (red) and links
/// that held connections below the floor (amber), each with a note for its tooltip.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Highlight {
    pub path: Vec<Node>,
    pub drops: Vec<(Node, String)>,
    pub bottlenecks: Vec<(Node, String)>,
    /// Lines of a legend under the picture (none for `reach --topology`).
    pub legend: Vec<String>,
}

impl Highlight {
    /// One walk: its nodes, and the last one if it dropped.
    pub fn of_walk(walk: Option<&Walk>) -> Highlight {
        let mut path = walk.map(walk_nodes).unwrap_or_default();
        let mut drops = Vec::new();
        if walk.is_some_and(|w| w.drop.is_some()) {
            if let Some(last) = path.pop() {
                drops.push((last, String::new()));
            }
        }
        Highlight {
            path,
            drops,
            ..Highlight::default()
        }
    }
}

/// The topology as SVG; with a walk, its nodes in green and, if it dropped, the last one in red.
pub fn svg(s: &Scenario, topology: &Topology, walk: Option<&Walk>) -> String {
    svg_highlighted(s, topology, &Highlight::of_walk(walk))
}

/// The topology as SVG with `h`'s nodes marked.
pub fn svg_highlighted(s: &Scenario, topology: &Topology, h: &Highlight) -> String {
    let g = &topology.graph;
    let start = g.node_indices().find(|&i| g[i] == Node::Endpoint);
    let depth = start.map(|st| dijkstra(g, st, None, |_| 1usize));
    let max_depth = depth
        .as_ref()
        .and_then(|d| d.values().max().copied())
        .unwrap_or(0);
    let layer = |i: NodeIndex| {
        depth
            .as_ref()
            .and_then(|d| d.get(&i).copied())
            .unwrap_or(max_depth + 1)
    };
    let mut rows = vec![0usize; max_depth + 2];
    let mut pos = vec![(0.0, 0.0); g.node_count()];
    for i in g.node_indices() {
        let l = layer(i);
        pos[i.index()] = (20.0 + l as f64 * COL, 40.0 + rows[l] as f64 * ROW);
        rows[l] += 1;
    }
    let width = 40.0 + (max_depth + 2) as f64 * COL;
    let body = 60.0 + *rows.iter().max().unwrap_or(&1) as f64 * ROW;
    let height = body + h.legend.len() as f64 * 18.0;
    let note =
        |list: &[(Node, String)], n: Node| list.iter().find(|x| x.0 == n).map(|x| x.1.clone());
    let marked = |n: Node| {
        h.path.contains(&n)
            || h.drops.iter().any(|x| x.0 == n)
            || h.bottlenecks.iter().any(|x| x.0 == n)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="20" y="22" font-size="13">Data plane of {}</text>"#,
        escape(&s.name)
    );
    // Edges from box side to box side as curves (grey first, the marked ones over them), so a
    // line never runs under a box it does not join.
    for marked_pass in [false, true] {
        for e in g.edge_indices() {
            let Some((a, b)) = g.edge_endpoints(e) else {
                continue;
            };
            let on_path = marked(g[a]) && marked(g[b]);
            if on_path != marked_pass {
                continue;
            }
            let (mut pa, mut pb) = (pos[a.index()], pos[b.index()]);
            if pa.0 > pb.0 {
                std::mem::swap(&mut pa, &mut pb);
            }
            let d = if pa.0 < pb.0 {
                let (x1, y1) = (pa.0 + BOX_W, pa.1 + BOX_H / 2.0);
                let (x2, y2) = (pb.0, pb.1 + BOX_H / 2.0);
                let mid = (x1 + x2) / 2.0;
                format!("M{x1:.0},{y1:.0} C{mid:.0},{y1:.0} {mid:.0},{y2:.0} {x2:.0},{y2:.0}")
            } else {
                // Same column: a loop out to the left of the boxes.
                let (x, y1, y2) = (pa.0, pa.1 + BOX_H / 2.0, pb.1 + BOX_H / 2.0);
                format!(
                    "M{x:.0},{y1:.0} C{:.0},{y1:.0} {:.0},{y2:.0} {x:.0},{y2:.0}",
                    x - 16.0,
                    x - 16.0
                )
            };
            let _ = writeln!(
                out,
                r##"<path d="{d}" fill="none" stroke="{}" stroke-width="{}"/>"##,
                if on_path { "#2e7d32" } else { "#bbbbbb" },
                if on_path { 2.5 } else { 1.0 }
            );
        }
    }
    for i in g.node_indices() {
        let n = g[i];
        let (x, y) = pos[i.index()];
        let (fill, stroke, class, extra) = if let Some(t) = note(&h.drops, n) {
            ("#ffcdd2", "#c62828", "drop", t)
        } else if let Some(t) = note(&h.bottlenecks, n) {
            ("#ffe0b2", "#e65100", "bottleneck", t)
        } else if h.path.contains(&n) {
            ("#c8e6c9", "#555555", "path", String::new())
        } else {
            ("#f5f5f5", "#555555", "node", String::new())
        };
        let tip = if extra.is_empty() {
            format!("{} {}", kind(n), n.label(s))
        } else {
            format!("{} {}: {extra}", kind(n), n.label(s))
        };
        let _ = writeln!(
            out,
            r##"<g class="{class}"><title>{}</title><rect x="{x:.0}" y="{y:.0}" width="{BOX_W:.0}" height="{BOX_H:.0}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{}"/><text x="{:.0}" y="{:.0}">{}</text></g>"##,
            escape(&tip),
            if class == "node" || class == "path" {
                1
            } else {
                2
            },
            x + 6.0,
            y + 18.0,
            escape(&fit(&box_text(s, n)))
        );
    }
    for (k, line) in h.legend.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="20" y="{:.0}">{}</text>"#,
            body + 4.0 + k as f64 * 18.0,
            escape(line)
        );
    }
    out.push_str("</svg>\n");
    out
}
