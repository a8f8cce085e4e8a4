//! Code tables: every enum the API exposes is a code table with Chinese labels.
//!
//! `code_table!` declares an enum whose variants serialise as stable snake_case codes, parse from
//! them, and carry the Chinese label that `GET /api/v1/dictionaries` serves.

use serde::Serialize;
use utoipa::ToSchema;

/// One entry of a code table: the stable code and its Chinese label.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct CodeEntry {
    /// The code as it appears in the API.
    #[schema(example = "judicial_office")]
    pub code: &'static str,
    /// The label shown to users.
    #[schema(example = "司法所")]
    pub label: &'static str,
}

/// Implemented by every code table enum.
pub trait CodeTable: Sized + Copy + 'static {
    /// The dictionary name under which the table is served.
    const NAME: &'static str;
    /// Every variant, in display order.
    const ALL: &'static [Self];
    /// The stable code.
    fn code(self) -> &'static str;
    /// The Chinese label.
    fn label(self) -> &'static str;
    /// Parses a code; `None` when unknown.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
    /// The whole table as entries.
    fn entries() -> Vec<CodeEntry> {
        Self::ALL
            .iter()
            .map(|v| CodeEntry {
                code: v.code(),
                label: v.label(),
            })
            .collect()
    }
}

/// Declares a code table enum. Each variant is `Variant = "code" : "中文标签"`; the code must be
/// the variant's snake_case name (serde and the OpenAPI schema use that), which
/// [`assert_codes_match_serde`] checks in every table's tests.
#[macro_export]
macro_rules! code_table {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $dict:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal : $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// Codes and Chinese labels: `GET /api/v1/dictionaries`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $crate::domain::codes::CodeTable for $name {
            const NAME: &'static str = $dict;
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            fn code(self) -> &'static str {
                match self { $( Self::$variant => $code, )+ }
            }
            fn label(self) -> &'static str {
                match self { $( Self::$variant => $label, )+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::domain::codes::CodeTable::code(*self))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::codes::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as $crate::domain::codes::CodeTable>::from_code(s).ok_or_else(|| {
                    $crate::domain::codes::UnknownCode { table: $dict, code: s.to_owned() }
                })
            }
        }
    };
}

/// A code that is not in its table (for example a corrupted row).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("unknown {table} code `{code}`")]
pub struct UnknownCode {
    /// The dictionary name.
    pub table: &'static str,
    /// The offending code.
    pub code: String,
}

/// Encodes a set of codes into one delimited text column (`,a,b,`), sorted and deduplicated so
/// that equal sets give equal text and `LIKE '%,a,%'` finds a member on every backend.
pub fn encode_code_list<T: CodeTable + Ord>(items: &[T]) -> String {
    let mut sorted: Vec<T> = items.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.is_empty() {
        return String::new();
    }
    let mut out = String::from(",");
    for item in sorted {
        out.push_str(item.code());
        out.push(',');
    }
    out
}

/// Decodes a column written by [`encode_code_list`].
pub fn decode_code_list<T: CodeTable>(text: &str) -> Result<Vec<T>, UnknownCode> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            T::from_code(s).ok_or_else(|| UnknownCode {
                table: T::NAME,
                code: s.to_owned(),
            })
        })
        .collect()
}

/// Asserts that every code of a table is what serde writes and reads for its variant.
pub fn assert_codes_match_serde<T>()
where
    T: CodeTable + serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for v in T::ALL {
        let json = serde_json::to_value(v).expect("serialise");
        assert_eq!(
            json,
            serde_json::Value::String(v.code().to_owned()),
            "{}",
            T::NAME
        );
        let back: T = serde_json::from_value(json).expect("deserialise");
        assert_eq!(&back, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::code_table! {
        /// A test table.
        pub enum Fruit as "fruit" {
            Apple = "apple": "苹果",
            Pear = "pear": "梨",
        }
    }

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        assert_eq!(serde_json::to_string(&Fruit::Apple).unwrap(), "\"apple\"");
        assert_eq!("pear".parse::<Fruit>().unwrap(), Fruit::Pear);
        assert!("banana".parse::<Fruit>().is_err());
        assert_eq!(Fruit::Pear.label(), "梨");
        assert_eq!(Fruit::entries().len(), 2);
        assert_codes_match_serde::<Fruit>();
    }

    #[test]
    fn code_list_codec_is_canonical_and_round_trips() {
        let text = encode_code_list(&[Fruit::Pear, Fruit::Apple, Fruit::Pear]);
        assert_eq!(text, ",apple,pear,");
        assert_eq!(
            decode_code_list::<Fruit>(&text).unwrap(),
            vec![Fruit::Apple, Fruit::Pear]
        );
        assert_eq!(encode_code_list::<Fruit>(&[]), "");
        assert!(decode_code_list::<Fruit>("").unwrap().is_empty());
        assert!(decode_code_list::<Fruit>(",kiwi,").is_err());
    }
}
