//! The Helm chart's RBAC on the real control plane, proven both ways: our controller
//! binary, run as the chart's ServiceAccount with a TokenRequest token, does its whole
//! job, and fails at the matching step when one rule is taken away.
//!
//! Every test installs its own release in its own namespace and runs the controller
//! with `--watch-namespace` set to a namespace of its own, so tests never see each
//! other's objects. Without helm or the plane the tests fail, never skip.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::config::Kubeconfig;
use sealer_controller::crd::SealedSecret;
use sealer_core::keys::KEY_LABEL;
use sealer_tests::chart::{NAME, chart, helm_ok};
use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, free_port, secret_value, wait_for, wait_value};
use sealer_tests::peers::{run_ok, seal_bin};
use serde_json::json;

const T: Duration = Duration::from_secs(60);
/// The chart's default Lease name (its Role grants get/update/patch on this name only).
const LEASE: &str = "sealer-controller";

// ---------------------------------------------------------------------------------
// helm

/// `helm install sealer` into `namespace` (which must exist) with `--set` values.
fn install(namespace: &str, sets: &[&str]) -> String {
    let chart = chart();
    let mut args = vec![
        "install",
        "sealer",
        chart.to_str().unwrap(),
        "-n",
        namespace,
        // The CRD is cluster-wide and shared by every test; it is applied (and
        // waited for) by `cluster::with_namespace`. The chart.rs test
        // `helm_install_creates_every_object_of_the_chart` installs it through Helm.
        "--skip-crds",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    helm_ok(&args)
}

// ---------------------------------------------------------------------------------
// the plane

/// A kubeconfig that authenticates as ServiceAccount `ns/sa` with a one-hour token
/// from the TokenRequest API, for the plane of the admin kubeconfig (`KUBECONFIG`).
async fn service_account_kubeconfig(client: &Client, ns: &str, sa: &str) -> PathBuf {
    let request = TokenRequest {
        spec: Some(TokenRequestSpec {
            expiration_seconds: Some(3600),
            ..TokenRequestSpec::default()
        }),
        ..TokenRequest::default()
    };
    let token = Api::<ServiceAccount>::namespaced(client.clone(), ns)
        .create_token_request(sa, &PostParams::default(), &request)
        .await
        .unwrap_or_else(|e| panic!("TokenRequest for {ns}/{sa}: {e}"))
        .status
        .expect("a TokenRequest answer carries a status")
        .token;
    let admin = Kubeconfig::read_from(std::env::var_os("KUBECONFIG").expect("KUBECONFIG"))
        .expect("the admin kubeconfig");
    let cluster = admin
        .clusters
        .first()
        .and_then(|c| c.cluster.clone())
        .expect("a cluster in the admin kubeconfig");
    let kubeconfig = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "plane", "cluster": {
            "server": cluster.server,
            "certificate-authority-data": cluster.certificate_authority_data,
        }}],
        "users": [{"name": sa, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "plane", "user": sa, "namespace": ns}}],
        "current-context": "sa",
    });
    let path = std::env::temp_dir().join(format!("sealer-chart-{ns}-{}.kubeconfig", free_port()));
    std::fs::write(&path, serde_json::to_vec_pretty(&kubeconfig).unwrap()).unwrap();
    path
}

