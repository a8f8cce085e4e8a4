//! One error type for the whole API, answered as RFC 9457 `application/problem+json`, in the
//! language the caller prefers (see [`lang`]) with stable codes from one catalogue
//! ([`messages`]).

pub mod lang;
pub mod messages;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::{ToResponse, ToSchema};

pub use crate::domain::message::{nouns, Message, Noun};
use lang::Lang;
use messages::{FieldCode, ProblemCode};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document. Its text (`title`, `detail`, each `errors[].message`) is in
/// Chinese when `Accept-Language` prefers it (`zh`, `zh-CN`, `zh-Hans`), in English otherwise, as
/// `Content-Language` says; `code` and each `errors[].code` never change with the language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:huimin:problem:validation",
    "code": "validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "7d7f5a9e-6a43-4d3e-9a1b-2f0c5f3e8c11",
    "errors": [{"field": "name", "code": "length", "message": "must be 1 to 100 characters"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:huimin:problem:<kind>`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The kind of problem, a stable code to switch on (the same as `type`'s last part).
    pub code: ProblemCode,
    /// A short summary of the kind of problem, in the response's `Content-Language`.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person to read, in the response's `Content-Language` (a parser's
    /// own words, such as where a JSON document breaks off, are quoted as the parser wrote them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id (also sent as `X-Request-Id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// For 422: one entry per invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For 409 on a workflow: the actions allowed from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
    /// For 412: the current version of the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field name (dotted for nested fields), or `body` for the whole body.
    #[schema(example = "name")]
    pub field: String,
    /// A stable code to switch on (see `FieldCode`).
    #[schema(example = "length", value_type = FieldCode)]
    pub code: String,
    /// What is wrong, for a person to read, in the response's `Content-Language`.
    #[schema(example = "must be 1 to 100 characters")]
    pub message: String,
    /// The validator's limits (`min`, `max`), for the message in another language.
    #[serde(skip)]
    limits: (Option<String>, Option<String>),
}

impl FieldError {
    /// Builds a field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            limits: (None, None),
        }
    }

    /// The same error in `lang`: the catalogue's message for its code (English keeps the
    /// specific message it was made with; a code missing from the catalogue keeps it too).
    pub fn localized(&self, lang: Lang) -> FieldError {
        let message = match (lang, FieldCode::parse(&self.code)) {
            (Lang::Zh, Some(code)) => {
                messages::field_message_zh(code, self.limits.0.as_deref(), self.limits.1.as_deref())
            }
            _ => self.message.clone(),
        };
        FieldError {
            message,
            ..self.clone()
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed syntax, parameter or header.
    #[error("bad request: {0}")]
    BadRequest(Message),
    /// 401: no, malformed, forged or expired credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(Message),
    /// 403: authenticated but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(Message),
    /// 404: no such resource (also for rows outside the caller's scope).
    #[error("not found: {0}")]
    NotFound(Message),
    /// 405: the path exists with other methods.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the path accepts.
        allow: Vec<String>,
    },
    /// 409: conflicts with the current state (duplicate, illegal transition).
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: Message,
        /// Actions allowed from the current state, for workflows.
        allowed_actions: Option<Vec<String>>,
    },
    /// 412: `If-Match` names a version that is not the current one.
    #[error("precondition failed: current version is {current_version}")]
    PreconditionFailed {
        /// The version the resource has now.
        current_version: i64,
    },
    /// 413: body larger than the limit.
    #[error("payload too large")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415: the body is not `application/json`.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(Message),
    /// 422: well-formed but invalid.
    #[error("unprocessable: {detail}")]
    Unprocessable {
        /// A summary.
        detail: String,
        /// Per-field errors.
        errors: Vec<FieldError>,
    },
    /// 429: too many requests.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// 503: the database is unreachable or busy; the text is the cause, logged but not sent.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 with one field error.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::unprocessable(vec![FieldError::new(field, code, message)])
    }

    /// A 422 from field errors.
    pub fn unprocessable(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => format!(
                "field `{}` is invalid: {}",
                errors[0].field, errors[0].message
            ),
            n => format!("{n} fields are invalid"),
        };
        ApiError::Unprocessable { detail, errors }
    }

    /// A 400, said in English and in Chinese.
    pub fn bad_request(en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::BadRequest(Message::new(en, zh))
    }

    /// A 401, said in English and in Chinese.
    pub fn unauthorized(en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::Unauthorized(Message::new(en, zh))
    }

    /// A 403, said in English and in Chinese.
    pub fn forbidden(en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::Forbidden(Message::new(en, zh))
    }

    /// A 409, said in English and in Chinese.
    pub fn conflict(en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: Message::new(en, zh),
            allowed_actions: None,
        }
    }

    /// A 404 naming the record.
    pub fn not_found(what: Noun, id: impl std::fmt::Display) -> Self {
        ApiError::NotFound(Message::new(
            format!("{} {id} does not exist or is outside your scope", what.en),
            format!("{} {id} 不存在，或不在您的权限范围内", what.zh),
        ))
    }

    /// The kind of problem.
    pub fn code(&self) -> ProblemCode {
        match self {
            ApiError::BadRequest(_) => ProblemCode::BadRequest,
            ApiError::Unauthorized(_) => ProblemCode::Unauthorized,
            ApiError::Forbidden(_) => ProblemCode::Forbidden,
            ApiError::NotFound(_) => ProblemCode::NotFound,
            ApiError::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            ApiError::Conflict { .. } => ProblemCode::Conflict,
            ApiError::PreconditionFailed { .. } => ProblemCode::StaleVersion,
            ApiError::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ProblemCode::UnsupportedMediaType,
            ApiError::Unprocessable { .. } => ProblemCode::Validation,
            ApiError::TooManyRequests { .. } => ProblemCode::TooManyRequests,
            ApiError::Unavailable(_) => ProblemCode::Unavailable,
            ApiError::Internal(_) => ProblemCode::Internal,
        }
    }

    /// The problem document this error answers with, in the language of the request.
    pub fn to_problem(&self) -> Problem {
        self.to_problem_in(lang::current())
    }

    /// The problem document this error answers with, in `lang`.
    pub fn to_problem_in(&self, lang: Lang) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let zh = lang == Lang::Zh;
        let mut problem = Problem {
            problem_type: format!("urn:huimin:problem:{}", code.code().replace('_', "-")),
            code,
            title: code.text(lang).to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: crate::request_id::current(),
            errors: None,
            allowed_actions: None,
            current_version: None,
        };
        let free = |d: &Message| d.text(zh).to_owned();
        problem.detail = Some(match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::UnsupportedMediaType(d) => free(d),
            // The cause (which may name the database) is logged, not sent.
            ApiError::Unavailable(_) if zh => {
                "数据库不可用或繁忙：请在 Retry-After 所示的秒数后重试".into()
            }
            ApiError::Unavailable(_) => {
                "the database is unavailable or busy: retry after the seconds in Retry-After".into()
            }
            ApiError::MethodNotAllowed { allow } if zh => {
                format!("此路径只接受 {}", allow.join(", "))
            }
            ApiError::MethodNotAllowed { allow } => {
                format!("this path accepts {}", allow.join(", "))
            }
            ApiError::Conflict {
                detail,
                allowed_actions,
            } => {
                problem.allowed_actions = allowed_actions.clone();
                free(detail)
            }
            ApiError::PreconditionFailed { current_version } => {
                problem.current_version = Some(*current_version);
                if zh {
                    format!(
                        "资源已被修改：当前版本为 {current_version}；请重新读取后以 If-Match: \"{current_version}\" 重试"
                    )
                } else {
                    format!(
                        "the resource has changed: its current version is {current_version}; read it again and retry with If-Match: \"{current_version}\""
                    )
                }
            }
            ApiError::PayloadTooLarge { limit } if zh => format!("请求体超过 {limit} 字节"),
            ApiError::PayloadTooLarge { limit } => {
                format!("the request body is larger than {limit} bytes")
            }
            ApiError::Unprocessable { detail, errors } => {
                let errors: Vec<FieldError> = errors.iter().map(|e| e.localized(lang)).collect();
                let detail = match (zh, errors.as_slice()) {
                    (false, _) => detail.clone(),
                    (true, [one]) => format!("字段 `{}` 无效：{}", one.field, one.message),
                    (true, many) => format!("{} 个字段无效", many.len()),
                };
                problem.errors = Some(errors);
                detail
            }
            ApiError::TooManyRequests { retry_after_secs } if zh => {
                format!("请求过于频繁；请在 {retry_after_secs} 秒后重试")
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                format!("too many requests; retry after {retry_after_secs} s")
            }
            ApiError::Internal(_) if zh => "发生内部错误；已按本请求的 id 记入日志".to_owned(),
            ApiError::Internal(_) => {
                "an internal error occurred; it has been logged with this request's id".to_owned()
            }
        });
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let lang = lang::current();
        let problem = self.to_problem_in(lang);
        match self {
            ApiError::Internal(cause) => log::error!(
                "request {} failed: {cause}",
                problem.instance.as_deref().unwrap_or("-")
            ),
            ApiError::Unavailable(cause) => log::warn!(
                "request {} answered 503: {cause}",
                problem.instance.as_deref().unwrap_or("-")
            ),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        res.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        res.append_header((header::VARY, "Accept-Language"));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"huimin\""));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::PreconditionFailed { current_version } => {
                res.insert_header((
                    header::ETAG,
                    crate::precondition::etag_value(*current_version),
                ));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        res.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match err {
            E::NotFound => ApiError::NotFound(Message::new(
                "the record does not exist or is outside your scope",
                "记录不存在，或不在您的权限范围内",
            )),
            E::DatabaseError(kind, info) => {
                let message = info.message().to_owned();
                match kind {
                    K::UniqueViolation => ApiError::conflict(
                        "a record with the same unique value (code, username, year, …) already exists",
                        "已有相同唯一值（编码、用户名、年度等）的记录",
                    ),
                    K::ForeignKeyViolation => ApiError::invalid_field(
                        "body",
                        "reference",
                        "a referenced record does not exist",
                    ),
                    K::CheckViolation | K::NotNullViolation => {
                        ApiError::invalid_field("body", "invalid", "a value is outside its allowed range")
                    }
                    K::ClosedConnection => ApiError::Unavailable("the database connection was lost".into()),
                    K::SerializationFailure => {
                        ApiError::Unavailable("the database asked to retry the transaction".into())
                    }
                    _ if is_transient(&message) => ApiError::Unavailable(format!("database busy or unreachable: {message}")),
                    // Only input can carry a byte PostgreSQL's text refuses (NUL); the checks on
                    // each field refuse it first, this is the backstop.
                    _ if message.contains("invalid byte sequence") => ApiError::bad_request(
                        "text must not contain NUL or other control characters",
                        "文本不得包含空字符（NUL）或其他控制字符",
                    ),
                    _ => ApiError::Internal(format!("database error: {message}")),
                }
            }
            E::BrokenTransactionManager => {
                ApiError::Unavailable("the database connection was lost".into())
            }
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

fn is_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("database is busy")
        || m.contains("server closed the connection")
        || m.contains("terminating connection")
        || m.contains("connection refused")
        || m.contains("no connection to the server")
        || m.contains("could not connect")
        || m.contains("the database system is")
        || m.contains("lock timeout")
        || m.contains("conflict with recovery")
}

impl From<crate::db::Unavailable> for ApiError {
    fn from(err: crate::db::Unavailable) -> Self {
        ApiError::Unavailable(err.0)
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(err: r2d2::Error) -> Self {
        ApiError::Unavailable(format!("no database connection available: {err}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {err}"))
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        collect_validation_errors("", &errs, &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::unprocessable(out)
    }
}

fn collect_validation_errors(
    prefix: &str,
    errs: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in errs.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| default_message(e));
                    let mut error = FieldError::new(name.clone(), e.code.to_string(), message);
                    let param = |k: &str| e.params.get(k).map(|v| v.to_string());
                    error.limits = (param("min"), param("max"));
                    out.push(error);
                }
            }
            K::Struct(inner) => collect_validation_errors(&name, inner, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect_validation_errors(&format!("{name}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(e: &validator::ValidationError) -> String {
    let param = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be {min} to {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "out of range".into(),
        },
        other => format!("invalid ({other})"),
    }
}

/// Maps query string parse failures to 400.
pub fn query_error_handler(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(
        format!("invalid query parameters: {err}"),
        format!("查询参数无效（解析器原文：{err}）"),
    )
    .into()
}

/// Maps path parameter parse failures (an id that is not a whole number, a step that does not
/// exist) to 404, before any query: such a path names no resource, as a number that names no
/// row does not (the contract's types say which values are well formed).
pub fn path_error_handler(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let path = req.path();
    ApiError::NotFound(Message::new(
        format!("no resource at {path}: {err}"),
        format!("{path} 处没有资源：路径参数不合规定（解析器原文：{err}）"),
    ))
    .into()
}

/// Problem document responses, referenced by every operation in the contract.
pub mod responses {
    use super::*;

    #[rustfmt::skip]
    macro_rules! problem_response {
        ($name:ident, $status:literal, $kind:literal, $code:literal, $title:literal, $detail:literal, $desc:literal) => {
            #[doc = $desc]
            #[derive(ToResponse)]
            #[response(
                description = $desc,
                content_type = "application/problem+json",
                example = json!({
                    "type": concat!("urn:huimin:problem:", $kind),
                    "code": $code,
                    "title": $title,
                    "status": $status,
                    "detail": $detail,
                    "instance": "7d7f5a9e-6a43-4d3e-9a1b-2f0c5f3e8c11"
                })
            )]
            pub struct $name(pub Problem);
        };
    }

    problem_response!(
        BadRequest,
        400,
        "bad-request",
        "bad_request",
        "Bad Request",
        "invalid query parameters: limit must be between 1 and 200",
        "Malformed request: JSON syntax, query or path parameter, cursor or header."
    );
    problem_response!(
        Unauthorized,
        401,
        "unauthorized",
        "unauthorized",
        "Unauthorized",
        "the bearer token has expired",
        "Missing, malformed, forged or expired bearer token."
    );
    problem_response!(
        Forbidden,
        403,
        "forbidden",
        "forbidden",
        "Forbidden",
        "your role may not do this",
        "Authenticated, but the role may not do this."
    );
    problem_response!(
        NotFound,
        404,
        "not-found",
        "not_found",
        "Not Found",
        "unit 99 does not exist or is outside your scope",
        "No such resource, or it lies outside the caller's unit subtree."
    );
    problem_response!(
        Conflict,
        409,
        "conflict",
        "conflict",
        "Conflict",
        "a record with the same unique value (code, username, year, …) already exists",
        "Conflicts with the current state: a duplicate, or an illegal change."
    );
    problem_response!(PreconditionFailed, 412, "stale-version", "stale_version", "Precondition Failed",
        "the resource has changed: its current version is 3; read it again and retry with If-Match: \"3\"",
        "`If-Match` names a version that is no longer current.");
    problem_response!(
        PayloadTooLarge,
        413,
        "payload-too-large",
        "payload_too_large",
        "Payload Too Large",
        "the request body is larger than 262144 bytes",
        "The request body is larger than the configured limit."
    );
    problem_response!(
        UnsupportedMediaType,
        415,
        "unsupported-media-type",
        "unsupported_media_type",
        "Unsupported Media Type",
        "the request body must be sent as Content-Type: application/json",
        "The body is not `application/json`."
    );
    problem_response!(Unprocessable, 422, "validation", "validation", "Unprocessable Content",
        "field `name` is invalid: length must be 1 to 100",
        "The body is well-formed JSON but a field is missing, unknown, of the wrong type or invalid; `errors` lists each field.");
    problem_response!(
        TooManyRequests,
        429,
        "too-many-requests",
        "too_many_requests",
        "Too Many Requests",
        "too many requests; retry after 60 s",
        "Too many attempts; retry after the `Retry-After` seconds."
    );
    problem_response!(
        Unavailable,
        503,
        "unavailable",
        "unavailable",
        "Service Unavailable",
        "the database is unavailable or busy: retry after the seconds in Retry-After",
        "The database is unreachable or busy; retry after the `Retry-After` seconds."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let p = ApiError::Internal("secret detail".into()).to_problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.unwrap_or_default().contains("secret"));
        let p = ApiError::Unavailable("cannot connect to postgres://db:5432".into()).to_problem();
        assert_eq!(p.status, 503);
        assert!(!p.detail.unwrap_or_default().contains("postgres"));
    }

    #[test]
    fn one_field_error_names_the_field_in_detail() {
        let p = ApiError::invalid_field("code", "length", "too long").to_problem();
        assert_eq!(p.status, 422);
        assert!(p.detail.unwrap_or_default().contains("code"));
        assert_eq!(p.errors.map(|e| e.len()), Some(1));
    }
}
