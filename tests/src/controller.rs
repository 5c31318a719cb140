//! Runs our `sealer-controller` binary against the real control plane, out of cluster,
//! one instance per test: its keys and lease live in the test's namespace and it watches
//! only that namespace, so parallel tests never see each other's objects.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Endpoints, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use sealer_controller::crd::SealedSecret;
use serde_json::json;

use crate::cluster::unique_name;
use crate::peers::{repo_root, seal_bin};

/// The port a controller in a network namespace serves its HTTP API on (upstream's).
pub const NETNS_API_PORT: u16 = 8080;

/// The controller binary, built next to `seal`.
pub fn controller_bin() -> PathBuf {
    let bin = seal_bin().with_file_name("sealer-controller");
    assert!(
        bin.exists(),
        "{} not found: build it first with `cargo build -p sealer-controller`",
        bin.display()
    );
    bin
}

/// A free TCP port on 127.0.0.1, for a controller to listen on.
///
/// Taken below the kernel's ephemeral range (32768-60999 by default): a port handed out
/// by binding `:0` is in that range, and an outgoing connection (the many API-server
/// clients of a test run) could take it before the controller binds it ("Address
/// already in use"). A counter keeps the tests of one run apart; the process id spreads
/// runs.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(97);
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(FIRST + start.wrapping_add(n) % SPAN).unwrap_or(20_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN)
}

/// One running controller process.
pub struct RunningController {
    child: Option<Child>,
    /// Base URL of its HTTP API.
    pub api: String,
    /// Base URL of its metrics endpoint.
    pub metrics: String,
    /// Its log file.
    pub log: PathBuf,
    /// Its identity (`POD_NAME`), the holder of its Lease when it leads.
    pub identity: String,
    /// The network namespace it runs in ([`RunningController::start_in_netns`]); its
    /// metrics endpoint is then reachable only from inside.
    netns: Option<String>,
}

/// HTTP GET; returns status and body.
pub fn http_get(url: &str) -> (u16, String) {
    http(url, None)
}

/// HTTP POST of `body`; returns status and body.
pub fn http_post(url: &str, body: &[u8]) -> (u16, String) {
    http(url, Some(body))
}

fn http(url: &str, body: Option<&[u8]>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let response = match body {
        None => agent.get(url).call(),
        Some(b) => agent.post(url).send(b),
    };
    match response {
        Ok(mut r) => {
            let status = r.status().as_u16();
            (status, r.body_mut().read_to_string().unwrap_or_default())
        }
        Err(e) => (0, e.to_string()),
    }
}

/// Where a controller keeps its keys and its Lease.
#[derive(Clone, Copy)]
enum KeyHome<'a> {
    /// `--key-namespace NS`.
    Flag(&'a str),
    /// `POD_NAMESPACE=NS`, with no `--key-namespace` and no `SEALER_KEY_NAMESPACE`: the
    /// way the chart's Deployment runs it.
    PodNamespace(&'a str),
}

impl KeyHome<'_> {
    fn namespace(self) -> String {
        match self {
            Self::Flag(ns) | Self::PodNamespace(ns) => ns.to_owned(),
        }
    }
}

/// Everything that differs between the ways tests start a controller.
struct Launch<'a> {
    netns: Option<&'a str>,
    api: &'a str,
    metrics: &'a str,
    keys: KeyHome<'a>,
    watch_ns: &'a str,
    lease: &'a str,
    extra: &'a [&'a str],
    kubeconfig: Option<&'a std::path::Path>,
}

/// The Lease name of the controllers started with `--key-namespace`.
const TEST_LEASE: &str = "sealer-controller-test";

impl RunningController {
    /// Starts a controller whose keys and lease live in `key_ns` and which watches
    /// `watch_ns`, with 2048-bit keys (fast) and any `extra` flags; waits until it is
    /// ready (a key loaded).
    ///
    /// # Panics
    /// When it does not become ready within 90 s (its log is in the message).
    pub fn start(key_ns: &str, watch_ns: &str, extra: &[&str]) -> Self {
        let c = Self::spawn(key_ns, watch_ns, extra);
        c.wait_ready();
        c
    }

