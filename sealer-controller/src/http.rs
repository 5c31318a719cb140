//! The HTTP API (port 8080 by default) and the metrics endpoint (8081).
//!
//! `GET /healthz`, `GET /readyz`, `GET /v1/cert.pem`, `POST /v1/verify` (200 can
//! unseal, 409 cannot; rate-limited), `POST /v1/rotate` (the SealedSecret re-sealed
//! with the newest key; 409 when it cannot be decrypted; rate-limited). Nothing here
//! ever returns or logs a plaintext value.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sealer_core::{manifest, seal};

use crate::Context;
use crate::keys::current;

/// Largest request body accepted (one SealedSecret).
pub const MAX_BODY: usize = 1024 * 1024;

/// A token bucket: `rate` requests per second, bursts of `burst`.
pub struct RateLimiter {
    state: Mutex<(f64, Instant)>,
    rate: f64,
    burst: f64,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32) -> Self {
        Self {
            state: Mutex::new((f64::from(burst), Instant::now())),
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
        }
    }

    /// Takes a token if one is available.
    pub fn allow(&self) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The API router.
pub fn api_router(ctx: Arc<Context>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/v1/cert.pem", get(cert))
        .route("/v1/verify", post(verify))
        .route("/v1/rotate", post(rotate))
        .layer(middleware::from_fn_with_state(ctx.clone(), instrument))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(ctx)
}

/// The metrics router.
pub fn metrics_router(ctx: Arc<Context>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(ctx): State<Arc<Context>>| async move {
                let mut r = ctx.metrics.encode().into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ),
                );
                r
            }),
        )
        .with_state(ctx)
}

async fn instrument(State(ctx): State<Arc<Context>>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    ctx.metrics
        .http_duration
        .get_or_create(&crate::metrics::HttpDurationLabels {
            path: path.clone(),
            method: method.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    ctx.metrics
        .http_requests
        .get_or_create(&crate::metrics::HttpLabels {
            path,
            code: response.status().as_u16().to_string(),
            method,
        })
        .inc();
    response
}

async fn readyz(State(ctx): State<Arc<Context>>) -> Response {
    let keys = current(&ctx.keys);
    if keys.loaded && !keys.ring.is_empty() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "no sealing key loaded yet\n",
        )
            .into_response()
    }
}

async fn cert(State(ctx): State<Arc<Context>>) -> Response {
    let keys = current(&ctx.keys);
    match keys.newest().and_then(|k| k.cert_pem.clone()) {
        Some(pem) => {
            let mut r = pem.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-pem-file"),
            );
            r
        }
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "no certificate yet: the controller has not loaded a key\n",
        )
            .into_response(),
    }
}

/// A status and a one-line message: the error side of the handlers' helpers.
type Refusal = (StatusCode, String);

fn parse_one(body: &[u8]) -> Result<serde_json::Value, Refusal> {
    let bad = |m: String| Err((StatusCode::BAD_REQUEST, format!("{m}\n")));
    let Ok(text) = std::str::from_utf8(body) else {
        return bad("the body is not UTF-8 text: send one SealedSecret as JSON or YAML".into());
    };
    let docs = match manifest::parse_documents(text) {
        Ok(d) => d,
        Err(e) => return bad(e.to_string()),
    };
    let mut it = docs.iter();
    match (it.next(), it.next()) {
        (Some(d), None) if seal::is_sealed_secret(d) => Ok(d.clone()),
        (Some(_), None) => bad("the body is not a SealedSecret".into()),
        _ => bad("send exactly one SealedSecret".into()),
    }
}

async fn blocking<T: Send + 'static>(
    ctx: &Arc<Context>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Refusal> {
    let _permit = ctx.decrypt_slots.acquire().await.map_err(|_| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting down\n".to_owned(),
        )
    })?;
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error\n".to_owned(),
        )
    })
}

