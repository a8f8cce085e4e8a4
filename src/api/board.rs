//! The public "今日我当班" board (JSON, a Chinese HTML page for a station's screen, and an
//! iCalendar feed), and the coverage report against the programme's duty rule.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::codes::CodeTable;
use crate::domain::duty::{
    self, CoverageRule, DutyKind, DutyPeriod, Requirement, ShiftFact, StaffKind,
};
use crate::domain::units::{Accessibility, UnitKind};
use crate::error::ApiError;
use crate::store;
use crate::store::duty::Shift;
use crate::store::units::UnitRow;
use crate::time::cst;

/// The board's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// The unit whose subtree to show (default: every unit).
    pub unit_id: Option<i64>,
    /// The day to show (default: today in China Standard Time).
    pub date: Option<NaiveDate>,
    /// The moment that counts as "now" for `on_duty_now` (default: the clock).
    pub at: Option<DateTime<FixedOffset>>,
}

/// A person on the board: name and kind only, never a phone number.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BoardPerson {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: StaffKind,
}

/// A shift on the board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BoardShift {
    /// Shift id.
    pub shift_id: i64,
    /// Part of the day.
    pub period: DutyPeriod,
    /// Office hours of that part of the day (`08:30-12:00`).
    pub hours: String,
    /// What the people do.
    pub kind: DutyKind,
    /// Where.
    pub place: Option<String>,
    /// Who.
    pub staff: Vec<BoardPerson>,
    /// Whether the shift serves now (the day is today and the half of the day matches).
    pub on_duty_now: bool,
}

/// A unit on the board, with its public contact facts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BoardUnit {
    /// Unit id.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Address.
    pub address: Option<String>,
    /// The unit's public phone.
    pub phone: Option<String>,
    /// Opening hours.
    pub opening_hours: Option<String>,
    /// Accessibility facilities.
    pub accessibility: Vec<Accessibility>,
    /// The day's shifts, morning first.
    pub shifts: Vec<BoardShift>,
}

/// Who is on duty on a day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "date": "2023-03-06", "working_day": true, "now": "2023-03-06T09:30:00+08:00", "current_half": "morning",
    "units": [{
        "unit_id": 4, "name": "龙港镇司法所", "kind": "judicial_office", "address": "山西省晋城市沁水县龙港镇",
        "phone": "0356-7022001", "opening_hours": "周一至周五 8:30-12:00, 14:30-17:30", "accessibility": [],
        "shifts": [{"shift_id": 12, "period": "morning", "hours": "08:30-12:00", "kind": "station_duty",
            "place": "龙港镇公共法律服务工作站", "staff": [{"name": "王敏", "kind": "judicial_office_staff"}],
            "on_duty_now": true}]
    }]
}))]
pub struct DutyBoard {
    /// The day shown.
    pub date: NaiveDate,
    /// Whether it is a working day (holidays and adjusted working days counted).
    pub working_day: bool,
    /// The moment used for `on_duty_now`.
    pub now: DateTime<FixedOffset>,
    /// The half of the day now, when the day shown is today.
    pub current_half: Option<DutyPeriod>,
    /// The service units of the subtree, by id (justice bureaus only when they have a shift).
    pub units: Vec<BoardUnit>,
}

fn hours(period: DutyPeriod) -> String {
    let (a, b) = period.hours();
    format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))
}

fn board_unit(
    row: UnitRow,
    shifts: Vec<Shift>,
    current_half: Option<DutyPeriod>,
) -> Result<BoardUnit, ApiError> {
    let kind = row.kind;
    let accessibility = row.accessibility()?;
    let mut shifts: Vec<BoardShift> = shifts
        .into_iter()
        .map(|s| BoardShift {
            shift_id: s.id,
            hours: hours(s.period),
            on_duty_now: current_half.is_some_and(|h| s.period.covers(h)),
            period: s.period,
            kind: s.kind,
            place: s.place,
            staff: s
                .staff
                .into_iter()
                .map(|p| BoardPerson {
                    name: p.name,
                    kind: p.kind,
                })
                .collect(),
        })
        .collect();
    shifts.sort_by_key(|s| (s.period.hours().0, s.shift_id));
    Ok(BoardUnit {
        unit_id: row.id,
        name: row.name,
        kind,
        address: row.address,
        phone: row.phone,
        opening_hours: row.opening_hours,
        accessibility,
        shifts,
    })
}

