//! Leader election through a `coordination.k8s.io/v1` Lease, so two replicas never write
//! at once. Every replica serves HTTP and loads keys; only the leader reconciles and
//! creates keys. A leader that cannot renew within two thirds of the lease (client-go's
//! renew deadline: 10 s of 15) stops leading before anyone else may take over, and tries
//! to lead again; it releases the Lease on graceful shutdown.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::Client;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};

/// Lease parameters.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// Lease name.
    pub name: String,
    /// Lease namespace (the controller's).
    pub namespace: String,
    /// This replica's identity (pod name).
    pub identity: String,
    /// How long a lease is valid without renewal.
    pub duration: Duration,
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

fn expired(spec: &LeaseSpec) -> bool {
    let (Some(renew), Some(secs)) = (spec.renew_time.as_ref(), spec.lease_duration_seconds) else {
        return true;
    };
    let deadline = renew.0 + k8s_openapi::jiff::SignedDuration::from_secs(i64::from(secs));
    k8s_openapi::jiff::Timestamp::now() > deadline
}

/// Tries once to take or renew the lease. `Ok(true)` when this replica holds it.
pub async fn try_acquire(client: &Client, cfg: &LeaseConfig) -> Result<bool, kube::Error> {
    let api: Api<Lease> = Api::namespaced(client.clone(), &cfg.namespace);
    let secs = i32::try_from(cfg.duration.as_secs()).unwrap_or(15);
    match api.get_opt(&cfg.name).await? {
        None => {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(cfg.name.clone()),
                    namespace: Some(cfg.namespace.clone()),
                    ..Default::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(cfg.identity.clone()),
                    lease_duration_seconds: Some(secs),
                    acquire_time: Some(now()),
                    renew_time: Some(now()),
                    lease_transitions: Some(0),
                    ..Default::default()
                }),
            };
            match api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                Err(e) => Err(e),
            }
        }
        Some(mut lease) => {
            let spec = lease.spec.clone().unwrap_or_default();
            let mine = spec.holder_identity.as_deref() == Some(cfg.identity.as_str());
            if !mine && !expired(&spec) && spec.holder_identity.is_some() {
                return Ok(false);
            }
            let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
            lease.spec = Some(LeaseSpec {
                holder_identity: Some(cfg.identity.clone()),
                lease_duration_seconds: Some(secs),
                acquire_time: if mine { spec.acquire_time } else { Some(now()) },
                renew_time: Some(now()),
                lease_transitions: Some(transitions),
                ..spec
            });
            // replace() carries the resourceVersion: a concurrent writer makes this fail
            // with 409 instead of both replicas believing they lead.
            match api.replace(&cfg.name, &PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                Err(e) => Err(e),
            }
        }
    }
}

/// Waits until this replica leads.
pub async fn acquire(client: &Client, cfg: &LeaseConfig) {
    let retry = cfg.duration / 3;
    loop {
        let attempt = tokio::time::timeout(retry, try_acquire(client, cfg)).await;
        match attempt.unwrap_or(Err(kube::Error::Service(
            "taking the lease timed out".into(),
        ))) {
            Ok(true) => {
                tracing::info!(lease = %cfg.name, identity = %cfg.identity, "leading");
                return;
            }
            Ok(false) => tracing::debug!(lease = %cfg.name, "another replica leads; waiting"),
            Err(e) => tracing::warn!(error = %e, "lease check failed"),
        }
        tokio::time::sleep(retry).await;
    }
}

/// Renews the lease until renewal fails for two thirds of its duration (or another
/// replica holds it); then returns, early enough that this replica has stopped before
/// the lease expires and another one may take it.
pub async fn hold(client: &Client, cfg: &LeaseConfig) {
    let period = cfg.duration / 3;
    let mut last_ok = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(period).await;
        // Bounded: over a stalled connection (a partition drops packets, it does not
        // refuse them) a request can hang far past the lease.
        let attempt = tokio::time::timeout(period, try_acquire(client, cfg)).await;
        match attempt.unwrap_or(Err(kube::Error::Service(
            "renewing the lease timed out".into(),
        ))) {
            Ok(true) => last_ok = tokio::time::Instant::now(),
            Ok(false) => {
                tracing::error!(lease = %cfg.name, "lost the lease to another replica");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "renewing the lease failed");
                if last_ok.elapsed() >= cfg.duration * 2 / 3 {
                    tracing::error!("could not renew the lease in time");
                    return;
                }
            }
        }
    }
}

/// Gives the lease up (on graceful shutdown) so another replica takes over at once.
pub async fn release(client: &Client, cfg: &LeaseConfig) {
    let api: Api<Lease> = Api::namespaced(client.clone(), &cfg.namespace);
    if let Ok(Some(lease)) = api.get_opt(&cfg.name).await
        && lease
            .spec
            .as_ref()
            .and_then(|s| s.holder_identity.as_deref())
            == Some(cfg.identity.as_str())
    {
        let patch = serde_json::json!({"spec": {"holderIdentity": null, "renewTime": null}});
        let _ = api
            .patch(&cfg.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await;
    }
}
