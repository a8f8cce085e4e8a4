//! The error responses of operations, declared once per kind of operation: a handler's
//! `#[utoipa::path]` names its success responses and one of these sets (plus a single status
//! where it differs), and every entry refers to the shared problem responses of the document.

use std::collections::BTreeMap;

use utoipa::openapi::response::Response;
use utoipa::openapi::{Ref, RefOr};
use utoipa::IntoResponses;

macro_rules! error_set {
    ($($(#[$meta:meta])* $name:ident: $($status:literal => $response:ident),+;)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(($status, stringify!($response))),+]
                    .into_iter()
                    .map(|(status, name)| {
                        (status.to_owned(), RefOr::Ref(Ref::from_response_name(name)))
                    })
                    .collect()
            }
        }
    )+};
}

error_set! {
    /// A read of a list with a token: bad parameters, no token, database down.
    List: "400" => BadRequest, "401" => Unauthorized, "503" => Unavailable;
    /// A read of one record with a token: as a list, and 404 outside the caller's scope.
    Read: "400" => BadRequest, "401" => Unauthorized, "404" => NotFound, "503" => Unavailable;
    /// A create: as a list, the role may not, and the body's three ways to fail.
    Create: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden,
        "413" => PayloadTooLarge, "415" => UnsupportedMediaType, "422" => Unprocessable,
        "503" => Unavailable;
    /// A change of one record: as a create, and 404 and a stale `If-Match`.
    Update: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden, "404" => NotFound,
        "412" => PreconditionFailed, "413" => PayloadTooLarge, "415" => UnsupportedMediaType,
        "422" => Unprocessable, "503" => Unavailable;
    /// A read without a token: bad parameters, database down.
    Public: "400" => BadRequest, "503" => Unavailable;
    /// The three ways a request body fails: too large, not JSON, invalid fields.
    Body: "413" => PayloadTooLarge, "415" => UnsupportedMediaType, "422" => Unprocessable;
    /// No or a bad token.
    NoToken: "401" => Unauthorized;
    /// The role may not.
    Forbidden: "403" => Forbidden;
    /// No such record in the caller's scope.
    NotFound: "404" => NotFound;
    /// Conflicts with the current state.
    Conflict: "409" => Conflict;
    /// A stale `If-Match`.
    Stale: "412" => PreconditionFailed;
    /// Too many attempts.
    TooMany: "429" => TooManyRequests;
    /// The database is down or busy.
    Unavailable: "503" => Unavailable;
}
