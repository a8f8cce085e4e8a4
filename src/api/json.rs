//! The JSON body extractor of every operation: checks the media type (415) and the size limit
//! (413) while reading, and reports every field that has the wrong type, is missing, unknown
//! or fails its checks by its path, in one 422; malformed JSON is a 400.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};
use validator::Validate;

use crate::error::{ApiError, FieldError};

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

/// Parses a body into `T`, naming every offending field (see [`collect`]); malformed JSON is a
/// 400.
pub fn parse<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    let value = match parsed {
        Ok(value) => value,
        Err(err) => {
            if !err.inner().is_data() {
                let err = err.into_inner();
                return Err(ApiError::bad_request(
                    format!("malformed JSON: {err}"),
                    format!("JSON 格式错误（解析器原文：{err}）"),
                ));
            }
            // JSON has one number type: `141.0` is the integer 141 (JSON Schema's `integer`
            // accepts it), which serde reads only as a float. Read whole numbers as integers.
            if let Ok(mut body) = serde_json::from_slice::<Value>(bytes) {
                if whole_numbers_as_integers(&mut body) {
                    if let Ok(value) = serde_json::from_value::<T>(body) {
                        return Ok(value);
                    }
                }
            }
            let first = field_error(err.path(), &err.inner().to_string()).0;
            let errors = serde_json::from_slice::<Value>(bytes)
                .map(|body| collect::<T>(body))
                .unwrap_or_default();
            return Err(ApiError::unprocessable(if errors.is_empty() {
                vec![first]
            } else {
                errors
            }));
        }
    };
    de.end().map_err(|e| {
        ApiError::bad_request(
            format!("malformed JSON: {e}"),
            format!("JSON 格式错误（解析器原文：{e}）"),
        )
    })?;
    Ok(value)
}

/// Turns every number with a zero fraction into an integer; whether any was changed.
fn whole_numbers_as_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every whole float is exactly an integer.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(f as i64);
                true
            } else {
                false
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| whole_numbers_as_integers(v) | changed),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |changed, v| whole_numbers_as_integers(v) | changed),
        _ => false,
    }
}

/// What a deserialisation error asks of the body.
enum Fault {
    /// A required key is absent from the object at the path.
    Missing(String),
    /// A key the type does not know.
    Unknown(String),
    /// The value at the path has the wrong type or is not one of the allowed values.
    Invalid,
}

/// The field error of a deserialisation error at `path`, and what it asks of the body.
fn field_error(path: &Path, message: &str) -> (FieldError, Fault) {
    let path_text = path.to_string();
    let named = |prefix: &str| backticked(message).filter(|_| message.starts_with(prefix));
    if let Some(name) = named("missing field") {
        (
            FieldError::new(join(&path_text, &name), "required", message),
            Fault::Missing(name),
        )
    } else if let Some(name) = named("unknown field") {
        // The path may already end at the unknown key.
        let field = if ends_at(path, &name) {
            path_text
        } else {
            join(&path_text, &name)
        };
        (
            FieldError::new(field, "unknown_field", message),
            Fault::Unknown(name),
        )
    } else if path_text == "." || path_text.is_empty() {
        (FieldError::new("body", "invalid", message), Fault::Invalid)
    } else {
        (
            FieldError::new(path_text, "invalid", message),
            Fault::Invalid,
        )
    }
}

fn ends_at(path: &Path, name: &str) -> bool {
    matches!(path.iter().next_back(), Some(Segment::Map { key }) if key == name)
}

/// The most re-reads of a body [`collect`] makes, so that a large body full of errors costs a
/// bounded time.
pub const MAX_REREADS: usize = 200;

/// Values tried in place of a missing or invalid field, so that reading can go on past it.
fn stand_ins(hint: Option<String>) -> Vec<Value> {
    use serde_json::json;
    let mut values: Vec<Value> = hint.map(Value::String).into_iter().collect();
    values.extend([
        Value::Null,
        json!(1),
        json!(true),
        json!("2023-03-06T09:00:00+08:00"),
        json!("2023-03-06"),
        json!("09:00:00"),
        json!("x"),
        json!([]),
        json!({}),
    ]);
    values
}

