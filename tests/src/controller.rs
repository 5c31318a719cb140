//! Runs our `sealer-controller` binary against the real control plane, out of cluster,
//! one instance per test: its keys and lease live in the test's namespace and it watches
//! only that namespace, so parallel tests never see each other's objects.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::peers::seal_bin;

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

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
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
        let log =
            std::env::temp_dir().join(format!("sealer-controller-{key_ns}-{}.log", free_port()));
        let file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = file.try_clone().unwrap_or_else(|e| panic!("log file: {e}"));
        let mut args: Vec<String> = [
            "--key-namespace",
            key_ns,
            "--watch-namespace",
            watch_ns,
            "--listen-addr",
            &api,
            "--listen-metrics-addr",
            &metrics,
            "--key-size",
            "2048",
            "--lease-name",
            "sealer-controller-test",
            "--log-level",
            "info,sealer_controller=debug",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let child = Command::new(controller_bin())
            .args(&args)
            .env("POD_NAME", format!("test-{}", free_port()))
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
        }
    }

    /// Waits until `/readyz` answers 200.
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if http_get(&format!("{}/readyz", self.api)).0 == 200 {
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

    /// Sum of the samples of metric `name` (all label sets).
    pub fn metric(&self, name: &str) -> f64 {
        let (_, text) = http_get(&format!("{}/metrics", self.metrics));
        text.lines()
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// The metrics text.
    pub fn metrics_text(&self) -> String {
        http_get(&format!("{}/metrics", self.metrics)).1
    }

    /// Sends SIGTERM and waits (20 s at most); returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
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