/// Whether the API server allows ServiceAccount `ns/sa` `verb` on `resource`.
async fn allowed(
    client: &Client,
    (ns, sa): (&str, &str),
    verb: &str,
    (group, resource, subresource): (&str, &str, &str),
    in_ns: &str,
) -> bool {
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(format!("system:serviceaccount:{ns}:{sa}")),
            groups: Some(vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ]),
            resource_attributes: Some(ResourceAttributes {
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: (!subresource.is_empty()).then(|| subresource.into()),
                verb: Some(verb.into()),
                namespace: (!in_ns.is_empty()).then(|| in_ns.into()),
                // The Role grants get/update/patch on the chart's Lease by name.
                name: (resource == "leases").then(|| LEASE.into()),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    Api::<SubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .is_some_and(|s| s.allowed)
}

/// Removes `verb` for `group/resource` from every rule of `rules` (dropping rules left
/// without verbs).
fn without(rules: Vec<PolicyRule>, group: &str, resource: &str, verb: &str) -> Vec<PolicyRule> {
    rules
        .into_iter()
        .filter_map(|mut r| {
            let matches = r
                .api_groups
                .as_ref()
                .is_some_and(|g| g.iter().any(|x| x == group))
                && r.resources
                    .as_ref()
                    .is_some_and(|x| x.iter().any(|x| x == resource));
            if matches {
                r.verbs.retain(|v| v != verb);
            }
            (!r.verbs.is_empty()).then_some(r)
        })
        .collect()
}

/// Which of the chart's roles a rule is taken from.
#[derive(Clone, Copy)]
enum Rbac {
    /// The ClusterRole (SealedSecrets, produced Secrets, events).
    Cluster,
    /// The Role in the release namespace (key Secrets, the Lease).
    Namespaced,
}

/// Takes `verb` on `group/resource` away from the installed chart's role (via the kube
/// API, after `helm install`), then waits until the authorizer denies it.
async fn revoke(
    client: &Client,
    release_ns: &str,
    role: Rbac,
    (group, resource, verb): (&str, &str, &str),
    check_ns: &str,
) {
    match role {
        Rbac::Cluster => {
            let api = Api::<ClusterRole>::all(client.clone());
            let name = format!("{NAME}-{release_ns}");
            let mut cr = api.get(&name).await.unwrap();
            cr.rules = Some(without(cr.rules.unwrap_or_default(), group, resource, verb));
            api.replace(&name, &PostParams::default(), &cr)
                .await
                .unwrap();
        }
        Rbac::Namespaced => {
            let api = Api::<Role>::namespaced(client.clone(), release_ns);
            let mut r = api.get(NAME).await.unwrap();
            r.rules = Some(without(r.rules.unwrap_or_default(), group, resource, verb));
            api.replace(NAME, &PostParams::default(), &r).await.unwrap();
        }
    }
    let (res, sub) = resource.split_once('/').unwrap_or((resource, ""));
    wait_for(T, &format!("RBAC to deny {verb} {resource}"), || async {
        (!allowed(
            client,
            (release_ns, NAME),
            verb,
            (group, res, sub),
            check_ns,
        )
        .await)
            .then_some(())
    })
    .await;
}

// ---------------------------------------------------------------------------------
// the controller, run as the chart's ServiceAccount

// ---------------------------------------------------------------------------------
// SealedSecrets

/// Seals `{key: value}` as Secret `ns/name` with `cert` and creates the SealedSecret
/// (as the admin, the way a GitOps tool would).
async fn create_sealed(client: &Client, cert: &Path, ns: &str, name: &str, value: &str) {
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\nstringData:\n  greeting: \"{value}\"\n"
    );
    let out = run_ok(
        &seal_bin(),
        &["--cert", cert.to_str().unwrap(), "-o", "json"],
        secret.as_bytes(),
    );
    let ss: SealedSecret = serde_json::from_slice(&out).unwrap();
    Api::<SealedSecret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &ss)
        .await
        .unwrap();
}

/// The Synced condition: (status, message).
async fn synced(client: &Client, ns: &str, name: &str) -> Option<(String, String)> {
    let ss = Api::<SealedSecret>::namespaced(client.clone(), ns)
        .get(name)
        .await
        .ok()?;
    let c = ss
        .status?
        .conditions
        .into_iter()
        .find(|c| c.type_ == "Synced")?;
    Some((c.status, c.message.unwrap_or_default()))
}

async fn wait_synced(client: &Client, ns: &str, name: &str, want: &str) -> String {
    wait_for(T, &format!("{ns}/{name} Synced={want}"), || async {
        synced(client, ns, name)
            .await
            .filter(|(s, _)| s == want)
            .map(|(_, m)| m)
    })
    .await
}

async fn key_secrets(client: &Client, ns: &str) -> Vec<Secret> {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("{KEY_LABEL}=active")))
        .await
        .unwrap()
        .items
}

/// Installs the chart in a fresh namespace, and makes a second namespace for the
/// SealedSecrets; returns (client, release namespace, watched namespace, kubeconfig
/// of the chart's ServiceAccount).
async fn installed(prefix: &str, sets: &[&str]) -> (Client, String, String, PathBuf) {
    let (client, release_ns) = cluster::with_namespace(prefix).await;
    let watch_ns = cluster::namespace(&client, &format!("{prefix}-apps")).await;
    let sets: Vec<String> = sets
        .iter()
        .map(|s| s.replace("$WATCH", &watch_ns))
        .collect();
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    install(&release_ns, &sets);
    let kubeconfig = service_account_kubeconfig(&client, &release_ns, NAME).await;
    (client, release_ns, watch_ns, kubeconfig)
}

// ---------------------------------------------------------------------------------
// RBAC is enough

/// The whole job as the chart's ServiceAccount, cluster-wide binding (the default):
/// key made, Lease held, SealedSecret unsealed with status, lease released on SIGTERM,
/// a new key made at the next start (cutoff), and values sealed with it unsealed.
#[tokio::test]
async fn the_controller_as_the_charts_service_account_unseals_renews_keys_and_leads() {
    let (client, release_ns, watch_ns, kubeconfig) = installed("chart-rbac", &[]).await;
    run_as_the_charts_service_account(&client, &release_ns, &watch_ns, &kubeconfig).await;
}

