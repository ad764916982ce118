use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    match cvpnsim::app::run(cvpnsim::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code)
        }
    }
}

/// Writing to a closed pipe (`cvpnsim rules | head -1`) ends the process quietly by SIGPIPE,
/// exit status 141 in a shell, as `cat` and `grep` do; Rust's runtime ignores the signal, which
/// would turn the write into an error and `println!` into a panic.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in `main`, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
