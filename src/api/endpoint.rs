//! The standard operations of a resource, written once: list, create, read, change and delete.
//!
//! [`endpoint!`] writes an operation's `#[utoipa::path]` (its parameters, success response and
//! error set), its route and its signature; the caller writes only what differs, the body. The
//! bodies share the helpers below: [`one`] answers a record with its version as `ETag`,
//! [`page`] a page of a list read where lists are read (see [`reads`]), [`created`] a new record
//! with its `Location`.
//!
//! The route attributes are `actix_web`'s `get`, `post`, `patch` and `delete` as the caller
//! imports them: `utoipa` knows a route by those names.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::api::etag;
use crate::api::reads;
use crate::api::AppState;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery, PageRequest};
use crate::precondition::Versioned;
use crate::store;

/// Answers the record that `find` reads or writes (on the primary), with its version as `ETag`.
pub async fn one<R, V>(
    state: &AppState,
    find: impl FnOnce(&mut DbConnection) -> Result<R, ApiError> + Send + 'static,
    view: impl FnOnce(R) -> Result<V, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    R: Send + 'static,
    V: Serialize + Versioned,
{
    let row = store::run(&state.pool, find).await?;
    Ok(etag::ok(&view(row)?))
}

/// Where a list is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The read replica, unless the caller wrote recently (the programme's records).
    Replica,
    /// The primary always (accounts and clients, which decide who may do what).
    Primary,
}

