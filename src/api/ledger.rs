//! The consultation ledger (台账): CSV (UTF-8 with a BOM, so Excel and WPS read the Chinese) or
//! XLSX, with Chinese headers and labels, masked as the reader must see it, and streamed in
//! batches so that a province's year never sits in memory.

use std::io::Read;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::consultations::Consultation;
use crate::api::endpoint::endpoint;
use crate::api::AppState;
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::domain::codes::CodeTable;
use crate::error::ApiError;
use crate::store;
use crate::store::consultations::{
    ConsultationFilter, ConsultationRow, LedgerNames as Names, Reader,
};

/// Rows fetched per batch.
const BATCH: i64 = 500;

/// The ledger's columns, in Chinese.
pub const HEADERS: [&str; 23] = [
    "编号",
    "登记单位",
    "接待时间",
    "咨询方式",
    "服务地点类型",
    "服务地点",
    "姓名",
    "性别",
    "年龄",
    "出生年份",
    "年龄段",
    "身份证号",
    "联系电话",
    "特殊群体",
    "咨询事项",
    "咨询内容",
    "答复内容",
    "办理结果",
    "办理事项数",
    "同意回访",
    "审核状态",
    "解答人",
    "登记人",
];

/// Column widths of the XLSX sheet, in characters.
const WIDTHS: [f64; 23] = [
    8.0, 18.0, 17.0, 10.0, 12.0, 18.0, 10.0, 6.0, 6.0, 8.0, 8.0, 20.0, 14.0, 16.0, 16.0, 40.0,
    40.0, 14.0, 10.0, 8.0, 10.0, 10.0, 14.0,
];

crate::code_table! {
    /// The file format.
    pub enum LedgerFormat as "ledger_format" {
        /// CSV, UTF-8 with a byte order mark.
        Csv = "csv": "CSV 文件（UTF-8，带 BOM）",
        /// An Excel workbook.
        Xlsx = "xlsx": "Excel 工作簿",
    }
}

/// The export's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline)]
    pub format: LedgerFormat,
}

fn labels<T: CodeTable>(items: &[T]) -> String {
    items
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// A cell as a spreadsheet must read it: text that starts like a formula (`=`, `+`, `-`, `@`, a
/// tab, a carriage return or a line feed, which some spreadsheets skip before a formula) gets a
/// leading `'`, so that it is shown, never evaluated (OWASP's advice against CSV injection).
/// Other cells are written as they are.
fn inert(cell: &str) -> std::borrow::Cow<'_, [u8]> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        format!("'{cell}").into_bytes().into()
    } else {
        cell.as_bytes().into()
    }
}

/// A cell of an exported table: text (written inert), or a number (a spreadsheet reads it as
/// a number: XLSX number cells, plain digits in CSV).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// A count.
    pub fn int(n: i64) -> Self {
        Cell::Number(n as f64)
    }

    /// A number if there is one.
    pub fn opt(n: Option<f64>) -> Self {
        n.map_or(Cell::Empty, Cell::Number)
    }

    fn csv(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Cell::Text(t) => inert(t),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                format!("{}", *n as i64).into_bytes().into()
            }
            Cell::Number(n) => n.to_string().into_bytes().into(),
            Cell::Empty => b"".as_slice().into(),
        }
    }
}

