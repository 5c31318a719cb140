//! The Helm chart `charts/sealer-controller` on its own and on the real control plane:
//! lint and template, the values schema, `helm install`, and the chart's pod admitted
//! under the `restricted` Pod Security Standard. The chart's RBAC, proven with our
//! controller run as its ServiceAccount, is in `chart_rbac.rs`.
//!
//! Every test that installs does so in its own namespace. Without helm or the plane the
//! tests fail, never skip.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use sealer_tests::chart::{NAME, chart, helm, helm_ok};
use sealer_tests::cluster;
use sealer_tests::controller::free_port;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------
// helm

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

    // The shared plane already has the CRD (Helm leaves an existing one alone), so its
    // presence proves nothing about the chart: check that the chart ships it, the file
    // the controller's types generate (crd.rs keeps that file in step), so a fresh
    // install creates it; then that the one in the cluster is served.
    let shipped = helm_ok(&["show", "crds", chart.to_str().unwrap()]);
    let generated = std::fs::read_to_string(
        sealer_tests::peers::repo_root()
            .join("charts/sealer-controller/crds/sealedsecrets.bitnami.com.yaml"),
    )
    .unwrap();
    assert_eq!(shipped.trim(), generated.trim(), "helm show crds");
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    let crd = crds.get("sealedsecrets.bitnami.com").await.unwrap();
    assert!(
        crd.status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True"),
        "the SealedSecret CRD is Established"
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