    /// Starts a controller without waiting for it.
    pub fn spawn(key_ns: &str, watch_ns: &str, extra: &[&str]) -> Self {
        let api = format!("127.0.0.1:{}", free_port());
        let metrics = format!("127.0.0.1:{}", free_port());
        Self::spawn_at(&Launch {
            netns: None,
            api: &api,
            metrics: &metrics,
            keys: KeyHome::Flag(key_ns),
            watch_ns,
            lease: TEST_LEASE,
            extra,
            kubeconfig: None,
        })
    }

    /// Starts a controller the way the chart's Deployment runs it, out of cluster:
    /// authenticated by `kubeconfig` only, its keys and Lease `lease` in `release_ns`
    /// through `POD_NAMESPACE`, watching `watch_ns`, with 2048-bit keys (fast) and any
    /// `extra` flags; waits until it is ready (a key loaded).
    ///
    /// # Panics
    /// When it does not become ready within 90 s (its log is in the message).
    pub fn start_as_deployment(
        kubeconfig: &std::path::Path,
        release_ns: &str,
        watch_ns: &str,
        lease: &str,
        extra: &[&str],
    ) -> Self {
        let c = Self::spawn_as_deployment(kubeconfig, release_ns, watch_ns, lease, extra);
        c.wait_ready();
        c
    }

    /// As [`RunningController::start_as_deployment`], without waiting.
    pub fn spawn_as_deployment(
        kubeconfig: &std::path::Path,
        release_ns: &str,
        watch_ns: &str,
        lease: &str,
        extra: &[&str],
    ) -> Self {
        let api = format!("127.0.0.1:{}", free_port());
        let metrics = format!("127.0.0.1:{}", free_port());
        Self::spawn_at(&Launch {
            netns: None,
            api: &api,
            metrics: &metrics,
            keys: KeyHome::PodNamespace(release_ns),
            watch_ns,
            lease,
            extra,
            kubeconfig: Some(kubeconfig),
        })
    }

    /// As [`RunningController::start`], against the control plane of `kubeconfig`
    /// instead of the inherited `KUBECONFIG` (a test's own private plane).
    ///
    /// # Panics
    /// When it does not become ready within 90 s (its log is in the message).
    pub fn start_with_kubeconfig(
        kubeconfig: &std::path::Path,
        key_ns: &str,
        watch_ns: &str,
        extra: &[&str],
    ) -> Self {
        let api = format!("127.0.0.1:{}", free_port());
        let metrics = format!("127.0.0.1:{}", free_port());
        let c = Self::spawn_at(&Launch {
            netns: None,
            api: &api,
            metrics: &metrics,
            keys: KeyHome::Flag(key_ns),
            watch_ns,
            lease: TEST_LEASE,
            extra,
            kubeconfig: Some(kubeconfig),
        });
        c.wait_ready();
        c
    }

    /// Starts a controller inside network namespace `netns` (made by [`Netns::up`]),
    /// serving its HTTP API on `<ip>:8080` (the namespace's own address, which the API
    /// server's service proxy can reach; see [`expose_in_netns`]) and its metrics on the
    /// namespace's `127.0.0.1:8081`; waits until `/readyz`, polled from the root
    /// namespace over the veth pair, answers 200. Keys, watch scope and `extra` flags
    /// are as for [`RunningController::start`].
    ///
    /// # Panics
    /// When it does not become ready within 90 s (its log is in the message).
    pub fn start_in_netns(
        netns: &str,
        ip: &str,
        key_ns: &str,
        watch_ns: &str,
        extra: &[&str],
    ) -> Self {
        let api = format!("{ip}:{NETNS_API_PORT}");
        let metrics = "127.0.0.1:8081";
        let c = Self::spawn_at(&Launch {
            netns: Some(netns),
            api: &api,
            metrics,
            keys: KeyHome::Flag(key_ns),
            watch_ns,
            lease: TEST_LEASE,
            extra,
            kubeconfig: None,
        });
        c.wait_ready();
        c
    }

