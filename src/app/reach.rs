//! `cvpnsim reach FILE`: the static reachability matrix (population × needed network × landing
//! subnet) as a table or CSV; with `--from POPULATION|GROUP --to ADDRESS[:PORT]`, the decision
//! path for one address from each landing subnet, through the VPC data plane when the scenario
//! declares it (every hop, and the first that drops). `--at TIME` uses the route tables in force then
//! (subnets the scenario disassociates by that time are gone, with their routes). Exit 0, or 1
//! with `--check` when there is a gap; exit 2 for bad input (unreadable or invalid file, unknown
//! population, bad address, bad time).

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::ExitCode;

use super::AppError;
use crate::cli::{Format, ReachArgs};
use crate::model::dataplane::{Protocol, Service};
use crate::model::{AssocId, Scenario};
use crate::net::client::{known_groups, ClientSource};
use crate::net::{trace, Client, Evaluator, Matrix, RouteTables};
use crate::output;
use crate::report::reachability as report;
use crate::scenario;
use crate::source::diag;

pub fn run(args: &ReachArgs) -> Result<ExitCode, AppError> {
    let s = load(&args.file)?;
    let tables = match args.at.as_deref() {
        None => RouteTables::all_live(&s),
        Some(text) => RouteTables::at(
            &s,
            crate::scenario::duration::parse(text).map_err(|e| {
                AppError::usage(format!(
                    "--at: `{text}` is not a time of the scenario ({e}); write it like `1d 12:00` or `90m`"
                ))
            })?,
        ),
    };
    let landings = landings(&s, &tables, args.landing.as_deref())?;
    let client = args.from.as_deref().map(|n| resolve(&s, n)).transpose()?;
    let to = args.to.as_deref().map(parse_destination).transpose()?;
    let json = args.format == Format::Json;
    let gap = match (client, to) {
        (Some(c), Some((x, sv))) => {
            if let Some(path) = &args.topology {
                write_topology(&s, &tables, &c, &landings, x, sv, path)?;
            }
            print_traces(&s, &tables, &c, &landings, x, sv, json)
        }
        (None, Some((x, sv))) => print_address(&s, &tables, &landings, x, sv, json),
        (c, None) => print_matrix(&s, &tables, c.as_ref(), &landings, args.csv, json)?,
    };
    Ok(ExitCode::from(if args.check && gap { 1 } else { 0 }))
}

/// Loads and checks a scenario; warnings go to stderr, errors end the command with exit 2.
pub(super) fn load(path: &Path) -> Result<Scenario, AppError> {
    match scenario::load_file(path) {
        Ok(loaded) => {
            eprint!("{}", diag::render(&loaded.source, &loaded.warnings));
            Ok(loaded.scenario)
        }
        Err(e) => Err(AppError::usage(e.to_string())),
    }
}

fn landings(
    s: &Scenario,
    tables: &RouteTables,
    only: Option<&str>,
) -> Result<Vec<AssocId>, AppError> {
    let live: Vec<AssocId> = tables.live().collect();
    let Some(subnet) = only else {
        return Ok(live);
    };
    let found: Vec<AssocId> = live
        .into_iter()
        .filter(|&a| s.subnet_of(a).id == subnet)
        .collect();
    if found.is_empty() {
        let known: Vec<String> = tables.live().map(|a| s.subnet_of(a).id.clone()).collect();
        return Err(AppError::usage(format!(
            "--landing: `{subnet}` is not an associated subnet{}; associated: {}",
            suggest(subnet, &known),
            known.join(", ")
        )));
    }
    Ok(found)
}

fn resolve(s: &Scenario, name: &str) -> Result<Client, AppError> {
    Client::resolve(s, name).ok_or_else(|| {
        let pops: Vec<String> = s.populations.iter().map(|p| p.name.clone()).collect();
        let groups = known_groups(s);
        let all: Vec<String> = pops.iter().chain(groups.iter()).cloned().collect();
        AppError::usage(format!(
            "--from: `{name}` is neither a population nor a group of this scenario{}\n  populations: {}\n  groups: {}",
            suggest(name, &all),
            list_or_none(&pops),
            list_or_none(&groups)
        ))
    })
}

/// `ADDRESS`, `ADDRESS:PORT` (TCP) or `ADDRESS:tcp/443`, `ADDRESS:udp/53`, `ADDRESS:icmp`.
fn parse_destination(text: &str) -> Result<(Ipv4Addr, Option<Service>), AppError> {
    let Some((addr, port)) = text.trim().split_once(':') else {
        return Ok((parse_address(text)?, None));
    };
    let x = parse_address(addr)?;
    let sv = match port.parse::<u16>() {
        Ok(p) => Some(Service {
            protocol: Protocol::Tcp,
            port: p,
        }),
        Err(_) => Service::parse(port),
    };
    match sv {
        Some(sv) => Ok((x, Some(sv))),
        None => Err(AppError::usage(format!(
            "--to: `{port}` is not a port (write ADDRESS:443, ADDRESS:tcp/443, ADDRESS:udp/53 or ADDRESS:icmp)"
        ))),
    }
}

