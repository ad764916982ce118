//! The VPC data plane a client's packet crosses after the endpoint: route tables, gateways,
//! peering connections, transit gateways, on-premises networks, VPC endpoints, network ACLs and
//! security group rules. Field names follow Terraform's (`aws_route_table`, `aws_route`,
//! `aws_ec2_transit_gateway_*`, `aws_network_acl_rule`, `aws_security_group_rule`).
//!
//! An empty [`DataPlane`] (a scenario without these sections) means the data plane is not
//! modelled: the endpoint-side verdict is final.

use ipnet::Ipv4Net;

use super::{SgId, SubnetId, VpcId};

/// An IP protocol as network ACLs and security groups name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// `-1`: every protocol and port.
    All,
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::All => "-1",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }

    /// Reads `-1`/`all`, `tcp`/`6`, `udp`/`17`, `icmp`/`1`.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "-1" | "all" => Some(Protocol::All),
            "tcp" | "6" => Some(Protocol::Tcp),
            "udp" | "17" => Some(Protocol::Udp),
            "icmp" | "1" => Some(Protocol::Icmp),
            _ => None,
        }
    }
}

/// What a destination is reached with: a protocol and a destination port (`tcp/443`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Service {
    pub protocol: Protocol,
    pub port: u16,
}

impl Service {
    /// Reads `tcp/443`, `udp/53` (a port is required; `icmp` takes none).
    pub fn parse(s: &str) -> Option<Service> {
        if s.eq_ignore_ascii_case("icmp") {
            return Some(Service {
                protocol: Protocol::Icmp,
                port: 0,
            });
        }
        let (proto, port) = s.split_once('/')?;
        let protocol = Protocol::parse(proto)?;
        if !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
            return None;
        }
        Some(Service {
            protocol,
            port: port.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.protocol {
            Protocol::Icmp => f.write_str("icmp"),
            p => write!(f, "{}/{}", p.name(), self.port),
        }
    }
}

/// A port range (`from_port`..=`to_port`); rules of protocol `-1` and `icmp` ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    /// The ephemeral ports a return path is checked on (guide: network ACLs must allow
    /// "inbound and outbound traffic" both ways; AWS documents 1024–65535 for NAT gateways and
    /// Client VPN).
    pub const EPHEMERAL: PortRange = PortRange {
        from: 1024,
        to: 65535,
    };
}

/// Where a route of a VPC route table sends traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gateway {
    /// The VPC's own addresses.
    Local,
    Internet(usize),
    Nat(usize),
    Peering(usize),
    TransitGateway(usize),
    VpnGateway(usize),
    /// A gateway VPC endpoint (S3, DynamoDB).
    Endpoint(usize),
}

/// The Terraform attribute a route's target was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetField {
    GatewayId,
    NatGatewayId,
    VpcPeeringConnectionId,
    TransitGatewayId,
    VpcEndpointId,
}

impl TargetField {
    pub const ALL: [TargetField; 5] = [
        TargetField::GatewayId,
        TargetField::NatGatewayId,
        TargetField::VpcPeeringConnectionId,
        TargetField::TransitGatewayId,
        TargetField::VpcEndpointId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TargetField::GatewayId => "gateway_id",
            TargetField::NatGatewayId => "nat_gateway_id",
            TargetField::VpcPeeringConnectionId => "vpc_peering_connection_id",
            TargetField::TransitGatewayId => "transit_gateway_id",
            TargetField::VpcEndpointId => "vpc_endpoint_id",
        }
    }
}

/// A route's destination: a CIDR block or a managed prefix list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteDestination {
    Cidr(Ipv4Net),
    PrefixList(usize),
}

/// A route of a VPC route table (`aws_route`).
#[derive(Debug, Clone, PartialEq)]
pub struct VpcRoute {
    pub destination: RouteDestination,
    /// The target as written: attribute and id.
    pub field: TargetField,
    pub target_id: String,
    /// The target; `None` only for a blackhole route whose target no longer exists.
    pub target: Option<Gateway>,
    /// `state = "blackhole"`: the target is gone, traffic is dropped.
    pub blackhole: bool,
}