/// The same with `watchNamespace`: the ClusterRole is bound in that namespace only,
/// and it is still enough.
#[tokio::test]
async fn with_watch_namespace_the_namespaced_binding_is_enough_and_stops_there() {
    let (client, release_ns, watch_ns, kubeconfig) =
        installed("chart-rbac-ns", &["watchNamespace=$WATCH"]).await;
    let elsewhere = cluster::namespace(&client, "chart-rbac-other").await;
    let sa = cluster::client_from(&kubeconfig).await;
    let err = Api::<Secret>::namespaced(sa.clone(), &elsewhere)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("forbidden"), "{err}");
    Api::<Secret>::namespaced(sa, &watch_ns)
        .list(&ListParams::default())
        .await
        .unwrap();
    run_as_the_charts_service_account(&client, &release_ns, &watch_ns, &kubeconfig).await;
}

async fn run_as_the_charts_service_account(
    client: &Client,
    release_ns: &str,
    watch_ns: &str,
    kubeconfig: &Path,
) {
    // The kubeconfig really is the ServiceAccount: no more than its roles.
    let sa = cluster::client_from(kubeconfig).await;
    let err = Api::<Namespace>::all(sa.clone())
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("forbidden"), "{err}");

    let mut ctl =
        RunningController::start_as_deployment(kubeconfig, release_ns, watch_ns, LEASE, &[]);
    let keys = key_secrets(client, release_ns).await;
    assert_eq!(keys.len(), 1, "one key made at start");
    let lease = Api::<Lease>::namespaced(client.clone(), release_ns)
        .get(LEASE)
        .await
        .unwrap();
    assert_eq!(
        lease.spec.unwrap().holder_identity.as_deref(),
        Some(ctl.identity.as_str())
    );

    let cert = ctl.cert_file();
    create_sealed(client, &cert, watch_ns, "first", "hello").await;
    wait_value(client, watch_ns, "first", "greeting", b"hello").await;
    wait_synced(client, watch_ns, "first", "True").await;

    // SIGTERM releases the Lease (a patch) and exits 0.
    assert!(ctl.terminate(), "exit on SIGTERM; log:\n{}", ctl.log_text());
    let lease = Api::<Lease>::namespaced(client.clone(), release_ns)
        .get(LEASE)
        .await
        .unwrap();
    assert_ne!(
        lease.spec.unwrap().holder_identity.as_deref(),
        Some(ctl.identity.as_str()),
        "the lease was released; log:\n{}",
        ctl.log_text()
    );

    // Renewal: a cutoff after the first key makes the next leader write a new one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cutoff = k8s_openapi::jiff::Timestamp::now().to_string();
    let ctl2 = RunningController::start_as_deployment(
        kubeconfig,
        release_ns,
        watch_ns,
        LEASE,
        &["--key-cutoff-time", &cutoff],
    );
    wait_for(T, "a second key Secret", || async {
        (key_secrets(client, release_ns).await.len() == 2).then_some(())
    })
    .await;
    let cert2 = wait_for(T, "the new certificate to be served", || async {
        let c = ctl2.cert_file();
        (std::fs::read(&c).ok()? != std::fs::read(&cert).ok()?).then_some(c)
    })
    .await;
    create_sealed(client, &cert2, watch_ns, "second", "renewed").await;
    wait_value(client, watch_ns, "second", "greeting", b"renewed").await;
    wait_synced(client, watch_ns, "second", "True").await;
    assert_eq!(synced(client, watch_ns, "first").await.unwrap().0, "True");
}

// ---------------------------------------------------------------------------------
// RBAC is not more than needed: each rule taken away breaks the step it allows

#[tokio::test]
async fn without_secrets_create_the_status_says_the_secret_could_not_be_created() {
    let (client, release_ns, watch_ns, kubeconfig) = installed("chart-no-create", &[]).await;
    revoke(
        &client,
        &release_ns,
        Rbac::Cluster,
        ("", "secrets", "create"),
        &watch_ns,
    )
    .await;
    // Key Secrets are still made: the Role grants create in the release namespace.
    let ctl =
        RunningController::start_as_deployment(&kubeconfig, &release_ns, &watch_ns, LEASE, &[]);
    create_sealed(&client, &ctl.cert_file(), &watch_ns, "denied", "x").await;
    let message = wait_synced(&client, &watch_ns, "denied", "False").await;
    assert!(
        message.contains("forbidden") && message.contains("cannot create resource \"secrets\""),
        "{message}"
    );
    assert_eq!(
        secret_value(&client, &watch_ns, "denied", "greeting").await,
        None
    );
}

