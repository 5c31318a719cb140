//! The sealer-controller binary: flags, logging, servers, leader election, the
//! controller loop and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use kube::api::PartialObjectMeta;
use kube::runtime::controller::{self, Controller};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use sealer_controller::crd::SealedSecret;
use sealer_controller::{Config, Context, keys, leader, reconcile};

/// Unseals SealedSecrets (bitnami.com/v1alpha1) into Secrets, owns and renews the
/// sealing keys, and serves the public certificate.
#[derive(Debug, Parser)]
#[command(name = "sealer-controller", version)]
struct Flags {
    #[command(subcommand)]
    command: Option<Command>,
    /// Namespace of the key Secrets and the lease (default: $POD_NAMESPACE, else kube-system).
    #[arg(long, env = "SEALER_KEY_NAMESPACE")]
    key_namespace: Option<String>,
    /// generateName prefix of new key Secrets.
    #[arg(long, default_value = keys::DEFAULT_KEY_PREFIX)]
    key_prefix: String,
    /// Size of new keys in bits.
    #[arg(long, default_value_t = 4096)]
    key_size: usize,
    /// Validity of new certificates.
    #[arg(long, default_value = "3650d", value_parser = sealer_controller::parse_duration)]
    key_ttl: i64,
    /// Make a new sealing key this often (0 disables renewal).
    #[arg(long, default_value = "720h", value_parser = sealer_controller::parse_duration)]
    key_renew_period: i64,
    /// Make a new key at start if the newest is older than this time (RFC 3339 or RFC 1123Z).
    #[arg(long, value_parser = sealer_controller::parse_cutoff)]
    key_cutoff_time: Option<i64>,
    /// Address of the HTTP API.
    #[arg(long, default_value = "0.0.0.0:8080")]
    listen_addr: SocketAddr,
    /// Address of the metrics endpoint.
    #[arg(long, default_value = "0.0.0.0:8081")]
    listen_metrics_addr: SocketAddr,
    /// Threads doing RSA work at once (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// SealedSecrets reconciled at once.
    #[arg(long, default_value_t = 32)]
    concurrency: u16,
    /// /v1/verify and /v1/rotate requests per second.
    #[arg(long, default_value_t = 2)]
    rate_limit: u32,
    /// Burst of /v1/verify and /v1/rotate requests.
    #[arg(long, default_value_t = 2)]
    rate_limit_burst: u32,
    /// Write status on SealedSecrets.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    update_status: bool,
    /// Elect a leader through a Lease (needed with more than one replica).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    leader_elect: bool,
    /// Name of the leader-election Lease.
    #[arg(long, default_value = "sealer-controller")]
    lease_name: String,
    /// Watch SealedSecrets in this namespace only (default: all namespaces).
    #[arg(long)]
    watch_namespace: Option<String>,
    /// Check SealedSecrets whose Secret has no owner reference to them (skip-set-owner-
    /// references, patch) this often, so drift on them is repaired too; spread by up to a
    /// tenth more per object. A check is one GET and a digest, no RSA. 0 disables it.
    #[arg(long, default_value = "10m", value_parser = sealer_controller::parse_duration)]
    resync_period: i64,
    /// Log format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Log filter (tracing EnvFilter syntax), e.g. info or sealer_controller=debug.
    #[arg(long, env = "SEALER_LOG", default_value = "info")]
    log_level: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the SealedSecret CRD generated from the Rust types.
    Crd,
}

