//! `crux-devtools`: parses the command line, opens the store, serves until Ctrl-C.

use crux_devtools::config::{ArgsError, Config, USAGE};
use crux_devtools::{server, store::Store};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(ArgsError::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(ArgsError::Invalid(e)) => {
            eprintln!("crux-devtools: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(&config.data_dir, config.retention) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("crux-devtools: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("crux-devtools: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    eprintln!(
        "crux devtools on http://{url}  (OTLP/HTTP: http://{url}/v1/traces, data: {})",
        store.path().display()
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = server::serve(listener, store, shutdown).await {
        eprintln!("crux-devtools: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
