//! `[endpoint]`: the Client VPN endpoint (client CIDR, transport, port, split tunnel, DNS,
//! authentication, client-connect handler, session timeout, security groups), read and written
//! side by side.

use super::*;
use crate::scenario::decode::Spans;

/// How a missing `[endpoint]` is written, for the hint.
pub(crate) const EXAMPLE: &str = "{ client_cidr_block = \"10.100.0.0/16\", vpc_id = \"vpc-main\" }";

pub(crate) fn decode(
    n: &Node,
    vpc_ids: Option<&BTreeMap<String, VpcId>>,
    sg_ids: &BTreeMap<String, SgId>,
    limits: &Option<Limits>,
    spans: &mut Spans,
    cx: &mut Cx,
) -> Option<Endpoint> {
    let p = "endpoint";
    let mut t = Table::new(n, p, cx)?;
    let id = t
        .opt("id")
        .map_or(Some("cvpn-endpoint-0123456789abcdef0".to_string()), |n| {
            read::string(n, "endpoint.id", cx)
        });
    let description = t
        .opt("description")
        .and_then(|n| read::string(n, "endpoint.description", cx));
    let cidr_node = t.req(cx, "client_cidr_block", "\"10.100.0.0/16\"");
    let client_cidr = cidr_node.and_then(|n| client_cidr(n, spans, cx));
    let transport = t
        .opt("transport_protocol")
        .map_or(Some(Transport::Udp), |n| transport(n, cx));
    let port = t.opt("vpn_port").map_or(Some(443), |n| vpn_port(n, cx));
    let split = t.opt("split_tunnel").map_or(Some(false), |n| {
        read::boolean(n, "endpoint.split_tunnel", cx)
    });
    let timeout = t
        .opt("session_timeout_hours")
        .map_or(SessionTimeout::from_hours(24), |n| {
            session_timeout(n, "endpoint.session_timeout_hours", cx)
        });
    let disconnect = t
        .opt("disconnect_on_session_timeout")
        .map_or(Some(false), |n| {
            read::boolean(n, "endpoint.disconnect_on_session_timeout", cx)
        });
    let auth_node = t.req(cx, "authentication", "[\"federated\"]");
    let auth = auth_node.and_then(|n| authentication(n, "endpoint.authentication", cx));
    let portal_node = t.opt("self_service_portal");
    let portal = portal_node.map_or(Some(false), |n| {
        read::boolean(n, "endpoint.self_service_portal", cx)
    });
    if let (Some(true), Some(Authentication::Mutual), Some(n)) = (portal, auth, portal_node) {
        cx.error(
            RuleId::SelfServicePortal,
            "endpoint.self_service_portal",
            n.span.clone(),
            "the self-service portal is not available with mutual authentication only",
            "turn it off, or add a user-based method: authentication = [\"mutual\", \"federated\"]",
        );
    }
    let banner = t
        .opt("login_banner")
        .and_then(|n| login_banner(n, limits, cx));
    let dns = t
        .opt("dns_servers")
        .map_or(Some(Vec::new()), |n| dns_servers(n, spans, cx));
    let vpc = t
        .req(cx, "vpc_id", "\"vpc-main\"")
        .and_then(|n| vpc_ref(n, vpc_ids, cx));
    let sgs = t.opt("security_group_ids").map_or(Some(Vec::new()), |n| {
        sg_refs(n, "endpoint.security_group_ids", sg_ids, cx)
    });
    let handler = t.opt("client_connect_handler").map_or(Some(None), |n| {
        handler(n, "endpoint.client_connect_handler", cx).map(Some)
    });
    let capacity = t
        .opt("capacity_model")
        .map_or(Some(CapacityModel::Pooled), |n| capacity_model(n, cx));
    let max_conn = t.opt("max_connections").map_or(Some(None), |n| {
        read::integer(n, "endpoint.max_connections", 1, u32::MAX as i64, cx).map(|v| Some(v as u32))
    });
    let throughput = t
        .opt("association_throughput_mbps")
        .map_or(Some(None), |n| {
            read::number(
                n,
                "endpoint.association_throughput_mbps",
                0.0,
                false,
                f64::INFINITY,
                cx,
            )
            .map(Some)
        });
    t.finish(cx);
    Some(Endpoint {
        id: id?,
        description,
        client_cidr_block: client_cidr?,
        transport_protocol: transport?,
        vpn_port: port?,
        split_tunnel: split?,
        session_timeout: timeout?,
        disconnect_on_session_timeout: disconnect?,
        authentication: auth?,
        self_service_portal: portal?,
        login_banner: banner,
        dns_servers: dns?,
        vpc: vpc?,
        security_groups: sgs?,
        client_connect_handler: handler?,
        capacity_model: capacity?,
        max_connections: max_conn?,
        association_throughput_mbps: throughput?,
    })
}

