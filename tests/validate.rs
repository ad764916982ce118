//! Validation of scenario files (docs/model.md §9, §12): every rule has a fixture that breaks it in one
//! way and the diagnostic names the rule, the line and column and the field path; every example
//! scenario validates; several problems are reported in one run; `cvpnsim validate` exits 0, 1
//! or 2; and no input, however mangled, makes the loader panic.
//!
//! Fixtures live in `tests/fixtures/invalid/`. A TOML fixture opens with its expectation:
//! `# expect: RULE at LINE:COL in FIELD.PATH` for an error, `# expect-warning: …` for a warning
//! (a fixture that only warns must still validate). JSON has no comments, so a JSON fixture's
//! expectation is in a file beside it named `FIXTURE.json.expect`. Without `in PATH` the
//! diagnostic's path is empty (syntax errors).

use std::path::{Path, PathBuf};
use std::process::Command;

use cvpnsim::model::{AssocId, EventKind, Modification, RouteTarget, DAY, HOUR, MINUTE};
use cvpnsim::net::auth::{self, Groups};
use cvpnsim::scenario::rules::{self, RULES};
use cvpnsim::scenario::{load_file, load_str, LoadError, Loaded};
use cvpnsim::source::diag::{self, Diagnostic, Severity, Source};
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/invalid")
}

/// One expected diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    severity: Severity,
    rule: String,
    line: usize,
    col: usize,
    path: String,
}

impl Expect {
    fn of(source: &Source, d: &Diagnostic) -> Expect {
        let (line, col) = source.line_col(d.span.start);
        Expect {
            severity: d.severity,
            rule: d.rule.to_string(),
            line,
            col,
            path: d.path.clone(),
        }
    }
}

/// Parses `# expect: RULE at LINE:COL [in PATH]` (or `# expect-warning: …`).
fn parse_expect(line: &str) -> Option<Expect> {
    let (severity, rest) = if let Some(r) = line.strip_prefix("# expect: ") {
        (Severity::Error, r)
    } else if let Some(r) = line.strip_prefix("# expect-warning: ") {
        (Severity::Warning, r)
    } else {
        return None;
    };
    let (rule, rest) = rest.split_once(" at ")?;
    let (loc, path) = match rest.split_once(" in ") {
        Some((loc, path)) => (loc, path.trim()),
        None => (rest.trim(), ""),
    };
    let (line, col) = loc.split_once(':')?;
    Some(Expect {
        severity,
        rule: rule.trim().to_string(),
        line: line.parse().ok()?,
        col: col.parse().ok()?,
        path: path.to_string(),
    })
}

/// The expectations of a fixture: the leading `# expect…` lines of a TOML file, or the lines of
/// the `.expect` file beside a JSON one.
fn expectations(path: &Path) -> Vec<Expect> {
    let text = if path.extension().is_some_and(|e| e == "json") {
        let side = PathBuf::from(format!("{}.expect", path.display()));
        std::fs::read_to_string(&side)
            .unwrap_or_else(|e| panic!("{}: missing expectation file: {e}", side.display()))
    } else {
        std::fs::read_to_string(path).expect("fixture is readable")
    };
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("# expect"))
        .collect();
    lines
        .iter()
        .map(|l| {
            parse_expect(l)
                .unwrap_or_else(|| panic!("{}: malformed expectation `{l}`", path.display()))
        })
        .collect()
}

/// Every fixture file (TOML and JSON), sorted.
fn fixture_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    v.sort();
    v
}

