//! Builds checked scenarios in code for the reachability tests, and small helpers to ask them
//! questions.
#![allow(dead_code)]

use std::net::Ipv4Addr;

use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::net::{Client, Evaluator, Matrix, NetVerdict, Outcome, RouteTables, Status};

pub fn cidr(s: &str) -> ipnet::Ipv4Net {
    s.parse().unwrap_or_else(|e| panic!("bad CIDR {s}: {e}"))
}

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap_or_else(|e| panic!("bad address {s}: {e}"))
}

/// A scenario under construction: one VPC, an endpoint, no subnets yet.
pub struct Builder {
    s: Scenario,
}

impl Builder {
    /// An endpoint in VPC `vpc-main` (`vpc_cidr`) with client CIDR `client_cidr`, full tunnel,
    /// federated authentication (so groups count).
    pub fn new(vpc_cidr: &str, client_cidr: &str) -> Builder {
        let s = Scenario {
            name: "test".into(),
            description: None,
            seed: 1,
            duration: DAY,
            sample_interval: 5 * MINUTE,
            start_weekday: Weekday::Mon,
            endpoint: Endpoint {
                id: "cvpn-endpoint-test".into(),
                description: None,
                client_cidr_block: cidr(client_cidr),
                transport_protocol: Transport::Udp,
                vpn_port: 443,
                split_tunnel: false,
                session_timeout: SessionTimeout::from_hours(24).unwrap(),
                disconnect_on_session_timeout: false,
                authentication: Authentication::User(UserAuth::Federated),
                self_service_portal: false,
                login_banner: None,
                dns_servers: vec![],
                vpc: VpcId(0),
                security_groups: vec![],
                client_connect_handler: None,
                capacity_model: CapacityModel::EvenShare,
                max_connections: None,
                association_throughput_mbps: None,
            },
            vpcs: vec![Vpc {
                id: "vpc-main".into(),
                cidr_blocks: vec![cidr(vpc_cidr)],
                dedicated_tenancy: false,
                internet_gateway: false,
            }],
            subnets: vec![],
            associations: vec![],
            routes: vec![],
            authorization_rules: vec![],
            security_groups: vec![],
            networks: vec![],
            populations: vec![],
            limits: Limits::default(),
            events: vec![],
            output: OutputOptions::default(),
            pricing: Pricing::default(),
            data_plane: Default::default(),
        };
        Builder { s }
    }

    /// Continues building on a scenario already built.
    pub fn from(s: Scenario) -> Builder {
        Builder { s }
    }

    pub fn split_tunnel(mut self, on: bool) -> Builder {
        self.s.endpoint.split_tunnel = on;
        self
    }

    pub fn authentication(mut self, a: Authentication) -> Builder {
        self.s.endpoint.authentication = a;
        self
    }

    pub fn groups_per_user(mut self, n: u32) -> Builder {
        self.s.limits.groups_per_user = n;
        self
    }

    /// A subnet of `vpc-main`, associated with the endpoint.
    pub fn associate(mut self, subnet_id: &str, subnet_cidr: &str, az: &str) -> Builder {
        self.s.subnets.push(Subnet {
            id: subnet_id.into(),
            vpc: VpcId(0),
            cidr_block: cidr(subnet_cidr),
            availability_zone: az.into(),
            available_ip_addresses: 200,
        });
        self.s.associations.push(Association {
            subnet: SubnetId(self.s.subnets.len() as u32 - 1),
        });
        self
    }

    /// A manual route to `target`: a subnet id (must be associated) or `local`.
    pub fn route(mut self, destination: &str, target: &str) -> Builder {
        let target = if target == "local" {
            RouteTarget::Local
        } else {
            RouteTarget::Association(self.assoc(target))
        };
        self.s.routes.push(Route {
            destination: cidr(destination),
            target,
            description: None,
        });
        self
    }

    /// The same route to every associated subnet (the guide's fix for uneven route sets).
    pub fn route_everywhere(mut self, destination: &str) -> Builder {
        for a in 0..self.s.associations.len() {
            let target = RouteTarget::Association(AssocId(a as u32));
            self.s.routes.push(Route {
                destination: cidr(destination),
                target,
                description: None,
            });
        }
        self
    }

    /// An authorization rule; `group: None` grants all users.
    pub fn rule(mut self, description: &str, group: Option<&str>, destination: &str) -> Builder {
        self.s.authorization_rules.push(AuthorizationRule {
            destination: cidr(destination),
            grant: group.map_or(Grant::AllGroups, |g| Grant::Group(g.into())),
            description: (!description.is_empty()).then(|| description.into()),
        });
        self
    }

    pub fn network(mut self, name: &str, cidrs: &[&str]) -> Builder {
        self.push_network(
            name,
            cidrs.iter().map(|c| cidr(c)).collect(),
            NetworkKind::Declared,
        );
        self
    }

    /// Declares network `name` reachable without the tunnel (`public = true`).
    pub fn public(mut self, name: &str) -> Builder {
        let n = self
            .s
            .networks
            .iter_mut()
            .find(|n| n.name == name)
            .expect("network declared");
        n.public = true;
        self
    }

    /// The endpoint's DNS servers.
    pub fn dns_servers(mut self, servers: &[&str]) -> Builder {
        self.s.endpoint.dns_servers = servers.iter().map(|x| ip(x)).collect();
        self
    }

    /// The built-in `internet` network (0.0.0.0/0).
    pub fn internet(mut self) -> Builder {
        self.push_network("internet", vec![cidr("0.0.0.0/0")], NetworkKind::Internet);
        self
    }