/// Every field error of a body that does not read as `T`, in one list: the type is read from
/// the JSON value again and again; each time it stops, the field it stops at is named (missing,
/// unknown or invalid), and reading goes on past it — an unknown key is dropped, a missing or
/// invalid value is replaced by the first stand-in the type accepts there (an allowed value the
/// error message offers, `null`, a number, a time, text, a list, an object). Fields inside a
/// stand-in are not named. Once the body reads, its `validator` checks add the fields they
/// refuse. Written once over serde, so it holds for every request body; bounded by
/// [`MAX_REREADS`] (what was found by then is answered).
pub fn collect<T: DeserializeOwned + Validate>(mut body: Value) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut stood_in: Vec<String> = Vec::new();
    let mut rereads = 0;
    let read = |body: &Value, rereads: &mut usize| {
        *rereads += 1;
        serde_path_to_error::deserialize::<_, T>(body)
    };
    let inside = |field: &str, stood_in: &[String]| {
        stood_in.iter().any(|s| {
            field == s
                || field
                    .strip_prefix(s.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    };
    loop {
        if rereads >= MAX_REREADS {
            break;
        }
        let err = match read(&body, &mut rereads) {
            Ok(value) => {
                if let Err(invalid) = value.validate() {
                    if let ApiError::Unprocessable { errors: found, .. } = ApiError::from(invalid) {
                        for e in found {
                            if !inside(&e.field, &stood_in)
                                && !errors.iter().any(|x| x.field == e.field)
                            {
                                errors.push(e);
                            }
                        }
                    }
                }
                break;
            }
            Err(err) => err,
        };
        let message = err.inner().to_string();
        let (error, fault) = field_error(err.path(), &message);
        let segments: Vec<Segment> = err.path().iter().cloned().collect();
        if !inside(&error.field, &stood_in) && !errors.iter().any(|x| x.field == error.field) {
            errors.push(error.clone());
        }
        let repaired = match fault {
            Fault::Unknown(name) => {
                let parent = if ends_at(err.path(), &name) {
                    &segments[..segments.len() - 1]
                } else {
                    &segments[..]
                };
                at(&mut body, parent)
                    .and_then(Value::as_object_mut)
                    .and_then(|object| object.remove(&name))
                    .is_some()
            }
            Fault::Missing(name) => {
                let mut slot = segments.clone();
                slot.push(Segment::Map { key: name });
                stand_in::<T>(&mut body, &slot, None, &mut rereads)
            }
            Fault::Invalid => stand_in::<T>(&mut body, &segments, hint(&message), &mut rereads),
        };
        if !repaired {
            break;
        }
        stood_in.push(error.field);
    }
    errors
}

/// Puts at `slot` the first stand-in that `T` reads past.
fn stand_in<T: DeserializeOwned>(
    body: &mut Value,
    slot: &[Segment],
    offered: Option<String>,
    rereads: &mut usize,
) -> bool {
    let Some((last, parent)) = slot.split_last() else {
        return false;
    };
    let mut candidates = stand_ins(offered);
    let mut i = 0;
    while i < candidates.len() && *rereads < MAX_REREADS {
        let candidate = candidates[i].clone();
        i += 1;
        let Some(container) = at(body, parent) else {
            return false;
        };
        match (last, container) {
            (Segment::Map { key }, Value::Object(object)) => {
                object.insert(key.clone(), candidate);
            }
            (Segment::Seq { index }, Value::Array(items)) if *index < items.len() => {
                items[*index] = candidate;
            }
            _ => return false,
        }
        *rereads += 1;
        let Err(err) = serde_path_to_error::deserialize::<_, T>(&*body) else {
            return true;
        };
        let message = err.inner().to_string();
        let here: Vec<Segment> = err.path().iter().cloned().collect();
        let still_here = same(&here, slot) && !message.starts_with("missing field");
        if !still_here {
            return true;
        }
        // An enum's error lists the values it takes: try the first next.
        if let Some(h) = hint(&message) {
            if !candidates[i..].contains(&Value::String(h.clone())) {
                candidates.insert(i, Value::String(h));
            }
        }
    }
    false
}

/// The first allowed value an error message offers (`expected one of `a`, `b``).
fn hint(message: &str) -> Option<String> {
    let at = message.find("expected")?;
    backticked(&message[at..])
}

fn same(a: &[Segment], b: &[Segment]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Segment::Map { key: x }, Segment::Map { key: y }) => x == y,
            (Segment::Seq { index: x }, Segment::Seq { index: y }) => x == y,
            _ => false,
        })
}

