//! The scenario format as one table of sections and fields: what the loader reads
//! (`decode.rs`, checked against this table by a test, key by key and reader by reader), the
//! "known fields" it lists for an unknown key, and the JSON Schema that editors use to complete
//! and check scenario files (`cvpnsim schema`, docs/scenario.schema.json).

use serde_json::{json, Map, Value};

/// The version of the scenario format this build reads. A file states it as
/// `format_version = 1`; a file without it is read as this version.
pub const FORMAT_VERSION: i64 = 1;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// One of these strings.
    Enum(&'static [&'static str]),
    Int,
    Number,
    Bool,
    /// `"90s"`, `"8h"`, `"1d 09:30"`, …
    Duration,
    /// IPv4 CIDR block, `a.b.c.d/n`.
    Cidr,
    CidrList,
    StrList,
    /// A distribution (`{ normal = { mean = …, sd = … } }`, …).
    Dist,
    /// A table described by the section at this path.
    Table(&'static str),
    /// A list of tables (`[[section]]`) described by the section at this path.
    Tables(&'static str),
    /// A value several shapes are accepted for (described in docs/scenario-format.md).
    Any,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// A table of the format: its path (list indices left out), the loader function that reads
/// it (`module::function`, the module of `scenario::section` or `decode`, `read`), and its
/// fields.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    pub path: &'static str,
    pub reader: &'static str,
    pub description: &'static str,
    pub fields: &'static [Field],
}

const fn f(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: false,
    }
}

const fn req(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: true,
    }
}

use Kind::*;

/// The fields of a network ACL rule, inbound or outbound.
const ACL_RULE: &[Field] = &[
    req("rule_number", Int),
    req("protocol", Any),
    req("rule_action", Enum(&["allow", "deny"])),
    req("cidr_block", Cidr),
    f("from_port", Int),
    f("to_port", Int),
];