    /// The built-in `clients` network (the client CIDR).
    pub fn clients(mut self) -> Builder {
        let c = self.s.endpoint.client_cidr_block;
        self.push_network("clients", vec![c], NetworkKind::Clients);
        self
    }

    /// A security group; `inbound_from` names other security groups declared before it.
    pub fn security_group(mut self, id: &str, inbound_from: &[&str]) -> Builder {
        let inbound_from = inbound_from.iter().map(|n| self.sg(n)).collect();
        self.s.security_groups.push(SecurityGroup {
            id: id.into(),
            inbound_from,
        });
        self
    }

    pub fn endpoint_security_group(mut self, id: &str) -> Builder {
        let sg = self.sg(id);
        self.s.endpoint.security_groups.push(sg);
        self
    }

    /// Requires security group `sg` to admit the endpoint for traffic to network `name`.
    pub fn network_security_group(mut self, name: &str, sg: &str) -> Builder {
        let sg = self.sg(sg);
        let n = self
            .s
            .networks
            .iter_mut()
            .find(|n| n.name == name)
            .expect("network declared");
        n.security_group = Some(sg);
        self
    }

    /// A population with `groups`, an optional LAN, needing the named networks.
    pub fn population(
        mut self,
        name: &str,
        groups: &[&str],
        lan: Option<&str>,
        needs: &[&str],
    ) -> Builder {
        let needs = needs
            .iter()
            .map(|n| {
                let i = self
                    .s
                    .networks
                    .iter()
                    .position(|x| x.name == *n)
                    .unwrap_or_else(|| panic!("no network {n}"));
                NetworkId(i as u32)
            })
            .collect();
        self.s.populations.push(Population {
            name: name.into(),
            arrivals: Arrivals::Workday {
                users: 10,
                start: Dist::Fixed(9.0 * HOUR as f64),
                length: Dist::Fixed(8.0 * HOUR as f64),
                days: DaySet(0b0011111),
            },
            groups: groups.iter().map(|g| g.to_string()).collect(),
            lan_cidr: lan.map(cidr),
            demand_mbps: Dist::Fixed(1.0),
            needs,
            retry: RetryPolicy {
                initial: SECOND,
                multiplier: 2.0,
                max: MINUTE,
                jitter: 0.0,
                give_up_after: 5,
            },
            dns_caching: false,
            auth_failure_rate: 0.0,
            revoked_fraction: 0.0,
            manual_reconnect_delay: Dist::Fixed(MINUTE as f64),
            manual_reconnect_probability: 1.0,
            outage_detection_delay: Dist::Fixed(0.0),
        });
        self
    }

    pub fn build(self) -> Scenario {
        self.s
    }

    fn push_network(&mut self, name: &str, cidr_blocks: Vec<ipnet::Ipv4Net>, kind: NetworkKind) {
        self.s.networks.push(Network {
            name: name.into(),
            cidr_blocks,
            public: kind == NetworkKind::Internet,
            kind,
            security_group: None,
            service: None,
        });
    }

    fn assoc(&self, subnet_id: &str) -> AssocId {
        let a = self
            .s
            .associations
            .iter()
            .position(|a| self.s.subnets[a.subnet.index()].id == subnet_id)
            .unwrap_or_else(|| panic!("subnet {subnet_id} is not associated"));
        AssocId(a as u32)
    }

    fn sg(&self, id: &str) -> SgId {
        let i = self
            .s
            .security_groups
            .iter()
            .position(|g| g.id == id)
            .unwrap_or_else(|| panic!("no sg {id}"));
        SgId(i as u32)
    }
}

pub fn pop_id(s: &Scenario, name: &str) -> PopId {
    PopId(
        s.populations
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("no population {name}")) as u32,
    )
}

pub fn net_id(s: &Scenario, name: &str) -> NetworkId {
    NetworkId(
        s.networks
            .iter()
            .position(|n| n.name == name)
            .unwrap_or_else(|| panic!("no network {name}")) as u32,
    )
}

pub fn assoc_id(s: &Scenario, subnet: &str) -> AssocId {
    AssocId(
        s.associations
            .iter()
            .position(|a| s.subnets[a.subnet.index()].id == subnet)
            .unwrap_or_else(|| panic!("subnet {subnet} not associated")) as u32,
    )
}

/// The outcome for traffic from population or group `who` to `addr`, landing on the first
/// association.
pub fn outcome(s: &Scenario, who: &str, addr: &str) -> Outcome {
    outcome_on(s, who, addr, AssocId(0))
}

pub fn outcome_on(s: &Scenario, who: &str, addr: &str, assoc: AssocId) -> Outcome {
    let tables = RouteTables::all_live(s);
    let client = Client::resolve(s, who).unwrap_or_else(|| panic!("unknown client {who}"));
    Evaluator::new(s, &tables)
        .address(&client, assoc, ip(addr))
        .outcome
}

/// The verdict for population `pop` and network `net`, landing on association `assoc`.
pub fn verdict_on(s: &Scenario, pop: &str, net: &str, assoc: AssocId) -> NetVerdict {
    let tables = RouteTables::all_live(s);
    let client = Client::population(s, pop_id(s, pop));
    Evaluator::new(s, &tables).network(&client, assoc, net_id(s, net))
}

pub fn verdict(s: &Scenario, pop: &str, net: &str) -> NetVerdict {
    verdict_on(s, pop, net, AssocId(0))
}

pub fn status(s: &Scenario, pop: &str, net: &str) -> Status {
    verdict(s, pop, net).status()
}

/// The matrix with every association live.
pub fn matrix(s: &Scenario) -> Matrix {
    Matrix::all_live(s)
}
