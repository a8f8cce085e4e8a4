//! `X-Request-Id`: kept when the caller sends a sane one, generated otherwise, echoed on every
//! response, carried by problem documents and log lines. The server also gives every request an
//! id of its own, which the caller cannot choose: the audit trail records that one, with the
//! caller's beside it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;

/// The header name.
pub const HEADER: &str = "x-request-id";

/// The ids of one request.
#[derive(Debug, Clone)]
struct Ids {
    /// The server's own id (a fresh UUID).
    server: String,
    /// The caller's `X-Request-Id`, when it sent a sane one.
    caller: Option<String>,
}

tokio::task_local! {
    static CURRENT: Ids;
}

/// The id of the request being handled, as echoed in `X-Request-Id`: the caller's when it sent
/// one, else the server's (read by error responses and logs).
pub fn current() -> Option<String> {
    CURRENT
        .try_with(|ids| ids.caller.clone().unwrap_or_else(|| ids.server.clone()))
        .ok()
}

/// The server's own id of the request being handled (what the audit trail records).
pub fn server() -> Option<String> {
    CURRENT.try_with(|ids| ids.server.clone()).ok()
}

/// The `X-Request-Id` the caller sent, if it sent a sane one.
pub fn caller() -> Option<String> {
    CURRENT.try_with(|ids| ids.caller.clone()).ok().flatten()
}

/// The request id stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn accept_incoming(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Middleware (outermost): assigns the id and runs the rest of the chain inside its scope.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let caller = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| accept_incoming(v))
        .map(str::to_owned);
    let server = uuid::Uuid::new_v4().to_string();
    let id = caller.clone().unwrap_or_else(|| server.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = CURRENT
        .scope(Ids { server, caller }, next.call(req))
        .await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_incoming_ids_are_kept() {
        assert!(accept_incoming("abc-123_x.y:z"));
        assert!(!accept_incoming(""));
        assert!(!accept_incoming("has space"));
        assert!(!accept_incoming(&"a".repeat(129)));
        assert!(!accept_incoming("new\nline"));
    }
}