/// What `/v1/verify` and `/v1/rotate` do first: take a token from the rate limiter (both
/// cost RSA work), then read exactly one SealedSecret from the body.
fn admit(ctx: &Context, body: &[u8]) -> Result<serde_json::Value, Refusal> {
    if !ctx.http_limiter.allow() {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            "rate limited: retry in a second\n".to_owned(),
        ));
    }
    parse_one(body)
}

async fn verify(State(ctx): State<Arc<Context>>, body: Bytes) -> Response {
    let sealed = match admit(&ctx, &body) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let keys = current(&ctx.keys);
    let result = blocking(&ctx, move || verdict(&sealed, &keys.ring)).await;
    match result {
        Ok(Ok(Verdict::Unseals)) => (StatusCode::OK, "ok: every value opens\n").into_response(),
        Ok(Ok(Verdict::NoKey)) => (
            StatusCode::CONFLICT,
            "cannot unseal: a value does not open with any of this controller's keys\n",
        )
            .into_response(),
        Ok(Ok(Verdict::Cannot(why))) => {
            (StatusCode::CONFLICT, format!("cannot unseal: {why}\n")).into_response()
        }
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
        Err(r) => r.into_response(),
    }
}

/// What `/v1/verify` found.
enum Verdict {
    /// The SealedSecret unseals: every value opens and every template renders.
    Unseals,
    /// A value opens with none of the keys.
    NoKey,
    /// It cannot become a Secret for another reason (a template that does not render,
    /// a key Kubernetes refuses); the reason names fields, never values.
    Cannot(String),
}

/// Runs the whole unseal, as the reconcile would, and throws the Secret away: verify must
/// never say yes to what the controller then fails to unseal. `Err` is a request that is
/// not a usable SealedSecret at all (400).
fn verdict(
    sealed: &serde_json::Value,
    ring: &sealer_core::KeyRing,
) -> sealer_core::Result<Verdict> {
    let target = seal::sealed_target(sealed, None)?;
    let opened = seal::open_all(sealed, ring, None)?;
    if let Some((_, e)) = opened
        .failures
        .iter()
        .find(|(_, e)| !matches!(e, sealer_core::Error::Decrypt { .. }))
    {
        return Ok(Verdict::Cannot(e.to_string()));
    }
    if !opened.failures.is_empty() {
        return Ok(Verdict::NoKey);
    }
    Ok(match seal::unsealed_secret(sealed, &target, opened) {
        Ok(mut secret) => {
            sealer_core::manifest::wipe(&mut secret);
            Verdict::Unseals
        }
        Err(e) => Verdict::Cannot(e.to_string()),
    })
}

async fn rotate(State(ctx): State<Arc<Context>>, body: Bytes) -> Response {
    let sealed = match admit(&ctx, &body) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let keys = current(&ctx.keys);
    let Some(cert) = keys.sealing_cert() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "no sealing key loaded yet\n",
        )
            .into_response();
    };
    let result = blocking(&ctx, move || {
        seal::reencrypt(&sealed, &keys.ring, &cert, None)
    })
    .await;
    match result {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        Ok(Err(sealer_core::Error::Decrypt { key })) => (
            StatusCode::CONFLICT,
            format!(
                "cannot rotate: value `{key}` does not open with any of this controller's keys\n"
            ),
        )
            .into_response(),
        Ok(Err(e @ sealer_core::Error::Crypto(_))) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
        }
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
        Err(r) => r.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limiter_allows_a_burst_then_refuses() {
        let l = RateLimiter::new(1, 2);
        assert!(l.allow());
        assert!(l.allow());
        assert!(!l.allow());
    }

    #[test]
    fn bodies_that_are_not_one_sealed_secret_are_refused() {
        for body in [
            &b"\xff\xfe"[..],
            b"kind: Secret\nmetadata: {name: a}\n",
            b"{",
            b"",
        ] {
            let (status, _) = parse_one(body).unwrap_err();
            assert_eq!(status, StatusCode::BAD_REQUEST);
        }
        assert!(parse_one(b"kind: SealedSecret\nmetadata: {name: a}\n").is_ok());
    }
}
