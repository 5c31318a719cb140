//! Talking to the controller through the API server's service proxy
//! (`/api/v1/namespaces/<ns>/services/http:<name>:http/proxy/...`), with the user's
//! kubeconfig: the certificate, `/v1/verify` and `/v1/rotate`.

use sealer_core::manifest;
use serde_json::Value;

use crate::error::{CliError, CliResult};

/// Where the controller is.
#[derive(Debug, Clone)]
pub struct Controller {
    /// Namespace of the controller's Service.
    pub namespace: String,
    /// Name of the controller's Service.
    pub name: String,
}

impl Controller {
    fn path(&self, endpoint: &str) -> String {
        format!(
            "/api/v1/namespaces/{}/services/http:{}:http/proxy{endpoint}",
            self.namespace, self.name
        )
    }

    fn describe(&self) -> String {
        format!("service {}/{}", self.namespace, self.name)
    }
}

/// Sends one request through the service proxy; returns the status code and body.
pub fn call(
    controller: &Controller,
    method: &str,
    endpoint: &str,
    body: Vec<u8>,
) -> CliResult<(u16, Vec<u8>)> {
    block_on(async {
        let client = client().await?;
        let request = http::Request::builder()
            .method(method)
            .uri(controller.path(endpoint))
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|e| CliError::Internal(format!("building the request: {e}")))?;
        let response = tokio::time::timeout(std::time::Duration::from_secs(60), client.send(request.map(kube::client::Body::from)))
            .await
            .map_err(|_| CliError::Input(format!("the controller ({}) did not answer within 60 s", controller.describe())))?
            .map_err(|e| {
                CliError::Input(format!(
                    "cannot reach the controller ({}) through the API server: {e}: check --controller-namespace and --controller-name",
                    controller.describe()
                ))
            })?;
        let status = response.status().as_u16();
        let bytes = http_body_util_collect(response.into_body()).await?;
        Ok((status, bytes))
    })
}

/// Runs `future` to completion on a single-threaded runtime.
pub fn block_on<T>(future: impl Future<Output = CliResult<T>>) -> CliResult<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("starting the async runtime: {e}")))?
        .block_on(future)
}

/// A client for the cluster of the user's kubeconfig (current context).
pub async fn client() -> CliResult<kube::Client> {
    kube::Client::try_default().await.map_err(|e| {
        let reason = if matches!(e, kube::Error::InferConfig(_)) {
            "no kubeconfig found (set KUBECONFIG or create ~/.kube/config)".to_owned()
        } else {
            e.to_string()
        };
        CliError::Input(format!("cannot reach the cluster: {reason}"))
    })
}

async fn http_body_util_collect(body: kube::client::Body) -> CliResult<Vec<u8>> {
    body.collect_bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| CliError::Input(format!("reading the controller's answer: {e}")))
}

/// The controller's current certificate (PEM).
pub fn fetch_cert(controller: &Controller) -> CliResult<Vec<u8>> {
    let (status, body) = call(controller, "GET", "/v1/cert.pem", Vec::new())?;
    if status != 200 {
        return Err(CliError::Input(format!(
            "the controller ({}) answered {status} for its certificate: {}",
            controller.describe(),
            String::from_utf8_lossy(&body).trim()
        )));
    }
    Ok(body)
}

/// Asks the controller to re-seal `sealed` with its newest key (`/v1/rotate`); `source`
/// names the input in errors.
pub fn rotate(controller: &Controller, sealed: &Value, source: &str) -> CliResult<Value> {
    let who = manifest::display_name(sealed);
    let body = serde_json::to_vec(sealed).map_err(|e| CliError::Internal(e.to_string()))?;
    let (status, answer) = call(controller, "POST", "/v1/rotate", body)?;
    let text = String::from_utf8_lossy(&answer);
    match status {
        200 => serde_json::from_slice(&answer).map_err(|_| {
            CliError::Internal(format!(
                "the controller answered /v1/rotate for {who} with something that is not JSON"
            ))
        }),
        409 => Err(CliError::Input(format!(
            "{source}: SealedSecret {who}: {}",
            text.trim()
        ))),
        _ => Err(CliError::Input(format!(
            "{source}: SealedSecret {who}: the controller answered {status}: {}",
            text.trim()
        ))),
    }
}