/// Loads a file and returns its source, every diagnostic, and whether it loaded.
fn outcome(path: &Path) -> (Source, Vec<Diagnostic>, Option<Loaded>) {
    match load_file(path) {
        Ok(loaded) => (loaded.source.clone(), loaded.warnings.clone(), Some(loaded)),
        Err(LoadError::Invalid {
            source,
            diagnostics,
        }) => (source, diagnostics, None),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Checks that a file reports exactly its expectations, in order, and renders each one with its
/// rule, location and path; files with errors must fail to load, files with warnings only must
/// load.
fn check_expected(path: &Path) {
    let expected = expectations(path);
    assert!(!expected.is_empty(), "{}: no expectation", path.display());
    let (source, diags, loaded) = outcome(path);
    let actual: Vec<Expect> = diags.iter().map(|d| Expect::of(&source, d)).collect();
    assert_eq!(actual, expected, "{}", path.display());
    let has_error = expected.iter().any(|e| e.severity == Severity::Error);
    assert_eq!(
        loaded.is_none(),
        has_error,
        "{}: a file with errors must not load, one with warnings only must",
        path.display()
    );
    let rendered = diag::render(&source, &diags);
    for e in &expected {
        let label = e.severity.label();
        let headline = format!("{label}[{}]", e.rule);
        let location = format!("{}:{}:{} ({})", source.name, e.line, e.col, e.path);
        assert!(
            rendered.contains(&headline),
            "{}: `{headline}` not in\n{rendered}",
            path.display()
        );
        assert!(
            rendered.contains(&location),
            "{}: `{location}` not in\n{rendered}",
            path.display()
        );
        let rule = rules::find(&e.rule).expect("the rule exists");
        assert!(
            rendered.contains(rule.statement),
            "{}: the rule's statement is missing",
            path.display()
        );
    }
}

/// One test per fixture; the comment above each names where its rule comes from.
macro_rules! fixtures {
    ($($test:ident: $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                check_expected(&fixture_dir().join($file));
            }
        )*
        /// The fixtures that have a test above.
        const LISTED: &[&str] = &[$($file),*];
    };
}

fixtures! {
    // docs/scenario-format.md: a file for another format version is refused, not misread.
    format_version_2: "format-version.toml";
    // docs/scenario-format.md: an included file must be readable.
    include_missing_file: "include.toml";
    // docs/model.md §12: the file must be TOML or JSON; the caret shows where the parser stopped.
    syntax_unterminated_string: "syntax.toml";
    syntax_unclosed_table_header: "syntax-table.toml";
    syntax_json_trailing_comma: "syntax.json";
    syntax_json_null: "syntax-null.json";
    // docs/model.md §9: unknown fields are errors (a typo must not fall back to a default).
    unknown_field_in_endpoint: "unknown-field.toml";
    unknown_field_at_top: "unknown-field-top.toml";
    unknown_field_in_json: "unknown-field.json";
    // docs/model.md §12: required fields, types, ranges, durations (§2).
    missing_field_in_subnet: "missing-field.toml";
    missing_field_at_top: "missing-field-top.toml";
    type_of_users: "type.toml";
    value_of_capacity_model: "value.toml";
    value_of_retry_cap: "value-retry.toml";
    duration_without_unit: "duration.toml";
    duration_in_words: "duration-workday.toml";
    // guide: Rules and best practices — "Client VPN supports IPv4 traffic only".
    cidr_host_bits: "cidr.toml";
    cidr_ipv6: "cidr-ipv6.toml";
    // docs/model.md §12: identifiers are unique and references resolve.
    duplicate_subnet_id: "duplicate-id.toml";
    duplicate_security_group_id: "duplicate-id-security-group.toml";
    duplicate_association: "duplicate-id-association.toml";
    unknown_subnet_reference: "unknown-reference.toml";
    unknown_network_need: "unknown-reference-needs.toml";
    // guide: Rules and best practices — "Client CIDR ranges must have a block size of at least
    // /22 and must not be greater than /12".
    client_cidr_too_small: "client-cidr-size.toml";
    client_cidr_too_large: "client-cidr-size-large.toml";
    // guide: Rules and best practices — "Client CIDR ranges cannot overlap with the local CIDR of
    // the VPC … or any routes manually added to the Client VPN endpoint's route table".
    client_cidr_overlaps_vpc: "client-cidr-overlap.toml";
    client_cidr_overlaps_route: "client-cidr-overlap-route.toml";
    // guide: Client VPN target network requirements — "at least a /27 bitmask" and "at least
    // 20 available IP addresses at all times".
    subnet_smaller_than_27: "subnet-size.toml";
    subnet_with_few_free_addresses: "subnet-size-free.toml";
    subnet_size_in_json: "subnet-size.json";
    // Amazon VPC: a subnet's block lies inside its VPC's.
    subnet_outside_vpc: "subnet-in-vpc.toml";
    // guide: Rules and best practices — "You cannot associate multiple subnets from the same
    // Availability Zone with a Client VPN endpoint".
    two_associations_in_one_az: "one-association-per-az.toml";
    // guide: Client VPN scaling considerations — the table has rows for 1 to 5 associations.
    six_associations: "association-count.toml";
    // guide: Rules and best practices — "The subnets associated with a Client VPN endpoint must
    // be in the same VPC".
    association_in_other_vpc: "same-vpc.toml";
    // guide: Rules and best practices — "does not support subnet associations in a dedicated
    // tenancy VPC".
    dedicated_tenancy_vpc: "dedicated-tenancy.toml";
    // guide: Restrict access based on user groups — "If your Client VPN endpoint is configured
    // for mutual authentication, you cannot configure user groups".
    group_rule_with_mutual_only: "mutual-group-rule.toml";
    // guide: Client-to-client access using Client VPN — "Network-based authorization rules
    // using Active Directory groups or SAML-based IdP groups are not supported in this
    // scenario": a group rule for the client CIDR, or part of it, grants nothing (a warning).
    group_rule_for_the_client_cidr: "client-to-client-group-rule.toml";
    group_rule_within_the_client_cidr: "client-to-client-group-rule-within.toml";
    // guide: Client VPN ports — 443 or 1194.
    vpn_port_8443: "vpn-port.toml";
    // guide: Create a Client VPN endpoint — transport protocol UDP or TCP.
    transport_quic: "transport.toml";
    // guide: AWS Client VPN maximum VPN session duration timeout — 8, 10, 12 or 24 hours.
    session_timeout_16h: "session-timeout.toml";
    // guide: Client authentication — one method, or mutual plus one user-based method.
    two_user_based_methods: "authentication.toml";
    // guide: Rules and best practices — "The self-service portal is not available for clients
    // that authenticate using mutual authentication".
    portal_with_mutual_only: "self-service-portal.toml";
    // guide: AWS Client VPN client login banners — at most 1,400 characters.
    login_banner_1401_characters: "login-banner-length.toml";
    // guide: Connection authorization, Requirements and considerations — the Lambda function's
    // name must begin with the AWSClientVPN- prefix.
    handler_without_prefix: "handler-name.toml";
    // guide: AWS Client VPN routes — a route targets an associated subnet, or `local` for the
    // client CIDR (Client-to-client access, step 3).
    route_through_unassociated_subnet: "route-target.toml";
    local_route_outside_client_cidr: "route-target-local.toml";
    // guide: AWS Client VPN quotas — 50 authorization rules and 10 routes per endpoint,
    // adjustable: a warning at the default, an error above a declared raised quota.
    authorization_rules_above_default_quota: "authorization-rule-quota.toml";
    authorization_rules_above_raised_quota: "authorization-rule-quota-raised.toml";
    routes_above_default_quota: "route-quota.toml";
    routes_above_raised_quota: "route-quota-raised.toml";
    // guide: Users and groups quotas — group ID at most 255 characters; a user's groups after
    // the 200th are ignored (a warning).
    group_id_256_characters: "group-id-length.toml";
    user_in_201_groups: "groups-per-user.toml";
    // guide: Split-tunnel on Client VPN endpoints, Routing considerations — a 0.0.0.0/0 route
    // with split-tunnel on is not recommended (a warning).
    split_tunnel_default_route: "split-tunnel-default-route.toml";
    // guide: Troubleshooting: Clients can't access a peered VPC, Amazon S3, or the internet —
    // step 2, "Verify that the DNS server is accessible from the VPC": a DNS server with no
    // route on the association is a warning naming the missing route.
    dns_reachable: "dns-reachable.toml";
    // guide: AWS Client VPN routes; Troubleshooting, access is intermittent — associated
    // subnets should have identical routes (a warning).
    association_routes_differ: "association-routes-differ.toml";
    // guide: AWS Client VPN target networks — without an associated subnet no client connects.
    no_association: "no-association.toml";
    // docs/model.md §12: events happen within the run.
    event_after_the_end: "event-time.toml";
    event_after_the_end_listed_first: "event-time-order.toml";
    // guide: Endpoint modification — the client CIDR cannot be modified after creation.
    modify_client_cidr: "modification.toml";
    // guide: Endpoint modification — "Enable or disable automatic reconnection on session
    // timeout": a new setting goes with that modification, not with another one.
    disconnect_setting_without_its_modification: "modification-disconnect-unlisted.toml";
    // guide: Endpoint modification — "Modifications to Client VPN endpoints … will take effect
    // up to 4 hours after a request is accepted": a longer propagation is a warning, for a
    // modification and for a new maximum session duration alike.
    propagation_beyond_4_hours: "propagation-delay.toml";
    session_timeout_propagation_beyond_4_hours: "propagation-delay-session-timeout.toml";
    // guide: Connection authorization in AWS Client VPN — "The Lambda function times out after
    // 30 seconds. This value cannot be changed": overriding it is a warning that says so.
    handler_timeout_override: "handler-timeout.toml";
    // guide: Rules and best practices — one association per Availability Zone, also for a
    // subnet associated mid-run by an `associate` event.
    associate_in_a_used_az: "associate-same-az.toml";
    // An `associate` event names a subnet that is not associated yet.
    associate_an_associated_subnet: "associate-associated.toml";
    // A population's keepalive detection delay is a duration distribution.
    detection_delay_not_a_duration: "outage-detection-delay.toml";
    // `reset_window` spreads the reset of a modification, and belongs to nothing else.
    reset_window_on_an_outage: "reset-window-outage.toml";
    // docs/model.md §3: overridden limits are positive and the connection table does not decrease.
    decreasing_connection_table: "limits.toml";
    // docs/model.md §6: rates are probabilities.
    failure_rate_above_one: "probability.toml";
    // Amazon VPC route tables: a route targets a gateway attached to the table's VPC.
    vpc_route_to_another_vpcs_gateway: "vpc-route-target.toml";
    // Amazon VPC route tables: a VPC has one main route table.
    two_main_route_tables: "route-table.toml";
    // Amazon VPC network ACLs: rule numbers are unique within a direction.
    network_acl_rule_number_twice: "network-acl.toml";
    // guide: Amazon CloudWatch metrics for AWS Client VPN — metrics are published every five minutes; a
    // CloudWatch period is a whole number of minutes.
    metrics_period_not_whole_minutes: "metrics-period.toml";
    // `[output] outcome_thresholds` lists the waits users are counted against, ascending.
    outcome_thresholds_out_of_order: "outcome-thresholds.toml";
}

#[test]
fn every_fixture_has_a_test_and_one_expectation() {
    let files: Vec<String> = fixture_files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut listed: Vec<String> = LISTED.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "fixtures on disk and fixtures under test differ"
    );
    for path in fixture_files() {
        // Each fixture is a complete scenario broken in exactly one way.
        assert_eq!(expectations(&path).len(), 1, "{}", path.display());
    }
}

