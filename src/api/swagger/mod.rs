//! Swagger UI for auditors: tags and summaries in Chinese with the English beside them, every
//! enum's Chinese labels in its description (from the code tables that `GET
//! /api/v1/dictionaries` serves), and an initializer that keeps a CSV's byte order mark when
//! the file is saved from Swagger UI.

mod titles;

pub use titles::{OPERATIONS, TAGS};

use actix_web::{web, HttpResponse};
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use crate::domain::codes::CodeEntry;

/// The tag a handler names (`consultations`) as the document shows it (`咨询 Consultations`);
/// `None` without a row in [`TAGS`].
pub fn tag_name(tag: &str) -> Option<String> {
    TAGS.iter()
        .find(|(code, ..)| *code == tag)
        .map(|(_, zh, en, _)| format!("{zh} {en}"))
}

/// Renames the tags and titles the operations from [`TAGS`] and [`OPERATIONS`]; what has no
/// row is left as it is (and the contract tests name it).
pub struct ChineseTitles;

impl ChineseTitles {
    fn operation(op: &mut Operation) {
        for tag in op.tags.iter_mut().flatten() {
            if let Some(name) = tag_name(tag) {
                *tag = name;
            }
        }
        let id = op.operation_id.as_deref().unwrap_or_default();
        if let Some((_, zh, en)) = OPERATIONS.iter().find(|(code, ..)| *code == id) {
            let long = op.summary.replace(format!("{zh} {en}"));
            op.description = match (long, op.description.take()) {
                (Some(long), Some(rest)) => Some(format!("{long}\n\n{rest}")),
                (long, rest) => long.or(rest),
            };
        }
    }
}

impl Modify for ChineseTitles {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            super::operations_mut(item).for_each(Self::operation);
        }
        for tag in openapi.tags.iter_mut().flatten() {
            if let Some((_, zh, en, zh_description)) =
                TAGS.iter().find(|(code, ..)| *code == tag.name)
            {
                tag.name = format!("{zh} {en}");
                tag.description = Some(match tag.description.take() {
                    Some(english) => format!("{zh_description} — {english}"),
                    None => (*zh_description).to_owned(),
                });
            }
        }
    }
}

/// Writes each enum's codes with their Chinese labels into its description
/// (`elderly 老年人; minor 未成年人; …`): component schemas, enums inline in them, and query or
/// path parameters (whose description is what Swagger UI shows beside the box). The labels
/// come from the code tables of `GET /api/v1/dictionaries`: the smallest table holding every
/// value of the enum.
pub struct EnumLabels;

/// The line that [`EnumLabels`] writes for an enum's values; `None` when no code table holds
/// them all.
pub fn labels_line(values: &[serde_json::Value]) -> Option<String> {
    let tables = super::meta::dictionaries().0;
    let codes: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
    if codes.is_empty() || codes.len() != values.len() {
        return None;
    }
    let label = |table: &[CodeEntry], code: &str| {
        table
            .iter()
            .find(|e| e.code == code)
            .map(|e| e.label.to_owned())
    };
    let table = tables
        .values()
        .filter(|table| codes.iter().all(|c| label(table, c).is_some()))
        .min_by_key(|table| table.len())?;
    let pairs: Vec<String> = codes
        .iter()
        .map(|c| format!("{c} {}", label(table, c).unwrap_or_default()))
        .collect();
    Some(format!("取值 Values: {}", pairs.join("; ")))
}

/// Appends `line` to a description (once).
fn append(description: &mut Option<String>, line: &str) {
    match description {
        Some(d) if d.contains(line) => {}
        Some(d) if !d.is_empty() => *d = format!("{d}\n\n{line}"),
        _ => *description = Some(line.to_owned()),
    }
}