/// Justice bureaus administer; they appear on the board only when they have a shift.
fn is_bureau(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::ProvinceDepartment | UnitKind::CityBureau | UnitKind::CountyBureau
    )
}

/// Builds the board (shared by the JSON and HTML answers).
pub async fn build_board(state: &AppState, query: BoardQuery) -> Result<DutyBoard, ApiError> {
    let now = query
        .at
        .unwrap_or_else(|| state.clock.now().with_timezone(&cst()))
        .with_timezone(&cst());
    let today = now.date_naive();
    let date = query.date.unwrap_or(today);
    let current_half = (date == today).then(|| DutyPeriod::half_at(now.time()));
    let root = query.unit_id;
    let (working_day, rows) = crate::api::reads::read(&state.pool, move |c| {
        let calendar = store::calendar::load(c, date, date)?;
        let rows = store::board::units_with_shifts(c, root, date, date)?;
        Ok((calendar.is_working_day(date), rows))
    })
    .await?;
    let units = rows
        .into_iter()
        .map(|(u, s)| board_unit(u, s, current_half))
        .filter(|u| {
            u.as_ref()
                .map_or(true, |u| !u.shifts.is_empty() || !is_bureau(u.kind))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DutyBoard {
        date,
        working_day,
        now,
        current_half,
        units,
    })
}

#[utoipa::path(
    tag = "duty",
    params(BoardQuery),
    responses(
        (status = 200, description = "Who is on duty, per unit of the subtree", body = DutyBoard),
        e::Public, e::NotFound,
    )
)]
#[get("/duty/today")]
/// The public "今日我当班" board: who is on duty on a day (today by default), doing what, where,
/// with each unit's address and public phone. No token; no personal phone numbers.
pub async fn get_duty_today(
    state: web::Data<AppState>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let board = build_board(&state, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(board))
}

const WEEKDAYS: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];