/// Rules that only ever warn, and the adjustable quotas, which warn at their default.
const WARNS: &[&str] = &[
    "handler-timeout",
    "client-to-client-group-rule",
    "split-tunnel-default-route",
    "dns-reachable",
    "propagation-delay",
    "association-routes-differ",
    "groups-per-user",
    "authorization-rule-quota",
    "route-quota",
];

/// Rules that are never errors.
const WARNING_ONLY: &[&str] = &[
    "handler-timeout",
    "client-to-client-group-rule",
    "split-tunnel-default-route",
    "dns-reachable",
    "propagation-delay",
    "association-routes-differ",
    "groups-per-user",
];

/// Rules checked after loading, against the resource budgets (`scenario::budget`), with their own
/// tests in `tests/reliability.rs`.
const BUDGET_RULES: &[&str] = &[
    "budget-events",
    "budget-sample-rows",
    "budget-memory",
    "budget-output",
];

#[test]
fn every_rule_has_a_fixture_for_each_severity_it_can_have() {
    let all: Vec<Expect> = fixture_files()
        .iter()
        .flat_map(|p| expectations(p))
        .collect();
    for e in &all {
        assert!(rules::find(&e.rule).is_some(), "unknown rule `{}`", e.rule);
    }
    let has = |rule: &str, sev: Severity| all.iter().any(|e| e.rule == rule && e.severity == sev);
    let mut missing = Vec::new();
    for r in RULES.iter().filter(|r| !BUDGET_RULES.contains(&r.id)) {
        if !WARNING_ONLY.contains(&r.id) && !has(r.id, Severity::Error) {
            missing.push(format!("{} (error)", r.id));
        }
        if WARNS.contains(&r.id) && !has(r.id, Severity::Warning) {
            missing.push(format!("{} (warning)", r.id));
        }
        if WARNING_ONLY.contains(&r.id) && has(r.id, Severity::Error) {
            missing.push(format!(
                "{} is warning-only but a fixture expects an error",
                r.id
            ));
        }
    }
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn expectation_lines_parse() {
    assert_eq!(
        parse_expect("# expect: vpn-port at 10:12 in endpoint.vpn_port"),
        Some(Expect {
            severity: Severity::Error,
            rule: "vpn-port".into(),
            line: 10,
            col: 12,
            path: "endpoint.vpn_port".into(),
        })
    );
    assert_eq!(
        parse_expect("# expect-warning: syntax at 3:1").map(|e| (e.severity, e.path)),
        Some((Severity::Warning, String::new()))
    );
    assert_eq!(parse_expect("# expects: x at 1:1"), None);
    assert_eq!(parse_expect("# expect: x at one:1"), None);
}

#[test]
fn unknown_fields_suggest_the_known_one() {
    // docs/model.md §9: a typo is an error with a "did you mean" hint, never a silent default.
    let (_, diags, _) = outcome(&fixture_dir().join("unknown-field.toml"));
    assert_eq!(diags[0].hint.as_deref(), Some("did you mean `vpn_port`?"));
    let (_, diags, _) = outcome(&fixture_dir().join("unknown-field-top.toml"));
    assert_eq!(
        diags[0].hint.as_deref(),
        Some("did you mean `sample_interval`?")
    );
}

// ---------------------------------------------------------------------------------------------
// Several problems in one run (docs/model.md §9: "report every problem at once").

#[test]
fn field_problems_are_all_reported_in_one_run() {
    // The event-time error names event[0], the event as listed, although it sorts second.
    let path = root().join("tests/fixtures/several-problems.toml");
    assert_eq!(expectations(&path).len(), 6);
    check_expected(&path);
}

#[test]
fn cross_check_problems_are_all_reported_in_one_run() {
    let path = root().join("tests/fixtures/several-cross-checks.toml");
    assert_eq!(expectations(&path).len(), 8);
    check_expected(&path);
}

// ---------------------------------------------------------------------------------------------
// The example scenarios.

fn scenario_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        // `NAME.expect.toml` beside a scenario is its expectations file for `cvpnsim check`.
        .filter(|p| !p.to_string_lossy().ends_with(".expect.toml"))
        .collect();
    v.sort();
    v
}