    fn spawn_at(launch: &Launch<'_>) -> Self {
        let Launch {
            netns,
            api,
            metrics,
            keys,
            watch_ns,
            lease,
            extra,
            kubeconfig,
        } = *launch;
        let log = std::env::temp_dir().join(format!(
            "sealer-controller-{}-{}.log",
            keys.namespace(),
            free_port()
        ));
        let file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = file.try_clone().unwrap_or_else(|e| panic!("log file: {e}"));
        let key_flag = match keys {
            KeyHome::Flag(ns) => vec!["--key-namespace", ns],
            KeyHome::PodNamespace(_) => vec![],
        };
        let mut args: Vec<String> = key_flag
            .into_iter()
            .chain([
                "--watch-namespace",
                watch_ns,
                "--listen-addr",
                api,
                "--listen-metrics-addr",
                metrics,
                "--key-size",
                "2048",
                "--lease-name",
                lease,
                "--log-level",
                "info,sealer_controller=debug",
            ])
            .map(str::to_owned)
            .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        // `ip netns exec` execs the controller: the child's pid is the controller's.
        let mut command = match netns {
            None => Command::new(controller_bin()),
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(controller_bin());
                c
            }
        };
        let identity = format!("test-{}", free_port());
        command
            .args(&args)
            .env("POD_NAME", &identity)
            .envs(kubeconfig.map(|k| ("KUBECONFIG", k)));
        if let KeyHome::PodNamespace(ns) = keys {
            command
                .env("POD_NAMESPACE", ns)
                .env_remove("SEALER_KEY_NAMESPACE");
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the controller: {e}"));
        Self {
            child: Some(child),
            api: format!("http://{api}"),
            metrics: format!("http://{metrics}"),
            log,
            identity,
            netns: netns.map(str::to_owned),
        }
    }

    /// Whether `/readyz` answers 200 now.
    pub fn ready(&self) -> bool {
        http_get(&format!("{}/readyz", self.api)).0 == 200
    }

    /// Waits until `/readyz` answers 200.
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if self.ready() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the controller did not become ready in 90 s; log:\n{}",
            self.log_text()
        );
    }

    /// The log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The served certificate, written to a temp file; returns the path.
    pub fn cert_file(&self) -> PathBuf {
        let (status, pem) = http_get(&format!("{}/v1/cert.pem", self.api));
        assert_eq!(status, 200, "GET /v1/cert.pem: {pem}");
        let path = std::env::temp_dir().join(format!("sealer-cert-{}.pem", free_port()));
        std::fs::write(&path, pem).unwrap_or_else(|e| panic!("writing the cert: {e}"));
        path
    }

    /// The value of the unlabelled series `name`, `None` when the controller does not
    /// export it (where [`Self::metric`] would read 0).
    pub fn series(&self, name: &str) -> Option<f64> {
        self.metrics_text()
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
    }

    /// Sum of the samples of metric `name` (all label sets).
    pub fn metric(&self, name: &str) -> f64 {
        self.metric_matching(name, "")
    }

    /// Sum of the samples of metric `name` whose line contains `label` (such as
    /// `result="error"`).
    pub fn metric_matching(&self, name: &str, label: &str) -> f64 {
        let text = self.metrics_text();
        text.lines()
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
                    && l.contains(label)
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// The metrics text (read with `ip netns exec <netns> curl` for a controller in a
    /// network namespace).
    pub fn metrics_text(&self) -> String {
        let url = format!("{}/metrics", self.metrics);
        match &self.netns {
            None => http_get(&url).1,
            Some(ns) => Command::new("ip")
                .args(["netns", "exec", ns, "curl", "-sS", "--max-time", "30", &url])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default(),
        }
    }

    /// Whether the process is still running (it has not exited, crashed or been
    /// stopped).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills it with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits (20 s at most); returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        self.child.take().is_some_and(terminate_child)
    }
}

