//! `seal` ↔ `sealer-controller` through the real API server's service proxy
//! (`/api/v1/namespaces/<ns>/services/http:<name>:http/proxy/...`), the path users take
//! when they give `seal` no certificate and no keys.
//!
//! kube-apiserver refuses to proxy to loopback, and the plane has no kubelet or
//! kube-proxy, so each test runs its controller in its own network namespace
//! (`tests/cluster/netns`, root needed) on the namespace's address, and publishes it as
//! a selector-less Service with Endpoints pointing there. Nothing here skips: without
//! the plane, root or `ip`/`socat`, the tests fail.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::Client;
use kube::api::{Api, ListParams, PostParams};
use sealer_controller::crd::SealedSecret;
use sealer_tests::cluster;
use sealer_tests::controller::{
    Netns, RunningController, expose_in_netns, http_get, http_post, secret_yaml, wait_for,
    wait_value,
};
use sealer_tests::peers::{keygen, seal_bin};

const T: Duration = Duration::from_secs(60);

/// The Service name `seal` looks for by default.
const NAME: &str = "sealed-secrets-controller";

/// Flags that keep `/v1/verify` and `/v1/rotate` from rate-limiting a test.
const NO_RATE_LIMIT: &[&str] = &["--rate-limit", "100", "--rate-limit-burst", "100"];

/// One test's world. Fields drop in order: the controller stops before its network
/// namespace is removed.
struct World {
    client: Client,
    ns: String,
    ctl: RunningController,
    netns: Netns,
}

async fn world(prefix: &str, extra: &[&str]) -> World {
    let client = cluster::client().await;
    cluster::apply_crd(&client, &cluster::read_crd(&cluster::sealedsecret_crd())).await;
    let ns = cluster::namespace(&client, prefix).await;
    let netns = Netns::up("slp");
    let ctl = RunningController::start_in_netns(&netns.name, &netns.ip, &ns, &ns, extra);
    expose_in_netns(&client, &ns, NAME, &netns.ip).await;
    World {
        client,
        ns,
        ctl,
        netns,
    }
}

impl World {
    /// `seal <args> --controller-namespace <ns> --controller-name NAME`.
    fn seal(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut all = args.to_vec();
        all.extend([
            "--controller-namespace",
            &self.ns,
            "--controller-name",
            NAME,
        ]);
        seal(&all, stdin)
    }

    /// The certificate the controller serves, read directly (not through the proxy).
    fn served_cert(&self) -> String {
        let (status, pem) = http_get(&format!("{}/v1/cert.pem", self.ctl.api));
        assert_eq!(status, 200, "GET /v1/cert.pem: {pem}");
        pem
    }
}

/// Runs `seal` with no certificate from the environment, in an empty folder (no
/// `.sealer.yaml`), with `KUBECONFIG` inherited.
fn seal(args: &[&str], stdin: &[u8]) -> Output {
    let cwd = std::env::temp_dir().join(cluster::unique_name("seal-cwd"));
    std::fs::create_dir_all(&cwd).unwrap();
    let mut child = Command::new(seal_bin())
        .args(args)
        .current_dir(&cwd)
        .env_remove("SEALER_CERT")
        .env_remove("SEALER_CONTROLLER_NAMESPACE")
        .env_remove("SEALER_CONTROLLER_NAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn ok(out: &Output, what: &str) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A 2048-bit key pair from `seal keygen`, unknown to any controller: (key, cert).
fn foreign_key() -> (PathBuf, PathBuf) {
    keygen("proxy-foreign")
}

fn sealed_with_cert(cert: &Path, secret: &str) -> Vec<u8> {
    ok(
        &seal(
            &["--cert", cert.to_str().unwrap(), "-o", "json"],
            secret.as_bytes(),
        ),
        "seal --cert",
    )
}

async fn create(client: &Client, ns: &str, ss: &SealedSecret) {
    Api::<SealedSecret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), ss)
        .await
        .unwrap();
}

