//! Test support: small checked scenarios built directly as `model::Scenario` values, and helpers
//! to read results.
#![allow(dead_code)]

use cvpnsim::dist::Dist;
use cvpnsim::model::*;
use cvpnsim::sim::{self, FailureReason, RunResult, SimOptions};

pub const AZS: [&str; 5] = [
    "us-east-1a",
    "us-east-1b",
    "us-east-1c",
    "us-east-1d",
    "us-east-1e",
];

/// An endpoint with `associations` associated subnets (one per AZ), mutual authentication, a
/// /16 client CIDR, the guide's limits, no populations and no events; one simulated day from a
/// Monday.
pub fn endpoint(associations: usize) -> Scenario {
    let subnets: Vec<Subnet> = (0..associations)
        .map(|i| Subnet {
            id: format!("subnet-{}", (b'a' + i as u8) as char),
            vpc: VpcId(0),
            cidr_block: format!("172.31.{}.0/20", i * 16).parse().unwrap(),
            availability_zone: AZS[i].to_string(),
            available_ip_addresses: 4000,
        })
        .collect();
    Scenario {
        name: "test".into(),
        description: None,
        seed: 7,
        duration: DAY,
        sample_interval: 5 * MINUTE,
        start_weekday: Weekday::Mon,
        endpoint: Endpoint {
            id: "cvpn-endpoint-0123456789abcdef0".into(),
            description: None,
            client_cidr_block: "10.100.0.0/16".parse().unwrap(),
            transport_protocol: Transport::Udp,
            vpn_port: 443,
            split_tunnel: false,
            session_timeout: SessionTimeout::from_hours(24).unwrap(),
            disconnect_on_session_timeout: false,
            authentication: Authentication::Mutual,
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
            cidr_blocks: vec!["172.31.0.0/16".parse().unwrap()],
            dedicated_tenancy: false,
            internet_gateway: false,
        }],
        associations: (0..associations)
            .map(|i| Association {
                subnet: SubnetId(i as u32),
            })
            .collect(),
        subnets,
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
    }
}

pub fn no_retry() -> RetryPolicy {
    RetryPolicy {
        initial: SECOND,
        multiplier: 2.0,
        max: MINUTE,
        jitter: 0.0,
        give_up_after: 1,
    }
}

pub fn retries(give_up_after: u32) -> RetryPolicy {
    RetryPolicy {
        give_up_after,
        ..no_retry()
    }
}

fn population(name: &str, arrivals: Arrivals) -> Population {
    Population {
        name: name.into(),
        arrivals,
        groups: vec![],
        lan_cidr: None,
        demand_mbps: Dist::Fixed(1.0),
        needs: vec![],
        retry: no_retry(),
        dns_caching: false,
        auth_failure_rate: 0.0,
        revoked_fraction: 0.0,
        manual_reconnect_delay: Dist::Fixed((10 * MINUTE) as f64),
        manual_reconnect_probability: 1.0,
        outage_detection_delay: Dist::Fixed(0.0),
    }
}

/// `users` users who start at `start` after midnight each day of `days` and want the VPN for
/// `length`.
pub fn workday(name: &str, users: u32, start: Millis, length: Millis, days: DaySet) -> Population {
    population(
        name,
        Arrivals::Workday {
            users,
            start: Dist::Fixed(start as f64),
            length: Dist::Fixed(length as f64),
            days,
        },
    )
}

/// Users who all start at midnight of day 0 only (the run is shorter than a day or Monday-only).
pub fn crowd(users: u32, length: Millis) -> Population {
    workday("crowd", users, 0, length, MONDAY)
}

pub const MONDAY: DaySet = DaySet(1);
pub const EVERY_DAY: DaySet = DaySet(0x7f);
pub const WEEKDAYS: DaySet = DaySet(0x1f);

/// Open Poisson arrivals at a constant `per_hour`, each wanting the VPN for `session`.
pub fn poisson(name: &str, per_hour: f64, session: Dist) -> Population {
    population(
        name,
        Arrivals::Poisson {
            profile: vec![(0, per_hour)],
            period: None,
            session,
        },
    )
}

pub fn handler(latency: Dist, concurrency: u32) -> ConnectHandler {
    ConnectHandler {
        function_name: "AWSClientVPN-posture".into(),
        latency,
        concurrency,
        deny_rate: 0.0,
        error_rate: 0.0,
        invalid_response_rate: 0.0,
        service_error_rate: 0.0,
    }
}

pub fn event(at: Millis, kind: EventKind) -> Event {
    Event {
        at,
        kind,
        description: None,
    }
}

pub fn outage(sc: &Scenario, assoc: u32, at: Millis, duration: Option<Millis>) -> Event {
    let az = sc.subnet_of(AssocId(assoc)).availability_zone.clone();
    event(
        at,
        EventKind::AzOutage {
            availability_zone: az,
            associations: vec![AssocId(assoc)],
            duration,
        },
    )
}

pub fn run(sc: &Scenario) -> RunResult {
    sim::simulate(sc, &SimOptions::default())
}

pub fn run_audited(sc: &Scenario) -> RunResult {
    let r = sim::simulate(
        sc,
        &SimOptions {
            audit: true,
            connection_log: true,
            ..SimOptions::default()
        },
    );
    assert!(r.audit.is_empty(), "invariants broken: {:#?}", r.audit);
    r
}

pub fn failures(r: &RunResult, reason: FailureReason) -> u64 {
    r.summary.failures_by_reason.0[reason.index()]
}

/// Every failure count except the listed reasons is zero.
pub fn only_failures(r: &RunResult, allowed: &[FailureReason]) {
    for reason in FailureReason::ALL {
        if !allowed.contains(&reason) {
            assert_eq!(failures(r, reason), 0, "unexpected {}", reason.name());
        }
    }
}

/// The body of a small valid scenario file without its `name`: one association in one zone, a
/// /22 client CIDR, 600 users working 09:00–17:00 every day, for one day. Tests that run the
/// command line write it with a name of their own (`concat!("name = \"x\"\n", one_association!())`).
macro_rules! one_association {
    () => {
        r#"duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["active-directory"]
vpc_id = "vpc-main"

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-a"

[[population]]
name = "staff"
users = 600
workday = { start = "09:00", length = "8h", days = "all" }
retry = { initial = "5s", multiplier = 2.0, max = "1m", jitter = 0.0, give_up_after = 3 }
"#
    };
}
