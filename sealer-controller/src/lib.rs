//! sealer-controller: turns SealedSecrets into Secrets inside the cluster, owns and
//! renews the sealing keys, serves the public certificate and exports metrics.
//!
//! Shaped like kube-rs's controller-rs example: a [`Context`] shared by a thin
//! [`reconcile::reconcile`] and an [`reconcile::error_policy`] that maps each error to a
//! requeue delay. What the Secret should be is decided in [`plan`], without a client;
//! events are published from [`events`]. All cryptography is `sealer-core`'s.

#![warn(missing_docs)]

pub mod crd;
pub mod events;
pub mod http;
pub mod keys;
pub mod leader;
pub mod metrics;
pub mod plan;
pub mod reconcile;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

/// Why a reconcile failed. Messages are safe to put in status and events.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value could not be decrypted, a template not rendered, or the object is malformed.
    #[error("{0}")]
    Unseal(#[source] sealer_core::Error),
    /// No sealing key is loaded (yet): nothing can be decrypted until one is.
    #[error("no sealing key is loaded yet")]
    NoSealingKey,
    /// A Secret of the same name exists and this SealedSecret may not manage it.
    #[error("Resource \"{0}\" already exists and is not managed by SealedSecret")]
    Unmanaged(String),
    /// The API server refused or failed.
    #[error("kubernetes API: {}", api_message(.0))]
    Kube(#[from] kube::Error),
    /// Something that should not happen.
    #[error("internal: {0}")]
    Internal(String),
}

/// The API server's own message for a refusal (what a user can act on), else the
/// client error.
fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    }
}

/// Settings of one controller process.
#[derive(Clone, Debug)]
pub struct Config {
    /// Namespace of the key Secrets and the lease.
    pub namespace: String,
    /// generateName prefix of new key Secrets.
    pub key_prefix: String,
    /// Bits of new keys.
    pub key_bits: usize,
    /// Validity of new certificates, in days.
    pub cert_days: u32,
    /// Renew the sealing key after this many seconds (0: never).
    pub key_renew_period: i64,
    /// Make a new key at start when the newest is older than this (Unix seconds).
    pub key_cutoff: Option<i64>,
    /// Write `status` on SealedSecrets.
    pub update_status: bool,
    /// How often a SealedSecret whose Secret has no owner reference to it (skip-owner,
    /// patch) is checked again: edits of such a Secret do not trigger a reconcile.
    /// `None`: never.
    pub resync_period: Option<std::time::Duration>,
}

/// Everything reconcile and the HTTP handlers share.
pub struct Context {
    /// The Kubernetes client.
    pub client: Client,
    /// Settings.
    pub config: Config,
    /// The loaded keys, swapped atomically on reload.
    pub keys: keys::SharedKeys,
    /// Metrics.
    pub metrics: metrics::Metrics,
    /// Event recorder.
    pub recorder: Recorder,
    /// Bounds concurrent RSA work to the worker count.
    pub decrypt_slots: tokio::sync::Semaphore,
    /// Rate limit of `/v1/verify` and `/v1/rotate`.
    pub http_limiter: http::RateLimiter,
    failures: Mutex<HashMap<String, u32>>,
}

impl Context {
    /// A context with no keys loaded yet.
    pub fn new(client: Client, config: Config, workers: usize, rate: u32, burst: u32) -> Self {
        let reporter = Reporter {
            controller: "sealer-controller".into(),
            instance: std::env::var("POD_NAME").ok(),
        };
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            config,
            keys: Arc::new(RwLock::new(Arc::new(keys::KeySet::default()))),
            metrics: metrics::Metrics::new(),
            decrypt_slots: tokio::sync::Semaphore::new(workers.max(1)),
            http_limiter: http::RateLimiter::new(rate, burst),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a failure of `key`; returns how many in a row.
    pub fn count_failure(&self, key: &str) -> u32 {
        let Ok(mut f) = self.failures.lock() else {
            return 1;
        };
        let n = f.entry(key.to_owned()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// Resets the failure count of `key` after a success.
    pub fn forget_failures(&self, key: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.remove(key);
        }
    }
}

/// Current Unix time in seconds.
pub fn now() -> i64 {
    k8s_openapi::jiff::Timestamp::now().as_second()
}

/// Current time as RFC 3339 (second precision, UTC), as Kubernetes writes it.
pub fn rfc3339_now() -> String {
    let t = k8s_openapi::jiff::Timestamp::from_second(now())
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    t.to_string()
}

/// Parses a duration such as `720h`, `30d`, `1h30m`, `90s` or `0` into seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(0);
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "`{s}`: unknown unit `{c}` (use s, m, h or d, e.g. 720h or 30d)"
                ));
            }
        };
        let n: i64 = num
            .parse()
            .map_err(|_| format!("`{s}`: a number must come before `{c}`"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        num.clear();
    }
    if !num.is_empty() {
        return Err(format!(
            "`{s}`: the last number has no unit (use s, m, h or d)"
        ));
    }
    Ok(total)
}

/// Parses a key cutoff time: RFC 1123 with numeric zone (upstream's format, e.g.
/// `Mon, 02 Jan 2006 15:04:05 -0700`) or RFC 3339.
pub fn parse_cutoff(s: &str) -> Result<i64, String> {
    if let Ok(t) = s.parse::<k8s_openapi::jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    k8s_openapi::jiff::fmt::rfc2822::parse(s)
        .map(|z| z.timestamp().as_second())
        .map_err(|_| format!("`{s}` is not a time: use RFC 3339 (2026-01-31T00:00:00Z) or RFC 1123Z (Sat, 31 Jan 2026 00:00:00 +0000)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_upstream_flags() {
        assert_eq!(parse_duration("720h"), Ok(720 * 3600));
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn cutoff_times_accept_rfc1123z_and_rfc3339() {
        assert_eq!(parse_cutoff("2026-01-31T00:00:00Z"), Ok(1_769_817_600));
        assert_eq!(
            parse_cutoff("Sat, 31 Jan 2026 00:00:00 +0000"),
            Ok(1_769_817_600)
        );
        assert!(parse_cutoff("yesterday").is_err());
    }
}
