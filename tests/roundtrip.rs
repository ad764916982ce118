//! Every bundled scenario survives load → write → load unchanged, and writing is a fixed point;
//! so does every kind of endpoint modification.

use std::path::Path;

use cvpnsim::model::{AssocId, EventKind, Modification};
use cvpnsim::scenario::{load_file, load_str, write::to_toml};

#[test]
fn every_bundled_scenario_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            )
        })
        // `NAME.expect.toml` beside a scenario is its expectations file for `cvpnsim check`.
        .filter(|p| !p.to_string_lossy().ends_with(".expect.toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    for f in files {
        let a = load_file(&f).unwrap_or_else(|e| panic!("{e}")).scenario;
        let written = to_toml(&a);
        let b = load_str("written.toml", &written)
            .unwrap_or_else(|e| panic!("{}: {e}\n{written}", f.display()))
            .scenario;
        assert_eq!(a, b, "{} changed in the round trip", f.display());
        assert_eq!(
            written,
            to_toml(&b),
            "{}: writing is not a fixed point",
            f.display()
        );
    }
}

#[test]
fn json_and_toml_give_the_same_scenario() {
    let toml = r#"
name = "tiny"
duration = "1d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[association]]
subnet_id = "s1"
[[population]]
name = "ops"
users = 10
workday = { start = "09:00", length = "8h" }
"#;
    let json = r#"{
  "name": "tiny", "duration": "1d",
  "endpoint": {"client_cidr_block": "10.100.0.0/22", "authentication": ["mutual"], "vpc_id": "vpc-1"},
  "vpc": [{"id": "vpc-1", "cidr_blocks": ["172.31.0.0/16"]}],
  "subnet": [{"id": "s1", "vpc_id": "vpc-1", "cidr_block": "172.31.0.0/24", "availability_zone": "eu-west-1a"}],
  "association": [{"subnet_id": "s1"}],
  "population": [{"name": "ops", "users": 10, "workday": {"start": "09:00", "length": "8h"}}]
}"#;
    let a = load_str("a.toml", toml).unwrap().scenario;
    let b = load_str("b.json", json).unwrap().scenario;
    assert_eq!(a, b);
}

#[test]
fn every_modification_round_trips() {
    // guide: Endpoint modification. A `disconnect_on_session_timeout` change without a value
    // flips the setting; it is written with the value it resolved to, and loads back to it.
    let mut events = String::new();
    for (i, m) in Modification::ALL.iter().enumerate() {
        events.push_str(&format!(
            "[[event]]\nat = \"{i}h\"\nmodify = [\"{}\"]\npropagation = \"5m\"\n",
            m.name()
        ));
    }
    events.push_str(
        "[[event]]\nat = \"20h\"\nmodify = [\"disconnect_on_session_timeout\", \"routes\"]\n\
         disconnect_on_session_timeout = false\n",
    );
    let text = format!(
        r#"name = "modifications"
duration = "1d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-1"
split_tunnel = true
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[association]]
subnet_id = "s1"
[[population]]
name = "ops"
users = 10
workday = {{ start = "09:00", length = "8h" }}
{events}"#
    );
    let a = load_str("a.toml", &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let settings: Vec<Option<bool>> = a
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Modify {
                disconnect_on_session_timeout,
                ..
            } => Some(*disconnect_on_session_timeout),
            _ => None,
        })
        .filter(Option::is_some)
        .collect();
    assert_eq!(settings, vec![Some(true), Some(false)]);
    let written = to_toml(&a);
    assert!(
        written.contains("disconnect_on_session_timeout = true"),
        "{written}"
    );
    let b = load_str("written.toml", &written)
        .unwrap_or_else(|e| panic!("{e}\n{written}"))
        .scenario;
    assert_eq!(a, b);
    assert_eq!(written, to_toml(&b));
}

#[test]
fn public_networks_round_trip_and_bad_values_are_located() {
    let text = r#"
name = "tiny"
duration = "1d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
split_tunnel = true
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[association]]
subnet_id = "s1"
[[network]]
name = "saas"
cidr_blocks = ["52.10.0.0/16"]
public = true
[[network]]
name = "on-prem"
cidr_blocks = ["10.50.0.0/16"]
[[population]]
name = "ops"
users = 10
workday = { start = "09:00", length = "8h" }
needs = ["saas", "on-prem"]
"#;
    let a = load_str("a.toml", text).unwrap().scenario;
    assert!(a.networks[0].public);
    assert!(!a.networks[1].public);
    let written = to_toml(&a);
    assert!(written.contains("public = true"), "{written}");
    assert_eq!(load_str("w.toml", &written).unwrap().scenario, a);
    // `public` is a boolean: anything else is a located type error.
    let bad = text.replace("public = true", "public = \"yes\"");
    let err = load_str("bad.toml", &bad).unwrap_err().to_string();
    assert!(err.contains("bad.toml:22:10"), "{err}");
    assert!(err.contains("network[0].public"), "{err}");
}

/// The fields of drops and scaling round-trip: a subnet associated mid-run (written as its
/// `associate` event, not as an `[[association]]`; associations added mid-run are numbered in
/// time order, whatever the file's order), a reset window and a detection delay.
#[test]
fn associate_events_reset_windows_and_detection_delays_round_trip() {
    let text = r#"name = "scale-up"
duration = "2d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["mutual"]
vpc_id = "vpc-1"
split_tunnel = true
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[subnet]]
id = "s2"
vpc_id = "vpc-1"
cidr_block = "172.31.1.0/24"
availability_zone = "eu-west-1b"
[[subnet]]
id = "s3"
vpc_id = "vpc-1"
cidr_block = "172.31.2.0/24"
availability_zone = "eu-west-1c"
[[association]]
subnet_id = "s1"
[[population]]
name = "ops"
users = 10
workday = { start = "09:00", length = "8h" }
outage_detection_delay = { uniform = ["20s", "40s"] }
[[event]]
at = "1d 11:00"
associate = "s3"
[[event]]
at = "1d 10:00"
associate = "s2"
[[event]]
at = "1d 12:00"
modify = ["authorization_rules"]
reset_window = "10m"
"#;
    let a = load_str("a.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(a.associated_at_start(), [true, false, false]);
    assert_eq!(
        a.subnet_of(AssocId(1)).id,
        "s2",
        "the earlier association comes first"
    );
    let written = to_toml(&a);
    assert!(written.contains("associate = \"s2\""), "{written}");
    assert!(written.contains("reset_window = \"10m\""), "{written}");
    let b = load_str("written.toml", &written)
        .unwrap_or_else(|e| panic!("{e}\n{written}"))
        .scenario;
    assert_eq!(a, b);
    assert_eq!(written, to_toml(&b));
}
