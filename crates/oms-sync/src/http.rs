//! One HTTP client for every connector: rustls, timeouts, and the retry rules every vendor
//! needs — 429 waits for `Retry-After`, 5xx, timeouts and dropped connections back off
//! exponentially with full jitter, and a request is tried a bounded number of times.

use crate::SyncError;
use std::time::Duration;

/// How a request is retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Tries per request, the first included.
    pub attempts: u32,
    /// The first backoff; doubles with every retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the request (the run is tried
    /// again later) instead of holding the worker.
    pub max_retry_after: Duration,
    /// Per request, connecting included.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A response that came back with a 2xx status.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What one attempt's outcome means for the next.
enum Next {
    Done(Response),
    Fail(SyncError),
    Retry { after: Duration, why: SyncError },
}

/// The shared client (connection pool, TLS) and its retry policy.
#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    pub policy: RetryPolicy,
}

impl Http {
    pub fn new(policy: RetryPolicy) -> Result<Self, SyncError> {
        // The process-wide rustls provider: ring (installing twice is harmless).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("oms-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::config(format!("the HTTP client could not start: {e}")))?;
        Ok(Self { client, policy })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `build` makes, again as the policy allows. `build` is called once per
    /// attempt (a request body cannot be replayed otherwise).
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Response, SyncError> {
        self.send_up_to(self.policy.attempts, build).await
    }

    /// Sends a request that must not be repeated blindly (it creates something): a timeout or
    /// a server error is returned at once, so that the caller can look at the channel before
    /// trying again. A 429 is still waited for, since the server did nothing.
    pub async fn send_once(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Response, SyncError> {
        let mut last = None;
        for _ in 0..self.policy.attempts.max(1) {
            match self.send_up_to(1, &build).await {
                Err(e) if e.kind == crate::SyncErrorKind::RateLimited => {
                    let wait = e.retry_after.unwrap_or(Duration::from_secs(1));
                    if wait > self.policy.max_retry_after {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                    last = Some(e);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| SyncError::rate_limited("too many requests (429)".into(), None)))
    }

    async fn send_up_to(
        &self,
        attempts: u32,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Response, SyncError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let next = match build(&self.client).send().await {
                Ok(resp) => self.judge(resp, attempt).await,
                Err(e) => {
                    let why = if e.is_timeout() {
                        SyncError::network(format!("no answer within {:?}", self.policy.timeout))
                    } else {
                        SyncError::network(format!("could not reach the server: {}", root(&e)))
                    };
                    Next::Retry {
                        after: self.backoff(attempt),
                        why,
                    }
                }
            };
            match next {
                Next::Done(r) => return Ok(r),
                Next::Fail(e) => return Err(e),
                Next::Retry { after, why } => {
                    if attempt >= attempts {
                        return Err(if attempts > 1 {
                            why.after_attempts(attempt)
                        } else {
                            why
                        });
                    }
                    tokio::time::sleep(after).await;
                }
            }
        }
    }

    async fn judge(&self, resp: reqwest::Response, attempt: u32) -> Next {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                // The body broke off: like a dropped connection.
                return Next::Retry {
                    after: self.backoff(attempt),
                    why: SyncError::network(format!("the answer broke off: {}", root(&e))),
                };
            }
        };
        match status {
            200..=299 => Next::Done(Response {
                status,
                headers,
                body,
            }),
            429 => {
                let wait = retry_after(&headers).unwrap_or_else(|| self.backoff(attempt));
                if wait > self.policy.max_retry_after {
                    return Next::Fail(SyncError::rate_limited(
                        format!("the server asks to wait {} s", wait.as_secs()),
                        Some(wait),
                    ));
                }
                Next::Retry {
                    after: wait,
                    why: SyncError::rate_limited("too many requests (429)".into(), Some(wait)),
                }
            }
            401 | 403 => Next::Fail(SyncError::unauthorized(format!(
                "the server refused the credentials ({status}): {}",
                vendor_message(&body)
            ))),
            500..=599 => {
                let why =
                    SyncError::server(format!("server error {status}: {}", vendor_message(&body)));
                match retry_after(&headers) {
                    // A maintenance window longer than the policy waits: the run fails now and
                    // the next one tries again.
                    Some(wait) if wait > self.policy.max_retry_after => Next::Fail(SyncError {
                        retry_after: Some(wait),
                        ..why
                    }),
                    Some(wait) => Next::Retry { after: wait, why },
                    None => Next::Retry {
                        after: self.backoff(attempt),
                        why,
                    },
                }
            }
            _ => Next::Fail(SyncError {
                status: Some(status),
                ..SyncError::rejected(format!(
                    "the server rejected the request ({status}): {}",
                    vendor_message(&body)
                ))
            }),
        }
    }

    /// Jitter: a random wait between half and all of the capped exponential step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .policy
            .base_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.policy.max_backoff);
        let ms = u64::try_from(step.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(ms / 2..=ms.max(1)))
    }
}

/// `Retry-After` in seconds (Shopify sends "2.0"); an HTTP date is not worth parsing here.
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// The vendor's own words from an error body: a JSON `message`/`error`/`errors` field, else the
/// start of the text.
pub fn vendor_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        for key in ["message", "error_description", "error", "errors"] {
            match v.get(key) {
                Some(serde_json::Value::String(s)) => return s.clone(),
                // {"error": {"code": "…", "message": "…"}} (EasyPost and others): its words
                // and its code.
                Some(serde_json::Value::Object(o))
                    if o.get("message").and_then(|m| m.as_str()).is_some() =>
                {
                    let m = o
                        .get("message")
                        .and_then(|m| m.as_str())
                        .unwrap_or_default();
                    return match o.get("code").and_then(|c| c.as_str()) {
                        Some(code) => clip(&format!("{m} [{code}]")),
                        None => clip(m),
                    };
                }
                Some(other @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => {
                    return clip(&other.to_string())
                }
                _ => {}
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        "no details given".into()
    } else {
        clip(text.trim())
    }
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn root(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