fn parse_address(text: &str) -> Result<Ipv4Addr, AppError> {
    text.trim().parse::<Ipv4Addr>().map_err(|_| {
        let hint = if text.contains('/') {
            " (give one address; whole networks are in the matrix without --to)"
        } else {
            " (expected an IPv4 address like 10.0.2.119)"
        };
        AppError::usage(format!("--to: `{text}` is not an IPv4 address{hint}"))
    })
}

fn print_traces(
    s: &Scenario,
    tables: &RouteTables,
    c: &Client,
    landings: &[AssocId],
    x: Ipv4Addr,
    sv: Option<Service>,
    json: bool,
) -> bool {
    let eval = Evaluator::new(s, tables);
    if json {
        let traces: Vec<_> = landings
            .iter()
            .map(|&a| eval.address_service(c, a, x, sv))
            .collect();
        print!(
            "{}",
            output::to_text(&output::json::reach_traces(s, &traces))
        );
        return traces.iter().any(|t| t.outcome.is_gap());
    }
    let mut gap = false;
    for (i, &a) in landings.iter().enumerate() {
        let t = eval.address_service(c, a, x, sv);
        gap |= t.outcome.is_gap();
        if i > 0 {
            println!();
        }
        print!("{}", trace::render(s, &t));
    }
    gap
}

/// The data plane's picture with the walk from the first landing subnet.
fn write_topology(
    s: &Scenario,
    tables: &RouteTables,
    c: &Client,
    landings: &[AssocId],
    x: Ipv4Addr,
    sv: Option<Service>,
    path: &Path,
) -> Result<(), AppError> {
    let eval = Evaluator::new(s, tables);
    let Some(f) = eval.forwarder() else {
        return Err(AppError::usage(
            "--topology: the scenario declares no VPC data plane (no [[route_table]])".to_string(),
        ));
    };
    let walk = landings
        .first()
        .and_then(|&a| eval.address_service(c, a, x, sv).walk);
    let svg = crate::net::dataplane::picture::svg(s, &f.topology, walk.as_ref());
    std::fs::write(path, svg)
        .map_err(|e| AppError::usage(format!("--topology: cannot write {}: {e}", path.display())))
}

fn print_address(
    s: &Scenario,
    tables: &RouteTables,
    landings: &[AssocId],
    x: Ipv4Addr,
    sv: Option<Service>,
    json: bool,
) -> bool {
    let eval = Evaluator::new(s, tables);
    let mut traces = Vec::new();
    for p in 0..s.populations.len() {
        let c = Client::population(s, crate::model::PopId(p as u32));
        for &a in landings {
            traces.push(eval.address_service(&c, a, x, sv));
        }
    }
    if json {
        print!(
            "{}",
            output::to_text(&output::json::reach_traces(s, &traces))
        );
    } else {
        print!("{}", report::address_table(s, &traces));
    }
    traces.iter().any(|t| t.outcome.is_gap())
}

fn print_matrix(
    s: &Scenario,
    tables: &RouteTables,
    c: Option<&Client>,
    landings: &[AssocId],
    csv: bool,
    json: bool,
) -> Result<bool, AppError> {
    let pop = match c.map(|c| &c.source) {
        None => None,
        Some(ClientSource::Population(p)) => Some(*p),
        Some(ClientSource::Group(g)) => {
            return Err(AppError::usage(format!(
                "--from: `{g}` is a group, not a population, and has no list of needed networks; add --to ADDRESS to trace it"
            )))
        }
    };
    let mut m = Matrix::build(s, tables);
    m.cells.retain(|cell| {
        pop.is_none_or(|p| cell.population == p) && landings.contains(&cell.association)
    });
    if json {
        print!("{}", output::to_text(&output::json::reach_matrix(s, &m)));
    } else if csv {
        print!("{}", report::matrix_csv(s, &m));
    } else {
        print!("{}", report::matrix_table(s, &m));
    }
    let gap = m.gaps().next().is_some();
    Ok(gap)
}

/// " (did you mean `x`?)" when a known name is close enough.
fn suggest(name: &str, known: &[String]) -> String {
    crate::source::suggest::did_you_mean(name, known)
        .map_or_else(String::new, |h| format!(" ({h})"))
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}
