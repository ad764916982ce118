//! The checked scenario: what the engine and the network layer consume.
//!
//! A [`Scenario`] can only be built by [`crate::scenario::load`] (or the decoder behind it),
//! which has already enforced every rule of docs/model.md §9. After that point:
//! - addresses and CIDRs are parsed (`Ipv4Net`, `Ipv4Addr`), never strings;
//! - references are indices into the owning vectors (`SubnetId`, `AssocId`, `NetworkId`, …),
//!   always in range;
//! - durations are integer milliseconds ([`Millis`]);
//! - enumerations (transport, session timeout, authentication) are enums, not strings.
//!
//! Nothing here does I/O or reads the clock.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::dist::Dist;

pub mod dataplane;

/// Simulated time and durations: integer milliseconds from the scenario start.
pub type Millis = u64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(/// Index into [`Scenario::vpcs`].
    VpcId);
id_type!(/// Index into [`Scenario::subnets`].
    SubnetId);
id_type!(/// Index into [`Scenario::associations`].
    AssocId);
id_type!(/// Index into [`Scenario::networks`].
    NetworkId);
id_type!(/// Index into [`Scenario::populations`].
    PopId);
id_type!(/// Index into [`Scenario::security_groups`].
    SgId);

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub duration: Millis,
    pub sample_interval: Millis,
    /// Weekday of simulated day 0.
    pub start_weekday: Weekday,
    pub endpoint: Endpoint,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub associations: Vec<Association>,
    pub routes: Vec<Route>,
    pub authorization_rules: Vec<AuthorizationRule>,
    pub security_groups: Vec<SecurityGroup>,
    /// Declared networks first, then one implicit network per VPC (named by its id) and the
    /// built-ins `internet` (0.0.0.0/0) and `clients` (the client CIDR), when needed.
    pub networks: Vec<Network>,
    pub populations: Vec<Population>,
    pub limits: Limits,
    /// Sorted by time; equal times keep file order.
    pub events: Vec<Event>,
    pub output: OutputOptions,
    pub pricing: Pricing,
    /// The VPC data plane past the endpoint (empty: not modelled).
    pub data_plane: dataplane::DataPlane,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self as usize]
    }

    /// `Mon` … `Sun`, for times written for people.
    pub fn name_short(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self as usize]
    }

    /// The weekday `days` after this one.
    pub fn plus(self, days: u64) -> Weekday {
        Weekday::ALL[((self as u64 + days) % 7) as usize]
    }
}

/// A set of weekdays (bit i = `Weekday::ALL[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DaySet(pub u8);

impl DaySet {
    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.index()) != 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}

/// The user-based half of an endpoint's authentication, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAuth {
    ActiveDirectory,
    Federated,
}

/// Authentication options: mutual (certificates), a user-based method, or mutual combined with
/// one user-based method. "Neither" cannot be represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    Mutual,
    User(UserAuth),
    MutualAnd(UserAuth),
}

impl Authentication {
    pub fn uses_mutual(self) -> bool {
        matches!(self, Authentication::Mutual | Authentication::MutualAnd(_))
    }

    pub fn user(self) -> Option<UserAuth> {
        match self {
            Authentication::Mutual => None,
            Authentication::User(u) | Authentication::MutualAnd(u) => Some(u),
        }
    }

    /// Whether a client of this endpoint reconnects by itself at the maximum session duration
    /// when `disconnect_on_session_timeout` is off (guide: "maximum VPN session duration"):
    /// certificate and cached Active Directory credentials do; SAML needs a new login.
    pub fn reconnects_automatically(self) -> bool {
        !matches!(self.user(), Some(UserAuth::Federated))
    }

    /// Names as written in the scenario file.
    pub fn names(self) -> Vec<&'static str> {
        let user = |u: UserAuth| match u {
            UserAuth::ActiveDirectory => "active-directory",
            UserAuth::Federated => "federated",
        };
        match self {
            Authentication::Mutual => vec!["mutual"],
            Authentication::User(u) => vec![user(u)],
            Authentication::MutualAnd(u) => vec!["mutual", user(u)],
        }
    }
}

/// Maximum VPN session duration: 8, 10, 12 or 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionTimeout(u8);

impl SessionTimeout {
    pub const ALLOWED_HOURS: [u8; 4] = [8, 10, 12, 24];

    pub fn from_hours(h: u64) -> Option<SessionTimeout> {
        Self::ALLOWED_HOURS
            .iter()
            .find(|&&a| a as u64 == h)
            .map(|&a| SessionTimeout(a))
    }