/// Renders the board as a Chinese page for a station's screen.
pub fn render_board(board: &DutyBoard) -> String {
    use chrono::Datelike;
    use maud::{html, DOCTYPE};
    let day = format!(
        "{}年{}月{}日 {}",
        board.date.year(),
        board.date.month(),
        board.date.day(),
        WEEKDAYS[board.date.weekday().num_days_from_monday() as usize]
    );
    let markup = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="refresh" content="120";
                title { "今日我当班 · " (day) }
                style { (maud::PreEscaped(BOARD_CSS)) }
            }
            body {
                header {
                    h1 { "今日我当班" }
                    p.day { (day) @if !board.working_day { " · 休息日" } }
                    p.updated { "更新于 " (board.now.format("%H:%M")) " · 每两分钟自动刷新" }
                }
                main {
                    @for unit in &board.units {
                        section.unit {
                            h2 { (unit.name) }
                            p.contact {
                                @if let Some(a) = &unit.address { span { "地址：" (a) } }
                                @if let Some(p) = &unit.phone { span.phone { "电话：" (p) } }
                                @if let Some(h) = &unit.opening_hours { span { "办公时间：" (h) } }
                            }
                            @if unit.shifts.is_empty() {
                                p.none { "今日无值班安排" }
                            } @else {
                                table {
                                    @for s in &unit.shifts {
                                        tr class=(if s.on_duty_now { "now" } else { "" }) {
                                            td.period { (s.period.label()) br; small { (s.hours) } }
                                            td.kind { (s.kind.label()) @if let Some(p) = &s.place { br; small { (p) } } }
                                            td.people {
                                                @for (i, person) in s.staff.iter().enumerate() {
                                                    @if i > 0 { "、" }
                                                    span.person { (person.name) }
                                                    small { "（" (person.kind.label()) "）" }
                                                }
                                            }
                                            td.status { @if s.on_duty_now { "正在值班" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                footer { "免费法律咨询和特殊群体法律援助惠民工程 · 法律援助热线 12348" }
            }
        }
    };
    markup.into_string()
}

/// The page's content security policy: its one inline style sheet, by digest, and nothing else.
fn board_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| crate::security_headers::style_policy(BOARD_CSS))
}

const BOARD_CSS: &str = "
body{margin:0;font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif;background:#f4f1ea;color:#1d1d1d;font-size:28px}
header{background:#b3261e;color:#fff;padding:24px 40px}
h1{margin:0;font-size:64px;letter-spacing:8px}
header p{margin:8px 0 0;font-size:32px}
header .updated{font-size:22px;opacity:.85}
main{padding:24px 40px;display:grid;grid-template-columns:repeat(auto-fill,minmax(640px,1fr));gap:24px}
.unit{background:#fff;border-radius:12px;padding:20px 28px;box-shadow:0 2px 6px rgba(0,0,0,.15)}
h2{margin:0 0 8px;font-size:40px;color:#b3261e}
.contact{font-size:24px;color:#444;display:flex;flex-wrap:wrap;gap:8px 24px;margin:0 0 12px}
table{width:100%;border-collapse:collapse}
td{padding:12px 8px;border-top:1px solid #ddd;vertical-align:top}
td small{font-size:20px;color:#666}
.period{white-space:nowrap}
.person{font-size:34px;font-weight:bold}
tr.now{background:#fff4d6}
.status{color:#b3261e;font-weight:bold;white-space:nowrap}
.none{color:#777}
footer{padding:16px 40px;font-size:22px;color:#555}
";

#[utoipa::path(
    tag = "duty",
    params(BoardQuery),
    responses(
        (status = 200, description = "The board as a Chinese page for a station's screen; refreshes itself every two minutes", content_type = "text/html", body = String),
        e::Public, e::NotFound,
    )
)]
#[get("/board/today")]
/// The "今日我当班" board as a page for a station's screen (no token).
pub async fn get_board_page(
    state: web::Data<AppState>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let board = build_board(&state, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .insert_header(("Content-Security-Policy", board_policy()))
        .body(render_board(&board)))
}

/// The calendar feed's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only shifts of this unit's subtree.
    pub unit_id: Option<i64>,
    /// Only shifts this person is on.
    pub staff_id: Option<i64>,
    /// First day (default: 30 days ago).
    pub from: Option<NaiveDate>,
    /// Last day (default: 90 days ahead); at most 400 days after `from`.
    pub to: Option<NaiveDate>,
}

/// Renders shifts as an iCalendar document (times in UTC; public facts only).
pub fn render_feed(name: &str, units: &[(UnitRow, Vec<Shift>)]) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let mut calendar = Calendar::new();
    calendar.name(name);
    for (unit, shifts) in units {
        for s in shifts {
            let (start, end) = s.period.hours();
            let local = |t| {
                s.date
                    .and_time(t)
                    .and_local_timezone(cst())
                    .single()
                    .map(|d| d.with_timezone(&Utc))
            };
            let (Some(start), Some(end)) = (local(start), local(end)) else {
                continue;
            };
            let names: Vec<&str> = s.staff.iter().map(|p| p.name.as_str()).collect();
            let mut description = format!("{}：{}", s.kind.label(), names.join("、"));
            if let Some(phone) = &unit.phone {
                description.push_str(&format!("\n联系电话：{phone}"));
            }
            let event = Event::new()
                .uid(&format!("duty-shift-{}@huimin", s.id))
                .summary(&format!(
                    "今日我当班 · {} · {}（{}）",
                    unit.name,
                    s.kind.label(),
                    names.join("、")
                ))
                .description(&description)
                .location(
                    s.place
                        .as_deref()
                        .or(unit.address.as_deref())
                        .unwrap_or(&unit.name),
                )
                .starts(start)
                .ends(end)
                .timestamp(s.updated_at.and_utc())
                .done();
            calendar.push(event);
        }
    }
    calendar.done().to_string()
}

#[utoipa::path(
    tag = "duty",
    params(FeedQuery),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) feed of the shifts, for calendar apps to subscribe to", content_type = "text/calendar", body = String),
        e::Public, e::NotFound,
    )
)]
#[get("/duty-shifts.ics")]
/// The duty roster as an iCalendar feed (no token; the same public facts as the board).
pub async fn get_duty_feed(
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let from = q.from.unwrap_or(today - Duration::days(30));
    let to = q.to.unwrap_or(from.max(today) + Duration::days(90));
    crate::time::check_period(from, to, 400).map_err(ApiError::BadRequest)?;
    let (root, staff_id) = (q.unit_id, q.staff_id);
    let units = crate::api::reads::read(&state.pool, move |c| {
        let mut units = store::board::units_with_shifts(c, root, from, to)?;
        if let Some(staff_id) = staff_id {
            for (_, shifts) in units.iter_mut() {
                shifts.retain(|s| s.staff.iter().any(|p| p.id == staff_id));
            }
        }
        Ok(units)
    })
    .await?;
    let name = match (root, units.first()) {
        (Some(_), Some((u, _))) => format!("今日我当班 · {}", u.name),
        _ => "今日我当班".to_owned(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"duty-shifts.ics\"",
        ))
        .body(render_feed(&name, &units)))
}

/// The coverage report's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// First day.
    pub from: NaiveDate,
    /// Last day; at most 366 days after `from`.
    pub to: NaiveDate,
    /// The unit whose subtree to assess (default: the caller's unit).
    pub unit_id: Option<i64>,
}

/// A day or week where the rule is not met.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoverageGap {
    /// `2023-01-28` for a day, `2023-W05` for an ISO week.
    pub label: String,
    /// First day of the day or week.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// What is missing.
    pub missing: Vec<Requirement>,
}

/// How one unit did against its rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitCoverage {
    /// Unit id.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// The rule it is held to.
    pub rule: CoverageRule,
    /// Working days (centre) or weeks with a working day (township office) assessed.
    pub assessed: u32,
    /// Of those, the ones where the rule is met.
    pub met: u32,
    /// Whether the rule is met throughout.
    pub compliant: bool,
    /// The others.
    pub gaps: Vec<CoverageGap>,
}

/// The coverage report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "from": "2023-03-06", "to": "2023-03-19",
    "units": [{"unit_id": 4, "name": "龙港镇司法所", "kind": "judicial_office", "rule": "weekly_duty_and_visit",
        "assessed": 2, "met": 1, "compliant": false,
        "gaps": [{"label": "2023-W10", "from": "2023-03-06", "to": "2023-03-12", "missing": ["half_day_visit"]}]}]
}))]
pub struct DutyCoverage {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Units of the subtree that a rule applies to (the public legal service centre, the
    /// township judicial offices), by id.
    pub units: Vec<UnitCoverage>,
}

#[utoipa::path(
    tag = "duty",
    params(CoverageQuery),
    responses(
        (status = 200, description = "Each unit against its duty rule: the centre every working day, township offices every ISO week", body = DutyCoverage),
        e::Read, e::Forbidden,
    ),
)]
#[get("/duty/coverage")]
/// Whether the roster meets the programme's rule: the public legal service centre staffed for
/// the whole of every working day; each township judicial office with half a day on duty and
/// half a day of village or enterprise visits every week. Holidays are not gaps; adjusted
/// working days count. Every role but providers.
pub async fn get_duty_coverage(
    state: web::Data<AppState>,
    principal: Authorized<op::GetDutyCoverage>,
    query: web::Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    crate::time::check_period(q.from, q.to, 366).map_err(ApiError::BadRequest)?;
    let scope = principal.unit_id;
    let root = q.unit_id.unwrap_or(scope);
    let (from, to) = (q.from, q.to);
    let (calendar, units) = store::run(&state.pool, move |c| {
        store::units::find(c, scope, root)?;
        let (span_from, span_to) = duty::shift_span(CoverageRule::WeeklyDutyAndVisit, from, to);
        let calendar = store::calendar::load(c, span_from, span_to)?;
        let units = store::board::units_with_shifts(c, Some(root), span_from, span_to)?;
        Ok((calendar, units))
    })
    .await?;
    let mut out = Vec::new();
    for (unit, shifts) in units {
        let kind = unit.kind;
        let Some(rule) = duty::coverage_rule(kind) else {
            continue;
        };
        let facts: Vec<ShiftFact> = shifts
            .iter()
            .map(|s| ShiftFact {
                date: s.date,
                period: s.period,
                kind: s.kind,
            })
            .collect();
        let c = duty::assess(rule, &calendar, from, to, &facts);
        out.push(UnitCoverage {
            unit_id: unit.id,
            name: unit.name,
            kind,
            rule,
            assessed: c.assessed,
            met: c.met,
            compliant: c.gaps.is_empty(),
            gaps: c
                .gaps
                .into_iter()
                .map(|g| CoverageGap {
                    label: g.label,
                    from: g.from,
                    to: g.to,
                    missing: g.missing,
                })
                .collect(),
        });
    }
    Ok(HttpResponse::Ok().json(DutyCoverage {
        from,
        to,
        units: out,
    }))
}

/// Registers the board routes under `/api/v1`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_duty_today)
        .service(get_duty_feed)
        .service(get_duty_coverage);
}

/// Registers the HTML board at the root.
pub fn page_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_board_page);
}
