//! Security headers on every response: no MIME sniffing, no framing, no referrer, a content
//! security policy fit for what the response is, and `Cache-Control: no-store` on everything
//! that does not say otherwise (answers carry personal data; only the public board, the code
//! tables and the like opt into caching, each in its handler).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The policy of every answer that is not a page: nothing may be loaded, run or framed.
pub const API_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of Swagger UI: its own scripts, styles (React sets inline styles) and images
/// (icons are `data:` URIs); calls only to this origin; never framed.
pub const SWAGGER_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy of a server-rendered page whose only style is the inline sheet `css`.
pub fn style_policy(css: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    page_policy(
        &base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css.as_bytes())),
    )
}

/// The policy of a server-rendered page whose only style is the inline sheet with this SHA-256
/// digest (base64): nothing else loads, nothing runs.
pub fn page_policy(style_sha256_b64: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{style_sha256_b64}'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
}

fn policy_for(path: &str) -> &'static str {
    if path.starts_with(crate::SWAGGER_PATH) {
        SWAGGER_POLICY
    } else {
        API_POLICY
    }
}

/// Middleware: sets the headers a handler has not set itself.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let policy = policy_for(req.path());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let defaults: [(HeaderName, &str); 6] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swagger_ui_gets_its_own_policy_and_everything_else_the_strict_one() {
        assert_eq!(policy_for("/swagger-ui/index.html"), SWAGGER_POLICY);
        assert_eq!(policy_for("/api/v1/consultations"), API_POLICY);
        assert_eq!(policy_for("/board/today"), API_POLICY);
        assert!(page_policy("abc=").contains("style-src 'sha256-abc='"));
    }
}
