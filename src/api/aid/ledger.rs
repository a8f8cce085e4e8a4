//! The aid ledger (法律援助案件台账): one line per application of the caller's scope, with the
//! date of each step and whether it met the period the law sets, masked as the applications'
//! JSON is for the same caller.

use std::sync::Arc;

use actix_web::get;
use chrono::{DateTime, FixedOffset, NaiveDateTime};

use super::reader_of;
use super::views::{AidApplication, ViewContext};
use crate::api::endpoint::endpoint;
use crate::api::ledger::{send, Cell, Ledger};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::domain::aid::{AidAction, DeadlineKind};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::codes::CodeTable;
use crate::error::ApiError;
use crate::store;
use crate::store::aid::steps::StepRow;
use crate::store::aid::{AidFilter, LedgerEntry, Reader};

/// The ledger's columns.
const HEADERS: [&str; 39] = [
    "编号",
    "接收单位",
    "法律援助机构",
    "接收时间",
    "申请渠道",
    "申请人",
    "性别",
    "出生年份",
    "年龄",
    "身份证号",
    "联系电话",
    "特殊群体",
    "事项类别",
    "案由",
    "经济困难审查",
    "免审事由",
    "先行提供",
    "绿色通道",
    "绿色通道原因",
    "状态",
    "审查决定时间",
    "审查是否按期",
    "指派时间",
    "指派是否按期",
    "承办人员",
    "签订协议时间",
    "签订协议是否按期",
    "结案时间",
    "结案方式",
    "挽回金额（元）",
    "立卷归档时间",
    "立卷是否按期",
    "结案审查时间",
    "结案审查是否按期",
    "质量等级",
    "办案补贴（元）",
    "当前期限",
    "当前期限届满日",
    "当前是否逾期",
];

const WIDTHS: [f64; 39] = [
    8.0, 18.0, 18.0, 17.0, 12.0, 10.0, 6.0, 8.0, 6.0, 20.0, 14.0, 16.0, 14.0, 16.0, 12.0, 16.0,
    8.0, 8.0, 20.0, 12.0, 17.0, 10.0, 17.0, 10.0, 10.0, 17.0, 10.0, 17.0, 10.0, 12.0, 17.0, 10.0,
    17.0, 10.0, 8.0, 12.0, 20.0, 12.0, 10.0,
];

/// The aid ledger of a reader.
#[derive(Clone)]
struct AidLedger {
    principal: Principal,
    who: Reader,
    filter: AidFilter,
    calendar: Arc<BusinessCalendar>,
    now: DateTime<chrono::Utc>,
}

fn time(t: Option<DateTime<FixedOffset>>) -> Cell {
    t.map_or(Cell::Empty, |t| {
        Cell::Text(t.format("%Y-%m-%d %H:%M").to_string())
    })
}

fn yes_no(b: bool) -> Cell {
    Cell::Text(if b { "是" } else { "否" }.to_owned())
}

fn yuan(fen: Option<i64>) -> Cell {
    Cell::opt(fen.map(|f| f as f64 / 100.0))
}

/// Whether the steps that completed periods of `kinds` met them: 否 when one did not, 未知 when
/// one cannot be told (its year had no calendar), 是 when all did; empty when none was taken.
fn kept(steps: &[StepRow], kinds: &[DeadlineKind]) -> Cell {
    let met: Vec<Option<bool>> = steps
        .iter()
        .filter(|s| s.period_kind.is_some_and(|k| kinds.contains(&k)))
        .map(|s| s.met)
        .collect();
    let text = if met.is_empty() {
        return Cell::Empty;
    } else if met.contains(&Some(false)) {
        "否"
    } else if met.contains(&None) {
        "未知"
    } else {
        "是"
    };
    Cell::Text(text.to_owned())
}

/// When `action` was last taken (first, with `first`).
fn taken(steps: &[StepRow], action: AidAction, first: bool) -> Cell {
    let mut at = steps
        .iter()
        .filter(|s| s.action == action)
        .map(|s| s.taken_at);
    time(if first { at.next() } else { at.next_back() }.map(crate::time::to_cst))
}

fn labels<T: CodeTable>(items: &[T]) -> Cell {
    Cell::Text(
        items
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>()
            .join("、"),
    )
}

fn label<T: CodeTable>(item: Option<T>) -> Cell {
    item.map_or(Cell::Empty, |t| Cell::Text(t.label().to_owned()))
}