/// CSV lines (with the byte order mark and `headers` first when given).
fn csv_table(headers: Option<&[&str]>, lines: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    if headers.is_some() {
        out.extend_from_slice("\u{FEFF}".as_bytes());
    }
    {
        let mut w = csv::Writer::from_writer(&mut out);
        if let Some(headers) = headers {
            w.write_record(headers)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        for l in lines {
            w.write_record(l.iter().map(Cell::csv))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        w.flush().map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(out)
}

/// A small table (aggregates: a few hundred rows at most) as a whole file in `format`: CSV with
/// a byte order mark, or a workbook of one sheet named `sheet`, bold headers, frozen first row,
/// numbers as number cells.
pub fn table_file(
    format: LedgerFormat,
    sheet: &str,
    headers: &[&str],
    lines: &[Vec<Cell>],
) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    if format == LedgerFormat::Csv {
        return csv_table(Some(headers), lines);
    }
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        ApiError::Internal(format!("cannot write the workbook: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = workbook.add_worksheet();
    ws.set_name(sheet).map_err(xerr)?;
    for (col, title) in headers.iter().enumerate() {
        let col = col as u16;
        ws.write_string_with_format(0, col, *title, &bold)
            .map_err(xerr)?;
        ws.set_column_width(col, (title.chars().count() as f64 * 2.2).max(10.0))
            .map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    for (r, line) in lines.iter().enumerate() {
        let row = r as u32 + 1;
        for (col, cell) in line.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => ws.write_string(row, col, t).map(|_| ()),
                Cell::Number(n) => ws.write_number(row, col, *n).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(xerr)?;
        }
    }
    workbook.save_to_buffer().map_err(xerr)
}

/// The response headers of an export: its content type and `attachment; filename="{stem}.{ext}"`.
pub fn attachment(format: LedgerFormat, stem: &str) -> actix_web::HttpResponseBuilder {
    let (content_type, ext) = match format {
        LedgerFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        LedgerFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let mut response = HttpResponse::Ok();
    response.content_type(content_type).insert_header((
        "Content-Disposition",
        format!("attachment; filename=\"{stem}.{ext}\""),
    ));
    response
}

/// A ledger (台账) to export: rows read in batches in the order of a key (a time and an id), each
/// made a line of cells masked for the reader; written as CSV streamed batch by batch, or as a
/// workbook built in constant memory, so that a province's year never sits in memory.
pub trait Ledger: Clone + Send + 'static {
    /// What one batch holds per line.
    type Row: Send + 'static;
    /// The sheet's name.
    const SHEET: &'static str;
    /// The columns, in Chinese.
    const HEADERS: &'static [&'static str];
    /// The columns' widths in the workbook, in characters.
    const WIDTHS: &'static [f64];
    /// The filter that shortens the period exported (named when a workbook would overflow).
    const PERIOD_END: &'static str;
    /// The next rows after `after`, at most `limit`.
    fn batch(
        &self,
        conn: &mut DbConnection,
        after: Option<(NaiveDateTime, i64)>,
        limit: i64,
    ) -> Result<Vec<Self::Row>, ApiError>;
    /// The key of a row (the next batch starts after it).
    fn key(row: &Self::Row) -> (NaiveDateTime, i64);
    /// The line of a row, as the reader may see it.
    fn line(&self, row: Self::Row) -> Result<Vec<Cell>, ApiError>;
}

/// Where a streamed export has got to.
struct Progress {
    after: Option<(NaiveDateTime, i64)>,
    started: bool,
    done: bool,
}

/// Streams the ledger as CSV; `fresh`: its batches read from the primary (the stream is read
/// after the handler returned, outside the request's [`crate::api::reads::fresh`]).
fn csv_stream<L: Ledger>(
    pool: crate::db::DbPool,
    fresh: bool,
    ledger: L,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    let progress = Progress {
        after: None,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(progress, move |mut p| {
        let (pool, ledger) = (pool.clone(), ledger.clone());
        async move {
            if p.done {
                return None;
            }
            let after = p.after;
            let reader = ledger.clone();
            let batch = store::read(&pool, fresh, move |c| reader.batch(c, after, BATCH)).await;
            let chunk = batch.and_then(|rows| {
                p.done = (rows.len() as i64) < BATCH;
                p.after = rows.last().map(L::key);
                let lines = rows
                    .into_iter()
                    .map(|row| ledger.line(row))
                    .collect::<Result<Vec<_>, _>>()?;
                let bytes = csv_table((!p.started).then_some(L::HEADERS), &lines)?;
                p.started = true;
                Ok(web::Bytes::from(bytes))
            });
            match chunk {
                Ok(bytes) => Some((Ok(bytes), p)),
                Err(e) => {
                    log::error!("ledger export stopped: {e}");
                    p.done = true;
                    Some((Err(e.into()), p))
                }
            }
        }
    })
}

/// Writes the workbook to a temporary file with the worksheet in constant-memory mode.
fn write_xlsx<L: Ledger>(
    conn: &mut DbConnection,
    ledger: &L,
) -> Result<tempfile::NamedTempFile, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        ApiError::Internal(format!("cannot write the workbook: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xerr)?;
    sheet.set_name(L::SHEET).map_err(xerr)?;
    for (col, (title, width)) in L::HEADERS.iter().zip(L::WIDTHS).enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *title, &bold)
            .map_err(xerr)?;
        sheet.set_column_width(col, *width).map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    let mut row_no: u32 = 1;
    let mut after = None;
    loop {
        let rows = ledger.batch(conn, after, BATCH)?;
        let last_batch = (rows.len() as i64) < BATCH;
        after = rows.last().map(L::key);
        for row in rows {
            for (col, cell) in ledger.line(row)?.into_iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(t) => sheet.write_string(row_no, col, t).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(row_no, col, n).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(xerr)?;
            }
            row_no += 1;
            if row_no >= 1_048_576 {
                return Err(ApiError::invalid_field(
                    L::PERIOD_END,
                    "too_many_rows",
                    "more rows than one sheet holds: export a shorter period",
                ));
            }
        }
        if last_batch {
            break;
        }
    }
    let file = tempfile::NamedTempFile::new()
        .map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
    workbook.save(file.path()).map_err(xerr)?;
    Ok(file)
}

/// Sends a ledger of `principal`'s scope as `format`, named `{stem}-{time}`: the export is an
/// event of the trail (`entity`, with the filters as `recorded`), recorded before the file is
/// sent.
pub async fn send<L: Ledger>(
    state: &web::Data<AppState>,
    principal: &Principal,
    entity: &'static str,
    recorded: impl serde::Serialize + Send + 'static,
    format: LedgerFormat,
    stem: &str,
    ledger: L,
) -> Result<HttpResponse, ApiError> {
    let stamp = state
        .clock
        .now()
        .with_timezone(&crate::time::cst())
        .format("%Y%m%d-%H%M");
    let actor = state.actor(principal);
    store::run(&state.pool, move |c| {
        store::audit::record_export(
            c,
            &actor,
            entity,
            actor.unit_id,
            &recorded,
            match format {
                LedgerFormat::Csv => "csv",
                LedgerFormat::Xlsx => "xlsx",
            },
        )
    })
    .await?;
    let mut response = attachment(format, &format!("{stem}-{stamp}"));
    Ok(match format {
        LedgerFormat::Csv => response.streaming(csv_stream(
            state.pool.clone(),
            crate::api::reads::fresh(),
            ledger,
        )),
        LedgerFormat::Xlsx => {
            let file =
                crate::api::reads::read(&state.pool, move |c| write_xlsx(c, &ledger)).await?;
            response.streaming(file_stream(file))
        }
    })
}

fn file_stream(
    file: tempfile::NamedTempFile,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let n = file.as_file_mut().read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, file))
        })
        .await;
        match read {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, file))) => Some((Ok(web::Bytes::from(buf)), Some(file))),
            Ok(Err(e)) => Some((
                Err(ApiError::Internal(format!("reading the workbook: {e}")).into()),
                None,
            )),
            Err(e) => Some((Err(ApiError::from(e).into()), None)),
        }
    })
}

