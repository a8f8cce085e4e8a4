//! Query strings: an operation takes only the query parameters its contract declares. A
//! guessed or misspelt one (`updated_since`, `sort`) would otherwise be ignored and the answer
//! would look filtered when it is not; instead it is a 400 that names it. The declared names
//! come from the served OpenAPI document ([`KnownRoutes`]), so a parameter added to a filter
//! struct is accepted as soon as it is documented, and nowhere else is there a list to keep.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use super::KnownRoutes;
use crate::error::ApiError;

/// The first parameter of `query` that is not in `declared`, if any.
pub fn unknown_parameter(query: &str, declared: &[String]) -> Option<String> {
    // A query string that does not parse is left to the operation's own extractor (a 400 too).
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query).ok()?;
    pairs
        .into_inner()
        .into_iter()
        .map(|(name, _)| name)
        .find(|name| !declared.iter().any(|d| d == name))
}

/// Refuses a request to a documented operation whose query string names a parameter the
/// operation does not declare (an operation without parameters takes no query string): 400
/// problem+json naming it. Other paths (Swagger UI, the document, a 404, a 405) pass.
pub async fn declared_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let unknown = match (req.query_string(), req.app_data::<web::Data<KnownRoutes>>()) {
        ("", _) | (_, None) => None,
        (query, Some(routes)) => {
            let method = match req.method().as_str() {
                "HEAD" => "GET",
                other => other,
            };
            let path = req.path().trim_end_matches('/');
            routes
                .query_parameters(method, if path.is_empty() { "/" } else { path })
                .and_then(|declared| unknown_parameter(query, declared))
        }
    };
    match unknown {
        None => Ok(next.call(req).await?.map_into_left_body()),
        Some(name) => {
            let error = ApiError::bad_request(
                format!("unknown query parameter `{name}`"),
                format!("未知的查询参数 `{name}`"),
            );
            Ok(req
                .into_response(error.error_response())
                .map_into_right_body())
        }
    }
}

/// Declares the 400 on every operation, since any of them refuses an undeclared parameter.
pub struct DeclaredOnly;

impl utoipa::Modify for DeclaredOnly {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr};
        for item in openapi.paths.paths.values_mut() {
            for op in super::operations_mut(item) {
                op.responses
                    .responses
                    .entry("400".into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("BadRequest")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_undeclared_parameter() {
        let declared = vec!["limit".to_owned(), "cursor".to_owned()];
        assert_eq!(unknown_parameter("limit=5&cursor=x", &declared), None);
        assert_eq!(
            unknown_parameter("limit=5&updated_since=2024-01-01", &declared),
            Some("updated_since".to_owned())
        );
        assert_eq!(unknown_parameter("sort", &[]), Some("sort".to_owned()));
        assert_eq!(
            unknown_parameter("%6C%69mit=5", &declared),
            None,
            "names are read percent-decoded"
        );
    }
}