/// `capacity_model`: `pooled` (default) or `even-share`.
fn capacity_model(n: &Node, cx: &mut Cx) -> Option<CapacityModel> {
    match read::string(n, "endpoint.capacity_model", cx)?.as_str() {
        "even-share" => Some(CapacityModel::EvenShare),
        "pooled" => Some(CapacityModel::Pooled),
        other => {
            cx.error(
                RuleId::Value,
                "endpoint.capacity_model",
                n.span.clone(),
                format!("unknown capacity model `{other}`"),
                "use \"pooled\" (default) or \"even-share\"",
            );
            None
        }
    }
}

/// `client_cidr_block`: a /12 to /22 block (guide: Rules and best practices).
fn client_cidr(n: &Node, spans: &mut Spans, cx: &mut Cx) -> Option<Ipv4Net> {
    spans.client_cidr = n.span.clone();
    let c = read::cidr(n, "endpoint.client_cidr_block", cx)?;
    if !(12..=22).contains(&c.prefix_len()) {
        cx.error(
            RuleId::ClientCidrSize,
            "endpoint.client_cidr_block",
            n.span.clone(),
            format!(
                "client CIDR {c} is a /{}: it must be between /12 and /22",
                c.prefix_len()
            ),
            if c.prefix_len() > 22 {
                "use a /22 or larger block (a smaller prefix number)"
            } else {
                "use a /12 or smaller block"
            },
        );
        return None;
    }
    Some(c)
}

/// `transport_protocol`: udp or tcp.
fn transport(n: &Node, cx: &mut Cx) -> Option<Transport> {
    match read::string(n, "endpoint.transport_protocol", cx)?.as_str() {
        "udp" => Some(Transport::Udp),
        "tcp" => Some(Transport::Tcp),
        other => {
            cx.error(
                RuleId::Transport,
                "endpoint.transport_protocol",
                n.span.clone(),
                format!("transport `{other}` is not supported"),
                "use \"udp\" (default) or \"tcp\"",
            );
            None
        }
    }
}

/// `vpn_port`: 443 or 1194 (guide: Client VPN ports).
fn vpn_port(n: &Node, cx: &mut Cx) -> Option<u16> {
    let v = read::integer(n, "endpoint.vpn_port", 0, 65535, cx)?;
    if v != 443 && v != 1194 {
        cx.error(
            RuleId::VpnPort,
            "endpoint.vpn_port",
            n.span.clone(),
            format!("VPN port {v} is not supported"),
            "use 443 (default) or 1194",
        );
        return None;
    }
    Some(v as u16)
}

/// `login_banner`: at most the banner length quota of characters.
fn login_banner(n: &Node, limits: &Option<Limits>, cx: &mut Cx) -> Option<String> {
    let s = read::string(n, "endpoint.login_banner", cx)?;
    let max = limits.as_ref().map_or(1400, |l| l.login_banner_length) as usize;
    let chars = s.chars().count();
    if chars > max {
        cx.error(
            RuleId::LoginBannerLength,
            "endpoint.login_banner",
            n.span.clone(),
            format!("the login banner has {chars} characters, more than {max}"),
            "shorten the banner text",
        );
    }
    Some(s)
}