/// Sends SIGTERM to `child` and waits (20 s at most, then kills it); returns whether it
/// exited successfully.
pub fn terminate_child(mut child: Child) -> bool {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

impl Drop for RunningController {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `check` every 200 ms until it returns `Some`, or panics after `timeout` with
/// `what` in the message.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A network namespace made by `tests/cluster/netns up` for one test: a veth pair from
/// the root namespace to its address [`Netns::ip`] (10.213.X.2), and the API server
/// reachable inside on its usual `127.0.0.1:<port>`, so the plane's kubeconfig works
/// there unchanged. Removed (`tests/cluster/netns down`) on drop, with anything still
/// running inside. Needs root.
pub struct Netns {
    /// The namespace's name (as for `ip netns exec`).
    pub name: String,
    /// Its address, reachable from the root namespace and so from the API server.
    pub ip: String,
}

impl Netns {
    /// Creates a fresh namespace named after `prefix`.
    ///
    /// # Panics
    /// When the script fails (not root, no `ip`/`socat`, no control plane...): tests
    /// that need a namespace fail rather than skip. The script's output is in the
    /// message.
    pub fn up(prefix: &str) -> Self {
        let name = unique_name(prefix);
        assert!(
            name.len() <= 40,
            "network namespace name {name} is too long"
        );
        let out = netns_script()
            .args(["up", &name])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tests/cluster/netns: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "tests/cluster/netns up {name} failed ({}); it needs root, `ip` (iproute2), \
             `socat` and a running plane:\n{}{stdout}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        // `export SEALER_NETNS=NAME SEALER_NETNS_IP=10.213.X.2`
        let ip = stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix("SEALER_NETNS_IP="))
            .unwrap_or_else(|| panic!("tests/cluster/netns up printed no address: {stdout}"))
            .to_owned();
        Self { name, ip }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = netns_script()
            .args(["down", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `tests/cluster/netns`, run for the plane named by `KUBECONFIG`: its state dir is
/// `SEALER_CLUSTER_DIR`, else the kubeconfig's folder when it holds the plane's `env`.
fn netns_script() -> Command {
    let mut c = Command::new(repo_root().join("tests/cluster/netns"));
    if std::env::var_os("SEALER_CLUSTER_DIR").is_none()
        && let Some(dir) = std::env::var_os("KUBECONFIG")
            .map(PathBuf::from)
            .and_then(|k| k.parent().map(PathBuf::from))
            .filter(|d| d.join("env").is_file())
    {
        c.env("SEALER_CLUSTER_DIR", dir);
    }
    c
}

/// Makes a controller at `ip` (started with [`RunningController::start_in_netns`])
/// reachable as Service `ns/name`, port `http`, through the API server's service proxy
/// (`/api/v1/namespaces/<ns>/services/http:<name>:http/proxy/...`), the way `seal` and
/// `kubeseal` reach the controller. Creates:
///
/// - the Service, without a selector, with one port named `http` (8080);
/// - a placeholder Pod `<name>-netns` whose status is patched to `podIP: <ip>` (there
///   is no kubelet to run it): kube-apiserver's service proxy only forwards to an
///   Endpoints address whose `targetRef` is a Pod of the namespace holding that IP;
/// - the Endpoints (v1) `<name>` pointing at `<ip>:8080` with that `targetRef`; the
///   service proxy of kube-apiserver 1.36 reads these (not EndpointSlices);
/// - an EndpointSlice (discovery.k8s.io/v1, label `kubernetes.io/service-name`) for the
///   same address, as a cluster's endpoint controllers would make.
///
/// # Panics
/// When an object cannot be created.
pub async fn expose_in_netns(client: &Client, ns: &str, name: &str, ip: &str) {
    let port = i32::from(NETNS_API_PORT);
    let pod_name = format!("{name}-netns");
    let post = PostParams::default();
    let service: Service = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}]},
    }))
    .unwrap_or_else(|e| panic!("Service: {e}"));
    Api::<Service>::namespaced(client.clone(), ns)
        .create(&post, &service)
        .await
        .unwrap_or_else(|e| panic!("cannot create Service {ns}/{name}: {e}"));

    let pods = Api::<Pod>::namespaced(client.clone(), ns);
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": pod_name, "namespace": ns, "labels": {"app.kubernetes.io/name": name}},
        "spec": {"containers": [{"name": "controller", "image": "placeholder.invalid/sealer-controller"}]},
    }))
    .unwrap_or_else(|e| panic!("Pod: {e}"));
    pods.create(&post, &pod)
        .await
        .unwrap_or_else(|e| panic!("cannot create Pod {ns}/{pod_name}: {e}"));
    let status = json!({"status": {"podIP": ip, "podIPs": [{"ip": ip}]}});
    pods.patch_status(&pod_name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap_or_else(|e| panic!("cannot set the status of Pod {ns}/{pod_name}: {e}"));

    let target = json!({"kind": "Pod", "namespace": ns, "name": pod_name});
    let endpoints: Endpoints = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns},
        "subsets": [{
            "addresses": [{"ip": ip, "targetRef": target}],
            "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        }],
    }))
    .unwrap_or_else(|e| panic!("Endpoints: {e}"));
    Api::<Endpoints>::namespaced(client.clone(), ns)
        .create(&post, &endpoints)
        .await
        .unwrap_or_else(|e| panic!("cannot create Endpoints {ns}/{name}: {e}"));

    let slice: EndpointSlice = serde_json::from_value(json!({
        "metadata": {
            "name": format!("{name}-netns"),
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": name},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": true}, "targetRef": target}],
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
    }))
    .unwrap_or_else(|e| panic!("EndpointSlice: {e}"));
    Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .create(&post, &slice)
        .await
        .unwrap_or_else(|e| panic!("cannot create EndpointSlice {ns}/{name}-netns: {e}"));
}