/// One ledger line, masked for `principal` exactly as the consultation's JSON view is (it is
/// built from that view): name, ID number, phone, age and a home address as `privacy` decides.
fn line(
    row: ConsultationRow,
    principal: &Principal,
    names: &Names,
) -> Result<Vec<String>, ApiError> {
    let unit = names.units.get(&row.unit_id).cloned().unwrap_or_default();
    let staff_name = row
        .staff_id
        .and_then(|s| names.staff.get(&s).cloned())
        .unwrap_or_default();
    let c = Consultation::view(row, principal, None)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    Ok(vec![
        c.id.to_string(),
        unit,
        c.received_at.format("%Y-%m-%d %H:%M").to_string(),
        c.channel.label().to_owned(),
        c.site.label().to_owned(),
        opt(c.place),
        opt(c.person.name),
        c.person
            .sex
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        c.person.age.map(|a| a.to_string()).unwrap_or_default(),
        c.person
            .birth_year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        c.person
            .age_group
            .map(|g| g.label().to_owned())
            .unwrap_or_default(),
        opt(c.person.id_number),
        opt(c.person.phone),
        labels(&c.special_groups),
        labels(&c.topics),
        c.question,
        opt(c.answer),
        c.outcome.label().to_owned(),
        c.matters_count.to_string(),
        if c.callback_consent { "是" } else { "否" }.to_owned(),
        c.review.state.label().to_owned(),
        staff_name,
        c.registered_by,
    ])
}