/// `dns_servers`: at most two addresses.
fn dns_servers(n: &Node, spans: &mut Spans, cx: &mut Cx) -> Option<Vec<std::net::Ipv4Addr>> {
    let items = read::array(n, "endpoint.dns_servers", cx)?;
    if items.len() > 2 {
        cx.error(
            RuleId::Value,
            "endpoint.dns_servers",
            n.span.clone(),
            format!("{} DNS servers given, at most 2", items.len()),
            "an endpoint has DNS server 1 and DNS server 2",
        );
    }
    spans.dns_server = items.iter().map(|x| x.span.clone()).collect();
    let v: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, x)| read::address(x, &format!("endpoint.dns_servers[{i}]"), cx))
        .collect();
    v.into_iter().collect()
}

/// `vpc_id`: a declared VPC.
fn vpc_ref(n: &Node, vpc_ids: Option<&BTreeMap<String, VpcId>>, cx: &mut Cx) -> Option<VpcId> {
    let s = read::string(n, "endpoint.vpc_id", cx)?;
    let ids = vpc_ids?;
    let id = ids.get(&s).copied();
    if id.is_none() {
        cx.error(
            RuleId::UnknownReference,
            "endpoint.vpc_id",
            n.span.clone(),
            format!("VPC `{s}` is not declared"),
            hint_list("declare it as [[vpc]] or use one of", ids.keys()),
        );
    }
    id
}

pub(crate) fn session_timeout(n: &Node, p: &str, cx: &mut Cx) -> Option<SessionTimeout> {
    let v = read::integer(n, p, i64::MIN, i64::MAX, cx)?;
    let t = u64::try_from(v).ok().and_then(SessionTimeout::from_hours);
    if t.is_none() {
        cx.error(
            RuleId::SessionTimeout,
            p,
            n.span.clone(),
            format!("{v} hours is not a supported maximum session duration"),
            "use 8, 10, 12 or 24 (default 24)",
        );
    }
    t
}

fn authentication(n: &Node, p: &str, cx: &mut Cx) -> Option<Authentication> {
    let names = read::strings(n, p, cx)?;
    let mut mutual = false;
    let mut user: Option<UserAuth> = None;
    for (name, span) in &names {
        match name.as_str() {
            "mutual" | "certificate-authentication" if !mutual => mutual = true,
            "active-directory" | "directory-service-authentication" if user.is_none() => {
                user = Some(UserAuth::ActiveDirectory)
            }
            "federated" | "federated-authentication" | "saml" if user.is_none() => {
                user = Some(UserAuth::Federated)
            }
            "mutual"
            | "active-directory"
            | "federated"
            | "certificate-authentication"
            | "directory-service-authentication"
            | "federated-authentication"
            | "saml" => {
                cx.error(
                    RuleId::Authentication,
                    p,
                    span.clone(),
                    format!("`{name}` cannot be combined here"),
                    "use mutual, one user-based method, or mutual plus one user-based method",
                );
                return None;
            }
            other => {
                cx.error(
                    RuleId::Authentication,
                    p,
                    span.clone(),
                    format!("unknown authentication method `{other}`"),
                    "use \"mutual\", \"active-directory\" or \"federated\"",
                );
                return None;
            }
        }
    }
    match (mutual, user) {
        (true, None) => Some(Authentication::Mutual),
        (false, Some(u)) => Some(Authentication::User(u)),
        (true, Some(u)) => Some(Authentication::MutualAnd(u)),
        (false, None) => {
            cx.error(
                RuleId::Authentication,
                p,
                n.span.clone(),
                "an endpoint needs an authentication method",
                "e.g. authentication = [\"federated\"]",
            );
            None
        }
    }
}

