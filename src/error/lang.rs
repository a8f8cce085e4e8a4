//! The language of error documents: negotiated from `Accept-Language` (RFC 9110 §12.5.4) once
//! per request by a middleware, and read by [`super::ApiError::to_problem`] wherever the error is
//! answered. Chinese when the caller prefers it (`zh`, `zh-CN`, `zh-Hans`, any `zh-*`), English
//! otherwise.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

/// A language error documents are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

/// The languages answered, served with the dictionaries (their Chinese names label the
/// `Content-Language` values in the contract).
impl crate::domain::codes::CodeTable for Lang {
    const NAME: &'static str = "content_language";
    const ALL: &'static [Self] = &[Lang::En, Lang::Zh];
    fn code(self) -> &'static str {
        self.tag()
    }
    fn label(self) -> &'static str {
        match self {
            Lang::En => "英文",
            Lang::Zh => "简体中文",
        }
    }
}

impl Lang {
    /// The `Content-Language` tag of a document in this language.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

/// The language of the request being handled (English outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|lang| *lang).unwrap_or_default()
}

/// Runs `f` as if the request had negotiated `lang` (for tests and tools).
pub fn scope<F: std::future::Future>(
    lang: Lang,
    f: F,
) -> impl std::future::Future<Output = F::Output> {
    CURRENT.scope(lang, f)
}

/// The language the `Accept-Language` value prefers among those we write: each range with its
/// quality (`q`, 1 when absent, 0 = "not acceptable"); a language takes the quality of the most
/// specific range that matches it (`zh-Hans-CN` and `zh` both match Chinese; `*` matches both);
/// the highest quality wins, then the range listed first; nothing acceptable → English.
pub fn negotiate(value: Option<&str>) -> Lang {
    let Some(value) = value else {
        return Lang::En;
    };
    // (quality, position, specificity) per language: zh, en.
    let mut best: [Option<(u16, usize, usize)>; 2] = [None, None];
    for (position, part) in value.split(',').enumerate() {
        let mut pieces = part.split(';');
        let range = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if range.is_empty() {
            continue;
        }
        let mut quality = 1000u16;
        for param in pieces {
            if let Some((name, q)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(q.trim()).unwrap_or(0);
                }
            }
        }
        for (slot, primary) in [(0, "zh"), (1, "en")] {
            let specificity = if range == "*" {
                1
            } else if range == primary || range.starts_with(&format!("{primary}-")) {
                2
            } else {
                continue;
            };
            let better = match best[slot] {
                None => true,
                Some((_, _, s)) => specificity > s,
            };
            if better {
                best[slot] = Some((quality, position, specificity));
            }
        }
    }
    let rank = |b: Option<(u16, usize, usize)>| b.filter(|(q, _, _)| *q > 0);
    match (rank(best[0]), rank(best[1])) {
        (Some((qz, pz, _)), Some((qe, pe, _))) if qz > qe || (qz == qe && pz < pe) => Lang::Zh,
        (Some(_), None) => Lang::Zh,
        _ => Lang::En,
    }
}

/// A quality value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn parse_quality(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Middleware (outer): negotiates the language and runs the rest of the chain in its scope.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let lang = negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    CURRENT.scope(lang, next.call(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_only_when_preferred() {
        let cases = [
            (None, Lang::En),
            (Some(""), Lang::En),
            (Some("zh"), Lang::Zh),
            (Some("zh-CN"), Lang::Zh),
            (Some("zh-Hans"), Lang::Zh),
            (Some("ZH-hans-cn"), Lang::Zh),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
            (Some("en;q=0.8, zh-CN;q=0.9"), Lang::Zh),
            (Some("en, zh"), Lang::En),
            (Some("zh, en"), Lang::Zh),
            (Some("zh;q=0, *"), Lang::En),
            (Some("en;q=0, *;q=0.5"), Lang::Zh),
            (Some("fr, de"), Lang::En),
            (Some("fr, zh;q=0.1"), Lang::Zh),
            (Some("zh;q=2"), Lang::En),
            (Some("zh;q=0.0001"), Lang::En),
            (Some("zh-TW;q=0.5, en;q=0.4"), Lang::Zh),
        ];
        for (header, want) in cases {
            assert_eq!(negotiate(header), want, "{header:?}");
        }
    }
}