fn scenario(name: &str) -> Loaded {
    let path = root().join("scenarios").join(name);
    load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_example_scenario_validates_without_unexpected_warnings() {
    let files = scenario_files();
    assert!(files.len() >= 12, "{} scenarios", files.len());
    for path in files {
        let loaded = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        // A scenario that means to show a warning says so with `# expect-warning:` lines.
        let expected: Vec<Expect> = loaded
            .source
            .text
            .lines()
            .filter_map(parse_expect)
            .collect();
        let actual: Vec<Expect> = loaded
            .warnings
            .iter()
            .map(|d| Expect::of(&loaded.source, d))
            .collect();
        assert_eq!(actual, expected, "{}", path.display());
    }
}

#[test]
fn every_toml_scenario_opens_with_its_question_and_its_source() {
    for path in scenario_files() {
        if path.extension().is_some_and(|e| e == "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let comment: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            !comment.is_empty(),
            "{}: no opening comment",
            path.display()
        );
        if path.file_name().is_some_and(|n| n != "two-az-workday.toml") {
            assert!(
                comment.starts_with("# Question:"),
                "{}: the comment must say what it answers",
                path.display()
            );
            assert!(
                comment.contains("Follows"),
                "{}: the comment must say which guide section it follows",
                path.display()
            );
        }
    }
}

#[test]
fn json_example_is_the_access_a_vpc_scenario() {
    // Both formats decode to the same model.
    let toml = scenario("guide-vpc.toml").scenario;
    let mut json = scenario("json-example.json").scenario;
    assert_eq!(json.name, "json-example");
    json.name.clone_from(&toml.name);
    json.description.clone_from(&toml.description);
    assert_eq!(json, toml);
}

#[test]
fn sizing_example_meets_the_guides_advice() {
    // guide: Client VPN scaling considerations — 8,000 connections need at least a /18
    // (16,384 addresses) and 2 associations. docs/model.md §4: half the block is usable: 8,192.
    let s = scenario("guide-sizing-8000.toml").scenario;
    assert_eq!(s.endpoint.client_cidr_block.prefix_len(), 18);
    let usable = (1u64 << (32 - 18)) / 2;
    assert_eq!(usable, 8_192);
    assert_eq!(s.associations.len(), 2);
    assert_eq!(s.limits.endpoint_limit(s.associations.len()), 36_500);
    let users: u32 = s
        .populations
        .iter()
        .map(|p| match p.arrivals {
            cvpnsim::model::Arrivals::Workday { users, .. } => users,
            _ => 0,
        })
        .sum();
    assert_eq!(users, 8_000);
    assert!(u64::from(users) <= usable);
}

#[test]
fn login_storm_fits_the_endpoint_but_starts_in_half_an_hour() {
    // guide: Client VPN scaling considerations — 3 associations: 66,500 connections.
    let s = scenario("monday-login-storm.toml").scenario;
    assert_eq!(s.limits.endpoint_limit(s.associations.len()), 66_500);
    // A /16 leaves 32,768 usable addresses (docs/model.md §4) for 30,000 users.
    assert_eq!(s.endpoint.client_cidr_block.prefix_len(), 16);
    match &s.populations[0].arrivals {
        cvpnsim::model::Arrivals::Workday { users, start, .. } => {
            assert_eq!(*users, 30_000);
            assert_eq!(
                *start,
                cvpnsim::dist::Dist::Uniform {
                    low: (8 * HOUR + 45 * MINUTE) as f64,
                    high: (9 * HOUR + 15 * MINUTE) as f64,
                }
            );
        }
        other => panic!("a workday population, not {other:?}"),
    }
    let handler = s.endpoint.client_connect_handler.as_ref().expect("handler");
    assert_eq!(handler.concurrency, 50);
}

#[test]
fn az_outage_takes_one_of_three_associations() {
    // docs/model.md §3 and §7: the outage stops the us-east-1b association (the second), so the limit
    // falls from 66,500 to the two-association row, 36,500, below the 40,000 users.
    let s = scenario("az-outage.toml").scenario;
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].at, DAY + 10 * HOUR + 30 * MINUTE);
    assert_eq!(
        s.events[0].kind,
        EventKind::AzOutage {
            availability_zone: "us-east-1b".into(),
            associations: vec![AssocId(1)],
            duration: Some(90 * MINUTE),
        }
    );
    assert_eq!(s.limits.endpoint_limit(3), 66_500);
    assert_eq!(s.limits.endpoint_limit(2), 36_500);
}