/// The value at a path of segments.
fn at<'v>(value: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, segment| match segment {
        Segment::Map { key } => v.as_object_mut()?.get_mut(key),
        Segment::Seq { index } => v.as_array_mut()?.get_mut(*index),
        _ => None,
    })
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

/// The app's body limit.
pub fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<BodyLimit>>()
        .map(|l| l.0)
        .unwrap_or(256 * 1024)
}

/// Reads a whole body, refusing it (413) as soon as it passes `limit`.
pub async fn read_limited(mut payload: Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                format!("unreadable request body: {e}"),
                format!("无法读取请求体（{e}）"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(crate::error::Message::new(
                    "the request body must be sent as Content-Type: application/json",
                    "请求体须以 Content-Type: application/json 发送",
                ))
                .into());
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit }.into());
            }
            let body = read_limited(payload, limit).await?;
            if body.is_empty() {
                return Err(ApiError::bad_request(
                    "the request body is empty; a JSON document is required",
                    "请求体为空；需要一个 JSON 文档",
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

    #[derive(Debug, serde::Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        id: i64,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize, Validate)]
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
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let body: Body = parse(br#"{"id": 141.0, "inner": {"n": -3.0}}"#).expect("whole numbers");
        assert_eq!(body.id, 141);
        assert_eq!(body.inner.map(|i| i.n), Some(-3));
        // A fraction is still no integer.
        assert_eq!(field(parse(br#"{"id": 1.5}"#)), (422, "id".into()));
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

    fn fields(r: Result<Body, ApiError>) -> Vec<(String, String)> {
        match r {
            Err(ApiError::Unprocessable { errors, .. }) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Wide {
        a: i64,
        b: String,
        #[validate(length(max = 2))]
        c: String,
        d: Kind,
        e: Vec<Kind>,
        inner: Inner,
        #[serde(default)]
        f: bool,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        WalkIn,
        Phone,
    }

    fn wide(body: &str) -> Vec<(String, String)> {
        match parse::<Wide>(body.as_bytes()) {
            Err(ApiError::Unprocessable { errors, .. }) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_field_error_is_named_at_once() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(f, c)| (f.to_string(), c.to_string()))
                .collect()
        };
        let mut all = wide("{}");
        all.sort();
        assert_eq!(
            all,
            pairs(&[
                ("a", "required"),
                ("b", "required"),
                ("c", "required"),
                ("d", "required"),
                ("e", "required"),
                ("inner", "required"),
            ])
        );
        // Wrong types, an unknown value, an unknown field, a nested error and a failed check.
        let mut all = wide(
            r#"{"a": "x", "b": 3, "c": "long", "d": "fax", "e": ["phone", "telex"],
                "inner": {"n": "y", "m": 1}, "f": "no", "zz": 1}"#,
        );
        all.sort();
        assert_eq!(
            all,
            pairs(&[
                ("a", "invalid"),
                ("b", "invalid"),
                ("c", "length"),
                ("d", "invalid"),
                ("e[1]", "invalid"),
                ("f", "invalid"),
                ("inner.m", "unknown_field"),
                ("inner.n", "invalid"),
                ("zz", "unknown_field"),
            ])
        );
        // A valid body still reads; one error is still one.
        assert!(parse::<Wide>(
            br#"{"a": 1, "b": "", "c": "ok", "d": "phone", "e": [], "inner": {"n": 2}}"#
        )
        .is_ok());
        assert_eq!(
            fields(parse(br#"{"id": "x"}"#)),
            pairs(&[("id", "invalid")])
        );
    }
}