#[tokio::test]
async fn seal_fetch_cert_gets_the_certificate_through_the_api_server_proxy() {
    let w = world("proxy-cert", &[]).await;
    let served = w.served_cert();
    assert!(
        served.starts_with("-----BEGIN CERTIFICATE-----"),
        "{served}"
    );
    let out = w.seal(&["fetch-cert"], b"");
    assert_eq!(
        String::from_utf8(ok(&out, "seal fetch-cert")).unwrap(),
        served
    );
    // The file form writes the same bytes.
    let file = std::env::temp_dir().join(cluster::unique_name("proxy-cert.pem"));
    ok(
        &w.seal(&["fetch-cert", "-w", file.to_str().unwrap()], b""),
        "seal fetch-cert -w",
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), served);
}

#[tokio::test]
async fn seal_without_cert_seals_with_the_controllers_certificate_and_the_controller_unseals_it() {
    let w = world("proxy-seal", &[]).await;
    let secret = secret_yaml(
        &w.ns,
        "db",
        &[("password", "hunter2")],
        "  labels: {app: db}\n",
    );
    let out = w.seal(&["-o", "json"], secret.as_bytes());
    let ss: SealedSecret = serde_json::from_slice(&ok(&out, "seal")).unwrap();
    assert!(!stdout(&out).contains("hunter2"));
    // Sealed with the served certificate: the controller can open it.
    let body = serde_json::to_vec(&ss).unwrap();
    let (status, answer) = http_post(&format!("{}/v1/verify", w.ctl.api), &body);
    assert_eq!(status, 200, "{answer}");
    create(&w.client, &w.ns, &ss).await;
    wait_value(&w.client, &w.ns, "db", "password", b"hunter2").await;
    let made = Api::<Secret>::namespaced(w.client.clone(), &w.ns)
        .get("db")
        .await
        .unwrap();
    assert_eq!(made.metadata.labels.unwrap()["app"], "db");
}

#[tokio::test]
async fn seal_validate_without_keys_asks_the_controller() {
    let w = world("proxy-validate", NO_RATE_LIMIT).await;
    let good = ok(
        &w.seal(
            &["-o", "json"],
            secret_yaml(&w.ns, "good", &[("v", "1")], "").as_bytes(),
        ),
        "seal",
    );
    let out = w.seal(&["validate"], &good);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("ok    {}/good", w.ns)),
        "{}",
        stdout(&out)
    );

    let (_, fcert) = foreign_key();
    let bad = sealed_with_cert(&fcert, &secret_yaml(&w.ns, "bad", &[("v", "1")], ""));
    let out = w.seal(&["validate"], &bad);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("bad") && l.contains("cannot unseal")),
        "{report}"
    );
    assert!(stderr(&out).contains("cannot be unsealed by the controller"));
}

