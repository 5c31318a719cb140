//! The Helm chart `charts/sealer-controller` on the real control plane: lint and
//! template, the values schema, `helm install`, and the chart's RBAC proven both ways:
//! our controller binary, run as the chart's ServiceAccount with a TokenRequest token,
//! does its whole job, and fails at the matching step when one rule is taken away.
//!
//! Every test installs its own release in its own namespace and runs the controller
//! with `--watch-namespace` set to a namespace of its own, so tests never see each
//! other's objects. Without helm or the plane the tests fail, never skip.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::Kubeconfig;
use kube::discovery::ApiResource;
use sealer_controller::crd::SealedSecret;
use sealer_core::keys::KEY_LABEL;
use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, free_port, secret_value, wait_for, wait_value};
use sealer_tests::peers::{peer, repo_root, run_ok, seal_bin};
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(60);
/// The name the chart gives the Deployment, ServiceAccount and API Service by default.
const NAME: &str = "sealed-secrets-controller";
/// The chart's default Lease name (its Role grants get/update/patch on this name only).
const LEASE: &str = "sealer-controller";

// ---------------------------------------------------------------------------------
// helm

fn chart() -> PathBuf {
    repo_root().join("charts/sealer-controller")
}

fn helm(args: &[&str]) -> Output {
    let helm = peer("SEALER_PEER_HELM");
    Command::new(&helm)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", helm.display()))
}

