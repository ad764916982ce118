use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cvpnsim::app::run(cvpnsim::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code)
        }
    }
}
