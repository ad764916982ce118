//! The checked scenario back to TOML: a canonical file that loads to an equal [`Scenario`],
//! written section by section by the modules of `scenario::section`. Used by round-trip tests,
//! by importers that write scenario files, and by sweeps that record each variant.

use super::section::*;

pub use super::section::dist_value;

/// Writes `s` as a scenario file.
pub fn to_toml(s: &Scenario) -> String {
    let mut doc = DocumentMut::new();
    doc["name"] = value(s.name.as_str());
    if let Some(d) = &s.description {
        doc["description"] = value(d.as_str());
    }
    doc["seed"] = value(s.seed as i64);
    doc["duration"] = Item::Value(dur(s.duration));
    doc["sample_interval"] = Item::Value(dur(s.sample_interval));
    doc["start_weekday"] = value(s.start_weekday.name());
    output::write(s, &mut doc);
    doc["endpoint"] = Item::Table(endpoint::write(s));
    doc["limits"] = Item::Table(limits::write(&s.limits));
    if s.pricing != Pricing::default() {
        doc["pricing"] = Item::Table(pricing::write(&s.pricing));
    }
    vpcs::write(s, &mut doc);
    security_groups::write(s, &mut doc);
    subnets::write(s, &mut doc);
    routes::write(s, &mut doc);
    authorization::write(s, &mut doc);
    networks::write(s, &mut doc);
    dataplane::write(s, &mut doc);
    populations::write(s, &mut doc);
    events::write(s, &mut doc);
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_round_trips() {
        let text = include_str!("../../scenarios/two-az-workday.toml");
        let a = crate::scenario::load_str("two-az-workday.toml", text)
            .unwrap()
            .scenario;
        let written = to_toml(&a);
        let b = crate::scenario::load_str("written.toml", &written)
            .unwrap_or_else(|e| panic!("{e}\n{written}"))
            .scenario;
        assert_eq!(a, b);
        // Writing is a fixed point.
        assert_eq!(written, to_toml(&b));
    }
}