#[test]
fn midday_rule_change_resets_every_connection_after_propagation() {
    // guide: Endpoint modification — authorization rules can be modified; docs/model.md §7: the change
    // resets every connection once it takes effect.
    let s = scenario("midday-rule-change.toml").scenario;
    assert_eq!(s.events[0].at, 2 * DAY + 12 * HOUR);
    assert_eq!(
        s.events[0].kind,
        EventKind::Modify {
            changes: vec![Modification::AuthorizationRules],
            propagation: 15 * MINUTE,
            resets: true,
            disconnect_on_session_timeout: None,
            reset_window: 0,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Endpoint modification (guide: "Endpoint modification"; "AWS Client VPN maximum VPN session
// duration timeout").

/// A valid one-subnet scenario with `endpoint` lines added to `[endpoint]` and `events` appended.
fn with_events(endpoint: &str, events: &str) -> String {
    format!(
        r#"name = "events"
duration = "3d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-main"
{endpoint}

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/24"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-a"

[[authorization_rule]]
target_network_cidr = "172.31.0.0/16"
authorize_all_groups = true

[[population]]
name = "staff"
users = 100
workday = {{ start = "09:00", length = "8h" }}
needs = ["vpc-main"]
{events}"#
    )
}

fn modify_events(text: &str) -> Vec<(Vec<Modification>, bool, Option<bool>)> {
    let loaded = load_str("events.toml", text).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    loaded
        .scenario
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Modify {
                changes,
                resets,
                disconnect_on_session_timeout,
                ..
            } => (changes.clone(), *resets, *disconnect_on_session_timeout),
            other => panic!("a modification, not {other:?}"),
        })
        .collect()
}

#[test]
fn every_modification_the_guide_lists_is_accepted() {
    // guide: Endpoint modification — "After a Client VPN has been created, you can modify any of
    // the following settings", each with the name a `modify` event gives it. The maximum VPN
    // session duration is its own event (`session_timeout_hours`, with its new value).
    let guide: &[(&str, Option<&str>)] = &[
        ("The description", Some("description")),
        ("The server certificate", Some("server_certificate")),
        (
            "The client connection logging options",
            Some("connection_logging"),
        ),
        (
            "The client connect handler option",
            Some("client_connect_handler"),
        ),
        ("The DNS servers", Some("dns_servers")),
        ("The split-tunnel option", Some("split_tunnel")),
        (
            "Routes (when using the split-tunnel option)",
            Some("routes"),
        ),
        (
            "Certificate Revocation List (CRL)",
            Some("certificate_revocation_list"),
        ),
        ("Authorization rules", Some("authorization_rules")),
        (
            "The VPC and security group associations",
            Some("security_groups"),
        ),
        ("The VPN port number", Some("vpn_port")),
        (
            "The self-service portal option",
            Some("self_service_portal"),
        ),
        ("The maximum VPN session duration", None),
        (
            "Enable or disable automatic reconnection on session timeout",
            Some("disconnect_on_session_timeout"),
        ),
        (
            "Enable or disable client login banner text",
            Some("login_banner"),
        ),
        ("Client login banner text", Some("login_banner")),
    ];
    for m in Modification::ALL {
        assert!(
            guide.iter().any(|(_, name)| *name == Some(m.name())),
            "{} is not in the guide's list",
            m.name()
        );
    }
    // "When you modify any of the following parameters on a Client VPN endpoint, the connection
    // resets" (routes only with split-tunnel on).
    let resetting = [
        "server_certificate",
        "dns_servers",
        "split_tunnel",
        "routes",
        "certificate_revocation_list",
        "authorization_rules",
        "vpn_port",
    ];
    for (item, name) in guide {
        let event = match name {
            Some(name) => format!("[[event]]\nat = \"12:00\"\nmodify = [\"{name}\"]\n"),
            None => "[[event]]\nat = \"12:00\"\nsession_timeout_hours = 12\n".to_string(),
        };
        for split in [false, true] {
            let text = with_events(&format!("split_tunnel = {split}"), &event);
            let loaded = load_str("events.toml", &text)
                .unwrap_or_else(|e| panic!("{item}: {e}"))
                .scenario;
            match (&loaded.events[0].kind, name) {
                (EventKind::Modify { resets, .. }, Some(name)) => {
                    let expected = resetting.contains(name) && (*name != "routes" || split);
                    assert_eq!(*resets, expected, "{item} (split-tunnel {split})");
                }
                (EventKind::SessionTimeout { timeout, .. }, None) => {
                    assert_eq!(timeout.hours(), 12, "{item}")
                }
                (other, _) => panic!("{item}: {other:?}"),
            }
        }
    }
}

#[test]
fn disconnect_on_session_timeout_modification_carries_its_new_setting() {
    // guide: Endpoint modification — "Enable or disable automatic reconnection on session
    // timeout"; maximum VPN session duration timeout — "Changing the disconnect on session
    // timeout option applies the new setting to any currently open sessions": no reset.
    let events = r#"
[[event]]
at = "12:00"
modify = ["disconnect_on_session_timeout", "description"]
disconnect_on_session_timeout = true
propagation = "10m"
"#;
    for split in [false, true] {
        let text = with_events(&format!("split_tunnel = {split}"), events);
        assert_eq!(
            modify_events(&text),
            vec![(
                vec![
                    Modification::DisconnectOnSessionTimeout,
                    Modification::Description
                ],
                false,
                Some(true)
            )]
        );
    }
    assert!(!Modification::DisconnectOnSessionTimeout.resets_connections(true));
    // Other modifications carry no setting.
    let text = with_events(
        "",
        "[[event]]\nat = \"12:00\"\nmodify = [\"dns_servers\"]\n",
    );
    assert_eq!(
        modify_events(&text),
        vec![(vec![Modification::DnsServers], true, None)]
    );
}

#[test]
fn disconnect_on_session_timeout_without_a_value_flips_the_setting() {
    // guide: Endpoint modification — "Enable or disable automatic reconnection on session
    // timeout": without a new value the change switches the setting in force when the request
    // is made; requests are taken in time order (listed here out of order).
    let events = r#"
[[event]]
at = "2d 12:00"
modify = ["disconnect_on_session_timeout"]

[[event]]
at = "12:00"
modify = ["disconnect_on_session_timeout"]

[[event]]
at = "1d 12:00"
modify = ["disconnect_on_session_timeout"]
disconnect_on_session_timeout = true
"#;
    let text = with_events("disconnect_on_session_timeout = false", events);
    let got: Vec<Option<bool>> = modify_events(&text).into_iter().map(|e| e.2).collect();
    // 12:00 flips off → on; day 1 sets on; day 2 flips on → off.
    assert_eq!(got, vec![Some(true), Some(true), Some(false)]);
    let text = with_events("disconnect_on_session_timeout = true", events);
    let got: Vec<Option<bool>> = modify_events(&text).into_iter().map(|e| e.2).collect();
    assert_eq!(got, vec![Some(false), Some(true), Some(false)]);
}

#[test]
fn disconnect_on_session_timeout_setting_belongs_to_a_modification() {
    // A setting on an outage is misplaced; a setting that is not a bool is a type error.
    let outage = r#"
[[event]]
at = "12:00"
az_outage = { availability_zone = "us-east-1a" }
disconnect_on_session_timeout = true
"#;
    let not_bool = r#"
[[event]]
at = "12:00"
modify = ["disconnect_on_session_timeout"]
disconnect_on_session_timeout = "yes"
"#;
    for (events, rule) in [(outage, "value"), (not_bool, "type")] {
        let err = load_str("events.toml", &with_events("", events)).unwrap_err();
        let d = &err.diagnostics()[0];
        assert_eq!(
            (d.rule.id(), d.path.as_str()),
            (rule, "event[0].disconnect_on_session_timeout"),
            "{err}"
        );
    }
}

#[test]
fn session_duration_in_modify_points_to_its_own_event() {
    // guide: Endpoint modification lists "The maximum VPN session duration"; it carries a value,
    // so it is written `session_timeout_hours = N`, and the hint says so.
    let text = with_events(
        "",
        "[[event]]\nat = \"12:00\"\nmodify = [\"session_timeout_hours\"]\n",
    );
    let err = load_str("events.toml", &text).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(
        (d.rule.id(), d.path.as_str()),
        ("modification", "event[0].modify")
    );
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("session_timeout_hours = 12")),
        "{err}"
    );
}