/// `aws_route_table` with its routes and subnet associations.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTable {
    pub id: String,
    pub vpc: VpcId,
    /// The VPC's main route table: used by every subnet without an explicit association.
    pub main: bool,
    pub subnets: Vec<SubnetId>,
    pub routes: Vec<VpcRoute>,
    /// Virtual private gateways whose on-premises prefixes are propagated into this table.
    pub propagating_vgws: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InternetGateway {
    pub id: String,
    pub vpc: VpcId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NatGateway {
    pub id: String,
    pub subnet: SubnetId,
    /// `connectivity_type = "public"` (the default) or `"private"`.
    pub public: bool,
    /// `capacity_mbps`: the bandwidth it carries; `None`: [`NAT_GATEWAY_MBPS`].
    pub capacity_mbps: Option<f64>,
}

/// What a NAT gateway carries when the scenario does not say: it "supports 5 Gbps of bandwidth
/// and automatically scales up to 100 Gbps" (Amazon VPC User Guide, "NAT gateway basics"); the
/// figure it scales to (docs/model.md §13).
pub const NAT_GATEWAY_MBPS: f64 = 100_000.0;

/// What one Site-to-Site VPN tunnel carries: "up to 1.25 Gbps" (AWS Site-to-Site VPN User
/// Guide, "Site-to-Site VPN quotas": maximum bandwidth per VPN tunnel). One tunnel of a
/// connection carries the traffic; the second stands by (docs/model.md §13).
pub const VPN_TUNNEL_MBPS: f64 = 1_250.0;

impl NatGateway {
    pub fn capacity(&self) -> f64 {
        self.capacity_mbps.unwrap_or(NAT_GATEWAY_MBPS)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Peering {
    pub id: String,
    pub vpc: VpcId,
    pub peer_vpc: VpcId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransitGateway {
    pub id: String,
}

/// What a transit gateway attachment connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Vpc(VpcId),
    /// An on-premises network over Site-to-Site VPN or Direct Connect (index into
    /// [`DataPlane::on_premises`]).
    OnPremises(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TgwAttachment {
    pub id: String,
    pub transit_gateway: usize,
    pub kind: AttachmentKind,
    pub subnets: Vec<SubnetId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TgwRoute {
    pub destination: Ipv4Net,
    /// `None` for a blackhole route.
    pub attachment: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TgwRouteTable {
    pub id: String,
    pub transit_gateway: usize,
    /// Attachments whose traffic this table routes.
    pub associations: Vec<usize>,
    /// Attachments whose prefixes are propagated into this table.
    pub propagations: Vec<usize>,
    pub routes: Vec<TgwRoute>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpnGateway {
    pub id: String,
    pub vpc: VpcId,
}

/// How an on-premises network is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    SiteToSiteVpn,
    DirectConnect,
}

impl Connection {
    pub fn name(self) -> &'static str {
        match self {
            Connection::SiteToSiteVpn => "site-to-site-vpn",
            Connection::DirectConnect => "direct-connect",
        }
    }
}

/// Where an on-premises network attaches to AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPremAttach {
    VpnGateway(usize),
    /// Through the transit gateway attachment at this index.
    TransitGateway(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnPremises {
    pub id: String,
    pub connection: Connection,
    pub attach: OnPremAttach,
    /// The prefixes the network advertises to AWS (BGP or static routes).
    pub advertised_prefixes: Vec<Ipv4Net>,
    /// `capacity_mbps`: what the connection carries; `None`: [`VPN_TUNNEL_MBPS`] over
    /// Site-to-Site VPN, not modelled over Direct Connect (its port speed is a choice).
    pub capacity_mbps: Option<f64>,
    /// `internet_egress_mbps`: the site's own internet link, crossed by traffic to public
    /// addresses the site routes; `None`: not modelled.
    pub internet_egress_mbps: Option<f64>,
}

impl OnPremises {
    /// The capacity of the link to AWS, if modelled.
    pub fn capacity(&self) -> Option<f64> {
        self.capacity_mbps.or(match self.connection {
            Connection::SiteToSiteVpn => Some(VPN_TUNNEL_MBPS),
            Connection::DirectConnect => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrefixList {
    pub id: String,
    pub name: String,
    pub cidr_blocks: Vec<Ipv4Net>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EndpointKind {
    /// Routes `prefix_list` → endpoint in each of `route_tables`.
    Gateway {
        prefix_list: usize,
        route_tables: Vec<usize>,
    },
    /// Network interfaces at `ip_addresses` in `subnets`, guarded by `security_groups`.
    Interface {
        subnets: Vec<SubnetId>,
        security_groups: Vec<SgId>,
        ip_addresses: Vec<Ipv4Net>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc: VpcId,
    pub service_name: String,
    pub kind: EndpointKind,
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// A numbered network ACL rule (`aws_network_acl_rule`).
#[derive(Debug, Clone, PartialEq)]
pub struct AclRule {
    pub rule_number: u16,
    pub protocol: Protocol,
    pub action: Action,
    pub cidr_block: Ipv4Net,
    pub ports: PortRange,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc: VpcId,
    /// The VPC's default ACL: applies to every subnet no other ACL of the VPC names.
    pub default: bool,
    pub subnets: Vec<SubnetId>,
    pub ingress: Vec<AclRule>,
    pub egress: Vec<AclRule>,
}

/// Where a security group rule admits traffic from.
#[derive(Debug, Clone, PartialEq)]
pub enum SgSource {
    Cidrs(Vec<Ipv4Net>),
    Group(SgId),
}

/// A rule of a security group (`aws_security_group_rule`): ingress (`source` is where traffic
/// comes from) or egress (`source` is where it may go: Terraform's `source_security_group_id`
/// names the destination group of an egress rule).
#[derive(Debug, Clone, PartialEq)]
pub struct SgRule {
    pub security_group: SgId,
    /// `type = "egress"`.
    pub egress: bool,
    pub protocol: Protocol,
    pub ports: PortRange,
    pub source: SgSource,
    pub description: Option<String>,
}

/// Every data-plane section of a scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataPlane {
    pub route_tables: Vec<RouteTable>,
    pub internet_gateways: Vec<InternetGateway>,
    pub nat_gateways: Vec<NatGateway>,
    pub peerings: Vec<Peering>,
    pub transit_gateways: Vec<TransitGateway>,
    pub tgw_attachments: Vec<TgwAttachment>,
    pub tgw_route_tables: Vec<TgwRouteTable>,
    pub vpn_gateways: Vec<VpnGateway>,
    pub on_premises: Vec<OnPremises>,
    pub prefix_lists: Vec<PrefixList>,
    pub vpc_endpoints: Vec<VpcEndpoint>,
    pub network_acls: Vec<NetworkAcl>,
    pub security_group_rules: Vec<SgRule>,
}

impl DataPlane {
    /// Whether the data plane is modelled: any route table declared. Without route tables the
    /// endpoint-side verdict is final (other sections alone decide nothing).
    pub fn is_modelled(&self) -> bool {
        !self.route_tables.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        *self == DataPlane::default()
    }
}