fn init_logging(flags: &Flags) {
    let filter = tracing_subscriber::EnvFilter::try_new(&flags.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi);
    if flags.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn serve(addr: SocketAddr, router: axum::Router, what: &'static str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "{what} listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let flags = Flags::parse();
    if let Some(Command::Crd) = flags.command {
        print!("{}", sealer_controller::crd::crd_yaml());
        return std::process::ExitCode::SUCCESS;
    }
    init_logging(&flags);
    match run(flags).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "sealer-controller stopped");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run(flags: Flags) -> Result<(), String> {
    let client = Client::try_default()
        .await
        .map_err(|e| format!("cannot reach the Kubernetes API: {e}"))?;
    let namespace = flags
        .key_namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok())
        .unwrap_or_else(|| "kube-system".to_owned());
    let config = Config {
        namespace: namespace.clone(),
        key_prefix: flags.key_prefix.clone(),
        key_bits: flags.key_size,
        cert_days: u32::try_from(flags.key_ttl / 86_400).unwrap_or(3650).max(1),
        key_renew_period: flags.key_renew_period,
        key_cutoff: flags.key_cutoff_time,
        update_status: flags.update_status,
        resync_period: u64::try_from(flags.resync_period)
            .ok()
            .filter(|s| *s > 0)
            .map(Duration::from_secs),
    };
    let workers = flags
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let ctx = Arc::new(Context::new(
        client.clone(),
        config,
        workers,
        flags.rate_limit,
        flags.rate_limit_burst,
    ));
    tracing::info!(namespace = %namespace, workers, version = env!("CARGO_PKG_VERSION"), "starting");

    let api_server = tokio::spawn(serve(
        flags.listen_addr,
        sealer_controller::http::api_router(ctx.clone()),
        "HTTP API",
    ));
    let metrics_server = tokio::spawn(serve(
        flags.listen_metrics_addr,
        sealer_controller::http::metrics_router(ctx.clone()),
        "metrics",
    ));

    let (key_changes, key_changes_rx) = tokio::sync::watch::channel(0u64);
    tokio::spawn(keys::watch_keys(ctx.clone(), key_changes));

    let lease = leader::LeaseConfig {
        name: flags.lease_name.clone(),
        namespace: namespace.clone(),
        identity: std::env::var("POD_NAME")
            .unwrap_or_else(|_| format!("sealer-controller-{}", std::process::id())),
        duration: Duration::from_secs(15),
    };
    if flags.leader_elect {
        tokio::select! {
            () = leader::acquire(&client, &lease) => {}
            () = shutdown_signal() => return Ok(()),
        }
    }

    // Leader-only: aborted when the lease is lost, started again when it is won back.
    let mut renewer = tokio::spawn(keys::renew_keys(ctx.clone(), key_changes_rx.clone()));

    // Reconciling before a key is loaded would mark every SealedSecret as failed for a
    // moment (and cost a status write each): wait for the first key.
    let mut loaded = key_changes_rx.clone();
    loop {
        let set = keys::current(&ctx.keys);
        if set.loaded && !set.ring.is_empty() {
            break;
        }
        tokio::select! {
            r = loaded.changed() => if r.is_err() { return Err("the key watch stopped".to_owned()) },
            () = tokio::time::sleep(Duration::from_secs(30)) => {
                tracing::warn!(namespace = %namespace, "still waiting for a sealing key (check the key Secrets and RBAC)");
            }
            () = shutdown_signal() => return Ok(()),
        }
    }

    let sealed: Api<SealedSecret> = match &flags.watch_namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    // Owned Secrets are watched by metadata only: edits and deletions trigger a
    // reconcile without the controller ever caching Secret data.
    let secrets: Api<PartialObjectMeta<Secret>> = match &flags.watch_namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let (mut api_server, mut metrics_server) = (api_server, metrics_server);
    let result = loop {
        // Key set changed: reconcile everything (in-sync objects cost a digest check
        // only), so SealedSecrets that failed for want of a key are retried at once.
        let retrigger = tokio_stream_from_watch(key_changes_rx.clone());
        let controller = Controller::new(sealed.clone(), watcher::Config::default().any_semantic())
            .owns_stream(
                watcher(secrets.clone(), watcher::Config::default().any_semantic())
                    .touched_objects(),
            )
            .reconcile_all_on(retrigger)
            .with_config(controller::Config::default().concurrency(flags.concurrency))
            .graceful_shutdown_on(shutdown_signal())
            .run(reconcile::reconcile, reconcile::error_policy, ctx.clone())
            .for_each(|_| async {});
        let lost = async {
            if flags.leader_elect {
                leader::hold(&client, &lease).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = controller => break Ok(()),
            () = lost => {}
            r = &mut api_server => break r.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| format!("HTTP API: {e}"))),
            r = &mut metrics_server => break r.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| format!("metrics: {e}"))),
        }
        // The lease could not be renewed (the API server out of reach, or another
        // replica took it): stop writing at once, keep serving HTTP, and lead again
        // once the lease is won back. Exiting instead would make every API server
        // restart longer than the lease a container restart.
        renewer.abort();
        tracing::error!(lease = %lease.name, "lost the lease: not reconciling until it is won back");
        tokio::select! {
            () = leader::acquire(&client, &lease) => {}
            () = shutdown_signal() => break Ok(()),
        }
        renewer = tokio::spawn(keys::renew_keys(ctx.clone(), key_changes_rx.clone()));
    };
    if flags.leader_elect {
        leader::release(&client, &lease).await;
    }
    tracing::info!("stopped");
    result
}

/// A stream that yields once per change of the watch channel.
fn tokio_stream_from_watch(
    rx: tokio::sync::watch::Receiver<u64>,
) -> impl futures::Stream<Item = ()> + Send {
    futures::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        Some(((), rx))
    })
}
