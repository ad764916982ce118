//! `[pricing]`: every price of the guide's "Pricing for Client VPN", overridable, read and
//! written side by side.

use super::*;

/// `[pricing]`: every price overridable, none negative (guide: "Pricing for Client VPN").
pub(crate) fn decode(n: &Node, cx: &mut Cx) -> Option<Pricing> {
    let mut t = Table::new(n, "pricing", cx)?;
    let mut pr = Pricing::default();
    let mut ok = true;
    macro_rules! price {
        ($key:literal, $field:ident) => {
            if let Some(n) = t.opt($key) {
                match read::number(n, concat!("pricing.", $key), 0.0, true, 1.0e6, cx) {
                    Some(v) => pr.$field = v,
                    None => ok = false,
                }
            }
        };
    }
    macro_rules! count {
        ($key:literal, $field:ident, $min:expr, $max:expr) => {
            if let Some(n) = t.opt($key) {
                match read::integer(n, concat!("pricing.", $key), $min, $max, cx) {
                    Some(v) => pr.$field = v as u32,
                    None => ok = false,
                }
            }
        };
    }
    price!("association_hour", association_hour);
    price!("connection_hour", connection_hour);
    price!("lambda_request", lambda_request);
    price!("lambda_gb_second", lambda_gb_second);
    price!("log_ingestion_gb", log_ingestion_gb);
    price!("public_ipv4_hour", public_ipv4_hour);
    count!("lambda_memory_mb", lambda_memory_mb, 128, 10_240);
    count!("log_entry_bytes", log_entry_bytes, 1, 262_144);
    count!(
        "public_ipv4_per_association",
        public_ipv4_per_association,
        0,
        16
    );
    if let Some(n) = t.opt("connection_logging") {
        match read::boolean(n, "pricing.connection_logging", cx) {
            Some(v) => pr.connection_logging = v,
            None => ok = false,
        }
    }
    if let Some(n) = t.opt("billing") {
        match read::string(n, "pricing.billing", cx).as_deref() {
            Some("started-hour") => pr.billing = Billing::StartedHour,
            Some("prorated") => pr.billing = Billing::Prorated,
            Some(other) => {
                cx.error(
                    RuleId::Value,
                    "pricing.billing",
                    n.span.clone(),
                    format!("unknown billing `{other}`"),
                    "use \"started-hour\" (each started hour billed, as AWS bills) or \"prorated\"",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(pr)
}

pub(crate) fn write(p: &Pricing) -> TomlTable {
    let mut t = TomlTable::new();
    t["association_hour"] = Item::Value(float(p.association_hour));
    t["connection_hour"] = Item::Value(float(p.connection_hour));
    t["billing"] = value(p.billing.name());
    t["lambda_request"] = Item::Value(float(p.lambda_request));
    t["lambda_gb_second"] = Item::Value(float(p.lambda_gb_second));
    t["lambda_memory_mb"] = value(p.lambda_memory_mb as i64);
    t["connection_logging"] = value(p.connection_logging);
    t["log_ingestion_gb"] = Item::Value(float(p.log_ingestion_gb));
    t["log_entry_bytes"] = value(p.log_entry_bytes as i64);
    t["public_ipv4_hour"] = Item::Value(float(p.public_ipv4_hour));
    t["public_ipv4_per_association"] = value(p.public_ipv4_per_association as i64);
    t
}