#[test]
fn propagation_up_to_4_hours_is_the_guides_range() {
    // guide: Endpoint modification — changes "will take effect up to 4 hours after a request is
    // accepted": 0 to 4 hours is quiet, a millisecond more warns, and the delay is kept as
    // written (the warning does not change the scenario).
    for (propagation, warns) in [("0s", false), ("4h", false), ("4h1ms", true)] {
        for kind in ["modify = [\"vpn_port\"]", "session_timeout_hours = 10"] {
            let text = with_events(
                "",
                &format!("[[event]]\nat = \"12:00\"\n{kind}\npropagation = \"{propagation}\"\n"),
            );
            let loaded = load_str("events.toml", &text).unwrap_or_else(|e| panic!("{e}"));
            let rules: Vec<&str> = loaded.warnings.iter().map(|d| d.rule.id()).collect();
            let expected: &[&str] = if warns { &["propagation-delay"] } else { &[] };
            assert_eq!(rules, expected, "{kind}, propagation {propagation}");
            let kept = match &loaded.scenario.events[0].kind {
                EventKind::Modify { propagation, .. }
                | EventKind::SessionTimeout { propagation, .. } => *propagation,
                other => panic!("{other:?}"),
            };
            assert_eq!(kept > 4 * HOUR, warns);
        }
    }
}

