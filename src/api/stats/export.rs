//! Every stats view as a CSV or XLSX file, through the ledger's export mechanism
//! ([`crate::api::ledger`]): the same `format` parameter, a byte order mark on CSV, Chinese
//! headers, numbers as numbers.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;

use crate::api::endpoint::endpoint;
use crate::api::ledger::{attachment, table_file, Cell, LedgerFormat};
use crate::api::AppState;
use crate::domain::codes::CodeTable;
use crate::error::ApiError;
use crate::time::cst;

use super::breakdowns::{self, AidStatsQuery, BreakdownRow, ConsultationStatsQuery};
use super::targets::{self, TargetFigures, TargetsQuery};

/// The targets export's columns.
pub const TARGET_HEADERS: [&str; 18] = [
    "单位编号",
    "单位名称",
    "上级单位编号",
    "统计口径",
    "咨询量",
    "咨询目标",
    "咨询完成率(%)",
    "应完成进度(%)",
    "咨询进度",
    "援助案件数",
    "援助案件目标",
    "援助完成率(%)",
    "援助进度",
    "回访答复人数",
    "满意人数",
    "满意率(%)",
    "满意度目标(%)",
    "满意度",
];

fn stamp(state: &AppState) -> String {
    state
        .clock
        .now()
        .with_timezone(&cst())
        .format("%Y%m%d-%H%M")
        .to_string()
}

fn figure_cells(f: &TargetFigures) -> Vec<Cell> {
    let c = &f.consultations;
    let a = &f.aid_cases;
    let s = &f.satisfaction;
    vec![
        Cell::int(c.done),
        Cell::opt(c.target.map(|t| t as f64)),
        Cell::opt(c.share_done_percent),
        Cell::opt(c.expected_percent),
        Cell::Text(c.status.label().to_owned()),
        Cell::int(a.done),
        Cell::opt(a.target.map(|t| t as f64)),
        Cell::opt(a.share_done_percent),
        Cell::Text(a.status.label().to_owned()),
        Cell::int(s.reached),
        Cell::int(s.satisfied),
        Cell::opt(s.rate_percent),
        Cell::opt(s.target_percent),
        Cell::Text(s.status.label().to_owned()),
    ]
}

async fn send(
    format: LedgerFormat,
    stem: String,
    sheet: &'static str,
    headers: Vec<&'static str>,
    lines: Vec<Vec<Cell>>,
) -> Result<HttpResponse, ApiError> {
    let bytes = web::block(move || table_file(format, sheet, &headers, &lines)).await??;
    Ok(attachment(format, &stem).body(bytes))
}

endpoint! {
    /// Export progress against the annual targets as CSV or XLSX (same figures as
    /// `GET /stats/targets`).
    export export_target_stats("/stats/targets/export", ExportTargetStats, TargetsQuery),
        tag = "stats",
        ok = "The targets view as a table: two rows per unit (本单位, its own figures; 含下级, its \
            subtree's), Chinese headers, numbers as numbers",
        errors = [Read, Forbidden];
    |state, principal, format, query| {
        let report = targets::load(&state, principal.unit_id, query).await?;
        let mut lines = Vec::new();
        for u in &report.units {
            for (scope, f) in [("本单位", &u.own), ("含下级", &u.subtree)] {
                let mut line = vec![
                    Cell::int(u.unit_id),
                    Cell::Text(u.name.clone()),
                    Cell::opt(u.parent_id.map(|p| p as f64)),
                    Cell::Text(scope.to_owned()),
                ];
                line.extend(figure_cells(f));
                lines.push(line);
            }
        }
        let stem = format!("targets-{}-{}", report.year, stamp(&state));
        send(
            format,
            stem,
            "目标进度",
            TARGET_HEADERS.to_vec(),
            lines,
        )
        .await
    }
}

/// What a breakdown's file is called and headed: the start of its name, its sheet, the header
/// of its count column.
struct BreakdownTable {
    name: &'static str,
    sheet: &'static str,
    count: &'static str,
}

/// Sends a breakdown by `group_by` over `period` as the file `<name>-by-<group>-<from>-<to>`.
async fn send_breakdown<G: CodeTable>(
    format: LedgerFormat,
    table: BreakdownTable,
    group_by: G,
    (from, to): (NaiveDate, NaiveDate),
    lines: Vec<Vec<Cell>>,
) -> Result<HttpResponse, ApiError> {
    let stem = format!(
        "{}-by-{}-{}-{}",
        table.name,
        group_by.code(),
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    );
    let headers = vec!["代码", group_by.label(), table.count];
    send(format, stem, table.sheet, headers, lines).await
}

fn breakdown_lines(rows: &[BreakdownRow], total: i64, total_label: &str) -> Vec<Vec<Cell>> {
    let mut lines: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.group.code.clone()),
                Cell::Text(r.group.label.clone()),
                Cell::int(r.count),
            ]
        })
        .collect();
    lines.push(vec![
        Cell::Text("total".to_owned()),
        Cell::Text(total_label.to_owned()),
        Cell::int(total),
    ]);
    lines
}

endpoint! {
    /// Export a consultation breakdown as CSV or XLSX (same figures as `GET /stats/consultations`).
    export export_consultation_stats(
        "/stats/consultations/export", ExportConsultationStats, ConsultationStatsQuery
    ),
        tag = "stats",
        ok = "The breakdown as a table: code, group, count, and a last row `total` (合计; for topics \
            and special groups, consultations counted once each)",
        errors = [Read, Forbidden];
    |state, principal, format, query| {
        let b = breakdowns::consultations(&state, principal.unit_id, query).await?;
        let total_label = if b.multi_valued {
            "合计（每件咨询计一次）"
        } else {
            "合计"
        };
        let lines = breakdown_lines(&b.rows, b.total, total_label);
        let table = BreakdownTable {
            name: "consultations",
            sheet: "咨询统计",
            count: "咨询量",
        };
        send_breakdown(format, table, b.group_by, (b.from, b.to), lines).await
    }
}

endpoint! {
    /// Export an aid breakdown as CSV or XLSX (same figures as `GET /stats/aid`).
    export export_aid_stats("/stats/aid/export", ExportAidStats, AidStatsQuery),
        tag = "stats",
        ok = "The breakdown as a table: code, group, count, and a last row `total` (合计)",
        errors = [Read, Forbidden];
    |state, principal, format, query| {
        let b = breakdowns::aid(&state, principal.unit_id, query).await?;
        let lines = breakdown_lines(&b.rows, b.total, "合计");
        let table = BreakdownTable {
            name: "aid",
            sheet: "法律援助统计",
            count: "申请数",
        };
        send_breakdown(format, table, b.group_by, (b.from, b.to), lines).await
    }
}
