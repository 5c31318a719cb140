//! Helm values in every place GitOps repositories keep them, and the objects embedded in
//! them.

use super::*;

const REAL: &str = "Qm7vX2pL9sK4wR8t";

#[test]
fn a_secret_named_key_in_a_values_file_is_found_at_any_depth_with_why() {
    let text = format!(
        "replicaCount: 2\npostgresql:\n  auth:\n    username: app\n    postgresPassword: {REAL}\n    existingSecret: \"\"\n"
    );
    let r = scan("charts/app/values-prod.yaml", &text);
    assert_eq!(
        ids(&r),
        vec![(
            "helm-value-secret",
            "postgresql.auth.postgresPassword".to_owned()
        )]
    );
    let f = &r.findings[0];
    assert_eq!(f.line, Some(5));
    assert!(
        f.message.contains("looks like a real secret"),
        "{}",
        f.message
    );
    assert!(!format!("{f:?}").contains(REAL));
}

#[test]
fn placeholders_references_booleans_and_numbers_in_values_pass() {
    let text = "auth:\n  password: \"\"\n  token: \"{{ .Values.global.token }}\"\n  apiKey: ${API_KEY}\n  existingSecret: db-credentials\n  secretKeyRef: {name: db, key: password}\n  clientSecret: <your-client-secret>\n  enabled: true\n  tokenTTL: 3600\n";
    let r = scan("values.yaml", text);
    assert_eq!(ids(&r), vec![]);
}

#[test]
fn the_same_key_outside_helm_values_is_left_to_the_catch_all() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata:\n  password: {REAL}\n  admin-password: hunter2\n"
    );
    // In values `hunter2` would be a finding; elsewhere only random-looking values are.
    assert_eq!(
        ids(&scan("apps/config.yaml", &text)),
        vec![("generic-secret", "data.password".to_owned())]
    );
}

#[test]
fn flux_helmrelease_values_are_helm_values() {
    let text = format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: redis}}\nspec:\n  chart: {{spec: {{chart: redis}}}}\n  values:\n    auth:\n      password: {REAL}\n"
    );
    assert_eq!(
        ids(&scan("clusters/prod/redis.yaml", &text)),
        vec![("helm-value-secret", "spec.values.auth.password".to_owned())]
    );
}

#[test]
fn argo_cd_values_strings_objects_and_parameters_are_helm_values() {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app}}\nspec:\n  source:\n    helm:\n      values: |\n        db:\n          password: {REAL}\n      valuesObject:\n        grafana:\n          adminPassword: {REAL}x\n      parameters:\n      - name: image.tag\n        value: v1\n      - name: smtp.password\n        value: {REAL}y\n"
    );
    let mut got = ids(&scan("argocd/app.yaml", &text));
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "helm-value-secret",
                "spec.source.helm.parameters[1]".to_owned()
            ),
            (
                "helm-value-secret",
                "spec.source.helm.values.db.password".to_owned()
            ),
            (
                "helm-value-secret",
                "spec.source.helm.valuesObject.grafana.adminPassword".to_owned()
            ),
        ]
    );
}

#[test]
fn helmfile_values_and_set_are_helm_values() {
    let text = format!(
        "releases:\n- name: app\n  chart: bitnami/app\n  values:\n  - values/app.yaml\n  - smtp:\n      password: {REAL}\n  set:\n  - name: db.password\n    value: {REAL}z\n"
    );
    let mut got = ids(&scan("helmfile.yaml", &text));
    got.sort();
    assert_eq!(
        got,
        vec![
            ("helm-value-secret", "releases[0].set[0]".to_owned()),
            (
                "helm-value-secret",
                "releases[0].values[1].smtp.password".to_owned()
            ),
        ]
    );
}

#[test]
fn a_helm_secrets_file_with_a_sops_block_passes_and_one_without_is_read() {
    let enc = "db:\n  password: ENC[AES256_GCM,data:abcd,iv:efgh,tag:ijkl,type:str]\nsops:\n  version: 3.9.0\n";
    assert_eq!(ids(&scan("secrets.prod.yaml", enc)), vec![]);
    let dec = format!("db:\n  password: {REAL}\n");
    assert_eq!(
        ids(&scan("secrets.prod.dec.yaml", &dec)),
        vec![("helm-value-secret", "db.password".to_owned())]
    );
}

#[test]
fn a_secret_embedded_in_values_is_a_secret_structured_or_as_a_string() {
    let text = format!(
        "extraDeploy:\n- apiVersion: v1\n  kind: Secret\n  metadata: {{name: a}}\n  stringData:\n    password: {REAL}\nextraManifests:\n- |\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: b\n  data:\n    tls.key: {}\n",
        base64_pem()
    );
    let mut got = ids(&scan("values.yaml", &text));
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "secret-plaintext",
                "extraDeploy[0].stringData.password".to_owned()
            ),
            (
                "secret-plaintext",
                "extraManifests[0].data.tls.key".to_owned()
            ),
        ]
    );
}

fn base64_pem() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(pem_key())
}

#[test]
fn a_sealed_secret_template_with_a_plaintext_value_is_found() {
    let text = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: db}}\nspec:\n  encryptedData:\n    password: {}\n  template:\n    data:\n      url: '{{{{ index . \"host\" }}}}'\n      log-level: info\n      api-token: {REAL}\n",
        sealed_value()
    );
    assert_eq!(
        ids(&scan("apps/db.sealed.yaml", &text)),
        vec![(
            "sealed-template-plaintext",
            "spec.template.data.api-token".to_owned()
        )]
    );
}

#[test]
fn a_sealed_secret_for_another_cluster_is_found_offline() {
    let mut config =
        RepoConfig::parse("certificates:\n- {path: 'clusters/prod/**', cert: certs/prod.pem}\n")
            .unwrap_or_default();
    config.set_cert_fingerprint("certs/prod.pem", "sha256:00112233aabbccdd");
    let doc = |ann: &str| {
        format!(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\n{ann}spec:\n  encryptedData:\n    password: {}\n",
            sealed_value()
        )
    };
    let ours = doc("  annotations: {sealer.dev/sealed-with: 'sha256:00112233aabbccdd'}\n");
    let theirs = doc("  annotations: {sealer.dev/sealed-with: 'sha256:ffeeddccbbaa9988'}\n");
    let kubeseal = doc("");
    let at = |t: &str, p: &str| {
        scan_file(p, t.as_bytes(), &config)
            .findings
            .iter()
            .map(|f| (f.rule.id(), f.severity))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(&ours, "clusters/prod/db.yaml"), vec![]);
    assert_eq!(
        at(&theirs, "clusters/prod/db.yaml"),
        vec![("sealed-wrong-cluster", Severity::Error)]
    );
    assert_eq!(
        at(&kubeseal, "clusters/prod/db.yaml"),
        vec![("sealed-unverified", Severity::Strict)]
    );
    // Outside the mapped paths nothing is checked.
    assert_eq!(at(&theirs, "clusters/dev/db.yaml"), vec![]);
}
