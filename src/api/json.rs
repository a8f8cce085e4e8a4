//! The JSON body extractor of every operation: checks the media type (415) and the size limit
//! (413) while reading, and reports a field that has the wrong type, is missing or unknown by
//! its path (422); malformed JSON is a 400.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body, set once for the app.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body into `T`, naming the offending field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if !inner.is_data() {
            return ApiError::BadRequest(format!("malformed JSON: {inner}"));
        }
        let message = inner.to_string();
        let (field, code) = if let Some(name) =
            backticked(&message).filter(|_| message.starts_with("missing field"))
        {
            (join(&path, &name), "required")
        } else if let Some(name) =
            backticked(&message).filter(|_| message.starts_with("unknown field"))
        {
            // The path already ends at the unknown key.
            let field = if path.ends_with(&name) {
                path.clone()
            } else {
                join(&path, &name)
            };
            (field, "unknown_field")
        } else if path == "." || path.is_empty() {
            ("body".to_owned(), "invalid")
        } else {
            (path, "invalid")
        };
        ApiError::invalid_field(&field, code, message)
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

fn join(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(msg[start..start + len].to_owned())
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be sent as Content-Type: application/json".into(),
                )
                .into());
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit }.into());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::BadRequest(format!("unreadable request body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit }.into());
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ApiError::BadRequest(
                    "the request body is empty; a JSON document is required".into(),
                )
                .into());
            }
            Ok(Json(parse::<T>(&body)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        id: i64,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: i32,
    }

    fn field(r: Result<Body, ApiError>) -> (u16, String) {
        match r {
            Err(ApiError::Unprocessable { errors, .. }) => (422, errors[0].field.clone()),
            Err(ApiError::BadRequest(_)) => (400, String::new()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_their_field() {
        assert_eq!(field(parse(br#"{"id": "x"}"#)), (422, "id".into()));
        assert_eq!(field(parse(br#"{}"#)), (422, "id".into()));
        assert_eq!(
            field(parse(br#"{"id": 1, "extra": 2}"#)),
            (422, "extra".into())
        );
        assert_eq!(
            field(parse(br#"{"id": 1, "inner": {"n": "x"}}"#)),
            (422, "inner.n".into())
        );
        assert_eq!(
            field(parse(br#"{"id": 1, "inner": {}}"#)),
            (422, "inner.n".into())
        );
        assert_eq!(field(parse(br#"{"id": 1"#)), (400, String::new()));
        assert_eq!(field(parse(br#"{"id": 1} trailing"#)), (400, String::new()));
    }
}