#[tokio::test]
async fn seal_reencrypt_without_keys_rotates_through_the_controller_keeping_the_template() {
    let mut w = world("proxy-rotate", NO_RATE_LIMIT).await;
    let old_cert = w.served_cert();
    let secret = secret_yaml(
        &w.ns,
        "api",
        &[("token", "abc")],
        "  labels: {tier: gold}\n  annotations: {team: payments}\n",
    );
    let mut ss: SealedSecret =
        serde_json::from_slice(&ok(&w.seal(&["-o", "json"], secret.as_bytes()), "seal")).unwrap();
    ss.spec.template.as_mut().unwrap().data = Some(
        [("copy".to_owned(), "{{ .token }}".to_owned())]
            .into_iter()
            .collect(),
    );
    let original = serde_json::to_vec(&ss).unwrap();

    // The controller renews its key: restarted with a cutoff no key meets, it makes one
    // new key at start and seals with it from then on.
    assert!(w.ctl.terminate(), "the controller did not stop cleanly");
    let mut flags = NO_RATE_LIMIT.to_vec();
    flags.extend([
        "--key-renew-period",
        "0",
        "--key-cutoff-time",
        "2099-01-01T00:00:00Z",
    ]);
    w.ctl = RunningController::start_in_netns(&w.netns.name, &w.netns.ip, &w.ns, &w.ns, &flags);
    let new_cert = wait_for(T, "the controller to serve a new certificate", || async {
        let (status, pem) = http_get(&format!("{}/v1/cert.pem", w.ctl.api));
        (status == 200 && pem != old_cert).then_some(pem)
    })
    .await;

    let out = w.seal(&["reencrypt"], &original);
    let rotated: SealedSecret = serde_json::from_slice(&ok(&out, "seal reencrypt")).unwrap();
    assert_eq!(rotated.spec.template, ss.spec.template, "template changed");
    assert_eq!(rotated.metadata.name, ss.metadata.name);
    assert_ne!(
        rotated.spec.encrypted_data["token"],
        ss.spec.encrypted_data["token"]
    );

    // It opens with the key behind the newest certificate, which the original did not.
    let keys = Api::<Secret>::namespaced(w.client.clone(), &w.ns)
        .list(&ListParams::default().labels("sealedsecrets.bitnami.com/sealed-secrets-key=active"))
        .await
        .unwrap();
    let newest = keys
        .items
        .iter()
        .find(|s| {
            s.data
                .as_ref()
                .and_then(|d| d.get("tls.crt"))
                .map(|b| &b.0[..])
                == Some(new_cert.as_bytes())
        })
        .expect("a key Secret holding the served certificate");
    let dir = std::env::temp_dir().join(cluster::unique_name("proxy-newest"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("newest.pem");
    std::fs::write(&key, &newest.data.as_ref().unwrap()["tls.key"].0).unwrap();
    let offline = |input: &[u8]| seal(&["validate", "--key", key.to_str().unwrap()], input);
    let rotated_json = serde_json::to_vec(&rotated).unwrap();
    assert_eq!(offline(&rotated_json).status.code(), Some(0));
    assert_eq!(offline(&original).status.code(), Some(1));

    // Applied, the controller makes the Secret with the template's labels and data.
    create(&w.client, &w.ns, &rotated).await;
    wait_value(&w.client, &w.ns, "api", "token", b"abc").await;
    wait_value(&w.client, &w.ns, "api", "copy", b"abc").await;
    let made = Api::<Secret>::namespaced(w.client.clone(), &w.ns)
        .get("api")
        .await
        .unwrap();
    assert_eq!(made.metadata.labels.unwrap()["tier"], "gold");
    assert_eq!(made.metadata.annotations.unwrap()["team"], "payments");

    // A SealedSecret none of the controller's keys opens: 409, exit 2, a clear message,
    // nothing on stdout.
    let (_, fcert) = foreign_key();
    let foreign = sealed_with_cert(
        &fcert,
        &secret_yaml(&w.ns, "stranger", &[("token", "x")], ""),
    );
    let out = w.seal(&["reencrypt"], &foreign);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains(&format!("SealedSecret {}/stranger", w.ns))
            && message.contains("cannot rotate: value `token` does not open"),
        "{message}"
    );
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
}

#[tokio::test]
async fn fail_a_wrong_controller_name_is_a_clear_error() {
    let w = world("proxy-wrong", &[]).await;
    // The right name works...
    ok(&w.seal(&["fetch-cert"], b""), "seal fetch-cert");
    // ...a wrong one says which service it looked for, and no certificate is printed.
    let out = seal(
        &[
            "fetch-cert",
            "--controller-namespace",
            &w.ns,
            "--controller-name",
            "no-such-controller",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains(&format!("service {}/no-such-controller", w.ns)),
        "{message}"
    );
    assert!(out.stdout.is_empty());
    // Sealing without a certificate fails the same way, naming the service.
    let out = seal(
        &[
            "--controller-namespace",
            &w.ns,
            "--controller-name",
            "no-such-controller",
        ],
        secret_yaml(&w.ns, "x", &[("v", "1")], "").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("service {}/no-such-controller", w.ns)),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}