#[test]
fn group_rule_for_other_clients_grants_nothing() {
    // guide: Client-to-client access using Client VPN — group rules are not supported for
    // client-to-client traffic. The warned rule indeed grants the group's members nothing there.
    let loaded = load_file(&fixture_dir().join("client-to-client-group-rule.toml")).unwrap();
    let s = &loaded.scenario;
    let member = Groups::new(&["S-engineering".to_string()], 200);
    let peer = "10.100.1.7".parse().unwrap();
    assert!(s.endpoint.client_cidr_block.contains(&peer));
    assert!(!auth::authorize(&s.authorization_rules, &member, peer, true).granted);
    assert_eq!(
        loaded.warnings[0].hint.as_deref(),
        Some("grant client-to-client access with authorize_all_groups = true, or remove the rule")
    );
}

#[test]
fn group_rules_beyond_the_client_cidr_do_not_warn() {
    // Only a destination within (or equal to) the client CIDR is client-to-client traffic alone;
    // a group rule for a wider block, or an all-users rule, is not warned about.
    let base =
        std::fs::read_to_string(fixture_dir().join("client-to-client-group-rule.toml")).unwrap();
    for (from, to) in [
        (
            "target_network_cidr = \"10.100.0.0/22\"\naccess_group_id",
            "target_network_cidr = \"10.0.0.0/8\"\naccess_group_id",
        ),
        (
            "access_group_id = \"S-engineering\"\n",
            "authorize_all_groups = true\n",
        ),
    ] {
        assert!(base.contains(from));
        let text = base.replacen(from, to, 1);
        let loaded = load_str("c2c.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded.warnings.is_empty(), "{to}: {:?}", loaded.warnings);
    }
    // With mutual authentication alone, a group rule is already an error; no warning on top.
    let text = base.replace("[\"federated\"]", "[\"mutual\"]");
    let err = load_str("c2c.toml", &text).unwrap_err();
    let rules: Vec<&str> = err.diagnostics().iter().map(|d| d.rule.id()).collect();
    assert_eq!(rules, vec!["mutual-group-rule"]);
}

#[test]
fn client_to_client_routes_the_client_cidr_locally() {
    // guide: Client-to-client access, step 3 — a route for the client CIDR to `local`.
    let s = scenario("guide-client-to-client.toml").scenario;
    assert_eq!(s.routes.len(), 1);
    assert_eq!(s.routes[0].target, RouteTarget::Local);
    assert_eq!(s.routes[0].destination, s.endpoint.client_cidr_block);
}

// ---------------------------------------------------------------------------------------------
// The command line: `validate` exits 0 when every file is valid (warnings allowed), 1 when one is
// invalid, 2 when one cannot be read.

fn validate(args: &[&Path]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .arg("validate")
        .args(args)
        .output()
        .expect("cvpnsim runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exits_0_on_a_valid_file() {
    let file = root().join("scenarios/guide-vpc.toml");
    let (code, stdout, _) = validate(&[&file]);
    assert_eq!(code, 0);
    assert!(stdout.contains("valid (0 errors, 0 warnings)"), "{stdout}");
}

#[test]
fn cli_exits_0_on_warnings_only() {
    let file = fixture_dir().join("split-tunnel-default-route.toml");
    let (code, stdout, stderr) = validate(&[&file]);
    assert_eq!(code, 0);
    assert!(stdout.contains("valid (0 errors, 1 warning)"), "{stdout}");
    assert!(
        stderr.contains("warning[split-tunnel-default-route]"),
        "{stderr}"
    );
}

#[test]
fn cli_exits_1_on_an_invalid_file_and_shows_where() {
    let file = fixture_dir().join("vpn-port.toml");
    let (code, stdout, stderr) = validate(&[&file]);
    assert_eq!(code, 1);
    assert!(stdout.contains("invalid (1 error, 0 warnings)"), "{stdout}");
    assert!(stderr.contains("error[vpn-port]"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:10:12 (endpoint.vpn_port)", file.display())),
        "{stderr}"
    );
}

#[test]
fn cli_exits_2_on_a_missing_file() {
    let missing = root().join("scenarios/no-such-scenario.toml");
    let (code, _, stderr) = validate(&[&missing]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn cli_reports_the_worst_of_several_files() {
    let valid = root().join("scenarios/guide-vpc.toml");
    let invalid = fixture_dir().join("vpn-port.toml");
    let missing = root().join("scenarios/no-such-scenario.toml");
    let (code, stdout, _) = validate(&[&valid, &invalid]);
    assert_eq!(code, 1);
    // Every file is checked, not only up to the first invalid one.
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let (code, _, _) = validate(&[&invalid, &missing, &valid]);
    assert_eq!(code, 2);
}

// ---------------------------------------------------------------------------------------------
// Bad input never panics: whatever the bytes, the loader answers Ok or Err, and every
// diagnostic names a known rule and a place inside the text.

fn check_never_panics(name: &str, text: &str) {
    match load_str(name, text) {
        Ok(_) => {}
        Err(LoadError::Invalid {
            source,
            diagnostics,
        }) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(
                    rules::find(d.rule.id()).is_some(),
                    "unknown rule {}",
                    d.rule
                );
                assert!(d.span.start <= d.span.end && d.span.end <= text.len());
            }
            diag::render(&source, &diagnostics);
        }
        Err(e) => panic!("load_str cannot fail to read: {e}"),
    }
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("scenarios").join(name)).unwrap()
}

proptest! {
    #[test]
    fn truncated_files_never_panic(cut in 0.0f64..1.0) {
        for name in ["two-az-workday.toml", "json-example.json"] {
            let text = example(name);
            let mut at = (text.len() as f64 * cut) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            check_never_panics(name, &text[..at]);
        }
    }

    #[test]
    fn mutated_bytes_never_panic(
        edits in prop::collection::vec((0.0f64..1.0, any::<u8>(), 0u8..3), 1..8),
    ) {
        for name in ["two-az-workday.toml", "json-example.json"] {
            let mut bytes = example(name).into_bytes();
            for (pos, byte, op) in &edits {
                let i = ((bytes.len() as f64) * pos) as usize;
                match op {
                    0 if i < bytes.len() => bytes[i] = *byte,
                    1 => bytes.insert(i.min(bytes.len()), *byte),
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => {}
                }
            }
            check_never_panics(name, &String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn shuffled_lines_never_panic(
        edits in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0u8..3), 1..6),
    ) {
        // Line edits keep the syntax mostly valid, so they reach the field and cross checks.
        let text = example("two-az-workday.toml");
        let mut lines: Vec<&str> = text.lines().collect();
        for (a, b, op) in &edits {
            if lines.is_empty() {
                break;
            }
            let i = ((lines.len() as f64) * a) as usize;
            let j = ((lines.len() as f64) * b) as usize;
            match op {
                0 => lines.swap(i, j),
                1 => {
                    let l = lines[i];
                    lines.insert(j, l);
                }
                _ => {
                    lines.remove(i);
                }
            }
        }
        check_never_panics("shuffled.toml", &lines.join("\n"));
    }

    #[test]
    fn garbage_never_panics(text in ".{0,300}") {
        check_never_panics("garbage.toml", &text);
        check_never_panics("garbage.json", &text);
    }
}