impl Ledger for AidLedger {
    type Row = LedgerEntry;
    const SHEET: &'static str = "法律援助案件台账";
    const HEADERS: &'static [&'static str] = &HEADERS;
    const WIDTHS: &'static [f64] = &WIDTHS;
    const PERIOD_END: &'static str = "received_to";

    fn batch(
        &self,
        conn: &mut DbConnection,
        after: Option<(NaiveDateTime, i64)>,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, ApiError> {
        store::aid::ledger_batch(conn, self.who, &self.filter, after, limit)
    }

    fn key(row: &LedgerEntry) -> (NaiveDateTime, i64) {
        (row.app.row.received_at, row.app.row.id)
    }

    /// One line, built from the application's JSON view for this reader (so masked as it is).
    fn line(&self, entry: LedgerEntry) -> Result<Vec<Cell>, ApiError> {
        let ctx = ViewContext {
            principal: &self.principal,
            now: self.now,
            calendar: &self.calendar,
        };
        let steps = entry.steps;
        let a = AidApplication::view(entry.app, &ctx, None)?;
        let text = |s: String| Cell::Text(s);
        let opt = |s: Option<String>| s.map_or(Cell::Empty, Cell::Text);
        use DeadlineKind as K;
        Ok(vec![
            Cell::int(a.id),
            text(entry.unit),
            text(entry.centre),
            time(Some(a.received_at)),
            text(a.channel.label().to_owned()),
            text(a.applicant.name),
            text(a.applicant.sex.label().to_owned()),
            Cell::int(i64::from(a.applicant.birth_year)),
            Cell::opt(a.applicant.age.map(f64::from)),
            text(a.applicant.id_number),
            opt(a.applicant.phone),
            labels(&a.applicant.special_groups),
            text(a.matter_category.label().to_owned()),
            opt(a.case_type),
            text(a.hardship_check.label().to_owned()),
            label(a.hardship_ground),
            yes_no(a.urgent),
            yes_no(a.green_channel),
            labels(&a.green_reasons),
            text(a.state.label().to_owned()),
            time(a.decided_at),
            kept(&steps, &[K::Review]),
            taken(&steps, AidAction::Assign, true),
            kept(&steps, &[K::Assignment, K::NoticeAssignment]),
            opt(entry.provider),
            taken(&steps, AidAction::SignAgreement, false),
            kept(&steps, &[K::Agreement]),
            time(a.closed_at),
            label(a.closing_outcome),
            yuan(a.amount_recovered_fen),
            taken(&steps, AidAction::File, false),
            kept(&steps, &[K::Filing]),
            time(a.reviewed_at),
            kept(&steps, &[K::ClosingReview]),
            label(a.review_grade),
            yuan(a.subsidy_fen),
            a.deadline
                .as_ref()
                .map_or(Cell::Empty, |d| text(d.kind.label().to_owned())),
            a.deadline
                .as_ref()
                .and_then(|d| d.due_date)
                .map_or(Cell::Empty, |d| text(d.to_string())),
            a.deadline
                .as_ref()
                .and_then(|d| d.overdue)
                .map_or(Cell::Empty, yes_no),
        ])
    }
}

endpoint! {
    /// Export the aid ledger (法律援助案件台账) of the caller's scope as CSV or XLSX, with the same
    /// filters as the list (state; received, decided and closed between days).
    export export_aid_applications("/aid-applications/export", ExportAidApplications, AidFilter),
        tag = "aid",
        ok = "The ledger, oldest received first, with Chinese headers and labels: the date of each \
            step (decision, assignment, agreement, closing, filing, closing review) and whether it \
            met the period the law sets (是/否; 未知 when the calendar lacked the year), the outcome, \
            the amount recovered and the case subsidy in yuan, the current deadline. Masked \
            exactly as the applications' JSON for the same caller: for readers who do not see an \
            application in full, the name keeps the family name, the ID number its first four \
            characters, the phone `138****5678`, the age is empty",
        errors = [List];
    |state, principal, format, filter| {
        crate::validation::query_external_ref(filter.external_ref.as_deref())?;
        let who = reader_of(&principal);
        let principal: Principal = (*principal).clone();
        let calendar = crate::api::reads::read(&state.pool, store::calendar::current).await?;
        let ledger = AidLedger {
            principal: principal.clone(),
            who,
            filter: filter.clone(),
            calendar: Arc::new(calendar),
            now: state.clock.now(),
        };
        send(
            &state,
            &principal,
            "aid_ledger",
            filter,
            format,
            "aid-applications",
            ledger,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_and_their_widths_agree() {
        assert_eq!(HEADERS.len(), WIDTHS.len());
    }

    #[test]
    fn a_period_is_kept_when_every_step_met_it() {
        let step = |kind: Option<DeadlineKind>, met: Option<bool>| StepRow {
            id: 1,
            application_id: 1,
            action: AidAction::SignAgreement,
            state_after: crate::domain::aid::AidState::AgreementSigned,
            taken_at: NaiveDateTime::default(),
            period_kind: kind,
            due_date: None,
            due_at: None,
            met,
        };
        let k = Some(DeadlineKind::Agreement);
        let text = |c: Cell| match c {
            Cell::Text(t) => t,
            Cell::Empty => String::new(),
            Cell::Number(n) => n.to_string(),
        };
        let agreement = [DeadlineKind::Agreement];
        assert_eq!(text(kept(&[], &agreement)), "");
        assert_eq!(text(kept(&[step(None, None)], &agreement)), "");
        assert_eq!(text(kept(&[step(k, Some(true))], &agreement)), "是");
        // A change of provider: the first agreement late, the second in time.
        assert_eq!(
            text(kept(
                &[step(k, Some(false)), step(k, Some(true))],
                &agreement
            )),
            "否"
        );
        assert_eq!(
            text(kept(&[step(k, None), step(k, Some(true))], &agreement)),
            "未知"
        );
        assert_eq!(
            text(kept(&[step(k, Some(true))], &[DeadlineKind::Filing])),
            ""
        );
    }
}
