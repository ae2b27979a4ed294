//! The HTTP side: the page and its assets, the JSON API, the event stream
//! of samples, and the bearer-token check. Every route is a `GET`: nothing
//! here can stop or message an actor.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Request, State as Shared};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use tokio::sync::watch;

use crate::sampler::Sampler;

const PAGE: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/observer.js");
const STYLE: &str = include_str!("page/observer.css");

/// What every request handler shares.
pub(crate) struct App {
    pub(crate) sampler: Arc<Sampler>,
    /// The newest sample as JSON, for the event streams.
    pub(crate) updates: watch::Receiver<Arc<str>>,
    pub(crate) token: Option<String>,
}

pub(crate) fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/api/state", get(state))
        .route("/api/stream", get(stream))
        .route_layer(middleware::from_fn_with_state(app.clone(), authorize));
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", PAGE)))
        .route("/observer.js", get(|| asset("text/javascript; charset=utf-8", SCRIPT)))
        .route("/observer.css", get(|| asset("text/css; charset=utf-8", STYLE)))
        .merge(api)
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The current sample, taken now.
async fn state(Shared(app): Shared<Arc<App>>) -> Response {
    let state = app.sampler.sample().await;
    match serde_json::to_string(&state) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(error) => {
            tracing::warn!(%error, "observer: the state did not serialize");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Server-sent events: one `state` event with the newest sample at once,
/// then one per sample. Ends when the observer stops.
async fn stream(Shared(app): Shared<Arc<App>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let updates = app.updates.clone();
    let events = futures_util::stream::unfold((updates, true), |(mut updates, first)| async move {
        if !first {
            updates.changed().await.ok()?;
        }
        let json = updates.borrow_and_update().clone();
        Some((Ok(Event::default().event("state").data(&*json)), (updates, false)))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Lets a request through if no token is set, or if it carries the token
/// as `Authorization: Bearer TOKEN` or as `?token=TOKEN` (the page's
/// event stream cannot set headers).
async fn authorize(Shared(app): Shared<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(expected) = app.token.as_deref() else { return next.run(request).await };
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let query = request.uri().query().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")));
    if [bearer, query].into_iter().flatten().any(|given| same(given.as_bytes(), expected.as_bytes())) {
        next.run(request).await
    } else {
        let mut response = (StatusCode::UNAUTHORIZED, "a bearer token is required\n").into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// No caching, no sniffing, nothing loaded from elsewhere.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_by_content_and_length() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
