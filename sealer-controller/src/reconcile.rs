//! The reconcile loop: reads what exists, asks [`crate::plan`] what the Secret should be,
//! writes it, then reports the outcome in status, events and metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use serde_json::json;

use crate::crd::{CONDITION_SYNCED, SealedSecret, SealedSecretCondition};
use crate::keys::current;
use crate::metrics::{ERROR_REASON_STATUS, metric_reason};
use crate::plan::{Claim, Ownership, Plan, in_sync, ownership, plan, shape, source_digest, unseal};
use crate::{Context, Error};

/// Reconciles one SealedSecret: produce or verify its Secret, then write status, event
/// and metrics for the outcome.
pub async fn reconcile(ss: Arc<SealedSecret>, ctx: Arc<Context>) -> Result<Action, Error> {
    ctx.metrics.unseal_requests.inc();
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let outcome = apply(&ss, &ctx).await;
    let status_result = write_status(&ss, &ctx, outcome.as_ref().err()).await;
    if let Err(e) = &status_result {
        tracing::warn!(namespace = %ns, name = %name, error = %e, "writing status failed");
        ctx.metrics.error(ERROR_REASON_STATUS, &ns);
    }
    let key = format!("{ns}/{name}");
    match outcome {
        Ok(applied) => {
            ctx.forget_failures(&key);
            if applied.changed {
                ctx.publish_unseal_event(&ss, Ok(())).await;
            }
            status_result?;
            Ok(match ctx.config.resync_period {
                // Edits of a Secret with no owner reference to the SealedSecret wake no
                // reconcile: look again after a while (a GET and a digest, no RSA).
                Some(period) if applied.unowned => Action::requeue(period + jitter(&key, period)),
                _ => Action::await_change(),
            })
        }
        Err(e) => {
            ctx.metrics.error(metric_reason(&e), &ns);
            ctx.publish_unseal_event(&ss, Err(&e)).await;
            tracing::warn!(namespace = %ns, name = %name, error = %e, "reconcile failed");
            Err(e)
        }
    }
}

/// What [`apply`] did.
struct Applied {
    /// The cluster was changed.
    changed: bool,
    /// The Secret has no owner reference to the SealedSecret (skip-owner, patch), so its
    /// edits do not trigger a reconcile.
    unowned: bool,
}

/// Up to a tenth of `period`, spread by `key`, so that resyncs of objects created
/// together do not all fall on the same instant.
fn jitter(key: &str, period: Duration) -> Duration {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    period / 10 * u32::try_from(h.finish() % 1000).unwrap_or(0) / 1000
}

/// Produces or verifies the Secret.
async fn apply(ss: &SealedSecret, ctx: &Arc<Context>) -> Result<Applied, Error> {
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &ns);
    let existing = secrets.get_opt(&name).await?;
    let keys = current(&ctx.keys);
    let shape = shape(ss);
    let source = source_digest(ss)?;
    let uid = ss.metadata.uid.as_deref();
    let mut unowned = shape.owner_references.is_empty();
    let claim = Claim {
        uid,
        keys: &keys,
        source: &source,
    };
    // Decided once: for a Secret without owner references it costs an HMAC.
    let existing = existing.map(|e| {
        let own = ownership(&e, &claim);
        (e, own)
    });
    if let Some((e, own)) = &existing {
        match own {
            Ownership::Foreign => return Err(Error::Unmanaged(name)),
            Ownership::Patch => unowned = true,
            Ownership::Controlled | Ownership::Managed => {}
        }
        if in_sync(e, *own, &shape, &claim) {
            ctx.metrics.unseal_skipped.inc();
            return Ok(Applied {
                changed: false,
                unowned,
            });
        }
    }
    if keys.ring.is_empty() {
        return Err(Error::NoSealingKey);
    }
    let desired = {
        let _permit = ctx
            .decrypt_slots
            .acquire()
            .await
            .map_err(|_| Error::Internal("shutting down".into()))?;
        let ss = ss.clone();
        let (keys, source) = (keys.clone(), source.clone());
        let started = Instant::now();
        let (desired, attempts) =
            tokio::task::spawn_blocking(move || unseal(&ss, &keys, &shape, &source))
                .await
                .map_err(|e| Error::Internal(format!("unseal task: {e}")))??;
        ctx.metrics
            .unseal_duration
            .observe(started.elapsed().as_secs_f64());
        ctx.metrics
            .rsa_decryptions
            .inc_by(u64::try_from(attempts).unwrap_or(0));
        desired
    };
    let changed = match plan(existing.as_ref().map(|(e, own)| (e, *own)), desired)? {
        Plan::Nothing => false,
        Plan::Create(s) => {
            secrets.create(&PostParams::default(), &s).await?;
            true
        }
        Plan::Replace(s) => {
            secrets.replace(&name, &PostParams::default(), &s).await?;
            true
        }
        Plan::Recreate(s) => {
            tracing::info!(namespace = %ns, name = %name, "recreating immutable Secret whose data changed");
            secrets.delete(&name, &DeleteParams::default()).await?;
            secrets.create(&PostParams::default(), &s).await?;
            true
        }
    };
    Ok(Applied { changed, unowned })
}