/// The consultation ledger of a reader.
#[derive(Clone)]
struct ConsultationLedger {
    principal: Principal,
    who: Reader,
    filter: ConsultationFilter,
    names: std::sync::Arc<Names>,
}

impl Ledger for ConsultationLedger {
    type Row = ConsultationRow;
    const SHEET: &'static str = "咨询台账";
    const HEADERS: &'static [&'static str] = &HEADERS;
    const WIDTHS: &'static [f64] = &WIDTHS;
    const PERIOD_END: &'static str = "to";

    fn batch(
        &self,
        conn: &mut DbConnection,
        after: Option<(NaiveDateTime, i64)>,
        limit: i64,
    ) -> Result<Vec<ConsultationRow>, ApiError> {
        store::consultations::ledger_batch(conn, self.who, &self.filter, after, limit)
    }

    fn key(row: &ConsultationRow) -> (NaiveDateTime, i64) {
        (row.received_at, row.id)
    }

    fn line(&self, row: ConsultationRow) -> Result<Vec<Cell>, ApiError> {
        Ok(line(row, &self.principal, &self.names)?
            .into_iter()
            .map(Cell::Text)
            .collect())
    }
}

endpoint! {
    /// Export the consultation ledger (台账) of the caller's scope as CSV or XLSX, with the same
    /// filters as the list.
    export export_consultations("/consultations/export", ExportConsultations, ConsultationFilter),
        tag = "consultations",
        ok = "The ledger, oldest first, with Chinese headers and labels; masked exactly as the \
            consultations' JSON for the same caller: for readers who do not see a consultation in \
            full, the name keeps the family name, the ID number its first four characters, the \
            phone `138****5678`, the age column is empty when an ID number gave the birth year, \
            and a home visit's place is empty",
        errors = [List];
    |state, principal, format, filter| {
        let principal: Principal = (*principal).clone();
        crate::validation::query_text("q", filter.q.as_deref(), 100)?;
        crate::validation::query_external_ref(filter.external_ref.as_deref())?;
        let who = crate::api::consultations::reader_of(&principal);
        let root = principal.unit_id;
        let names = crate::api::reads::read(&state.pool, move |c| {
            store::consultations::ledger_names(c, root)
        })
        .await?;
        let ledger = ConsultationLedger {
            principal: principal.clone(),
            who,
            filter: filter.clone(),
            names: std::sync::Arc::new(names),
        };
        send(
            &state,
            &principal,
            "consultation_ledger",
            filter,
            format,
            "consultations",
            ledger,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn cells_that_start_like_formulas_are_only_shown() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1"] {
            assert_eq!(&*inert(cell), format!("'{cell}").as_bytes(), "{cell:?}");
        }
        for cell in ["张三", "1+1", "0356-7022148", ""] {
            assert_eq!(&*inert(cell), cell.as_bytes(), "{cell:?}");
        }
    }
}
