//! The data-plane sections of the scenario format: every problem reported at once with its rule,
//! line, column and field path; a complete data plane survives load → write → load; scenarios
//! without these sections get an empty data plane (the endpoint-side verdict is final).

use std::path::Path;

use cvpnsim::scenario::{load_file, load_str, write::to_toml, LoadError};
use cvpnsim::source::diag::Diagnostic;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dataplane")
        .join(name)
}

/// (rule, line:col, path) of each diagnostic, in the order reported.
fn diagnostics(name: &str) -> Vec<(String, String, String)> {
    match load_file(&fixture(name)) {
        Err(LoadError::Invalid {
            source,
            diagnostics,
        }) => diagnostics
            .iter()
            .map(|d: &Diagnostic| {
                let (l, c) = source.line_col(d.span.start);
                (d.rule.to_string(), format!("{l}:{c}"), d.path.clone())
            })
            .collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("{name} loaded"),
    }
}

fn triples(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn every_field_problem_is_reported_with_its_place() {
    assert_eq!(
        diagnostics("several-problems.toml"),
        triples(&[
            (
                "unknown-reference",
                "35:56",
                "route_table[0].route[0].gateway_id"
            ),
            ("vpc-route-target", "36:3", "route_table[0].route[1]"),
            ("vpc-route-target", "37:3", "route_table[0].route[2]"),
            ("value", "45:35", "network_acl[0].ingress[0].protocol"),
            ("value", "46:56", "network_acl[0].ingress[1].rule_action"),
            (
                "missing-field",
                "47:3",
                "network_acl[0].ingress[2].from_port"
            ),
            (
                "unknown-reference",
                "51:21",
                "security_group_rule[0].security_group_id"
            ),
            ("value", "55:11", "security_group_rule[0].to_port"),
        ])
    );
}

#[test]
fn every_cross_check_is_reported() {
    assert_eq!(
        diagnostics("several-cross-checks.toml"),
        triples(&[
            (
                "vpc-route-target",
                "37:3",
                "route_table[0].route[0].gateway_id",
            ),
            ("route-table", "38:3", "route_table[0].route[1]"),
            ("route-table", "41:1", "route_table[1].main"),
            (
                "network-acl",
                "52:3",
                "network_acl[0].egress[1].rule_number"
            ),
            ("network-acl", "55:1", "network_acl[1].subnet_ids"),
        ])
    );
}

#[test]
fn a_complete_data_plane_round_trips() {
    for name in ["troubleshooting.toml", "transit.toml"] {
        let a = load_file(&fixture(name))
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        assert!(a.data_plane.is_modelled(), "{name}");
        let written = to_toml(&a);
        let b = load_str("written.toml", &written)
            .unwrap_or_else(|e| panic!("{e}\n{written}"))
            .scenario;
        assert_eq!(a, b, "{name} changed in the round trip");
        assert_eq!(written, to_toml(&b), "{name}: writing is not a fixed point");
    }
}

/// A bundled scenario without data-plane sections gets an empty data plane and writes none;
/// one with them (onprem-vpn-bottleneck.toml) survives load → write → load.
#[test]
fn bundled_scenarios_keep_their_data_plane_or_its_absence() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut with = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.to_string_lossy().to_string();
        if name.ends_with(".expect.toml") || !(name.ends_with(".toml") || name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let s = load_file(&p).unwrap().scenario;
        if text.contains("[[route_table]]") {
            with += 1;
            assert!(s.data_plane.is_modelled(), "{name}");
            let again = load_str("again.toml", &to_toml(&s)).unwrap().scenario;
            assert_eq!(again, s, "{name}");
        } else {
            assert!(s.data_plane.is_empty(), "{name}");
            assert!(!to_toml(&s).contains("route_table"), "{name}");
        }
    }
    assert_eq!(with, 1);
}