    pub fn hours(self) -> u8 {
        self.0
    }

    pub fn millis(self) -> Millis {
        self.0 as Millis * HOUR
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityModel {
    /// A what-if the guide does not state: each healthy association holds total/n; a full
    /// association refuses even if another has room.
    EvenShare,
    /// The default: only the endpoint total counts (the guide publishes endpoint totals only).
    Pooled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub description: Option<String>,
    pub client_cidr_block: Ipv4Net,
    pub transport_protocol: Transport,
    pub vpn_port: u16,
    pub split_tunnel: bool,
    pub session_timeout: SessionTimeout,
    pub disconnect_on_session_timeout: bool,
    pub authentication: Authentication,
    pub self_service_portal: bool,
    pub login_banner: Option<String>,
    pub dns_servers: Vec<Ipv4Addr>,
    pub vpc: VpcId,
    /// Security groups applied to the endpoint's network interfaces.
    pub security_groups: Vec<SgId>,
    pub client_connect_handler: Option<ConnectHandler>,
    pub capacity_model: CapacityModel,
    /// Raised concurrent-connection quota for the configured number of associations.
    pub max_connections: Option<u32>,
    /// Aggregate throughput shared max-min fairly by the connections on one association (Mbps).
    pub association_throughput_mbps: Option<f64>,
}

/// Client connect handler (a Lambda invoked synchronously after authentication).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectHandler {
    pub function_name: String,
    /// Latency of one invocation, milliseconds.
    pub latency: Dist,
    /// In-flight invocations at or above this are throttled.
    pub concurrency: u32,
    /// Probability the function denies (`client-connect-failed`).
    pub deny_rate: f64,
    /// Probability of `client-connect-handler-other-execution-error`.
    pub error_rate: f64,
    /// Probability of `client-connect-handler-invalid-response`.
    pub invalid_response_rate: f64,
    /// Probability of `client-connect-handler-service-error`.
    pub service_error_rate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub id: String,
    pub cidr_blocks: Vec<Ipv4Net>,
    pub dedicated_tenancy: bool,
    /// The VPC has an internet gateway: the endpoint's network interfaces then get public IPv4
    /// addresses, which are charged (guide: "Pricing for Client VPN").
    pub internet_gateway: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub id: String,
    pub vpc: VpcId,
    pub cidr_block: Ipv4Net,
    pub availability_zone: String,
    pub available_ip_addresses: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub subnet: SubnetId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteTarget {
    Association(AssocId),
    /// The client CIDR itself (client-to-client).
    Local,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub destination: Ipv4Net,
    pub target: RouteTarget,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grant {
    AllGroups,
    Group(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRule {
    pub destination: Ipv4Net,
    pub grant: Grant,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    pub id: String,
    /// Security groups whose members this group admits (inbound source groups).
    pub inbound_from: Vec<SgId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    Declared,
    Vpc(VpcId),
    Internet,
    Clients,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: String,
    pub cidr_blocks: Vec<Ipv4Net>,
    pub kind: NetworkKind,
    /// When set, traffic is delivered only if this group admits one of the endpoint's groups.
    pub security_group: Option<SgId>,
    /// Reachable from the client's own network without the tunnel (declared `public = true`;
    /// always true for the `internet`). Only such a network may bypass the VPN.
    pub public: bool,
    /// The protocol and port the population needs (`port = "tcp/443"`); `None`: ports are not
    /// modelled, network ACL and security group rules match whatever their ports.
    pub service: Option<dataplane::Service>,
}

impl Network {
    /// Whether traffic to this network may leave through the client's own network without
    /// being a gap: the internet, or a network the scenario declares public.
    pub fn reachable_without_vpn(&self) -> bool {
        self.public || self.kind == NetworkKind::Internet
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub initial: Millis,
    pub multiplier: f64,
    pub max: Millis,
    /// Fraction of the delay drawn uniformly at random: delay × (1 − jitter·U).
    pub jitter: f64,
    /// Total attempts before the user gives up (an attempt that fails the n-th time).
    pub give_up_after: u32,
}

/// How a population's users arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrivals {
    /// A closed population of `users` who each work once on each working day.
    Workday {
        users: u32,
        /// Time of day the working day starts, milliseconds after midnight.
        start: Dist,
        /// Length of the working day (how long the VPN is wanted).
        length: Dist,
        days: DaySet,
    },
    /// Open Poisson arrivals with a piecewise-constant rate; each arrival is a new user.
    Poisson {
        /// (offset within the period, arrivals per hour), sorted, first offset 0.
        profile: Vec<(Millis, f64)>,
        /// The profile repeats with this period (`None`: the last rate holds to the end).
        period: Option<Millis>,
        /// How long each arrival wants the VPN.
        session: Dist,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub name: String,
    pub arrivals: Arrivals,
    /// Group identifiers as the IdP sends them (first 200 count; see `Limits`).
    pub groups: Vec<String>,
    pub lan_cidr: Option<Ipv4Net>,
    /// Demanded throughput per connection, Mbps.
    pub demand_mbps: Dist,
    pub needs: Vec<NetworkId>,
    pub retry: RetryPolicy,
    /// Clients keep their previous landing until it fails (no `remote-random-hostname`).
    pub dns_caching: bool,
    /// Probability one authentication attempt fails (wrong password, MFA, IdP error).
    pub auth_failure_rate: f64,
    /// Fraction of users whose client certificate is on the revocation list (always fail).
    pub revoked_fraction: f64,
    /// Delay before a user reconnects by hand (SAML re-login, disconnect-on-timeout).
    pub manual_reconnect_delay: Dist,
    /// Probability a user who must reconnect by hand does so (the rest stop for the day).
    pub manual_reconnect_probability: f64,
    /// How long a client takes to notice that its path died (an AZ outage): its keepalive's
    /// restart timeout less the time since the last packet it received.
    pub outage_detection_delay: Dist,
}

/// The default `outage_detection_delay`: uniform between 50 s and 60 s. The guide's example
/// client configuration ("Add the AWS Client VPN client certificate and key information for
/// mutual authentication") sets no `ping`, `ping-restart` or `keepalive` (only `resolv-retry
/// infinite` and `reneg-sec 0`), so the client takes what the server pushes, which the guide does
/// not state. Assumed: OpenVPN's reference example `keepalive 10 60`,
/// which gives the client `ping 10` and `ping-restart 60`. The client restarts 60 s after the
/// last packet it received, and with a ping every 10 s that packet came 0–10 s before the path
/// died.
pub fn default_outage_detection_delay() -> Dist {
    Dist::Uniform {
        low: 50.0 * SECOND as f64,
        high: 60.0 * SECOND as f64,
    }
}

/// Quotas and published figures; defaults are this guide's, every one can be overridden.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Concurrent connections by number of healthy associations (index n−1).
    pub connections_by_associations: Vec<u32>,
    pub per_connection_mbps: f64,
    pub authorization_rules: u32,
    pub routes: u32,
    pub groups_per_user: u32,
    pub group_id_length: u32,
    pub login_banner_length: u32,
    pub handler_timeout: Millis,
    pub crl_entries: u32,
    /// What a run may cost on the machine running it (not an AWS quota).
    pub budget: Budget,
}

/// Resource budgets a run must fit, checked before anything is simulated (see
/// `scenario::budget`): defaults that fit a laptop, raised in `[limits]` (`max_events`,
/// `max_sample_rows`, `max_memory_mb`, `max_output_mb`) or skipped with `--allow-large`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub events: u64,
    pub sample_rows: u64,
    pub memory_mb: u64,
    pub output_mb: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            events: 2_000_000_000,
            sample_rows: 50_000_000,
            memory_mb: 4_096,
            output_mb: 4_096,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections_by_associations: vec![20_000, 36_500, 66_500, 96_500, 126_000],
            per_connection_mbps: 10.0,
            authorization_rules: 50,
            routes: 10,
            groups_per_user: 200,
            group_id_length: 255,
            login_banner_length: 1_400,
            handler_timeout: 30 * SECOND,
            crl_entries: 20_000,
            budget: Budget::default(),
        }
    }
}

impl Limits {
    /// Guide defaults for the adjustable quotas, to tell a raised quota from the default.
    pub const DEFAULT_AUTHORIZATION_RULES: u32 = 50;
    pub const DEFAULT_ROUTES: u32 = 10;

    /// Endpoint-wide concurrent connection limit with `n` healthy associations.
    pub fn endpoint_limit(&self, n: usize) -> u32 {
        if n == 0 {
            0
        } else {
            let i = (n - 1).min(self.connections_by_associations.len() - 1);
            self.connections_by_associations[i]
        }
    }
}

/// What a modification changes (guide: "Endpoint modification").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modification {
    ServerCertificate,
    DnsServers,
    SplitTunnel,
    Routes,
    CertificateRevocationList,
    AuthorizationRules,
    VpnPort,
    Description,
    ConnectionLogging,
    ClientConnectHandler,
    /// The VPC and security group associations.
    SecurityGroups,
    SelfServicePortal,
    /// Client login banner: enabling or disabling it and its text.
    LoginBanner,
    /// "Enable or disable automatic reconnection on session timeout": the new setting is carried
    /// by [`EventKind::Modify::disconnect_on_session_timeout`] and applies to open sessions.
    DisconnectOnSessionTimeout,
}

impl Modification {
    pub const ALL: [Modification; 14] = [
        Modification::ServerCertificate,
        Modification::DnsServers,
        Modification::SplitTunnel,
        Modification::Routes,
        Modification::CertificateRevocationList,
        Modification::AuthorizationRules,
        Modification::VpnPort,
        Modification::Description,
        Modification::ConnectionLogging,
        Modification::ClientConnectHandler,
        Modification::SecurityGroups,
        Modification::SelfServicePortal,
        Modification::LoginBanner,
        Modification::DisconnectOnSessionTimeout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Modification::ServerCertificate => "server_certificate",
            Modification::DnsServers => "dns_servers",
            Modification::SplitTunnel => "split_tunnel",
            Modification::Routes => "routes",
            Modification::CertificateRevocationList => "certificate_revocation_list",
            Modification::AuthorizationRules => "authorization_rules",
            Modification::VpnPort => "vpn_port",
            Modification::Description => "description",
            Modification::ConnectionLogging => "connection_logging",
            Modification::ClientConnectHandler => "client_connect_handler",
            Modification::SecurityGroups => "security_groups",
            Modification::SelfServicePortal => "self_service_portal",
            Modification::LoginBanner => "login_banner",
            Modification::DisconnectOnSessionTimeout => "disconnect_on_session_timeout",
        }
    }