pub const SECTIONS: &[Section] = &[
    Section {
        path: "",
        reader: "decode::decode",
        description: "A cvpnsim scenario: an AWS Client VPN endpoint, its network, its users and the events of a simulated period (docs/scenario-format.md).",
        fields: &[
            f("format_version", Int),
            req("name", Str),
            f("description", Str),
            f("include", StrList),
            f("seed", Int),
            req("duration", Duration),
            f("sample_interval", Duration),
            f("start_weekday", Enum(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"])),
            f("output", Table("output")),
            f("limits", Table("limits")),
            f("pricing", Table("pricing")),
            req("vpc", Tables("vpc")),
            f("security_group", Tables("security_group")),
            req("endpoint", Table("endpoint")),
            req("subnet", Tables("subnet")),
            f("association", Tables("association")),
            f("route", Tables("route")),
            f("authorization_rule", Tables("authorization_rule")),
            f("network", Tables("network")),
            req("population", Tables("population")),
            f("event", Tables("event")),
            f("internet_gateway", Tables("internet_gateway")),
            f("nat_gateway", Tables("nat_gateway")),
            f("vpc_peering_connection", Tables("vpc_peering_connection")),
            f("transit_gateway", Tables("transit_gateway")),
            f("transit_gateway_vpc_attachment", Tables("transit_gateway_vpc_attachment")),
            f("transit_gateway_route_table", Tables("transit_gateway_route_table")),
            f("vpn_gateway", Tables("vpn_gateway")),
            f("on_premises_network", Tables("on_premises_network")),
            f("prefix_list", Tables("prefix_list")),
            f("vpc_endpoint", Tables("vpc_endpoint")),
            f("route_table", Tables("route_table")),
            f("network_acl", Tables("network_acl")),
            f("security_group_rule", Tables("security_group_rule")),
        ],
    },
    Section {
        path: "internet_gateway",
        reader: "dataplane",
        description: "An internet gateway attached to a VPC.",
        fields: &[req("id", Str), req("vpc_id", Str)],
    },
    Section {
        path: "nat_gateway",
        reader: "dataplane",
        description: "A NAT gateway in a subnet.",
        fields: &[
            req("id", Str),
            req("subnet_id", Str),
            f("connectivity_type", Enum(&["public", "private"])),
            f("capacity_mbps", Number),
        ],
    },
    Section {
        path: "vpc_peering_connection",
        reader: "dataplane",
        description: "A VPC peering connection (routes on both sides are needed).",
        fields: &[req("id", Str), req("vpc_id", Str), req("peer_vpc_id", Str)],
    },
    Section {
        path: "transit_gateway",
        reader: "dataplane",
        description: "A transit gateway.",
        fields: &[req("id", Str)],
    },
    Section {
        path: "transit_gateway_vpc_attachment",
        reader: "dataplane",
        description: "A transit gateway's attachment to a VPC.",
        fields: &[
            req("id", Str),
            req("transit_gateway_id", Str),
            req("vpc_id", Str),
            req("subnet_ids", StrList),
        ],
    },
    Section {
        path: "transit_gateway_route_table",
        reader: "dataplane",
        description: "A transit gateway route table with its associations, propagations and static routes.",
        fields: &[
            req("id", Str),
            req("transit_gateway_id", Str),
            f("associations", StrList),
            f("propagations", StrList),
            f("route", Tables("transit_gateway_route_table.route")),
        ],
    },
    Section {
        path: "transit_gateway_route_table.route",
        reader: "dataplane",
        description: "A static transit gateway route (to an attachment, or a blackhole).",
        fields: &[
            req("destination_cidr_block", Cidr),
            f("blackhole", Bool),
            f("transit_gateway_attachment_id", Str),
        ],
    },
    Section {
        path: "vpn_gateway",
        reader: "dataplane",
        description: "A virtual private gateway attached to a VPC.",
        fields: &[req("id", Str), req("vpc_id", Str)],
    },
    Section {
        path: "on_premises_network",
        reader: "dataplane",
        description: "An on-premises network reached over Site-to-Site VPN or Direct Connect.",
        fields: &[
            req("id", Str),
            f("connection", Enum(&["site-to-site-vpn", "direct-connect"])),
            f("vpn_gateway_id", Str),
            f("transit_gateway_id", Str),
            req("advertised_prefixes", CidrList),
            f("capacity_mbps", Number),
            f("internet_egress_mbps", Number),
        ],
    },
    Section {
        path: "prefix_list",
        reader: "dataplane",
        description: "A prefix list (for example an AWS service's addresses for a gateway endpoint).",
        fields: &[req("id", Str), req("name", Str), req("cidr_blocks", CidrList)],
    },
    Section {
        path: "vpc_endpoint",
        reader: "dataplane",
        description: "A gateway or interface VPC endpoint.",
        fields: &[
            req("id", Str),
            req("vpc_id", Str),
            req("service_name", Str),
            f("vpc_endpoint_type", Enum(&["Gateway", "Interface"])),
            f("prefix_list_id", Str),
            f("route_table_ids", StrList),
            f("subnet_ids", StrList),
            f("security_group_ids", StrList),
            f("ip_addresses", CidrList),
        ],
    },
    Section {
        path: "route_table",
        reader: "dataplane",
        description: "A VPC route table with its subnet associations and routes.",
        fields: &[
            req("id", Str),
            req("vpc_id", Str),
            f("main", Bool),
            f("subnet_ids", StrList),
            f("propagating_vgws", StrList),
            f("route", Tables("route_table.route")),
        ],
    },
    Section {
        path: "route_table.route",
        reader: "dataplane",
        description: "A route of a VPC route table: one destination and one target.",
        fields: &[
            f("destination_cidr_block", Cidr),
            f("destination_prefix_list_id", Str),
            f("state", Enum(&["active", "blackhole"])),
            f("gateway_id", Str),
            f("nat_gateway_id", Str),
            f("vpc_peering_connection_id", Str),
            f("transit_gateway_id", Str),
            f("vpc_endpoint_id", Str),
        ],
    },
    Section {
        path: "network_acl",
        reader: "dataplane",
        description: "A network ACL with its numbered ingress and egress rules.",
        fields: &[
            req("id", Str),
            req("vpc_id", Str),
            f("default", Bool),
            f("subnet_ids", StrList),
            f("ingress", Tables("network_acl.ingress")),
            f("egress", Tables("network_acl.egress")),
        ],
    },
    Section {
        path: "network_acl.ingress",
        reader: "dataplane",
        description: "An inbound network ACL rule, evaluated in rule-number order.",
        fields: ACL_RULE,
    },
    Section {
        path: "network_acl.egress",
        reader: "dataplane",
        description: "An outbound network ACL rule, evaluated in rule-number order.",
        fields: ACL_RULE,
    },
    Section {
        path: "security_group_rule",
        reader: "dataplane",
        description: "A security group rule, by CIDR or by referenced group.",
        fields: &[
            req("security_group_id", Str),
            req("type", Enum(&["ingress", "egress"])),
            req("protocol", Any),
            f("from_port", Int),
            f("to_port", Int),
            f("cidr_blocks", CidrList),
            f("source_security_group_id", Str),
            f("description", Str),
        ],
    },
    Section {
        path: "output",
        reader: "output::decode",
        description: "Optional outputs of `cvpnsim run`.",
        fields: &[
            f("connection_log", Bool),
            f("metrics_period", Duration),
            f("headroom_margin", Number),
            f("outcome_thresholds", StrList),
        ],
    },
    Section {
        path: "limits",
        reader: "limits::decode",
        description: "The service's limits, when they differ from the guide's.",
        fields: &[
            f("connections_by_associations", Any),
            f("authorization_rules", Int),
            f("routes", Int),
            f("groups_per_user", Int),
            f("group_id_length", Int),
            f("login_banner_length", Int),
            f("crl_entries", Int),
            f("per_connection_mbps", Number),
            f("handler_timeout", Duration),
            f("max_events", Int),
            f("max_sample_rows", Int),
            f("max_memory_mb", Int),
            f("max_output_mb", Int),
        ],
    },
    Section {
        path: "pricing",
        reader: "pricing::decode",
        description: "Prices of what an endpoint is charged for (defaults: AWS's published us-east-1 prices).",
        fields: &[
            f("association_hour", Number),
            f("connection_hour", Number),
            f("billing", Enum(&["started-hour", "prorated"])),
            f("lambda_request", Number),
            f("lambda_gb_second", Number),
            f("lambda_memory_mb", Int),
            f("connection_logging", Bool),
            f("log_ingestion_gb", Number),
            f("log_entry_bytes", Int),
            f("public_ipv4_hour", Number),
            f("public_ipv4_per_association", Int),
        ],
    },
    Section {
        path: "vpc",
        reader: "vpcs::decode",
        description: "A VPC.",
        fields: &[
            req("id", Str),
            req("cidr_blocks", CidrList),
            f("instance_tenancy", Enum(&["default", "dedicated"])),
            f("internet_gateway", Bool),
        ],
    },
    Section {
        path: "security_group",
        reader: "security_groups::decode",
        description: "A security group and the groups its inbound rules admit.",
        fields: &[req("id", Str), f("inbound_from", StrList)],
    },
    Section {
        path: "endpoint",
        reader: "endpoint::decode",
        description: "The Client VPN endpoint.",
        fields: &[
            f("id", Str),
            f("description", Str),
            req("client_cidr_block", Cidr),
            f("transport_protocol", Enum(&["udp", "tcp"])),
            f("vpn_port", Int),
            f("split_tunnel", Bool),
            f("session_timeout_hours", Int),
            f("disconnect_on_session_timeout", Bool),
            req("authentication", StrList),
            f("self_service_portal", Bool),
            f("login_banner", Str),
            f("dns_servers", StrList),
            req("vpc_id", Str),
            f("security_group_ids", StrList),
            f("client_connect_handler", Table("endpoint.client_connect_handler")),
            f("capacity_model", Str),
            f("max_connections", Int),
            f("association_throughput_mbps", Number),
        ],
    },
    Section {
        path: "endpoint.client_connect_handler",
        reader: "endpoint::handler",
        description: "The client connect handler (a Lambda function).",
        fields: &[
            req("function_name", Str),
            req("latency", Dist),
            req("concurrency", Int),
            f("deny_rate", Number),
            f("error_rate", Number),
            f("invalid_response_rate", Number),
            f("service_error_rate", Number),
        ],
    },
    Section {
        path: "subnet",
        reader: "subnets::decode",
        description: "A subnet.",
        fields: &[
            req("id", Str),
            req("vpc_id", Str),
            req("cidr_block", Cidr),
            req("availability_zone", Str),
            f("available_ip_address_count", Int),
        ],
    },
    Section {
        path: "association",
        reader: "subnets::decode_association",
        description: "A target network association.",
        fields: &[req("subnet_id", Str)],
    },
    Section {
        path: "route",
        reader: "routes::decode",
        description: "A route of the endpoint's route table.",
        fields: &[
            req("destination_cidr_block", Cidr),
            req("target_vpc_subnet_id", Str),
            f("description", Str),
        ],
    },
    Section {
        path: "authorization_rule",
        reader: "authorization::decode",
        description: "An authorization rule.",
        fields: &[
            req("target_network_cidr", Cidr),
            f("access_group_id", Str),
            f("authorize_all_groups", Bool),
            f("description", Str),
        ],
    },
    Section {
        path: "network",
        reader: "networks::decode",
        description: "A named destination network the populations need.",
        fields: &[
            req("name", Str),
            req("cidr_blocks", CidrList),
            f("security_group_id", Str),
            f("public", Bool),
            f("port", Str),
        ],
    },
    Section {
        path: "population",
        reader: "populations::decode",
        description: "A population of users.",
        fields: &[
            req("name", Str),
            f("users", Int),
            f("workday", Table("population.workday")),
            f("arrivals", Table("population.arrivals")),
            f("groups", StrList),
            f("lan_cidr", Cidr),
            f("demand_mbps", Dist),
            f("needs", StrList),
            f("retry", Table("population.retry")),
            f("dns_caching", Bool),
            f("auth_failure_rate", Number),
            f("revoked_fraction", Number),
            f("manual_reconnect_delay", Dist),
            f("manual_reconnect_probability", Number),
            f("outage_detection_delay", Dist),
        ],
    },
    Section {
        path: "population.workday",
        reader: "populations::workday",
        description: "A closed population that starts work once a day.",
        fields: &[
            req("start", Dist),
            req("length", Dist),
            f("days", Str),
        ],
    },
    Section {
        path: "population.arrivals",
        reader: "populations::poisson",
        description: "Open Poisson arrivals.",
        fields: &[
            f("per_hour", Number),
            f("profile", Tables("population.arrivals.profile")),
            f("repeat", Any),
            req("session", Dist),
        ],
    },
    Section {
        path: "population.arrivals.profile",
        reader: "populations::poisson",
        description: "The arrival rate from a time on.",
        fields: &[req("at", Duration), req("per_hour", Number)],
    },
    Section {
        path: "population.retry",
        reader: "populations::retry",
        description: "How the client retries a failed connection.",
        fields: &[
            f("initial", Duration),
            f("multiplier", Number),
            f("max", Duration),
            f("jitter", Number),
            f("give_up_after", Int),
        ],
    },
    Section {
        path: "event",
        reader: "events::decode",
        description: "Something that happens at a time of the run.",
        fields: &[
            req("at", Duration),
            f("description", Str),
            f("az_outage", Table("event.az_outage")),
            f("disassociate", Any),
            f("associate", Str),
            f("reset_window", Duration),
            f("modify", StrList),
            f("session_timeout_hours", Int),
            f("propagation", Duration),
            f("disconnect_on_session_timeout", Bool),
        ],
    },
    Section {
        path: "event.az_outage",
        reader: "events::az_outage",
        description: "An Availability Zone lost.",
        fields: &[req("availability_zone", Str), f("duration", Duration)],
    },
    Section {
        path: "distribution.exponential",
        reader: "read::exponential",
        description: "Exponential distribution.",
        fields: &[req("mean", Any)],
    },
    Section {
        path: "distribution.normal",
        reader: "read::normal",
        description: "Normal distribution.",
        fields: &[req("mean", Any), req("sd", Any)],
    },
    Section {
        path: "distribution.lognormal",
        reader: "read::lognormal",
        description: "Log-normal distribution by its median and 99th percentile.",
        fields: &[req("median", Any), req("p99", Any)],
    },
    Section {
        path: "distribution.empirical",
        reader: "read::empirical",
        description: "One value of an empirical distribution and its weight.",
        fields: &[req("value", Any), req("weight", Number)],
    },
];

/// The section at `path`; list indices in the path are ignored (`population[0].retry`).
pub fn section(path: &str) -> Option<&'static Section> {
    let mut plain = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    SECTIONS.iter().find(|s| s.path == plain)
}

/// The keys the section at `path` declares, as the reader's [`crate::source::read::Schema`]
/// (built once from [`SECTIONS`]).
pub fn declared(path: &str) -> Option<&'static [&'static str]> {
    static KEYS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        SECTIONS
            .iter()
            .map(|s| s.fields.iter().map(|f| f.key).collect())
            .collect()
    });
    let s = section(path)?;
    let i = SECTIONS.iter().position(|x| std::ptr::eq(x, s))?;
    Some(keys[i].as_slice())
}