fn handler(n: &Node, p: &str, cx: &mut Cx) -> Option<ConnectHandler> {
    let mut t = Table::new(n, p, cx)?;
    let fp = join(p, "function_name");
    let name = t
        .req(cx, "function_name", "\"AWSClientVPN-posture\"")
        .and_then(|n| {
            let s = read::string(n, &fp, cx)?;
            // The guide prints the prefix as `AWSCliEntVPN-` once; Lambda names are case-sensitive and
            // the prefix AWS documents elsewhere is `AWSClientVPN-`.
            if !s.starts_with("AWSClientVPN-") {
                cx.error(
                    RuleId::HandlerName,
                    &fp,
                    n.span.clone(),
                    format!("Lambda function `{s}` does not begin with AWSClientVPN-"),
                    format!("rename the function, e.g. AWSClientVPN-{s}"),
                );
                return None;
            }
            Some(s)
        });
    let latency = t
        .req(
            cx,
            "latency",
            "{ lognormal = { median = \"300ms\", p99 = \"4s\" } }",
        )
        .and_then(|n| read::dist(n, &join(p, "latency"), Unit::Duration, cx));
    let concurrency = t
        .req(cx, "concurrency", "100")
        .and_then(|n| read::integer(n, &join(p, "concurrency"), 1, u32::MAX as i64, cx));
    let mut rate = |key: &'static str| {
        t.opt(key)
            .map_or(Some(0.0), |n| read::probability(n, &join(p, key), cx))
    };
    let deny = rate("deny_rate");
    let error = rate("error_rate");
    let invalid = rate("invalid_response_rate");
    let service = rate("service_error_rate");
    t.finish(cx);
    let sum = deny? + error? + invalid? + service?;
    if sum > 1.0 {
        cx.error(RuleId::Probability, p, n.span.clone(), format!("handler outcome rates add up to {sum}, more than 1"), "deny, error, invalid-response and service-error rates are exclusive outcomes of one invocation");
        return None;
    }
    Some(ConnectHandler {
        function_name: name?,
        latency: latency?,
        concurrency: concurrency? as u32,
        deny_rate: deny?,
        error_rate: error?,
        invalid_response_rate: invalid?,
        service_error_rate: service?,
    })
}

pub(crate) fn write(s: &Scenario) -> TomlTable {
    let e = &s.endpoint;
    let mut t = TomlTable::new();
    t["id"] = value(e.id.as_str());
    if let Some(d) = &e.description {
        t["description"] = value(d.as_str());
    }
    t["client_cidr_block"] = value(e.client_cidr_block.to_string());
    t["transport_protocol"] = value(e.transport_protocol.name());
    t["vpn_port"] = value(e.vpn_port as i64);
    t["split_tunnel"] = value(e.split_tunnel);
    t["session_timeout_hours"] = value(e.session_timeout.hours() as i64);
    t["disconnect_on_session_timeout"] = value(e.disconnect_on_session_timeout);
    t["authentication"] = Item::Value(strings(e.authentication.names()));
    t["self_service_portal"] = value(e.self_service_portal);
    if let Some(b) = &e.login_banner {
        t["login_banner"] = value(b.as_str());
    }
    if !e.dns_servers.is_empty() {
        t["dns_servers"] = Item::Value(strings(
            e.dns_servers
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        ));
    }
    t["vpc_id"] = value(s.vpcs[e.vpc.index()].id.as_str());
    if !e.security_groups.is_empty() {
        t["security_group_ids"] = Item::Value(strings(
            e.security_groups
                .iter()
                .map(|g| s.security_groups[g.index()].id.as_str()),
        ));
    }
    t["capacity_model"] = value(match e.capacity_model {
        CapacityModel::EvenShare => "even-share",
        CapacityModel::Pooled => "pooled",
    });
    if let Some(m) = e.max_connections {
        t["max_connections"] = value(m as i64);
    }
    if let Some(m) = e.association_throughput_mbps {
        t["association_throughput_mbps"] = Item::Value(float(m));
    }
    if let Some(h) = &e.client_connect_handler {
        let mut ht = TomlTable::new();
        ht["function_name"] = value(h.function_name.as_str());
        ht["latency"] = Item::Value(dist(&h.latency, true));
        ht["concurrency"] = value(h.concurrency as i64);
        ht["deny_rate"] = Item::Value(float(h.deny_rate));
        ht["error_rate"] = Item::Value(float(h.error_rate));
        ht["invalid_response_rate"] = Item::Value(float(h.invalid_response_rate));
        ht["service_error_rate"] = Item::Value(float(h.service_error_rate));
        t["client_connect_handler"] = Item::Table(ht);
    }
    t
}
