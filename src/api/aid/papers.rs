//! The written documents of a case (文书): as JSON, and each as a printable Chinese page.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reader_of;
use crate::api::endpoint::endpoint;
use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::aid::PaperKind;
use crate::error::ApiError;
use crate::privacy;
use crate::store;
use crate::store::aid::papers::PaperRow;
use crate::time::to_cst;

/// A written document of a case, as issued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 5, "application_id": 12, "kind": "grant", "reference": "沁援〔2023〕12号",
    "title": "给予法律援助决定书", "issuer": "沁水县法律援助中心", "issued_at": "2023-03-07T10:00:00+08:00",
    "text": "给予法律援助决定书\n沁援〔2023〕12号\n\n赵某：\n\n经审查……\n\n沁水县法律援助中心\n2023年3月7日",
    "print_href": "/api/v1/aid-applications/12/papers/5/print"}))]
pub struct AidPaper {
    /// Id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// Which document.
    pub kind: PaperKind,
    /// Its reference number: a sequence per issuing unit and year, never reused
    /// (`沁援〔2023〕12号`; `沁司援〔2023〕3号` for the bureau's objection decisions).
    pub reference: String,
    /// Its title.
    pub title: String,
    /// Who issued it (the centre, or the justice bureau for an objection decision).
    pub issuer: String,
    /// When it was issued.
    pub issued_at: DateTime<FixedOffset>,
    /// The whole document as issued (the applicant's name masked for readers who may not see
    /// it).
    pub text: String,
    /// The printable page.
    pub print_href: String,
}

/// The documents of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AidPapers {
    /// In the order issued.
    pub items: Vec<AidPaper>,
}

async fn load(
    state: &AppState,
    principal: &crate::auth::Principal,
    who: store::aid::Reader,
    id: i64,
) -> Result<(Vec<PaperRow>, String, privacy::Sight), ApiError> {
    let (app, rows) = store::run(&state.pool, move |c| {
        Ok((
            store::aid::find(c, who, id)?,
            store::aid::papers::papers(c, who, id)?,
        ))
    })
    .await?;
    let sight = privacy::sight_of_application(
        principal,
        app.row.unit_id,
        app.row.centre_id,
        app.row.provider_staff_id,
    );
    Ok((rows, app.applicant.name, sight))
}

fn view(p: &PaperRow, applicant: &str, sight: privacy::Sight) -> AidPaper {
    AidPaper {
        id: p.id,
        application_id: p.application_id,
        kind: p.kind,
        reference: p.reference.clone(),
        title: p.title.clone(),
        issuer: p.issuer.clone(),
        issued_at: to_cst(p.issued_at),
        text: super::paper_text(p, applicant, sight),
        print_href: format!(
            "/api/v1/aid-applications/{}/papers/{}/print",
            p.application_id, p.id
        ),
    }
}

endpoint! {
    /// The written documents of a case, each with its reference number: the materials notice, the
    /// grant or refusal, the assignment notice, the termination, the bureau's objection decision.
    /// They are issued by the steps that decide and never change afterwards.
    read list_aid_papers("/aid-applications/{id}/papers", ListAidPapers) -> AidPapers,
        tag = "aid", id = "Application id", ok = "The documents issued, in order";
    |state, principal, id| {
        let who = reader_of(&principal);
        let (rows, applicant, sight) = load(&state, &principal, who, id).await?;
        Ok(HttpResponse::Ok().json(AidPapers {
            items: rows.iter().map(|p| view(p, &applicant, sight)).collect(),
        }))
    }
}

#[utoipa::path(
    tag = "aid",
    params(
        ("id" = i64, Path, description = "Application id"),
        ("paper_id" = i64, Path, description = "Document id"),
    ),
    responses(
        (status = 200, description = "The document as a printable Chinese page (A4)", content_type = "text/html", body = String),
        e::Read,
    ),
)]
#[get("/aid-applications/{id}/papers/{paper_id}/print")]
/// One document as a printable page: the title, the reference number, the text, the issuer and
/// the date, laid out for A4.
pub async fn get_printable_aid_paper(
    state: web::Data<AppState>,
    principal: Authorized<op::GetPrintableAidPaper>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, paper_id) = path.into_inner();
    let who = reader_of(&principal);
    let (rows, applicant, sight) = load(&state, &principal, who, id).await?;
    let paper = rows
        .iter()
        .find(|p| p.id == paper_id)
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::AID_PAPER, paper_id))?;
    let shown = view(paper, &applicant, sight);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", paper_policy()))
        .body(page(&shown)))
}

const PAPER_CSS: &str = "
@page{size:A4;margin:25mm 22mm}
body{font-family:'FangSong','STFangsong','Noto Serif CJK SC','Songti SC',serif;font-size:16pt;line-height:1.8;color:#000;max-width:170mm;margin:0 auto}
h1{font-family:'SimHei','Noto Sans CJK SC',sans-serif;text-align:center;font-size:22pt;letter-spacing:2pt;margin:0 0 4pt}
.reference{text-align:right;margin:0 0 18pt}
p{margin:0;text-indent:2em;white-space:pre-wrap}
p.to{text-indent:0}
.issuer{text-align:right;margin-top:36pt}
";

fn paper_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| crate::security_headers::style_policy(PAPER_CSS))
}

/// The page: the body's paragraphs as issued (the first, the addressee, unindented).
fn page(p: &AidPaper) -> String {
    let text = p.text.clone();
    // The text is title, reference, blank, body…, blank, issuer, date: the page lays out the
    // title, reference and the issuer's lines itself.
    let lines: Vec<&str> = text.lines().collect();
    let body: Vec<&str> = if lines.len() > 5 {
        lines[3..lines.len() - 3].to_vec()
    } else {
        lines.clone()
    };
    let date = lines.last().copied().unwrap_or_default();
    maud::html! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (p.title) " " (p.reference) }
                style { (maud::PreEscaped(PAPER_CSS)) }
            }
            body {
                h1 { (p.title) }
                div.reference { (p.reference) }
                @for (i, line) in body.iter().filter(|l| !l.trim().is_empty()).enumerate() {
                    @if i == 0 { p.to { (line) } } @else { p { (line) } }
                }
                div.issuer { div { (p.issuer) } div { (date) } }
            }
        }
    }
    .into_string()
}