/// How long the shared waits below give the controller.
pub const WAIT: Duration = Duration::from_secs(60);

/// A plaintext Secret manifest (YAML) with `values` in `stringData` and `extra_meta`
/// (indented YAML lines) appended to its metadata.
pub fn secret_yaml(ns: &str, name: &str, values: &[(&str, &str)], extra_meta: &str) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\n{extra_meta}stringData:\n"
    );
    for (k, v) in values {
        s.push_str(&format!("  {k}: \"{v}\"\n"));
    }
    s
}

/// The value of `key` in the Secret `ns/name`, if both exist.
pub async fn secret_value(client: &Client, ns: &str, name: &str, key: &str) -> Option<Vec<u8>> {
    let s = Api::<k8s_openapi::api::core::v1::Secret>::namespaced(client.clone(), ns)
        .get_opt(name)
        .await
        .ok()??;
    s.data?.get(key).map(|b| b.0.clone())
}

/// Waits ([`WAIT`] at most) until the Secret `ns/name` holds `want` under `key`.
pub async fn wait_value(client: &Client, ns: &str, name: &str, key: &str, want: &[u8]) {
    wait_for(
        WAIT,
        &format!("{ns}/{name} {key} = {:?}", String::from_utf8_lossy(want)),
        || async {
            (secret_value(client, ns, name, key).await.as_deref() == Some(want)).then_some(())
        },
    )
    .await
}

/// Seals `secret` (a Secret manifest) with `seal --cert cert` and the `extra` flags.
///
/// # Panics
/// When `seal` fails or does not print a SealedSecret.
pub fn seal_with(cert: &Path, secret: &str, extra: &[&str]) -> SealedSecret {
    let cert = cert.to_string_lossy();
    let mut args = vec!["--cert", cert.as_ref(), "-o", "json"];
    args.extend_from_slice(extra);
    let out = crate::peers::run_ok(&seal_bin(), &args, secret.as_bytes());
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("seal did not print a SealedSecret: {e}"))
}

/// Creates the SealedSecret `ss` in `ns`.
///
/// # Panics
/// When the API server refuses it.
pub async fn create(client: &Client, ns: &str, ss: &SealedSecret) -> SealedSecret {
    Api::<SealedSecret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), ss)
        .await
        .unwrap_or_else(|e| panic!("creating a SealedSecret in {ns}: {e}"))
}

/// The `Synced` condition of `ns/name`: status, message, and the observed generation.
pub async fn synced(
    client: &Client,
    ns: &str,
    name: &str,
) -> Option<(String, Option<String>, Option<i64>)> {
    let ss = Api::<SealedSecret>::namespaced(client.clone(), ns)
        .get(name)
        .await
        .ok()?;
    let status = ss.status?;
    let c = status.conditions.iter().find(|c| c.type_ == "Synced")?;
    Some((
        c.status.clone(),
        c.message.clone(),
        status.observed_generation,
    ))
}

/// Waits ([`WAIT`] at most) until `ns/name` is `Synced=want`; returns its message.
pub async fn wait_synced(client: &Client, ns: &str, name: &str, want: &str) -> Option<String> {
    wait_for(WAIT, &format!("{ns}/{name} Synced={want}"), || async {
        synced(client, ns, name)
            .await
            .filter(|(s, _, _)| s == want)
            .map(|(_, m, _)| m)
    })
    .await
}

/// How many events with `reason` there are in `ns`.
pub async fn events(client: &Client, ns: &str, reason: &str) -> usize {
    Api::<k8s_openapi::api::core::v1::Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map(|l| {
            l.items
                .iter()
                .filter(|e| e.reason.as_deref() == Some(reason))
                .count()
        })
        .unwrap_or(0)
}
