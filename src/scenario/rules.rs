//! The validation rules, each with the guide's words and where they come from. Diagnostics refer
//! to a rule by its identifier; `cvpnsim rules` lists them.

/// One rule a scenario must follow.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub statement: &'static str,
    /// The guide section (or docs/model.md § for simulator rules) the rule comes from.
    pub source: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule { id: "syntax", statement: "the file must be valid TOML or JSON", source: "docs/model.md §12" },
    Rule { id: "format-version", statement: "the scenario format version (`format_version`) must be one this cvpnsim reads; absent means the current one", source: "docs/scenario-format.md" },
    Rule { id: "include", statement: "an `include` lists readable scenario files, relative to the including file; included files do not include others", source: "docs/scenario-format.md" },
    Rule { id: "unknown-field", statement: "every field must be one the format defines; a typo must not fall back to a default", source: "docs/model.md §9" },
    Rule { id: "missing-field", statement: "required fields must be present", source: "docs/model.md §12" },
    Rule { id: "type", statement: "each field must have the documented type", source: "docs/model.md §12" },
    Rule { id: "value", statement: "each field must be within its documented range", source: "docs/model.md §12" },
    Rule { id: "duration", statement: "durations are written like `90s`, `5m`, `8h`, `7d`, `1d 09:30`, `300ms`", source: "docs/model.md §2" },
    Rule { id: "cidr", statement: "CIDR blocks are IPv4 in a.b.c.d/n form with no host bits set", source: "guide: Client VPN supports IPv4 traffic only" },
    Rule { id: "duplicate-id", statement: "identifiers and names must be unique", source: "docs/model.md §12" },
    Rule { id: "unknown-reference", statement: "a reference must name something declared in the file", source: "docs/model.md §12" },
    Rule { id: "client-cidr-size", statement: "client CIDR ranges must have a block size of at least /22 and must not be greater than /12", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "client-cidr-overlap", statement: "client CIDR ranges cannot overlap with the local CIDR of the VPC in which the associated subnet is located, or any routes manually added to the endpoint's route table", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "subnet-size", statement: "the subnet must have a CIDR block with at least a /27 bitmask and at least 20 available IP addresses at all times", source: "guide: Client VPN target network requirements" },
    Rule { id: "subnet-in-vpc", statement: "a subnet's CIDR block must lie inside one of its VPC's CIDR blocks", source: "Amazon VPC subnets" },
    Rule { id: "one-association-per-az", statement: "you cannot associate multiple subnets from the same Availability Zone with a Client VPN endpoint", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "association-count", statement: "an endpoint supports as many associations as the connection table has rows (5 in this guide)", source: "guide: Client VPN scaling considerations" },
    Rule { id: "same-vpc", statement: "the subnets associated with a Client VPN endpoint must be in the same VPC (the endpoint's VPC)", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "dedicated-tenancy", statement: "a Client VPN endpoint does not support subnet associations in a dedicated tenancy VPC", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "vpn-port", statement: "the VPN port must be 443 or 1194", source: "guide: Client VPN ports" },
    Rule { id: "transport", statement: "the transport protocol must be udp or tcp", source: "guide: Create a Client VPN endpoint" },
    Rule { id: "session-timeout", statement: "the maximum VPN session duration is 8, 10, 12 or 24 hours", source: "guide: AWS Client VPN maximum VPN session duration timeout" },
    Rule { id: "authentication", statement: "authentication is mutual, active-directory or federated, or mutual combined with one user-based method", source: "guide: Client authentication in AWS Client VPN" },
    Rule { id: "self-service-portal", statement: "the self-service portal is not available for clients that authenticate using mutual authentication", source: "guide: Rules and best practices for using AWS Client VPN" },
    Rule { id: "login-banner-length", statement: "the client login banner text is at most 1,400 characters", source: "guide: AWS Client VPN client login banners" },
    Rule { id: "mutual-group-rule", statement: "if your Client VPN endpoint is configured for mutual authentication, you cannot configure user groups; when you create an authorization rule, you must grant access to all users", source: "guide: Restrict access based on user groups" },
    Rule { id: "client-to-client-group-rule", statement: "network-based authorization rules using Active Directory groups or SAML-based IdP groups are not supported for client-to-client access: a group rule for the client CIDR grants nothing", source: "guide: Client-to-client access using Client VPN" },
    Rule { id: "handler-name", statement: "the name of the client connect handler Lambda function must begin with the AWSClientVPN- prefix", source: "guide: Connection authorization — Requirements and considerations" },
    Rule { id: "handler-timeout", statement: "the Lambda function times out after 30 seconds. This value cannot be changed", source: "guide: Connection authorization in AWS Client VPN — Requirements and considerations" },
    Rule { id: "route-target", statement: "a route targets an associated subnet, or `local` for the client CIDR", source: "guide: AWS Client VPN routes" },
    Rule { id: "vpc-route-target", statement: "a route of a VPC route table names exactly one target (an internet, virtual private or gateway endpoint with gateway_id, a NAT gateway, a peering connection, a transit gateway, a VPC endpoint) attached to the table's VPC; a route whose target is gone is a blackhole", source: "Amazon VPC route tables: route table concepts" },
    Rule { id: "route-table", statement: "a VPC has one main route table; a subnet is associated with one route table; a route table has one route per destination", source: "Amazon VPC route tables: subnet route tables" },
    Rule { id: "network-acl", statement: "a subnet is associated with one network ACL at a time; rule numbers are unique within a direction", source: "Amazon VPC network ACLs" },
    Rule { id: "authorization-rule-quota", statement: "authorization rules per Client VPN endpoint: 50 (adjustable)", source: "guide: AWS Client VPN quotas" },
    Rule { id: "route-quota", statement: "routes per Client VPN endpoint: 10 (adjustable)", source: "guide: AWS Client VPN quotas" },
    Rule { id: "group-id-length", statement: "the maximum length for the group ID is 255 characters", source: "guide: Users and groups quotas" },
    Rule { id: "groups-per-user", statement: "users can belong to a maximum of 200 groups; groups after the 200th are ignored", source: "guide: Users and groups quotas" },
    Rule { id: "split-tunnel-default-route", statement: "adding a 0.0.0.0/0 route when using split-tunnel mode may cause connectivity disruption and is not recommended", source: "guide: Split-tunnel on Client VPN endpoints — Routing considerations" },
    Rule { id: "association-routes-differ", statement: "each associated subnet should have an identical set of routes", source: "guide: AWS Client VPN routes; Troubleshooting: access is intermittent" },
    Rule { id: "dns-reachable", statement: "the endpoint's DNS servers must be reachable through the tunnel from every associated subnet: \"verify that the DNS server is accessible from the VPC\"", source: "guide: Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or the internet (step 2)" },
    Rule { id: "no-association", statement: "an endpoint must have at least one target network to enable clients to connect", source: "guide: AWS Client VPN target networks" },
    Rule { id: "event-time", statement: "events happen within the simulated duration", source: "docs/model.md §12" },
    Rule { id: "modification", statement: "modifications are the guide's list; the client CIDR, authentication options and transport protocol cannot be modified after creation; a new disconnect-on-session-timeout setting goes with that modification", source: "guide: Endpoint modification" },
    Rule { id: "propagation-delay", statement: "modifications to Client VPN endpoints will take effect up to 4 hours after a request is accepted by the Client VPN service", source: "guide: Endpoint modification" },
    Rule { id: "budget-events", statement: "the run's estimated events fit the events budget (limits.max_events)", source: "cvpnsim resource budget" },
    Rule { id: "budget-sample-rows", statement: "duration / sample_interval fits the sample-row budget (limits.max_sample_rows)", source: "cvpnsim resource budget" },
    Rule { id: "budget-memory", statement: "the run's estimated memory fits the memory budget (limits.max_memory_mb)", source: "cvpnsim resource budget" },
    Rule { id: "budget-output", statement: "the run's estimated output files fit the output budget (limits.max_output_mb)", source: "cvpnsim resource budget" },
    Rule { id: "outcome-thresholds", statement: "[output] outcome_thresholds lists one to eight positive waits in ascending order", source: "cvpnsim outputs" },
    Rule { id: "limits", statement: "overridden limits are positive; the connection table is non-decreasing", source: "docs/model.md §3" },
    Rule { id: "probability", statement: "rates and fractions are probabilities between 0 and 1", source: "docs/model.md §6" },
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
