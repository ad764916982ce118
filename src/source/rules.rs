//! The validation rules, each with the guide's words and where they come from. Every diagnostic
//! carries a [`RuleId`], an enum the compiler checks; its string (`unknown-field`,
//! `client-cidr-size`, …) is what `cvpnsim rules`, rendered diagnostics, JSON and SARIF show,
//! and never changes once published.

/// One rule an input must follow.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub statement: &'static str,
    /// The guide section (or docs/model.md § for simulator rules) the rule comes from.
    pub source: &'static str,
}

macro_rules! rules {
    ($($variant:ident = $id:literal: $statement:expr, $source:expr;)*) => {
        /// A rule's identifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in the order `cvpnsim rules` lists them.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The stable identifier.
            pub const fn id(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }

        /// Every rule with its words, scenario rules first, then the importers' three.
        pub const ALL: &[Rule] = &[$(Rule { id: $id, statement: $statement, source: $source },)*];
    };
}

rules! {
    Syntax = "syntax": "the file must be valid TOML or JSON", "docs/model.md §12";
    FormatVersion = "format-version": "the scenario format version (`format_version`) must be one this cvpnsim reads; absent means the current one", "docs/scenario-format.md";
    Include = "include": "an `include` lists readable scenario files, relative to the including file; included files do not include others", "docs/scenario-format.md";
    UnknownField = "unknown-field": "every field must be one the format defines; a typo must not fall back to a default", "docs/model.md §9";
    MissingField = "missing-field": "required fields must be present", "docs/model.md §12";
    Type = "type": "each field must have the documented type", "docs/model.md §12";
    Value = "value": "each field must be within its documented range", "docs/model.md §12";
    Duration = "duration": "durations are written like `90s`, `5m`, `8h`, `7d`, `1d 09:30`, `300ms`", "docs/model.md §2";
    Cidr = "cidr": "CIDR blocks are IPv4 in a.b.c.d/n form with no host bits set", "guide: Client VPN supports IPv4 traffic only";
    DuplicateId = "duplicate-id": "identifiers and names must be unique", "docs/model.md §12";
    UnknownReference = "unknown-reference": "a reference must name something declared in the file", "docs/model.md §12";
    ClientCidrSize = "client-cidr-size": "client CIDR ranges must have a block size of at least /22 and must not be greater than /12", "guide: Rules and best practices for using AWS Client VPN";
    ClientCidrOverlap = "client-cidr-overlap": "client CIDR ranges cannot overlap with the local CIDR of the VPC in which the associated subnet is located, or any routes manually added to the endpoint's route table", "guide: Rules and best practices for using AWS Client VPN";
    SubnetSize = "subnet-size": "the subnet must have a CIDR block with at least a /27 bitmask and at least 20 available IP addresses at all times", "guide: Client VPN target network requirements";
    SubnetInVpc = "subnet-in-vpc": "a subnet's CIDR block must lie inside one of its VPC's CIDR blocks", "Amazon VPC subnets";
    OneAssociationPerAz = "one-association-per-az": "you cannot associate multiple subnets from the same Availability Zone with a Client VPN endpoint", "guide: Rules and best practices for using AWS Client VPN";
    AssociationCount = "association-count": "an endpoint supports as many associations as the connection table has rows (5 in this guide)", "guide: Client VPN scaling considerations";
    SameVpc = "same-vpc": "the subnets associated with a Client VPN endpoint must be in the same VPC (the endpoint's VPC)", "guide: Rules and best practices for using AWS Client VPN";
    DedicatedTenancy = "dedicated-tenancy": "a Client VPN endpoint does not support subnet associations in a dedicated tenancy VPC", "guide: Rules and best practices for using AWS Client VPN";
    VpnPort = "vpn-port": "the VPN port must be 443 or 1194", "guide: Client VPN ports";
    Transport = "transport": "the transport protocol must be udp or tcp", "guide: Create a Client VPN endpoint";
    SessionTimeout = "session-timeout": "the maximum VPN session duration is 8, 10, 12 or 24 hours", "guide: AWS Client VPN maximum VPN session duration timeout";
    Authentication = "authentication": "authentication is mutual, active-directory or federated, or mutual combined with one user-based method", "guide: Client authentication in AWS Client VPN";
    SelfServicePortal = "self-service-portal": "the self-service portal is not available for clients that authenticate using mutual authentication", "guide: Rules and best practices for using AWS Client VPN";
    LoginBannerLength = "login-banner-length": "the client login banner text is at most 1,400 characters", "guide: AWS Client VPN client login banners";
    MutualGroupRule = "mutual-group-rule": "if your Client VPN endpoint is configured for mutual authentication, you cannot configure user groups; when you create an authorization rule, you must grant access to all users", "guide: Restrict access based on user groups";
    ClientToClientGroupRule = "client-to-client-group-rule": "network-based authorization rules using Active Directory groups or SAML-based IdP groups are not supported for client-to-client access: a group rule for the client CIDR grants nothing", "guide: Client-to-client access using Client VPN";
    HandlerName = "handler-name": "the name of the client connect handler Lambda function must begin with the AWSClientVPN- prefix", "guide: Connection authorization — Requirements and considerations";
    HandlerTimeout = "handler-timeout": "the Lambda function times out after 30 seconds. This value cannot be changed", "guide: Connection authorization in AWS Client VPN — Requirements and considerations";
    RouteTarget = "route-target": "a route targets an associated subnet, or `local` for the client CIDR", "guide: AWS Client VPN routes";
    VpcRouteTarget = "vpc-route-target": "a route of a VPC route table names exactly one target (an internet, virtual private or gateway endpoint with gateway_id, a NAT gateway, a peering connection, a transit gateway, a VPC endpoint) attached to the table's VPC; a route whose target is gone is a blackhole", "Amazon VPC route tables: route table concepts";
    RouteTable = "route-table": "a VPC has one main route table; a subnet is associated with one route table; a route table has one route per destination", "Amazon VPC route tables: subnet route tables";
    NetworkAcl = "network-acl": "a subnet is associated with one network ACL at a time; rule numbers are unique within a direction", "Amazon VPC network ACLs";
    AuthorizationRuleQuota = "authorization-rule-quota": "authorization rules per Client VPN endpoint: 50 (adjustable)", "guide: AWS Client VPN quotas";
    RouteQuota = "route-quota": "routes per Client VPN endpoint: 10 (adjustable)", "guide: AWS Client VPN quotas";
    GroupIdLength = "group-id-length": "the maximum length for the group ID is 255 characters", "guide: Users and groups quotas";
    GroupsPerUser = "groups-per-user": "users can belong to a maximum of 200 groups; groups after the 200th are ignored", "guide: Users and groups quotas";
    SplitTunnelDefaultRoute = "split-tunnel-default-route": "adding a 0.0.0.0/0 route when using split-tunnel mode may cause connectivity disruption and is not recommended", "guide: Split-tunnel on Client VPN endpoints — Routing considerations";
    AssociationRoutesDiffer = "association-routes-differ": "each associated subnet should have an identical set of routes", "guide: AWS Client VPN routes; Troubleshooting: access is intermittent";
    DnsReachable = "dns-reachable": "the endpoint's DNS servers must be reachable through the tunnel from every associated subnet: \"verify that the DNS server is accessible from the VPC\"", "guide: Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or the internet (step 2)";
    NoAssociation = "no-association": "an endpoint must have at least one target network to enable clients to connect", "guide: AWS Client VPN target networks";
    EventTime = "event-time": "events happen within the simulated duration", "docs/model.md §12";
    Modification = "modification": "modifications are the guide's list; the client CIDR, authentication options and transport protocol cannot be modified after creation; a new disconnect-on-session-timeout setting goes with that modification", "guide: Endpoint modification";
    PropagationDelay = "propagation-delay": "modifications to Client VPN endpoints will take effect up to 4 hours after a request is accepted by the Client VPN service", "guide: Endpoint modification";
    BudgetEvents = "budget-events": "the run's estimated events fit the events budget (limits.max_events)", "cvpnsim resource budget";
    BudgetSampleRows = "budget-sample-rows": "duration / sample_interval fits the sample-row budget (limits.max_sample_rows)", "cvpnsim resource budget";
    BudgetMemory = "budget-memory": "the run's estimated memory fits the memory budget (limits.max_memory_mb)", "cvpnsim resource budget";
    BudgetOutput = "budget-output": "the run's estimated output files fit the output budget (limits.max_output_mb)", "cvpnsim resource budget";
    OutcomeThresholds = "outcome-thresholds": "[output] outcome_thresholds lists one to eight positive waits in ascending order", "cvpnsim outputs";
    Limits = "limits": "overridden limits are positive; the connection table is non-decreasing", "docs/model.md §3";
    Probability = "probability": "rates and fractions are probabilities between 0 and 1", "docs/model.md §6";
    ImportError = "import-error": "an importer's input must be readable and hold what the importer needs; the finding names the input field", "docs/import.md";
    ImportWarning = "import-warning": "a value of an importer's input that is not modelled, or a gap the importer filled, is reported where it was written", "docs/import.md";
    ImportNote = "import-note": "where an imported value came from when it is not the input itself (a default, a derived value)", "docs/import.md";
}

/// The importers' rules, one per severity of a finding about an input file.
const IMPORT_RULES: usize = 3;

/// The rules of the scenario format (what `validate` checks and its SARIF lists).
pub const RULES: &[Rule] = ALL.split_at(ALL.len() - IMPORT_RULES).0;

impl RuleId {
    /// The rule with its words.
    pub fn rule(self) -> &'static Rule {
        &ALL[self as usize]
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.id() == *other
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.id() == other
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// The rule with identifier `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_unique_and_in_table_order() {
        for (i, r) in RuleId::ALL.iter().enumerate() {
            assert_eq!(r.rule().id, r.id());
            assert_eq!(ALL[i].id, r.id());
            assert_eq!(find(r.id()).map(|x| x.id), Some(r.id()));
        }
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert_eq!(RULES.len() + 3, ALL.len());
        assert!(RULES.iter().all(|r| !r.id.starts_with("import-")));
    }
}
