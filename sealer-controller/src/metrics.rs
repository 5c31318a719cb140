//! Prometheus metrics. The `sealed_secrets_controller_*` families keep upstream's names
//! and labels so existing dashboards and alerts work; `sealer_*` are ours.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::Error;

/// `reason` of `sealed_secrets_controller_unseal_errors_total` (and of a `Synced=False`
/// condition): the values could not be decrypted or rendered, or no key is loaded.
pub const ERROR_REASON_UNSEAL: &str = "unseal";
/// `reason` of `sealed_secrets_controller_unseal_errors_total`: a Secret of that name
/// exists and the SealedSecret may not manage it.
pub const ERROR_REASON_UNMANAGED: &str = "unmanaged";
/// `reason` of `sealed_secrets_controller_unseal_errors_total`: the Secret could not be
/// read or written.
pub const ERROR_REASON_UPDATE: &str = "update";
/// `reason` of `sealed_secrets_controller_unseal_errors_total`: the SealedSecret's status
/// could not be written.
pub const ERROR_REASON_STATUS: &str = "status";

/// The `reason` a failed reconcile is counted under (upstream's vocabulary, which
/// dashboards and alerts match on), also written as the `Synced=False` condition's reason.
pub fn metric_reason(e: &Error) -> &'static str {
    match e {
        // One reason whatever the core error (`Decrypt`, `MalformedValue`, `Template`...),
        // as upstream: splitting it would rename a series alerts are built on.
        Error::Unseal(_) | Error::NoSealingKey => ERROR_REASON_UNSEAL,
        Error::Unmanaged(_) => ERROR_REASON_UNMANAGED,
        Error::Kube(_) | Error::Internal(_) => ERROR_REASON_UPDATE,
    }
}

/// Label set of `unseal_errors_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    /// One of the `ERROR_REASON_*` constants (upstream's reasons).
    pub reason: String,
    /// Namespace of the SealedSecret.
    pub namespace: String,
}

/// Label set of `condition_info` (upstream's names).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConditionLabels {
    /// Namespace of the SealedSecret.
    pub namespace: String,
    /// Name of the SealedSecret.
    pub name: String,
    /// Condition type (`Synced`).
    pub condition: String,
    /// The SealedSecret's `app.kubernetes.io/instance` label.
    pub ss_app_kubernetes_io_instance: String,
}

/// Label set of `http_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// Route path.
    pub path: String,
    /// Status code.
    pub code: String,
    /// HTTP method.
    pub method: String,
}

/// Label set of `http_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpDurationLabels {
    /// Route path.
    pub path: String,
    /// HTTP method.
    pub method: String,
}

/// Label set of `build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    /// Version of the controller.
    pub revision: String,
}

/// Every metric the controller exports.
pub struct Metrics {
    registry: Registry,
    /// Reconciliations attempted.
    pub unseal_requests: Counter,
    /// Failures by reason and namespace.
    pub unseal_errors: Family<ErrorLabels, Counter>,
    /// -1 false, 0 unknown, 1 true per SealedSecret condition.
    pub condition_info: Family<ConditionLabels, Gauge>,
    /// HTTP requests served.
    pub http_requests: Family<HttpLabels, Counter>,
    /// HTTP request latency.
    pub http_duration: Family<HttpDurationLabels, Histogram>,
    /// Sealing keys currently loaded.
    pub keys: Gauge,
    /// Age in seconds of the key that seals new values.
    pub newest_key_age_seconds: Gauge,
    /// Key Secrets that could not be loaded.
    pub key_load_errors: Counter,
    /// 1 when the key that seals new values has been backed up (`sealer.dev/backed-up-at`).
    pub newest_key_backed_up: Gauge,
    /// Loaded keys without a backup annotation.
    pub keys_not_backed_up: Gauge,
    /// Time spent decrypting and rendering one SealedSecret.
    pub unseal_duration: Histogram,
    /// Reconciliations that found the Secret in sync by its digest, without any RSA.
    pub unseal_skipped: Counter,
    /// RSA private-key operations performed.
    pub rsa_decryptions: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let up = "sealed_secrets_controller";
        let m = Self {
            unseal_requests: Counter::default(),
            unseal_errors: Family::default(),
            condition_info: Family::default(),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.001, 2.0, 14))
            }),
            keys: Gauge::default(),
            newest_key_age_seconds: Gauge::default(),
            key_load_errors: Counter::default(),
            newest_key_backed_up: Gauge::default(),
            keys_not_backed_up: Gauge::default(),
            unseal_duration: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            unseal_skipped: Counter::default(),
            rsa_decryptions: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            format!("{up}_unseal_requests"),
            "Total number of sealed secret unseal requests",
            m.unseal_requests.clone(),
        );
        registry.register(
            format!("{up}_unseal_errors"),
            "Total number of sealed secret unseal errors by reason",
            m.unseal_errors.clone(),
        );
        registry.register(
            format!("{up}_condition_info"),
            "Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)",
            m.condition_info.clone(),
        );
        registry.register(
            format!("{up}_http_requests"),
            "Total number of HTTP requests by path, code and method",
            m.http_requests.clone(),
        );
        registry.register(
            format!("{up}_http_request_duration_seconds"),
            "HTTP request duration by path and method",
            m.http_duration.clone(),
        );
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                revision: env!("CARGO_PKG_VERSION").to_owned(),
            })
            .set(1);
        registry.register(format!("{up}_build_info"), "Build information", build);
        registry.register("sealer_keys", "Sealing keys loaded", m.keys.clone());
        registry.register(
            "sealer_newest_key_age_seconds",
            "Age of the key that seals new values",
            m.newest_key_age_seconds.clone(),
        );
        registry.register(
            "sealer_key_load_errors",
            "Key Secrets that could not be loaded (malformed)",
            m.key_load_errors.clone(),
        );
        registry.register(
            "sealer_newest_key_backed_up",
            "1 when the key that seals new values has been backed up (seal keys backup), else 0",
            m.newest_key_backed_up.clone(),
        );
        registry.register(
            "sealer_keys_not_backed_up",
            "Loaded sealing keys that no backup has taken",
            m.keys_not_backed_up.clone(),
        );
        registry.register(
            "sealer_unseal_duration_seconds",
            "Time to decrypt and render one SealedSecret",
            m.unseal_duration.clone(),
        );
        registry.register(
            "sealer_unseal_skipped",
            "Reconciliations that verified the Secret by digest, without RSA",
            m.unseal_skipped.clone(),
        );
        registry.register(
            "sealer_rsa_decryptions",
            "RSA private-key operations performed",
            m.rsa_decryptions.clone(),
        );
        Self { registry, ..m }
    }

    /// Counts an error of `reason` (one of the `ERROR_REASON_*` constants) for a
    /// SealedSecret in `namespace`.
    pub fn error(&self, reason: &'static str, namespace: &str) {
        self.unseal_errors
            .get_or_create(&ErrorLabels {
                reason: reason.to_owned(),
                namespace: namespace.to_owned(),
            })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_metric_names_are_exported() {
        let m = Metrics::new();
        m.unseal_requests.inc();
        m.error(ERROR_REASON_UNSEAL, "ns");
        let text = m.encode();
        for name in [
            "sealed_secrets_controller_unseal_requests_total 1",
            "sealed_secrets_controller_unseal_errors_total{reason=\"unseal\",namespace=\"ns\"} 1",
            "sealed_secrets_controller_build_info{revision=",
            "sealer_keys ",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
    }
}