impl EnumLabels {
    /// The enum values of a schema, looking through one `$ref` to a component.
    fn values_of(
        schema: &RefOr<Schema>,
        components: &std::collections::BTreeMap<String, RefOr<Schema>>,
    ) -> Option<Vec<serde_json::Value>> {
        let schema = match schema {
            RefOr::Ref(r) => components.get(r.ref_location.rsplit('/').next()?)?,
            inline => inline,
        };
        match schema {
            RefOr::T(Schema::Object(o)) => o.enum_values.clone(),
            RefOr::T(Schema::Array(a)) => match &a.items {
                ArrayItems::RefOrSchema(items) => Self::values_of(items, components),
                ArrayItems::False => None,
            },
            _ => None,
        }
    }

    fn schema(schema: &mut Schema) {
        super::each_object_mut(schema, &mut |object| {
            if let Some(line) = object.enum_values.as_deref().and_then(labels_line) {
                append(&mut object.description, &line);
            }
        });
    }
}

impl Modify for EnumLabels {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        for item in openapi.paths.paths.values_mut() {
            for op in super::operations_mut(item) {
                for parameter in op.parameters.iter_mut().flatten() {
                    let RefOr::T(parameter) = parameter else {
                        continue;
                    };
                    let Some(schema) = &mut parameter.schema else {
                        continue;
                    };
                    if let Some(line) =
                        Self::values_of(schema, &components).and_then(|v| labels_line(&v))
                    {
                        append(&mut parameter.description, &line);
                    }
                    if let RefOr::T(schema) = schema {
                        Self::schema(schema);
                    }
                }
            }
        }
        if let Some(components) = &mut openapi.components {
            for schema in components.schemas.values_mut() {
                if let RefOr::T(schema) = schema {
                    Self::schema(schema);
                }
            }
            // Headers of the shared responses (`Content-Language`: en, zh-CN).
            for response in components.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for header in response.headers.values_mut() {
                        if let RefOr::T(header) = header {
                            if let Some(RefOr::T(schema)) = &mut header.schema {
                                Self::schema(schema);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Swagger UI's settings: the served document, tokens kept only in the page (never in the
/// browser's storage), the tag filter on, no external validator.
pub fn ui_config() -> utoipa_swagger_ui::Config<'static> {
    utoipa_swagger_ui::Config::new([crate::SPEC_PATH])
        .persist_authorization(false)
        .validator_url("none")
        .filter(true)
        .display_request_duration(true)
}

/// The initializer's script: Swagger UI with [`ui_config`] and a response interceptor that
/// puts back the UTF-8 byte order mark of a CSV body. swagger-client reads a `text/csv` answer
/// with `Response.text()`, which drops the mark, and Swagger UI saves that text ("Download
/// file"): without the mark Excel reads the ledger's Chinese as another encoding.
pub fn initializer_script(config: &utoipa_swagger_ui::Config<'_>) -> String {
    let json = serde_json::to_string_pretty(config).unwrap_or_else(|_| "{}".into());
    include_str!("initializer.js").replace("/* config */ {}", &json)
}

/// `GET /swagger-ui/swagger-initializer.js`: [`initializer_script`], served in place of the
/// bundled one (a file of the same origin, as the page's content security policy asks).
pub fn initializer_route(cfg: &mut web::ServiceConfig) {
    let script = initializer_script(&ui_config());
    cfg.route(
        "/swagger-ui/swagger-initializer.js",
        web::get().to(move || {
            let script = script.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/javascript; charset=utf-8")
                    .body(script)
            }
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_labels_come_from_the_smallest_table_holding_every_value() {
        let line = labels_line(&[serde_json::json!("elderly"), serde_json::json!("minor")])
            .expect("a table has both");
        assert!(line.contains("elderly 老年人"), "{line}");
        assert!(line.contains("minor 未成年人"), "{line}");
        assert_eq!(labels_line(&[serde_json::json!("no_such_code")]), None);
    }

    #[test]
    fn the_initializer_carries_the_config_and_the_interceptor() {
        let script = initializer_script(&ui_config());
        assert!(
            script.contains("\"persistAuthorization\": false"),
            "{script}"
        );
        assert!(script.contains("\"filter\": true"), "{script}");
        assert!(script.contains(crate::SPEC_PATH), "{script}");
        assert!(script.contains("responseInterceptor"), "{script}");
        assert!(!script.contains("/* config */"), "{script}");
    }
}