    /// Whether this change resets every connection (guide: "Endpoint modification").
    /// Route changes reset only when split-tunnel is on.
    pub fn resets_connections(self, split_tunnel: bool) -> bool {
        match self {
            Modification::ServerCertificate
            | Modification::DnsServers
            | Modification::SplitTunnel
            | Modification::CertificateRevocationList
            | Modification::AuthorizationRules
            | Modification::VpnPort => true,
            Modification::Routes => split_tunnel,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Every association in the zone stops for `duration` (`None`: for the rest of the run).
    AzOutage {
        availability_zone: String,
        associations: Vec<AssocId>,
        duration: Option<Millis>,
    },
    /// The subnet is disassociated for good: its clients drop, its routes are removed.
    Disassociate { association: AssocId },
    /// The subnet of `association` is associated now (scaling up); before this event it is not
    /// associated: no landing, no capacity, no routes.
    Associate { association: AssocId },
    /// Endpoint modification, taking effect after `propagation`.
    Modify {
        changes: Vec<Modification>,
        propagation: Millis,
        resets: bool,
        /// The `disconnect_on_session_timeout` setting once the change takes effect: `Some`
        /// exactly when `changes` holds [`Modification::DisconnectOnSessionTimeout`]. The
        /// guide: "changing the disconnect on session timeout option applies the new setting to
        /// any currently open sessions".
        disconnect_on_session_timeout: Option<bool>,
        /// When the change resets connections: each live connection is reset at an instant drawn
        /// uniformly in this window from when the change takes effect (0: all at once).
        reset_window: Millis,
    },
    /// New maximum session duration, taking effect after `propagation`.
    SessionTimeout {
        timeout: SessionTimeout,
        propagation: Millis,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: Millis,
    pub kind: EventKind,
    pub description: Option<String>,
}

/// Prices of what an endpoint is charged for (guide: "Pricing for Client VPN"), in US dollars.
/// The defaults are AWS's published us-east-1 prices (README, "Cost").
#[derive(Debug, Clone, PartialEq)]
pub struct Pricing {
    /// Each endpoint association, per hour.
    pub association_hour: f64,
    /// Each client connection, per hour.
    pub connection_hour: f64,
    /// How hours are counted for associations and connections.
    pub billing: Billing,
    /// Lambda requests (the client connect handler), per invocation.
    pub lambda_request: f64,
    /// Lambda duration, per GB-second.
    pub lambda_gb_second: f64,
    /// Memory configured for the client connect handler's function, in MB.
    pub lambda_memory_mb: u32,
    /// Connection logging to CloudWatch Logs is enabled on the endpoint.
    pub connection_logging: bool,
    /// CloudWatch Logs ingestion, per GB.
    pub log_ingestion_gb: f64,
    /// Size of one connection-log entry as ingested, in bytes.
    pub log_entry_bytes: u32,
    /// An in-use public IPv4 address, per hour.
    pub public_ipv4_hour: f64,
    /// Public IPv4 addresses per association when the VPC has an internet gateway.
    pub public_ipv4_per_association: u32,
}

/// How billed hours are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// Each started hour is a full hour, per association and per connection.
    StartedHour,
    /// Time is billed exactly (a what-if; not how AWS states it).
    Prorated,
}

impl Billing {
    pub fn name(self) -> &'static str {
        match self {
            Billing::StartedHour => "started-hour",
            Billing::Prorated => "prorated",
        }
    }
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            association_hour: 0.10,
            connection_hour: 0.05,
            billing: Billing::StartedHour,
            lambda_request: 0.20 / 1_000_000.0,
            lambda_gb_second: 0.000_016_666_7,
            lambda_memory_mb: 128,
            connection_logging: false,
            log_ingestion_gb: 0.50,
            log_entry_bytes: 700,
            public_ipv4_hour: 0.005,
            public_ipv4_per_association: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputOptions {
    pub connection_log: bool,
    /// The CloudWatch period of `metrics.csv` (default five minutes, the period at which Client
    /// VPN publishes its metrics; guide: "Amazon CloudWatch metrics for AWS Client VPN"). A whole number
    /// of minutes.
    pub metrics_period: Millis,
    /// Share of each limit (client addresses, connections) that should stay free at the peak;
    /// below it the run reports a finding (default 0.2).
    pub headroom_margin: f64,
    /// Waits the user-level outcomes count users against ("not connected within T"), ascending.
    pub outcome_thresholds: Vec<Millis>,
}

/// Default `[output] outcome_thresholds`: 1, 5 and 15 minutes.
pub const DEFAULT_OUTCOME_THRESHOLDS: [Millis; 3] = [MINUTE, 5 * MINUTE, 15 * MINUTE];

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            connection_log: false,
            metrics_period: CLOUDWATCH_PERIOD,
            headroom_margin: 0.2,
            outcome_thresholds: DEFAULT_OUTCOME_THRESHOLDS.to_vec(),
        }
    }
}

