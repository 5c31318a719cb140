//! Access to the real control plane started by `tests/cluster/up`.
//!
//! Tests that need a cluster call [`client`], which panics (never skips) when
//! no control plane is reachable: a test run without one must fail loudly
//! rather than pass having tested nothing.
//!
//! The plane has no kube-controller-manager: namespaces stay `Terminating`
//! after deletion and nothing is garbage-collected. Every test therefore works
//! in its own namespace from [`namespace`] and never relies on cleanup.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, Config};

/// What a test author sees when no control plane can be used.
pub const NO_CONTROL_PLANE: &str = "no control plane: run `eval \"$(tests/cluster/up)\"` first";

/// How long [`client`] waits for the API server to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long [`apply_crd`] waits for a CRD to become Established.
pub const CRD_ESTABLISHED_TIMEOUT: Duration = Duration::from_secs(60);

/// Field manager used for server-side apply by the test helpers.
pub const FIELD_MANAGER: &str = "sealer-tests";

/// A client for the control plane named by `KUBECONFIG` (as printed by
/// `tests/cluster/up`), checked to answer.
///
/// # Panics
///
/// When `KUBECONFIG` is unset or empty, when the kubeconfig cannot be read, or
/// when the API server does not answer within a few seconds. The message says
/// how to start the control plane.
pub async fn client() -> Client {
    let path = match std::env::var_os("KUBECONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("{NO_CONTROL_PLANE} (KUBECONFIG is not set)"),
    };
    let kubeconfig = Kubeconfig::read_from(&path).unwrap_or_else(|e| {
        panic!(
            "{NO_CONTROL_PLANE} (cannot read KUBECONFIG={}: {e})",
            path.display()
        )
    });
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{NO_CONTROL_PLANE} (bad kubeconfig {}: {e})",
                path.display()
            )
        });
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config)
        .unwrap_or_else(|e| panic!("{NO_CONTROL_PLANE} (cannot build a client for {server}: {e})"));
    match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => client,
        Ok(Err(e)) => panic!("{NO_CONTROL_PLANE} (API server {server} does not answer: {e})"),
        Err(_) => panic!(
            "{NO_CONTROL_PLANE} (API server {server} did not answer within {CONNECT_TIMEOUT:?})"
        ),
    }
}

/// A client for the control plane of `kubeconfig` (another identity, or a test's own
/// private plane), not checked to answer.
///
/// # Panics
///
/// When the kubeconfig cannot be read or used.
pub async fn client_from(kubeconfig: &Path) -> Client {
    let kc = Kubeconfig::read_from(kubeconfig)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", kubeconfig.display()));
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| panic!("bad kubeconfig {}: {e}", kubeconfig.display()));
    Client::try_from(config)
        .unwrap_or_else(|e| panic!("cannot build a client from {}: {e}", kubeconfig.display()))
}

/// What most tests start with: a [`client`], the SealedSecret CRD applied and
/// Established, and a fresh namespace named after `prefix`.
///
/// # Panics
///
/// As [`client`], [`apply_crd`] and [`namespace`].
pub async fn with_namespace(prefix: &str) -> (Client, String) {
    let client = client().await;
    apply_crd(&client, &read_crd(&sealedsecret_crd())).await;
    let ns = namespace(&client, prefix).await;
    (client, ns)
}

/// A name unique to this process and call, usable as a DNS label:
/// `<prefix>-<seconds>-<pid>-<counter>`, cut to 63 characters.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() % 1_000_000)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let prefix: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut name = format!(
        "{}-{secs}-{}-{n}",
        prefix.trim_matches('-'),
        std::process::id()
    );
    name.truncate(63);
    name.trim_end_matches('-').to_string()
}

/// Create a fresh namespace named after `prefix` and return its name. It is
/// never deleted for you (see the module docs).
///
/// # Panics
///
/// When the namespace cannot be created.
pub async fn namespace(client: &Client, prefix: &str) -> String {
    let name = unique_name(prefix);
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some([("sealer.test/throwaway".to_string(), "true".to_string())].into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap_or_else(|e| panic!("cannot create namespace {name}: {e}"));
    name
}

/// Path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The SealedSecret CRD generated from the controller's types (committed in the chart).
pub fn sealedsecret_crd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../charts/sealer-controller/crds/sealedsecrets.bitnami.com.yaml")
}