/// Answers the page of the list `name` that `list` reads from `source`, each row as `view`
/// makes it.
pub async fn page<R, V>(
    state: &AppState,
    page: web::Query<PageQuery>,
    name: &'static str,
    source: Source,
    list: impl Fn(&mut DbConnection, &PageRequest) -> Result<Page<R>, ApiError> + Send + 'static,
    view: impl FnMut(R) -> Result<V, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    R: Send + 'static,
    V: Serialize,
{
    let page = page.resolve(name)?;
    let fresh = source == Source::Primary || reads::fresh();
    let rows = store::read(&state.pool, fresh, move |c| list(c, &page)).await?;
    Ok(HttpResponse::Ok().json(rows.try_map(view)?))
}

/// Answers the record that `create` wrote (`201`, marked `Idempotent-Replayed` when an
/// idempotency key replayed it), with its version as `ETag` and its address under `collection`
/// (`/api/v1/…`) as `Location`.
pub async fn created<R, V>(
    state: &AppState,
    collection: &str,
    create: impl FnOnce(&mut DbConnection) -> Result<(R, bool), ApiError> + Send + 'static,
    view: impl FnOnce(R) -> Result<V, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    R: Send + 'static,
    V: Serialize + Versioned + HasId,
{
    let (row, replayed) = store::run(&state.pool, create).await?;
    let view = view(row)?;
    let location = format!("{collection}/{}", view.id());
    Ok(etag::created(&view, &location, replayed))
}

/// Answers `204 No Content` once `delete` has deleted a record (on the primary).
pub async fn deleted(
    state: &AppState,
    delete: impl FnOnce(&mut DbConnection) -> Result<(), ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    store::run(&state.pool, delete).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A view with an id, for its `Location`.
pub trait HasId {
    /// The record's id.
    fn id(&self) -> i64;
}

/// Declares a view [`Versioned`] by its `version` field and, unless `no id` follows, [`HasId`] by
/// its `id` field.
macro_rules! versioned_view {
    ($view:ty, no id) => {
        impl $crate::precondition::Versioned for $view {
            fn version(&self) -> i64 {
                self.version
            }
        }
    };
    ($view:ty) => {
        $crate::api::endpoint::versioned_view!($view, no id);

        impl $crate::api::endpoint::HasId for $view {
            fn id(&self) -> i64 {
                self.id
            }
        }
    };
}
pub(crate) use versioned_view;

/// Declares the view of a versioned record: the fields given, then the three every such view
/// ends with (`version`, `created_at`, `updated_at`), and [`versioned_view!`] for it.
macro_rules! record_view {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($fields)*
            /// Version, sent as `ETag`.
            pub version: i64,
            /// Created at.
            pub created_at: chrono::DateTime<chrono::FixedOffset>,
            /// Last changed at.
            pub updated_at: chrono::DateTime<chrono::FixedOffset>,
        }

        $crate::api::endpoint::versioned_view!($name);
    };
}
pub(crate) use record_view;

/// Builds a view of a versioned record from its row: the fields given, then `version`,
/// `created_at` and `updated_at` as the row has them (the times in China Standard Time).
macro_rules! from_record {
    ($row:ident => $view:ident { $($fields:tt)* }) => {
        $view {
            $($fields)*
            version: $row.version,
            created_at: $crate::time::to_cst($row.created_at),
            updated_at: $crate::time::to_cst($row.updated_at),
        }
    };
}
pub(crate) use from_record;

/// Writes a standard operation: its OpenAPI description, route and signature, around `body`.
///
/// - `list name("/path", Op, Filter) -> View, tag = "…", ok = "…"; |state, principal, filter,
///   page| { … }`: a page of a filtered list (`200` with `Page<View>`, errors [`e::List`]).
/// - `create name("/path", Op, New) -> View, tag, ok, location = "…" [, also = [Conflict]];
///   |state, principal, idem, body| { … }`: `201` with `ETag` and `Location`, errors
///   [`e::Create`]; `submit` is the same without `ETag` and `Location` (what creates several
///   records at once).
/// - `add name("/path/{id}/…", Op, Input) -> View, tag, id, ok [, also = […]]; |state,
///   principal, id, body| { … }`: an entry added to a record (`201` with the entry), errors
///   [`e::Create`].
/// - `get name("/path/{id}", Op) -> View, tag, id = "… id", ok; |state, principal, id| { … }`:
///   `200` with `ETag`, errors [`e::Read`]; `read` is the same without `ETag` (what belongs to a
///   record: its timeline, its documents).
/// - `update name("/path/{id}", Op, Patch) -> View, tag, id, ok [, also = […]]; |state,
///   principal, id, if_match, body| { … }`: `200` with the new `ETag`, errors [`e::Update`];
///   `replace` is the same as `PUT`, `act` as `POST` (a step on the record, such as a review).
/// - `delete name("/path/{id}", Op), tag, id, ok; |state, principal, id, if_match| { … }`:
///   `204`, errors [`e::Read`], [`e::Forbidden`], [`e::Stale`].
/// - `export name("/path", Op, Query), tag, ok, errors = […]; |state, principal, format, query|
///   { … }`: a table as CSV or XLSX (`format`, [`crate::api::ledger::ExportQuery`]) with its
///   `Content-Disposition`.
///
/// The doc comments before the operation are its summary and description.
///
/// [`e::List`]: crate::api::errors::List
/// [`e::Create`]: crate::api::errors::Create
/// [`e::Read`]: crate::api::errors::Read
/// [`e::Update`]: crate::api::errors::Update
/// [`e::Forbidden`]: crate::api::errors::Forbidden
/// [`e::Stale`]: crate::api::errors::Stale
macro_rules! endpoint {
    (
        $(#[doc = $doc:tt])*
        list $name:ident($path:tt, $op:ident, $filter:ident) -> $view:ident,
        tag = $tag:tt, ok = $ok:tt $(, also = [$($also:ident),+])?;
        |$state:ident, $principal:ident, $f:ident, $page:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params($filter, $crate::paging::PageQuery),
                responses(
                    (status = 200, description = $ok, body = Page<$view>),
                    $crate::api::errors::List $($(, $crate::api::errors::$also)+)?,
                ),
            )]
            #[get($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $f: actix_web::web::Query<$filter>,
                $page: actix_web::web::Query<$crate::paging::PageQuery>)
            { let $f = $f.into_inner(); $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        create $name:ident($path:tt, $op:ident, $new:ident) -> $view:ident,
        tag = $tag:tt, ok = $ok:tt, location = $location:tt $(, also = [$($also:ident),+])?;
        $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @post_once
            [, headers(("ETag" = String, description = "The version"), ("Location" = String, description = $location))]
            $(#[doc = $doc])* $name($path, $op, $new) -> $view, tag = $tag, ok = $ok $(, also = [$($also),+])?;
            $($rest)*
        }
    };
    (
        $(#[doc = $doc:tt])*
        submit $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @post_once [] $(#[doc = $doc])* $name $($rest)* }
    };
    (
        @post_once [$($headers:tt)*] $(#[doc = $doc:tt])*
        $name:ident($path:tt, $op:ident, $new:ident) -> $view:ident,
        tag = $tag:tt, ok = $ok:tt $(, also = [$($also:ident),+])?;
        |$state:ident, $principal:ident, $idem:ident, $b:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params($crate::api::idempotency::IdempotencyKeyHeader),
                request_body = $new,
                responses(
                    (status = 201, description = $ok, body = $view $($headers)*),
                    $crate::api::errors::Create $($(, $crate::api::errors::$also)+)?,
                ),
            )]
            #[post($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $idem: $crate::api::idempotency::IdempotencyKey,
                $b: $crate::api::json::Json<$new>)
            { validator::Validate::validate(&*$b)?; $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        add $name:ident($path:tt, $op:ident, $input:ident) -> $view:ident,
        tag = $tag:tt, id = $id_doc:tt, ok = $ok:tt $(, also = [$($also:ident),+])?;
        |$state:ident, $principal:ident, $id:ident, $b:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params(("id" = i64, Path, description = $id_doc)),
                request_body = $input,
                responses(
                    (status = 201, description = $ok, body = $view),
                    $crate::api::errors::Create $($(, $crate::api::errors::$also)+)?,
                ),
            )]
            #[post($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $id: actix_web::web::Path<i64>,
                $b: $crate::api::json::Json<$input>)
            { validator::Validate::validate(&*$b)?; let $id = $id.into_inner(); $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        get $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @one
            [, headers(("ETag" = String, description = "The version"))] $(#[doc = $doc])* $name $($rest)*
        }
    };
    (
        $(#[doc = $doc:tt])*
        read $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @one [] $(#[doc = $doc])* $name $($rest)* }
    };
    (
        @one [$($headers:tt)*] $(#[doc = $doc:tt])*
        $name:ident($path:tt, $op:ident) -> $view:ident,
        tag = $tag:tt, id = $id_doc:tt, ok = $ok:tt $(, also = [$($also:ident),+])?;
        |$state:ident, $principal:ident, $id:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params(("id" = i64, Path, description = $id_doc)),
                responses(
                    (status = 200, description = $ok, body = $view $($headers)*),
                    $crate::api::errors::Read $($(, $crate::api::errors::$also)+)?,
                ),
            )]
            #[get($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $id: actix_web::web::Path<i64>)
            { let $id = $id.into_inner(); $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        update $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @write patch $(#[doc = $doc])* $name $($rest)* }
    };
    (
        $(#[doc = $doc:tt])*
        replace $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @write put $(#[doc = $doc])* $name $($rest)* }
    };
    (
        $(#[doc = $doc:tt])*
        act $name:ident $($rest:tt)*
    ) => {
        $crate::api::endpoint::endpoint! { @write post $(#[doc = $doc])* $name $($rest)* }
    };
    (
        @write $verb:ident $(#[doc = $doc:tt])*
        $name:ident($path:tt, $op:ident, $patch:ident) -> $view:ident,
        tag = $tag:tt, id = $id_doc:tt, ok = $ok:tt $(, also = [$($also:ident),+])?;
        |$state:ident, $principal:ident, $id:ident, $if_match:ident, $b:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params(("id" = i64, Path, description = $id_doc), $crate::api::etag::IfMatchHeader),
                request_body = $patch,
                responses(
                    (status = 200, description = $ok, body = $view, headers(("ETag" = String, description = "The new version"))),
                    $crate::api::errors::Update $($(, $crate::api::errors::$also)+)?,
                ),
            )]
            #[$verb($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $id: actix_web::web::Path<i64>,
                $if_match: $crate::precondition::IfMatch, $b: $crate::api::json::Json<$patch>)
            { validator::Validate::validate(&*$b)?; let $id = $id.into_inner(); $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        delete $name:ident($path:tt, $op:ident),
        tag = $tag:tt, id = $id_doc:tt, ok = $ok:tt;
        |$state:ident, $principal:ident, $id:ident, $if_match:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params(("id" = i64, Path, description = $id_doc), $crate::api::etag::IfMatchHeader),
                responses(
                    (status = 204, description = $ok),
                    $crate::api::errors::Read, $crate::api::errors::Forbidden, $crate::api::errors::Stale,
                ),
            )]
            #[delete($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op, $id: actix_web::web::Path<i64>,
                $if_match: $crate::precondition::IfMatch)
            { let $id = $id.into_inner(); $body }
        }
    };
    (
        $(#[doc = $doc:tt])*
        export $name:ident($path:tt, $op:ident, $query:ident),
        tag = $tag:tt, ok = $ok:tt, errors = [$($err:ident),+];
        |$state:ident, $principal:ident, $format:ident, $q:ident| $body:block
    ) => {
        $crate::api::endpoint::endpoint! { @handler
            #[utoipa::path(
                tag = $tag,
                params($crate::api::ledger::ExportQuery, $query),
                responses(
                    (status = 200, description = $ok,
                        content(
                            (String = "text/csv"),
                            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                        ),
                        headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
                    $($crate::api::errors::$err),+,
                ),
            )]
            #[get($path)]
            $(#[doc = $doc])*
            $name($state, $principal: $op,
                $format: actix_web::web::Query<$crate::api::ledger::ExportQuery>,
                $q: actix_web::web::Query<$query>)
            { let $format = $format.format; let $q = $q.into_inner(); $body }
        }
    };
    // The handler itself: its attributes, the state and the caller's permission, then the
    // operation's own extractors.
    (@handler $(#[$($attr:tt)*])* $name:ident($state:ident, $principal:ident: $op:ident,
        $($arg:ident: $ty:ty),+) $body:block
    ) => {
        $(#[$($attr)*])*
        pub async fn $name(
            $state: actix_web::web::Data<$crate::api::AppState>,
            $principal: $crate::auth::principal::Authorized<$crate::auth::principal::op::$op>,
            $($arg: $ty),+
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> $body
    };
}
pub(crate) use endpoint;