#[tokio::test]
async fn without_status_patch_the_secret_is_made_but_no_status_is_written() {
    let (client, release_ns, watch_ns, kubeconfig) = installed("chart-no-status", &[]).await;
    revoke(
        &client,
        &release_ns,
        Rbac::Cluster,
        ("bitnami.com", "sealedsecrets/status", "patch"),
        &watch_ns,
    )
    .await;
    let ctl =
        RunningController::start_as_deployment(&kubeconfig, &release_ns, &watch_ns, LEASE, &[]);
    create_sealed(&client, &ctl.cert_file(), &watch_ns, "mute", "quiet").await;
    wait_value(&client, &watch_ns, "mute", "greeting", b"quiet").await;
    wait_for(T, "a status write failure in the metrics", || async {
        (ctl.metric_matching(
            "sealed_secrets_controller_unseal_errors_total",
            "reason=\"status\"",
        ) > 0.0)
            .then_some(())
    })
    .await;
    assert_eq!(
        synced(&client, &watch_ns, "mute").await,
        None,
        "no status without the rule"
    );
    let log = ctl.log_text();
    assert!(
        log.contains("writing status failed") && log.contains("forbidden"),
        "{log}"
    );
}

#[tokio::test]
async fn without_the_lease_rules_the_controller_never_leads_nor_makes_a_key() {
    let (client, release_ns, watch_ns, kubeconfig) = installed("chart-no-lease", &[]).await;
    for verb in ["get", "create", "update", "patch"] {
        revoke(
            &client,
            &release_ns,
            Rbac::Namespaced,
            ("coordination.k8s.io", "leases", verb),
            &release_ns,
        )
        .await;
    }
    let ctl =
        RunningController::spawn_as_deployment(&kubeconfig, &release_ns, &watch_ns, LEASE, &[]);
    wait_for(T, "a forbidden lease check in the log", || async {
        let log = ctl.log_text();
        (log.contains("lease check failed") && log.contains("forbidden")).then_some(())
    })
    .await;
    // Keys are made by the leader only: after several lease retries, still none.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(!ctl.ready(), "ready without a key?");
    assert!(key_secrets(&client, &release_ns).await.is_empty());
    assert!(
        Api::<Lease>::namespaced(client.clone(), &release_ns)
            .get_opt(LEASE)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!ctl.log_text().contains("leading"), "{}", ctl.log_text());
}

#[tokio::test]
async fn without_key_secret_create_in_its_namespace_the_leader_cannot_make_a_key() {
    // With watchNamespace the ClusterRole is bound in the watched namespace only, so the
    // Role is what lets the controller write keys into its own namespace.
    let (client, release_ns, watch_ns, kubeconfig) =
        installed("chart-no-key", &["watchNamespace=$WATCH"]).await;
    revoke(
        &client,
        &release_ns,
        Rbac::Namespaced,
        ("", "secrets", "create"),
        &release_ns,
    )
    .await;
    let ctl =
        RunningController::spawn_as_deployment(&kubeconfig, &release_ns, &watch_ns, LEASE, &[]);
    wait_for(T, "a forbidden key creation in the log", || async {
        let log = ctl.log_text();
        (log.contains("creating a sealing key failed") && log.contains("forbidden")).then_some(())
    })
    .await;
    assert!(ctl.log_text().contains("leading"), "{}", ctl.log_text());
    assert!(!ctl.ready(), "ready without a key?");
    assert!(key_secrets(&client, &release_ns).await.is_empty());
}

#[tokio::test]
async fn without_secrets_update_a_changed_sealed_secret_reports_the_update_failure() {
    let (client, release_ns, watch_ns, kubeconfig) = installed("chart-no-update", &[]).await;
    let ctl =
        RunningController::start_as_deployment(&kubeconfig, &release_ns, &watch_ns, LEASE, &[]);
    let cert = ctl.cert_file();
    create_sealed(&client, &cert, &watch_ns, "changing", "v1").await;
    wait_value(&client, &watch_ns, "changing", "greeting", b"v1").await;
    wait_synced(&client, &watch_ns, "changing", "True").await;

    revoke(
        &client,
        &release_ns,
        Rbac::Cluster,
        ("", "secrets", "update"),
        &watch_ns,
    )
    .await;
    // A new value for the same SealedSecret (spec replaced, as a GitOps apply would).
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: changing\n  namespace: {watch_ns}\nstringData:\n  greeting: \"v2\"\n"
    );
    let out = run_ok(
        &seal_bin(),
        &["--cert", cert.to_str().unwrap(), "-o", "json"],
        secret.as_bytes(),
    );
    let new: SealedSecret = serde_json::from_slice(&out).unwrap();
    let patch = json!({"spec": new.spec});
    Api::<SealedSecret>::namespaced(client.clone(), &watch_ns)
        .patch("changing", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    let message = wait_synced(&client, &watch_ns, "changing", "False").await;
    assert!(
        message.contains("forbidden") && message.contains("cannot update resource \"secrets\""),
        "{message}"
    );
    assert_eq!(
        secret_value(&client, &watch_ns, "changing", "greeting")
            .await
            .as_deref(),
        Some(b"v1".as_slice())
    );
}
