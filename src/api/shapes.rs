//! Structural rules of the contract that generated clients depend on, applied to the whole
//! document once every route is registered, so that every operation gets them without
//! declaring anything:
//!
//! - [`PageItems`]: a list page (`Page_X`) refers to its item's schema `X` instead of repeating
//!   it inline, so that generated clients get one class per resource;
//! - [`RequestDefaults`]: a request field with a default is optional in generated clients — the
//!   default moves from the schema's `default` (which openapi-typescript turns into a required
//!   property) into its description, and the field is never `required`;
//! - [`ResponseHeaders`]: the headers the service sends are declared where it sends them — on
//!   every problem response `Content-Language` and `Vary`, `Retry-After` on 429 and 503,
//!   `WWW-Authenticate` on 401, `ETag` on 412, `Idempotent-Replayed` on the success responses of
//!   every operation that takes an `Idempotency-Key`.

use std::collections::BTreeSet;

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};
use utoipa::Modify;

/// The prefix utoipa gives the schema of `Page<X>`.
const PAGE_PREFIX: &str = "Page_";

/// A list page's `items` refers to the item's component schema (created from the inline one
/// when no operation registered it).
pub struct PageItems;

impl Modify for PageItems {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let mut moved = Vec::new();
        for (name, schema) in components.schemas.iter_mut() {
            let Some(item_name) = name.strip_prefix(PAGE_PREFIX) else {
                continue;
            };
            let RefOr::T(Schema::Object(page)) = schema else {
                continue;
            };
            let Some(RefOr::T(Schema::Array(array))) = page.properties.get_mut("items") else {
                continue;
            };
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                if let RefOr::T(inline) = items.as_ref() {
                    moved.push((item_name.to_owned(), inline.clone()));
                    **items = RefOr::Ref(Ref::from_schema_name(item_name));
                }
            }
        }
        for (name, schema) in moved {
            components.schemas.entry(name).or_insert(RefOr::T(schema));
        }
    }
}

/// The component schemas a request body names, with those they name in turn.
fn request_schemas(openapi: &OpenApi) -> BTreeSet<String> {
    let mut pending: Vec<String> = Vec::new();
    for item in openapi.paths.paths.values() {
        for op in operations(item) {
            if let Some(body) = &op.request_body {
                collect_refs(
                    &serde_json::to_value(body).unwrap_or_default(),
                    &mut pending,
                );
            }
        }
    }
    let mut seen = BTreeSet::new();
    let schemas = openapi.components.as_ref().map(|c| &c.schemas);
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
            collect_refs(
                &serde_json::to_value(schema).unwrap_or_default(),
                &mut pending,
            );
        }
    }
    seen
}

/// The component schema names that `value` refers to.
fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn operations(item: &utoipa::openapi::PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.post, &item.put, &item.patch, &item.delete]
        .into_iter()
        .flatten()
}

/// A request field's default goes into its description, and the field out of `required`.
pub struct RequestDefaults;

impl RequestDefaults {
    fn object(object: &mut Object) {
        for (name, property) in object.properties.iter_mut() {
            let RefOr::T(schema) = property else { continue };
            let default = match schema {
                Schema::Object(o) => o.default.take(),
                Schema::Array(a) => a.default.take(),
                Schema::OneOf(o) => o.default.take(),
                Schema::AllOf(a) => a.default.take(),
                Schema::AnyOf(a) => a.default.take(),
                _ => None,
            };
            let Some(default) = default else { continue };
            let note = format!("Default when absent: `{default}`.");
            let description = match schema {
                Schema::Object(o) => Some(&mut o.description),
                Schema::Array(a) => Some(&mut a.description),
                Schema::OneOf(o) => Some(&mut o.description),
                Schema::AllOf(a) => Some(&mut a.description),
                Schema::AnyOf(a) => Some(&mut a.description),
                _ => None,
            };
            if let Some(description) = description {
                *description = Some(match description.take() {
                    Some(text) => format!("{text}\n\n{note}"),
                    None => note,
                });
            }
            object.required.retain(|r| r != name);
        }
    }
}

impl Modify for RequestDefaults {
    fn modify(&self, openapi: &mut OpenApi) {
        let names = request_schemas(openapi);
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in names {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
                Self::object(object);
            }
        }
    }
}

/// Declares the headers the service sends with problems, retries and replays.
pub struct ResponseHeaders;

fn string_header(description: &str, values: Option<&[&str]>) -> RefOr<Header> {
    let mut schema = ObjectBuilder::new().schema_type(Type::String);
    if let Some(values) = values {
        schema = schema.enum_values(Some(values.iter().copied()));
    }
    RefOr::T(
        HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(description))
            .build(),
    )
}

impl Modify for ResponseHeaders {
    fn modify(&self, openapi: &mut OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for (name, response) in components.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                response.headers.insert(
                    "Content-Language".into(),
                    string_header(
                        "The language of `title`, `detail` and each `errors[].message`: `zh-CN` when `Accept-Language` prefers Chinese (`zh`, `zh-CN`, `zh-Hans`), `en` otherwise.",
                        Some(&["en", "zh-CN"]),
                    ),
                );
                response.headers.insert(
                    "Vary".into(),
                    string_header("Includes `Accept-Language`: the text depends on it.", None),
                );
                let extra = match name.as_str() {
                    "TooManyRequests" | "Unavailable" => Some((
                        "Retry-After",
                        RefOr::T(
                            HeaderBuilder::new()
                                .schema(Some(
                                    ObjectBuilder::new()
                                        .schema_type(Type::Integer)
                                        .minimum(Some(0)),
                                ))
                                .description(Some("Seconds to wait before retrying."))
                                .build(),
                        ),
                    )),
                    "Unauthorized" => Some((
                        "WWW-Authenticate",
                        string_header("The scheme to authenticate with: `Bearer realm=\"huimin\"`.", None),
                    )),
                    "PreconditionFailed" => Some((
                        "ETag",
                        string_header("The current version, to send as `If-Match` after reading the resource again.", None),
                    )),
                    _ => None,
                };
                if let Some((header, value)) = extra {
                    response.headers.insert(header.into(), value);
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in super::operations_mut(item) {
                let idempotent = op.parameters.iter().flatten().any(|p| {
                    matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Header)
                        && p.name.eq_ignore_ascii_case(super::idempotency::HEADER))
                });
                if !idempotent {
                    continue;
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if status.starts_with('2') {
                        response.headers.insert(
                            "Idempotent-Replayed".into(),
                            string_header(
                                "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key` (nothing was created again); absent on the first answer.",
                                None,
                            ),
                        );
                    }
                }
            }
        }
    }
}