/// The keys a section defines.
pub fn keys(path: &str) -> Vec<&'static str> {
    section(path).map_or_else(Vec::new, |s| s.fields.iter().map(|f| f.key).collect())
}

fn def_name(path: &str) -> String {
    path.replace('.', "_")
}

fn kind_schema(k: Kind) -> Value {
    match k {
        Str => json!({"type": "string"}),
        Enum(values) => json!({"type": "string", "enum": values}),
        Int => json!({"type": "integer"}),
        Number => json!({"type": "number"}),
        Bool => json!({"type": "boolean"}),
        Duration => json!({"$ref": "#/definitions/duration"}),
        Cidr => json!({"$ref": "#/definitions/cidr"}),
        CidrList => json!({"type": "array", "items": {"$ref": "#/definitions/cidr"}}),
        StrList => json!({"type": "array", "items": {"type": "string"}}),
        Dist => json!({"$ref": "#/definitions/distribution"}),
        Table(p) => json!({"$ref": format!("#/definitions/{}", def_name(p))}),
        Tables(p) => {
            json!({"type": "array", "items": {"$ref": format!("#/definitions/{}", def_name(p))}})
        }
        Any => json!({}),
    }
}

fn object(s: &Section) -> Value {
    let mut props = Map::new();
    for fl in s.fields {
        props.insert(fl.key.to_string(), kind_schema(fl.kind));
    }
    let required: Vec<&str> = s
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect();
    let mut o = json!({
        "type": "object",
        "description": s.description,
        "properties": props,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

/// The JSON Schema (draft-07) of the scenario format, for editors (TOML files through an
/// editor's TOML schema support, JSON files directly).
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    for s in SECTIONS.iter().filter(|s| !s.path.is_empty()) {
        defs.insert(def_name(s.path), object(s));
    }
    defs.insert(
        "duration".into(),
        json!({"description": "a duration like \"90s\", \"5m\", \"8h\", \"7d\", \"1d 09:30\", \"300ms\"", "type": ["string", "integer"]}),
    );
    defs.insert(
        "cidr".into(),
        json!({"description": "an IPv4 CIDR block, a.b.c.d/n", "type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$"}),
    );
    let one = |name: &str, v: Value| json!({"type": "object", "properties": {name: v}, "required": [name], "additionalProperties": false});
    defs.insert(
        "distribution".into(),
        json!({
            "description": "a fixed value, or a table naming exactly one distribution",
            "oneOf": [
                {"type": ["string", "number"]},
                one("fixed", json!({})),
                one("uniform", json!({"type": "array", "minItems": 2, "maxItems": 2})),
                one("exponential", json!({"$ref": "#/definitions/distribution_exponential"})),
                one("normal", json!({"$ref": "#/definitions/distribution_normal"})),
                one("lognormal", json!({"$ref": "#/definitions/distribution_lognormal"})),
                one("empirical", json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/distribution_empirical"}})),
            ]
        }),
    );
    let mut root = object(&SECTIONS[0]);
    root["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    root["$id"] = json!(format!(
        "cvpnsim-scenario-format-{FORMAT_VERSION}.schema.json"
    ));
    root["title"] = json!("cvpnsim scenario");
    root["properties"]["format_version"] = json!({"type": "integer", "const": FORMAT_VERSION, "description": "the scenario format's version; absent means the current one"});
    root["definitions"] = Value::Object(defs);
    root
}