/// Writes the `Synced` condition and `observedGeneration` when they change.
async fn write_status(
    ss: &SealedSecret,
    ctx: &Context,
    error: Option<&Error>,
) -> Result<(), Error> {
    let ns = ss.namespace().unwrap_or_default();
    let name = ss.name_any();
    let (status, message) = match error {
        None => ("True", None),
        Some(e) => ("False", Some(e.to_string())),
    };
    let gauge = if error.is_none() { 1 } else { -1 };
    ctx.metrics
        .condition_info
        .get_or_create(&crate::metrics::ConditionLabels {
            namespace: ns.clone(),
            name: name.clone(),
            condition: CONDITION_SYNCED.into(),
            ss_app_kubernetes_io_instance: ss
                .labels()
                .get("app.kubernetes.io/instance")
                .cloned()
                .unwrap_or_default(),
        })
        .set(gauge);
    if !ctx.config.update_status {
        return Ok(());
    }
    let current_status = ss.status.clone().unwrap_or_default();
    let previous = current_status
        .conditions
        .iter()
        .find(|c| c.type_ == CONDITION_SYNCED);
    let generation = ss.metadata.generation;
    let unchanged = previous.is_some_and(|c| c.status == status && c.message == message)
        && current_status.observed_generation == generation;
    if unchanged {
        return Ok(());
    }
    let now = crate::rfc3339_now();
    let transition = match previous {
        Some(c) if c.status == status => c.last_transition_time.clone(),
        _ => Some(now.clone()),
    };
    let mut conditions: Vec<SealedSecretCondition> = current_status
        .conditions
        .into_iter()
        .filter(|c| c.type_ != CONDITION_SYNCED)
        .collect();
    conditions.insert(
        0,
        SealedSecretCondition {
            type_: CONDITION_SYNCED.into(),
            status: status.into(),
            last_update_time: Some(now),
            last_transition_time: transition,
            reason: error.map(|e| metric_reason(e).to_owned()),
            message,
        },
    );
    let patch = json!({"status": {"conditions": conditions, "observedGeneration": generation}});
    let api: Api<SealedSecret> = Api::namespaced(ctx.client.clone(), &ns);
    api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Requeue delay after a failure: long and growing for what only a new key or a new
/// SealedSecret can fix, short and growing for API trouble. Never gives up.
pub fn backoff(e: &Error, failures: u32) -> Duration {
    let (base, cap) = match e {
        Error::Unseal(_) | Error::NoSealingKey => (30, 3600),
        Error::Unmanaged(_) => (60, 3600),
        Error::Kube(_) | Error::Internal(_) => (1, 300),
    };
    let exp = failures.saturating_sub(1).min(16);
    Duration::from_secs((base * 2u64.pow(exp)).min(cap))
}

/// kube-runtime's error policy: count the failure and back off.
pub fn error_policy(ss: Arc<SealedSecret>, e: &Error, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", ss.namespace().unwrap_or_default(), ss.name_any());
    let n = ctx.count_failure(&key);
    Action::requeue(backoff(e, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped_but_never_stops() {
        let e = Error::Unseal(sealer_core::Error::Decrypt { key: "x".into() });
        assert_eq!(backoff(&e, 1), Duration::from_secs(30));
        assert_eq!(backoff(&e, 2), Duration::from_secs(60));
        assert_eq!(backoff(&e, 50), Duration::from_secs(3600));
        let k = Error::Internal("x".into());
        assert_eq!(backoff(&k, 1), Duration::from_secs(1));
        assert_eq!(backoff(&k, 100), Duration::from_secs(300));
    }
}
