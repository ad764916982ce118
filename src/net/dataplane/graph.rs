//! The data plane as a graph (`petgraph`): VPCs, their subnets, gateways, peering connections,
//! transit gateways and on-premises networks as nodes, attachments as edges. Forwarding walks
//! it hop by hop; the topology picture draws it.

use petgraph::graph::{NodeIndex, UnGraph};

use crate::model::dataplane::{AttachmentKind, EndpointKind, OnPremAttach};
use crate::model::Scenario;

/// A node of the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// The Client VPN endpoint (its associations' interfaces).
    Endpoint,
    Vpc(usize),
    Subnet(usize),
    Internet,
    InternetGateway(usize),
    NatGateway(usize),
    Peering(usize),
    TransitGateway(usize),
    VpnGateway(usize),
    OnPremises(usize),
    VpcEndpoint(usize),
}

impl Node {
    /// The node's id as the scenario writes it.
    pub fn label(self, s: &Scenario) -> String {
        let dp = &s.data_plane;
        match self {
            Node::Endpoint => s.endpoint.id.clone(),
            Node::Vpc(i) => s.vpcs[i].id.clone(),
            Node::Subnet(i) => s.subnets[i].id.clone(),
            Node::Internet => "internet".to_string(),
            Node::InternetGateway(i) => dp.internet_gateways[i].id.clone(),
            Node::NatGateway(i) => dp.nat_gateways[i].id.clone(),
            Node::Peering(i) => dp.peerings[i].id.clone(),
            Node::TransitGateway(i) => dp.transit_gateways[i].id.clone(),
            Node::VpnGateway(i) => dp.vpn_gateways[i].id.clone(),
            Node::OnPremises(i) => dp.on_premises[i].id.clone(),
            Node::VpcEndpoint(i) => dp.vpc_endpoints[i].id.clone(),
        }
    }
}

/// The topology and the index of each kind of node.
#[derive(Debug, Clone)]
pub struct Topology {
    pub graph: UnGraph<Node, ()>,
    index: std::collections::HashMap<Node, NodeIndex>,
}

impl Topology {
    pub fn new(s: &Scenario) -> Topology {
        let mut t = Topology {
            graph: UnGraph::new_undirected(),
            index: Default::default(),
        };
        let dp = &s.data_plane;
        t.link(Node::Endpoint, Node::Vpc(s.endpoint.vpc.index()));
        for (i, sub) in s.subnets.iter().enumerate() {
            t.link(Node::Vpc(sub.vpc.index()), Node::Subnet(i));
        }
        for a in &s.associations {
            t.link(Node::Endpoint, Node::Subnet(a.subnet.index()));
        }
        for (i, g) in dp.internet_gateways.iter().enumerate() {
            t.link(Node::Vpc(g.vpc.index()), Node::InternetGateway(i));
            t.link(Node::InternetGateway(i), Node::Internet);
        }
        for (i, g) in dp.nat_gateways.iter().enumerate() {
            t.link(Node::Subnet(g.subnet.index()), Node::NatGateway(i));
        }
        for (i, p) in dp.peerings.iter().enumerate() {
            t.link(Node::Vpc(p.vpc.index()), Node::Peering(i));
            t.link(Node::Peering(i), Node::Vpc(p.peer_vpc.index()));
        }
        for a in &dp.tgw_attachments {
            let other = match a.kind {
                AttachmentKind::Vpc(v) => Node::Vpc(v.index()),
                AttachmentKind::OnPremises(o) => Node::OnPremises(o),
            };
            t.link(Node::TransitGateway(a.transit_gateway), other);
        }
        for (i, g) in dp.vpn_gateways.iter().enumerate() {
            t.link(Node::Vpc(g.vpc.index()), Node::VpnGateway(i));
        }
        for (i, o) in dp.on_premises.iter().enumerate() {
            if let OnPremAttach::VpnGateway(g) = o.attach {
                t.link(Node::VpnGateway(g), Node::OnPremises(i));
            }
        }
        for (i, e) in dp.vpc_endpoints.iter().enumerate() {
            match &e.kind {
                EndpointKind::Gateway { .. } => {
                    t.link(Node::Vpc(e.vpc.index()), Node::VpcEndpoint(i))
                }
                EndpointKind::Interface { subnets, .. } => {
                    for sub in subnets {
                        t.link(Node::Subnet(sub.index()), Node::VpcEndpoint(i));
                    }
                }
            }
        }
        t
    }

    fn node(&mut self, n: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.graph.add_node(n);
        self.index.insert(n, i);
        i
    }

    fn link(&mut self, a: Node, b: Node) {
        let (x, y) = (self.node(a), self.node(b));
        if self.graph.find_edge(x, y).is_none() {
            self.graph.add_edge(x, y, ());
        }
    }

    /// Whether the topology has a link between `a` and `b` (a hop the walk may take).
    pub fn linked(&self, a: Node, b: Node) -> bool {
        match (self.index.get(&a), self.index.get(&b)) {
            (Some(&x), Some(&y)) => self.graph.find_edge(x, y).is_some(),
            _ => false,
        }
    }
}