/// The period at which Client VPN publishes its CloudWatch metrics (guide: "Monitoring with
/// Amazon CloudWatch": "every five minutes").
pub const CLOUDWATCH_PERIOD: Millis = 5 * MINUTE;

impl Scenario {
    /// Whether `metrics.csv` is merged from the time series' rows: its CloudWatch period is a
    /// whole number of sample intervals, so one sampler feeds both files.
    pub fn metrics_merged(&self) -> bool {
        self.output.metrics_period % self.sample_interval.max(1) == 0
    }

    pub fn subnet_of(&self, a: AssocId) -> &Subnet {
        &self.subnets[self.associations[a.index()].subnet.index()]
    }

    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }

    /// Whether association `a` is added mid-run by an `associate` event (and so is not
    /// associated at the start).
    pub fn associated_later(&self, a: AssocId) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Associate { association } if association == a))
    }

    /// Associations at the start of the run (live: not added later by an event).
    pub fn associated_at_start(&self) -> Vec<bool> {
        (0..self.associations.len())
            .map(|a| !self.associated_later(AssocId(a as u32)))
            .collect()
    }

    /// Number of usable client addresses: half the client CIDR is reserved (docs/model.md §4).
    pub fn usable_client_addresses(&self) -> u64 {
        (1u64 << (32 - self.endpoint.client_cidr_block.prefix_len())) / 2
    }

    /// The concurrent-connection limit for `healthy` healthy associations, honouring a raised
    /// quota: a raised `max_connections` replaces the table's figure for the count associated at
    /// the start and scales with the table when associations fail or are added.
    pub fn connection_limit(&self, healthy: usize) -> u32 {
        let table = self.limits.endpoint_limit(healthy);
        match self.endpoint.max_connections {
            None => table,
            Some(raised) => {
                let at_start = self.associated_at_start().iter().filter(|&&b| b).count();
                let configured = self.limits.endpoint_limit(at_start).max(1);
                ((raised as u64 * table as u64) / configured as u64) as u32
            }
        }
    }
}
