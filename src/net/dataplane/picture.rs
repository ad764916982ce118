//! A picture of the data plane: the topology graph laid out in columns by hops from the
//! endpoint, the nodes a walk crossed drawn in green and the one where it dropped in red. SVG
//! text, deterministic (nodes in graph order), no I/O.

use std::fmt::Write;

use petgraph::algo::dijkstra;
use petgraph::graph::NodeIndex;

use super::forward::{gateway_node, Arrival, Step, Walk};
use super::graph::{Node, Topology};
use crate::model::Scenario;

const COL: f64 = 240.0;
const ROW: f64 = 46.0;
const BOX_W: f64 = 210.0;
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

use crate::markup::escape;

/// The topology as SVG; with a walk, its nodes in green and, if it dropped, the last one in red.
pub fn svg(s: &Scenario, topology: &Topology, walk: Option<&Walk>) -> String {
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
    let height = 60.0 + *rows.iter().max().unwrap_or(&1) as f64 * ROW;
    let path = walk.map(walk_nodes).unwrap_or_default();
    let dropped_at = walk
        .filter(|w| w.drop.is_some())
        .and_then(|_| path.last().copied());
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="20" y="22" font-size="13">Data plane of {}</text>"#,
        escape(&s.name)
    );
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let (pa, pb) = (pos[a.index()], pos[b.index()]);
        let on_path = path.contains(&g[a]) && path.contains(&g[b]);
        let _ = writeln!(
            out,
            r##"<line x1="{:.0}" y1="{:.0}" x2="{:.0}" y2="{:.0}" stroke="{}" stroke-width="{}"/>"##,
            pa.0 + BOX_W / 2.0,
            pa.1 + BOX_H / 2.0,
            pb.0 + BOX_W / 2.0,
            pb.1 + BOX_H / 2.0,
            if on_path { "#2e7d32" } else { "#bbbbbb" },
            if on_path { 2 } else { 1 }
        );
    }
    for i in g.node_indices() {
        let n = g[i];
        let (x, y) = pos[i.index()];
        let (fill, class) = if Some(n) == dropped_at {
            ("#ffcdd2", "drop")
        } else if path.contains(&n) {
            ("#c8e6c9", "path")
        } else {
            ("#f5f5f5", "node")
        };
        let _ = writeln!(
            out,
            r##"<g class="{class}"><title>{} {}</title><rect x="{x:.0}" y="{y:.0}" width="{BOX_W:.0}" height="{BOX_H:.0}" rx="4" fill="{fill}" stroke="#555555"/><text x="{:.0}" y="{:.0}">{}</text></g>"##,
            kind(n),
            escape(&n.label(s)),
            x + 6.0,
            y + 18.0,
            escape(&n.label(s))
        );
    }
    out.push_str("</svg>\n");
    out
}