fn helm_ok(args: &[&str]) -> String {
    let out = helm(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "helm {args:?} failed ({}):\n{stderr}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `helm template` with `--set` values; returns the rendered objects.
fn template(namespace: &str, sets: &[&str]) -> Vec<Value> {
    let chart = chart();
    let mut args = vec![
        "template",
        "sealer",
        chart.to_str().unwrap(),
        "-n",
        namespace,
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let text = helm_ok(&args);
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("helm template printed invalid YAML: {e}\n{text}"))
        .into_iter()
        .filter(|v| v.is_object())
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in the rendered chart"))
}

fn kinds(objects: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or("").to_owned())
        .collect();
    k.sort();
    k
}

fn container_args(objects: &[Value], deployment: &str) -> Vec<String> {
    find(objects, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

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
        // waited for) by `setup`. `helm_install_creates_every_object_of_the_chart`
        // installs it through Helm.
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
// lint, template, schema

#[test]
fn helm_lint_is_clean_for_default_and_non_default_values() {
    let chart = chart();
    let chart = chart.to_str().unwrap();
    let out = helm_ok(&["lint", "--strict", chart]);
    assert!(out.contains("0 chart(s) failed"), "{out}");
    let values = std::env::temp_dir().join(format!("sealer-chart-values-{}.yaml", free_port()));
    std::fs::write(
        &values,
        "replicaCount: 2\nlogFormat: json\nlogLevel: debug\nwatchNamespace: apps\n\
         keyRenewPeriod: 30d\nkeyCutoffTime: \"2026-01-01T00:00:00Z\"\nkeySize: 3072\nworkers: 4\n\
         metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}\n\
         podDisruptionBudget: {enabled: true, minAvailable: 1}\n\
         networkPolicy: {enabled: true, metricsFrom: [{namespaceSelector: {}}], egress: {enabled: true}}\n",
    )
    .unwrap();
    let out = helm(&["lint", "--strict", chart, "-f", values.to_str().unwrap()]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(all.contains("0 chart(s) failed"), "{all}");
    assert!(
        !all.contains("[WARNING]") && !all.contains("[ERROR]"),
        "{all}"
    );
}

#[test]
fn default_template_has_the_hardened_deployment_and_the_names_seal_expects() {
    let objects = template("kube-system", &[]);
    assert_eq!(
        kinds(&objects),
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Role",
            "RoleBinding",
            "Service",
            "Service",
            "ServiceAccount"
        ],
        "optional objects are off by default"
    );
    // `seal` defaults: Service kube-system/sealed-secrets-controller, port named http.
    let svc = find(&objects, "Service", NAME);
    assert_eq!(svc["spec"]["ports"][0]["name"], "http");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8080);
    let metrics = find(&objects, "Service", &format!("{NAME}-metrics"));
    assert_eq!(metrics["spec"]["ports"][0]["name"], "metrics");
    assert_eq!(metrics["spec"]["ports"][0]["port"], 8081);

    let deploy = find(&objects, "Deployment", NAME);
    assert_eq!(deploy["spec"]["replicas"], 1);
    let pod = &deploy["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], NAME);
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let c = &pod["containers"][0];
    let sc = &c["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["runAsNonRoot"], true);
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
    assert!(c["resources"]["requests"]["cpu"].is_string());
    assert!(c["resources"]["limits"]["memory"].is_string());
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(
        c["ports"][0],
        json!({"name": "http", "containerPort": 8080, "protocol": "TCP"})
    );
    let env: Vec<(&str, &str)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["valueFrom"]["fieldRef"]["fieldPath"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        env,
        [
            ("POD_NAME", "metadata.name"),
            ("POD_NAMESPACE", "metadata.namespace")
        ]
    );
    let args = container_args(&objects, NAME);
    for want in [
        "--leader-elect=true",
        "--lease-name=sealer-controller",
        "--key-renew-period=720h",
        "--key-size=4096",
        "--log-format=text",
    ] {
        assert!(args.iter().any(|a| a == want), "{want} not in {args:?}");
    }
    assert!(!args.iter().any(|a| a.starts_with("--watch-namespace")));
    let sa = find(&objects, "ServiceAccount", NAME);
    assert_eq!(sa["automountServiceAccountToken"], false);
}

#[test]
fn non_default_values_render_replicas_json_logs_and_the_optional_objects() {
    let objects = template(
        "sealer",
        &[
            "replicaCount=2",
            "logFormat=json",
            "watchNamespace=apps",
            "rateLimit=5",
            "workers=3",
            "keyCutoffTime=2026-01-01T00:00:00Z",
            "metrics.serviceMonitor.enabled=true",
            "podDisruptionBudget.enabled=true",
            "networkPolicy.enabled=true",
            "fullnameOverride=sealer",
        ],
    );
    assert_eq!(
        kinds(&objects),
        [
            "ClusterRole",
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Role",
            "RoleBinding",
            "RoleBinding",
            "Service",
            "Service",
            "ServiceAccount",
            "ServiceMonitor"
        ],
        "with watchNamespace the ClusterRole is bound in that namespace only"
    );
    let deploy = find(&objects, "Deployment", "sealer");
    assert_eq!(deploy["spec"]["replicas"], 2);
    let args = container_args(&objects, "sealer");
    for want in [
        "--leader-elect=true",
        "--log-format=json",
        "--watch-namespace=apps",
        "--rate-limit=5",
        "--workers=3",
        "--key-cutoff-time=2026-01-01T00:00:00Z",
    ] {
        assert!(args.iter().any(|a| a == want), "{want} not in {args:?}");
    }
    let binding = objects
        .iter()
        .find(|o| o["kind"] == "RoleBinding" && o["roleRef"]["kind"] == "ClusterRole")
        .unwrap();
    assert_eq!(binding["metadata"]["namespace"], "apps");
    assert_eq!(binding["subjects"][0]["namespace"], "sealer");
    let sm = find(&objects, "ServiceMonitor", "sealer");
    assert_eq!(sm["spec"]["endpoints"][0]["port"], "metrics");
    assert_eq!(
        find(&objects, "Service", "sealer")["spec"]["ports"][0]["name"],
        "http"
    );
}

#[test]
fn bad_values_are_refused_by_the_schema_with_the_field_named() {
    let chart = chart();
    let chart = chart.to_str().unwrap();
    for (set, want) in [
        (
            "replicaCount=two",
            "/replicaCount': got string, want integer",
        ),
        (
            "logFormat=xml",
            "/logFormat': value must be one of 'text', 'json'",
        ),
        ("keyRenewPeriod=30 days", "/keyRenewPeriod"),
        ("keySize=1000", "/keySize"),
        ("replicas=2", "additional properties 'replicas' not allowed"),
        ("image.pullPolicy=Sometimes", "/image/pullPolicy"),
        ("service.port=99999", "/service/port"),
    ] {
        let out = helm(&["template", "sealer", chart, "--set", set]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{set} was accepted");
        assert!(
            stderr.contains("values don't meet the specifications of the schema"),
            "{set}: {stderr}"
        );
        assert!(
            stderr.contains(want),
            "{set}: expected {want:?} in:\n{stderr}"
        );
    }
    // What the schema cannot say, the chart says itself.
    let out = helm(&[
        "template",
        "sealer",
        chart,
        "--set",
        "replicaCount=2",
        "--set",
        "leaderElection.enabled=false",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("replicaCount is 2 but leaderElection.enabled is false"),
        "{stderr}"
    );
}

#[tokio::test]
async fn helm_install_refuses_a_bad_value_and_creates_nothing() {
    let (client, ns) = cluster::with_namespace("chart-bad").await;
    let chart = chart();
    let out = helm(&[
        "install",
        "sealer",
        chart.to_str().unwrap(),
        "-n",
        &ns,
        "--skip-crds",
        "--set",
        "replicaCount=two",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "installed with replicaCount=two");
    assert!(
        stderr.contains("/replicaCount': got string, want integer"),
        "{stderr}"
    );
    let deployments = Api::<Deployment>::namespaced(client.clone(), &ns)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(deployments.items.is_empty());
}

// ---------------------------------------------------------------------------------
// install

/// A minimal stand-in for prometheus-operator's ServiceMonitor CRD (any spec), so the
/// chart's ServiceMonitor can be installed on the bare plane.
async fn servicemonitor_crd(client: &Client) {
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
        "spec": {
            "group": "monitoring.coreos.com",
            "scope": "Namespaced",
            "names": {"plural": "servicemonitors", "singular": "servicemonitor",
                      "kind": "ServiceMonitor", "listKind": "ServiceMonitorList"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {
                "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
            }}],
        },
    }))
    .unwrap();
    cluster::apply_crd(client, &crd).await;
}

#[tokio::test]
async fn helm_install_creates_every_object_of_the_chart() {
    let client = cluster::client().await;
    servicemonitor_crd(&client).await;
    let ns = cluster::namespace(&client, "chart-install").await;
    let chart = chart();
    // Not --skip-crds: the SealedSecret CRD comes from the chart's crds/ (Helm leaves an
    // existing one as it is).
    let out = helm_ok(&[
        "install",
        "sealer",
        chart.to_str().unwrap(),
        "-n",
        &ns,
        "--set",
        "replicaCount=2",
        "--set",
        "metrics.serviceMonitor.enabled=true",
        "--set",
        "podDisruptionBudget.enabled=true",
        "--set",
        "networkPolicy.enabled=true",
        "--set",
        "networkPolicy.egress.enabled=true",
    ]);
    assert!(out.contains("STATUS: deployed"), "{out}");
    assert!(
        out.contains(&format!(
            "seal fetch-cert --controller-namespace {ns} --controller-name {NAME}"
        )),
        "NOTES name the namespace and Service:\n{out}"
    );

    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    assert!(
        crds.get_opt("sealedsecrets.bitnami.com")
            .await
            .unwrap()
            .is_some()
    );
    let deploy = Api::<Deployment>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    assert_eq!(deploy.spec.replicas, Some(2));
    Api::<ServiceAccount>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    let cluster_name = format!("{NAME}-{ns}");
    Api::<ClusterRole>::all(client.clone())
        .get(&cluster_name)
        .await
        .unwrap();
    let crb = Api::<ClusterRoleBinding>::all(client.clone())
        .get(&cluster_name)
        .await
        .unwrap();
    assert_eq!(
        crb.subjects.unwrap()[0].namespace.as_deref(),
        Some(ns.as_str())
    );
    Api::<Role>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    Api::<RoleBinding>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    let services = Api::<Service>::namespaced(client.clone(), &ns);
    let svc = services.get(NAME).await.unwrap().spec.unwrap();
    assert_eq!(svc.ports.unwrap()[0].name.as_deref(), Some("http"));
    let metrics = services.get(&format!("{NAME}-metrics")).await.unwrap();
    assert_eq!(
        metrics.spec.unwrap().ports.unwrap()[0].name.as_deref(),
        Some("metrics")
    );
    Api::<PodDisruptionBudget>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    Api::<NetworkPolicy>::namespaced(client.clone(), &ns)
        .get(NAME)
        .await
        .unwrap();
    let sm = ApiResource {
        group: "monitoring.coreos.com".into(),
        version: "v1".into(),
        api_version: "monitoring.coreos.com/v1".into(),
        kind: "ServiceMonitor".into(),
        plural: "servicemonitors".into(),
    };
    Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &sm)
        .get(NAME)
        .await
        .unwrap();

    let status = helm_ok(&["status", "sealer", "-n", &ns]);
    assert!(status.contains("STATUS: deployed"), "{status}");
}

#[tokio::test]
async fn the_charts_pod_is_admitted_under_the_restricted_pod_security_standard() {
    let client = cluster::client().await;
    let ns = cluster::namespace(&client, "chart-restricted").await;
    let labels = json!({"metadata": {"labels": {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }}});
    Api::<Namespace>::all(client.clone())
        .patch(&ns, &PatchParams::default(), &Patch::Merge(&labels))
        .await
        .unwrap();
    let objects = template(&ns, &[]);
    let template = &find(&objects, "Deployment", NAME)["spec"]["template"];
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "sealer-controller-from-chart", "namespace": ns,
                     "labels": template["metadata"]["labels"]},
        "spec": template["spec"],
    }))
    .unwrap();
    let pods = Api::<Pod>::namespaced(client.clone(), &ns);
    // Enforced at admission: a Pod that breaks `restricted` is refused (403).
    pods.create(&PostParams::default(), &pod)
        .await
        .unwrap_or_else(|e| panic!("the chart's pod is not `restricted`: {e}"));
    // And the check is real: the same pod with privilege escalation is refused.
    let mut bad = serde_json::to_value(&pod).unwrap();
    bad["metadata"]["name"] = json!("escalating");
    bad["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let bad: Pod = serde_json::from_value(bad).unwrap();
    let err = pods.create(&PostParams::default(), &bad).await.unwrap_err();
    assert!(err.to_string().contains("restricted"), "{err}");
    // No kubelet: the pod stays Pending.
    let phase = pods
        .get("sealer-controller-from-chart")
        .await
        .unwrap()
        .status;
    assert_eq!(
        phase.and_then(|s| s.phase).as_deref().unwrap_or("Pending"),
        "Pending"
    );
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