/// Read a CRD from a YAML file (such as [`sealedsecret_crd`]).
///
/// # Panics
///
/// When the file cannot be read or is not a CustomResourceDefinition.
pub fn read_crd(path: &Path) -> CustomResourceDefinition {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a CustomResourceDefinition: {e}", path.display()))
}

/// Server-side apply `crd` and wait (at most [`CRD_ESTABLISHED_TIMEOUT`]) until
/// it is Established. Returns the CRD as the server has it.
///
/// # Panics
///
/// When the CRD has no name, cannot be applied, or is not Established in time.
pub async fn apply_crd(
    client: &Client,
    crd: &CustomResourceDefinition,
) -> CustomResourceDefinition {
    let name = crd
        .metadata
        .name
        .clone()
        .unwrap_or_else(|| panic!("CRD without metadata.name"));
    let api = Api::<CustomResourceDefinition>::all(client.clone());
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(crd),
    )
    .await
    .unwrap_or_else(|e| panic!("cannot apply CRD {name}: {e}"));
    let established = await_condition(api, &name, conditions::is_crd_established());
    match tokio::time::timeout(CRD_ESTABLISHED_TIMEOUT, established).await {
        Ok(Ok(Some(crd))) => crd,
        Ok(Ok(None)) => panic!("CRD {name} disappeared while waiting for it to be Established"),
        Ok(Err(e)) => panic!("watching CRD {name} failed: {e}"),
        Err(_) => panic!("CRD {name} was not Established within {CRD_ESTABLISHED_TIMEOUT:?}"),
    }
}

/// A private control plane with its own state dir under /tmp, so a test may restart or
/// destroy it without disturbing the shared plane other tests use. Stopped and removed
/// on drop.
pub struct PrivatePlane {
    dir: PathBuf,
    /// Its admin kubeconfig.
    pub kubeconfig: PathBuf,
}

impl PrivatePlane {
    /// Starts a plane with `tests/cluster/up` in a fresh state dir named after `prefix`.
    ///
    /// # Panics
    /// When `up` fails (its output is in the message).
    pub fn up(prefix: &str) -> Self {
        let dir = PathBuf::from("/tmp").join(unique_name(prefix));
        let out = Command::new(crate::peers::repo_root().join("tests/cluster/up"))
            .env("SEALER_CLUSTER_DIR", &dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tests/cluster/up: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let kubeconfig = stdout
            .trim()
            .strip_prefix("export KUBECONFIG=")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let _ = std::fs::remove_dir_all(&dir);
                panic!(
                    "tests/cluster/up for a private plane in {} failed ({}): {stdout}{}",
                    dir.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        Self { dir, kubeconfig }
    }

    /// Its state dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A client for it, checked to answer.
    ///
    /// # Panics
    /// When the API server does not answer.
    pub async fn client(&self) -> Client {
        let client = client_from(&self.kubeconfig).await;
        client
            .apiserver_version()
            .await
            .unwrap_or_else(|e| panic!("the private plane does not answer: {e}"));
        client
    }

    /// Restarts `components` (`etcd`, `kube-apiserver`) with `tests/cluster/restart`,
    /// keeping them stopped `down_for` first; returns once they are healthy again.
    ///
    /// # Panics
    /// When the script fails (its output is in the message).
    pub fn restart(&self, components: &[&str], down_for: Duration) {
        let out = Command::new(crate::peers::repo_root().join("tests/cluster/restart"))
            .env("SEALER_CLUSTER_DIR", &self.dir)
            .arg("--down-for")
            .arg(down_for.as_secs().to_string())
            .args(components)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tests/cluster/restart: {e}"));
        assert!(
            out.status.success(),
            "tests/cluster/restart {components:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops etcd and kube-apiserver and deletes every file of the plane.
    pub fn destroy(&mut self) {
        if self.dir.as_os_str().is_empty() {
            return;
        }
        let _ = Command::new(crate::peers::repo_root().join("tests/cluster/down"))
            .env("SEALER_CLUSTER_DIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
        self.dir = PathBuf::new();
    }
}

impl Drop for PrivatePlane {
    fn drop(&mut self) {
        self.destroy();
    }
}
