//! The access table against the service: every operation of the served contract has a row (and
//! every row an operation); every operation is called as each of the six roles on an object
//! inside the role's scope and on one outside it (another county), and without a token, and the
//! answer is compared with what the table says: 401, 403, 404 (422 for a body naming a unit
//! outside the scope, absent from a list), or success.

use std::cell::Cell;
use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};

use huimin::domain::access::{self, Rule, Scope};
use huimin::domain::aid::AidAction;
use huimin::domain::codes::CodeTable;
use huimin::domain::roles::Role;
use huimin::domain::units::UnitKind;

use crate::backend_tests;
use crate::helpers::{spawn_app, Backend, TestApp, TestResponse};

backend_tests!(
    the_table_has_a_row_for_every_operation_and_no_other,
    every_operation_as_every_role_inside_and_outside_its_scope,
    providers_reach_their_cases_wherever_the_centre_is,
);

/// The operations of the served contract: `operationId` → (method, path).
async fn contract(app: &TestApp) -> Vec<(String, Method, String)> {
    let res = app
        .call(actix_web::test::TestRequest::get().uri("/api-docs/openapi.json"))
        .await;
    assert_eq!(res.status, 200);
    let spec = res.json();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(m) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if let Some(id) = op["operationId"].as_str() {
                ops.push((id.to_owned(), m, path.clone()));
            }
        }
    }
    ops
}

async fn the_table_has_a_row_for_every_operation_and_no_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let served: BTreeSet<String> = contract(&app).await.into_iter().map(|o| o.0).collect();
    let table: BTreeSet<String> = access::TABLE
        .iter()
        .map(|r| r.operation_id.to_owned())
        .collect();
    let missing: Vec<_> = served.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&served).collect();
    assert!(missing.is_empty(), "operations without a row: {missing:?}");
    assert!(unknown.is_empty(), "rows naming no operation: {unknown:?}");
    // The contract documents a 403 exactly where the table refuses some role.
    let res = app
        .call(actix_web::test::TestRequest::get().uri("/api-docs/openapi.json"))
        .await;
    let spec = res.json();
    for (_, item) in spec["paths"].as_object().expect("paths") {
        for (_, op) in item.as_object().expect("path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let refuses = access::rules(id).any(|r| {
                (r.roles.len() < 6 && r.scope != Scope::Operator) || r.scope == Scope::TopUnit
            });
            let documented = op["responses"].get("403").is_some();
            assert_eq!(
                refuses,
                documented,
                "{id}: the table {} a role, the contract {} a 403",
                if refuses { "refuses" } else { "refuses no" },
                if documented {
                    "documents"
                } else {
                    "does not document"
                }
            );
        }
    }
    // The workflow: one row per step the path accepts.
    for action in AidAction::ALL {
        assert!(
            access::rule("act_on_aid_application", Some(*action)).is_some(),
            "no row for the step {}",
            action.code()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The world: the demo county and a second county, with an account per role.

/// Where an object is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// 龙港镇司法所 (county 1).
    Lg,
    /// The legal aid centre (county 1).
    Flyz,
    /// The public legal service centre (county 1), where the lawyer works.
    Gg,
    /// 中村镇司法所, another township of county 1.
    Zc,
    /// A township of the second county.
    Out,
}

struct World {
    county: i64,
    lg: i64,
    zc: i64,
    flyz: i64,
    gg: i64,
    out_county: i64,
    out_town: i64,
    /// A staff record of each home.
    lg_staff: i64,
    zc_staff: i64,
    flyz_staff: i64,
    lawyer_staff: i64,
    colleague_staff: i64,
    out_staff: i64,
    out_lawyer: i64,
    n: Cell<u32>,
    /// Whether the lawyer's account is linked to its staff record.
    linked: bool,
}

const ROLES: [Role; 6] = [
    Role::Admin,
    Role::UnitStaff,
    Role::AidOfficer,
    Role::Provider,
    Role::Auditor,
    Role::Integration,
];

fn user_of(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::UnitStaff => "staff.longgang",
        Role::AidOfficer => "aid.officer",
        Role::Provider => "lawyer",
        Role::Auditor => "auditor",
        Role::Integration => "integration",
    }
}

/// Where a role's objects are made for a subtree rule.
/// Where objects outside a role's scope are made: for township staff another township of the
/// same county, for the others the second county.
fn outside_of(role: Role) -> Home {
    if role == Role::UnitStaff {
        Home::Zc
    } else {
        Home::Out
    }
}

fn home_of(role: Role) -> Home {
    match role {
        Role::AidOfficer => Home::Flyz,
        Role::Provider => Home::Gg,
        _ => Home::Lg,
    }
}

impl World {
    fn next(&self) -> u32 {
        let n = self.n.get() + 1;
        self.n.set(n);
        n
    }
    fn unit(&self, home: Home) -> i64 {
        match home {
            Home::Lg => self.lg,
            Home::Flyz => self.flyz,
            Home::Gg => self.gg,
            Home::Zc => self.zc,
            Home::Out => self.out_town,
        }
    }
    fn staff(&self, home: Home) -> i64 {
        match home {
            Home::Lg => self.lg_staff,
            Home::Flyz => self.flyz_staff,
            Home::Gg => self.lawyer_staff,
            Home::Zc => self.zc_staff,
            Home::Out => self.out_staff,
        }
    }
    /// Who makes objects of a home (its county's admin).
    fn maker(&self, home: Home) -> &'static str {
        if home == Home::Out {
            "admin.other"
        } else {
            "admin"
        }
    }
    /// A day of its own (so that shifts and plans never clash).
    fn day(&self) -> String {
        let start = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).expect("date");
        (start + chrono::Days::new(u64::from(self.next()))).to_string()
    }
}

fn ok(res: &TestResponse, what: &str) -> Value {
    assert!(
        res.status.is_success(),
        "preparing {what}: {} {}",
        res.status,
        String::from_utf8_lossy(&res.body)
    );
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

async fn made(app: &TestApp, user: &str, method: Method, path: &str, body: &Value) -> Value {
    let res = app.send_json(method.clone(), path, user, body).await;
    ok(&res, &format!("{method} {path} as {user}"))
}

/// The second county, its units and accounts, made directly in the database (a top unit has no
/// parent to be made under through the API).
async fn build_world(app: &TestApp) -> World {
    let out_county = {
        let mut conn = app.pool.get().expect("connection");
        let actor = huimin::store::Actor::system("access-test", &crate::helpers::audit_keys());
        huimin::store::audit::write(&mut conn, &actor, |tx, log| {
            let county = huimin::store::units::insert_unchecked(
                tx,
                log,
                None,
                UnitKind::CountyBureau,
                "140522",
                "阳城县司法局",
                None,
                None,
            )?;
            huimin::store::users::insert(
                tx,
                log,
                "admin.other",
                "x",
                "阳城县司法局 管理员",
                Role::Admin,
                county.id,
            )?;
            Ok(county.id)
        })
        .expect("second county")
    };
    let unit = |parent: i64, kind: &str, code: &str, name: &str| json!({"parent_id": parent, "kind": kind, "code": code, "name": name});
    let mk = |v: Value| async move {
        made(app, "admin.other", Method::POST, "/api/v1/units", &v).await["id"]
            .as_i64()
            .expect("unit id")
    };
    let out_town = mk(unit(
        out_county,
        "judicial_office",
        "140522-SFS-1",
        "凤城镇司法所",
    ))
    .await;
    let out_aid = mk(unit(
        out_county,
        "legal_aid_centre",
        "140522-FLYZ",
        "阳城县法律援助中心",
    ))
    .await;
    let out_gg = mk(unit(
        out_county,
        "public_legal_service_centre",
        "140522-GGFLFW",
        "阳城县公共法律服务中心",
    ))
    .await;
    for (username, role, unit_id) in [
        ("aid.other", "aid_officer", out_aid),
        ("admin.town", "admin", app.unit_id("140521-SFS-LG")),
        ("auditor.town", "auditor", app.unit_id("140521-SFS-LG")),
    ] {
        made(
            app,
            if unit_id == out_aid { "admin.other" } else { "admin" },
            Method::POST,
            "/api/v1/users",
            &json!({"username": username, "password": "access test passphrase", "display_name": username,
                    "role": role, "unit_id": unit_id}),
        )
        .await;
    }
    let staff =
        |unit_id: i64, kind: &str| json!({"unit_id": unit_id, "name": "测试人员", "kind": kind});
    let out_staff = made(
        app,
        "admin.other",
        Method::POST,
        "/api/v1/staff",
        &staff(out_town, "judicial_office_staff"),
    )
    .await["id"]
        .as_i64()
        .expect("staff");
    let out_lawyer = made(
        app,
        "admin.other",
        Method::POST,
        "/api/v1/staff",
        &staff(out_gg, "lawyer"),
    )
    .await["id"]
        .as_i64()
        .expect("staff");
    let first_staff = |unit: i64| async move {
        app.get(&format!("/api/v1/staff?unit_id={unit}"), "admin")
            .await
            .json()["items"]
            .as_array()
            .expect("staff")
            .iter()
            .filter_map(|s| s["id"].as_i64())
            .collect::<Vec<i64>>()
    };
    let lg = app.unit_id("140521-SFS-LG");
    let zc = app.unit_id("140521-SFS-ZC");
    let flyz = app.unit_id("140521-FLYZ");
    let gg = app.unit_id("140521-GGFLFW");
    let lawyers = first_staff(gg).await;
    let w = World {
        county: app.unit_id("140521"),
        lg,
        zc,
        flyz,
        gg,
        out_county,
        out_town,
        lg_staff: first_staff(lg).await[0],
        zc_staff: first_staff(zc).await[0],
        flyz_staff: first_staff(flyz).await[0],
        lawyer_staff: lawyers[0],
        colleague_staff: lawyers[1],
        out_staff,
        out_lawyer,
        n: Cell::new(0),
        linked: false,
    };
    let mut w = w;
    w.linked = app.try_link_staff("lawyer", w.lawyer_staff).await;
    w
}

// ---------------------------------------------------------------------------------------------
// Objects

fn consultation_body(w: &World, home: Home, staff: i64) -> Value {
    let n = w.next();
    let day = (chrono::NaiveDate::from_ymd_opt(2022, 1, 1).expect("date")
        + chrono::Days::new(u64::from(n % 300)))
    .to_string();
    json!({
        "unit_id": w.unit(home), "staff_id": staff, "received_at": format!("{day}T09:40:00+08:00"),
        "channel": "walk_in", "site": "fixed_station", "topics": ["support_maintenance"],
        "question": format!("子女不履行赡养义务怎么办？A{n}B"), "answer": "可协商、申请人民调解或起诉。",
        "outcome": "answered", "callback_consent": true
    })
}

async fn consultation(app: &TestApp, w: &World, home: Home, staff: Option<i64>) -> i64 {
    let body = consultation_body(w, home, staff.unwrap_or(w.staff(home)));
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/consultations",
        &body,
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

fn id_number(seq: u32) -> String {
    let body = format!("14052119800505{:03}", seq % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

fn aid_body(w: &World, unit: i64) -> Value {
    json!({
        "unit_id": unit, "channel": "township_on_behalf", "received_at": "2023-03-01T10:00:00+08:00",
        "applicant": {"name": "赵某", "id_number": id_number(w.next()), "phone": "13812345678", "address": "龙港镇"},
        "matter_category": "support_payments", "facts": "子女拒绝支付赡养费。", "hardship_check": "pledge"
    })
}

fn step_body(action: AidAction, provider: i64) -> Value {
    use AidAction as A;
    match action {
        A::RequestMaterials => json!({"materials": ["户口簿复印件"]}),
        A::Reject => json!({"reasons": "不属于法律援助事项范围。"}),
        A::Terminate => json!({"termination_ground": "own_lawyer"}),
        A::Assign => json!({"provider_staff_id": provider}),
        A::ChangeProvider => json!({"provider_staff_id": provider, "note": "受援人申请更换"}),
        A::Close => json!({"outcome": "mediation", "documents": ["调解书"]}),
        A::Review => json!({"quality_grade": "good"}),
        A::Withdraw | A::Object | A::UpholdObjection | A::DismissObjection => {
            json!({"note": "申请人意见"})
        }
        _ => json!({}),
    }
}

/// The steps that lead to the state in which `action` may be taken.
fn steps_before(action: AidAction) -> Vec<AidAction> {
    use AidAction as A;
    match action {
        A::Accept | A::Withdraw => vec![],
        A::RequestMaterials | A::Approve | A::Reject => vec![A::Accept],
        A::ReceiveMaterials => vec![A::Accept, A::RequestMaterials],
        A::Object => vec![A::Accept, A::Reject],
        A::UpholdObjection | A::DismissObjection => vec![A::Accept, A::Reject, A::Object],
        A::Assign => vec![A::Accept, A::Approve],
        A::SignAgreement | A::Terminate | A::ChangeProvider => {
            vec![A::Accept, A::Approve, A::Assign]
        }
        A::Start => vec![A::Accept, A::Approve, A::Assign, A::SignAgreement],
        A::Close => vec![A::Accept, A::Approve, A::Assign, A::SignAgreement, A::Start],
        A::File => vec![
            A::Accept,
            A::Approve,
            A::Assign,
            A::SignAgreement,
            A::Start,
            A::Close,
        ],
        A::Review => vec![
            A::Accept,
            A::Approve,
            A::Assign,
            A::SignAgreement,
            A::Start,
            A::Close,
            A::File,
        ],
    }
}

/// Who takes a step in a county: the first role the table admits to it.
fn stepper(action: AidAction, out: bool) -> &'static str {
    let role = access::rule("act_on_aid_application", Some(action))
        .expect("row")
        .roles[0];
    match (role, out) {
        (Role::Admin, true) => "admin.other",
        (Role::AidOfficer, true) => "aid.other",
        (role, false) => user_of(role),
        (role, true) => panic!("no account of {role} in the second county"),
    }
}

/// An application received in a home, taken through `steps` (assigned to `provider`).
async fn aid_case(app: &TestApp, w: &World, home: Home, steps: &[AidAction], provider: i64) -> i64 {
    let out = home == Home::Out;
    let a = made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/aid-applications",
        &aid_body(w, w.unit(home)),
    )
    .await;
    let id = a["id"].as_i64().expect("id");
    for step in steps {
        made(
            app,
            stepper(*step, out),
            Method::POST,
            &format!("/api/v1/aid-applications/{id}/{}", step.code()),
            &step_body(*step, provider),
        )
        .await;
    }
    id
}

/// A webhook subscription of the home unit's admin (never delivered: no worker runs here).
async fn webhook(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/webhooks",
        &json!({"url": "https://platform.example.org/hook"}),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

async fn fresh_staff(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/staff",
        &json!({"unit_id": w.unit(home), "name": "值班人员", "kind": "grassroots_legal_worker"}),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

fn shift_body(w: &World, home: Home, staff: i64) -> Value {
    json!({"unit_id": w.unit(home), "date": w.day(), "period": "morning", "kind": "station_duty",
           "place": "工作站", "staff_ids": [staff]})
}

async fn shift(app: &TestApp, w: &World, home: Home, staff: i64) -> (i64, String) {
    let s = made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/duty-shifts",
        &shift_body(w, home, staff),
    )
    .await;
    (
        s["id"].as_i64().expect("id"),
        s["date"].as_str().expect("date").to_owned(),
    )
}

async fn follow_up(app: &TestApp, w: &World, home: Home) -> i64 {
    let mut body = consultation_body(w, home, w.staff(home));
    let day = w.day();
    body["received_at"] = json!(format!("{day}T09:00:00+08:00"));
    let c = made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/consultations",
        &body,
    )
    .await;
    let plan = made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/follow-ups/plan",
        &json!({"unit_id": w.unit(home), "from": day, "to": day, "share_percent": 100}),
    )
    .await;
    plan["created"]
        .as_array()
        .and_then(|items| items.iter().find(|f| f["subject_id"] == c["id"]))
        .and_then(|f| f["id"].as_i64())
        .unwrap_or_else(|| panic!("no follow-up planned: {plan}"))
}

fn inspection_body(w: &World, home: Home) -> Value {
    json!({"unit_id": w.unit(home), "kind": "spot_check", "held_on": "2023-05-08",
           "unit_ids": [w.unit(home)], "summary": "抽查值班和咨询登记情况"})
}

async fn inspection(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/inspections",
        &inspection_body(w, home),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

/// A model station of a fresh village room of the home (once a year per unit).
async fn recognition_body(app: &TestApp, w: &World, home: Home) -> Value {
    let unit = fresh_unit(app, w, home).await;
    json!({"unit_id": unit, "year": 2023, "kind": "model_station", "reason": "值班制度落实到位",
           "recognised_on": "2023-12-28", "recognised_by": "县司法局"})
}

async fn recognition(app: &TestApp, w: &World, home: Home) -> i64 {
    let body = recognition_body(app, w, home).await;
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/recognitions",
        &body,
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

async fn fresh_unit(app: &TestApp, w: &World, home: Home) -> i64 {
    let n = w.next();
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/units",
        &json!({"parent_id": w.unit(home), "kind": "village_workstation",
                "code": format!("ACCESS-{n}"), "name": format!("测试{n}村工作室")}),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

async fn fresh_user(app: &TestApp, w: &World, home: Home) -> i64 {
    let n = w.next();
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/users",
        &json!({"username": format!("access.user{n}"), "password": "access test passphrase",
                "display_name": "测试 用户", "role": "unit_staff", "unit_id": w.unit(home)}),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

async fn fresh_client(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/clients",
        &json!({"name": format!("测试平台{}", w.next()), "role": "integration", "unit_id": w.unit(home)}),
    )
    .await["client"]["id"]
        .as_i64()
        .expect("id")
}

fn activity_body(w: &World, home: Home) -> Value {
    json!({"unit_id": w.unit(home), "kind": "legal_lecture", "title": "进村普法讲座", "date": w.day(),
           "place": "东关村", "topics": ["marriage_family"], "audience_size": 30})
}

async fn activity(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/activities",
        &activity_body(w, home),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

fn report_body(w: &World, home: Home) -> Value {
    let section = json!([{"title": "亮点", "content": "做法与成效"}]);
    json!({"unit_id": w.unit(home), "period": "2023-03", "highlights": section,
           "typical_cases": section, "activity_briefs": section})
}

async fn monthly_report(app: &TestApp, w: &World, home: Home) -> i64 {
    made(
        app,
        w.maker(home),
        Method::POST,
        "/api/v1/monthly-reports",
        &report_body(w, home),
    )
    .await["id"]
        .as_i64()
        .expect("id")
}

// ---------------------------------------------------------------------------------------------
// Requests

/// What answers the table expects of a request on an object.
#[derive(Debug, Clone)]
enum Expect {
    /// A 2xx.
    Success,
    /// This status (404 for an object out of scope, 422 for a body naming one).
    Status(u16),
    /// A 200 list whose items include this id.
    Lists(i64),
    /// A 200 list whose items do not include this id.
    Omits(i64),
}

/// A request, and for an admitted role what it should answer.
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    admitted: Expect,
    /// Send a token of a session of its own (for logout).
    fresh_token: bool,
}

impl Call {
    fn new(method: Method, path: impl Into<String>, admitted: Expect) -> Call {
        Call {
            method,
            path: path.into(),
            body: None,
            admitted,
            fresh_token: false,
        }
    }
    fn body(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }
}

fn ids_of(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_i64().or(i["consultation"]["id"].as_i64()))
                .collect()
        })
        .unwrap_or_default()
}

/// The request of an operation as `role` on an object inside its scope (`inside`) or outside.
/// `None` when the rule has no outside (public, the caller's own account, whole chains).
async fn call_for(app: &TestApp, w: &World, rule: &Rule, role: Role, inside: bool) -> Option<Call> {
    use Expect::*;
    use Method as M;
    let home = if inside {
        home_of(role)
    } else {
        outside_of(role)
    };
    let listed = |id: i64| if inside { Lists(id) } else { Omits(id) };
    let found = if inside { Success } else { Status(404) };
    let referenced = if inside { Success } else { Status(422) };
    let provider = role == Role::Provider;
    Some(match rule.operation_id {
        "metrics" => {
            if !inside {
                return None;
            }
            Call::new(M::GET, "/metrics", Status(401))
        }
        "create_token" | "get_calendar" | "get_dictionaries" | "get_duty_today"
        | "get_board_page" | "health_live" | "health_ready" | "get_duty_feed"
        | "list_aid_subsidy_rates" => {
            if !inside {
                return None;
            }
            let path = match rule.operation_id {
                "create_token" => {
                    return Some(
                        Call::new(M::POST, "/api/v1/auth/token", Success).body(
                            json!({"username": user_of(role), "password": crate::helpers::PASSWORD}),
                        ),
                    )
                }
                "get_calendar" => "/api/v1/calendar?year=2023",
                "list_aid_subsidy_rates" => "/api/v1/aid-subsidy-rates/2023",
                "get_dictionaries" => "/api/v1/dictionaries",
                "get_duty_today" => "/api/v1/duty/today",
                "get_board_page" => "/board/today",
                "health_live" => "/health/live",
                "health_ready" => "/health/ready",
                _ => "/api/v1/duty-shifts.ics",
            };
            Call::new(M::GET, path, Success)
        }
        "get_me" => {
            if !inside {
                return None;
            }
            Call::new(M::GET, "/api/v1/me", Success)
        }
        "logout" => {
            if !inside {
                return None;
            }
            // A login of its own, so that the caller's other tokens live on.
            let mut call = Call::new(M::POST, "/api/v1/auth/logout", Success);
            call.fresh_token = true;
            call
        }
        "verify_audit_events" => Call::new(
            M::GET,
            "/api/v1/audit-events/verify",
            if inside { Success } else { Status(403) },
        ),
        "verify_audit_events_against_checkpoint" => {
            let checkpoint = {
                let mut conn = app.pool.get().expect("connection");
                huimin::store::audit::checkpoint(
                    &mut conn,
                    &crate::helpers::audit_keys(),
                    chrono::Utc::now(),
                )
                .expect("checkpoint")
            };
            Call::new(
                M::POST,
                "/api/v1/audit-events/verify",
                if inside { Success } else { Status(403) },
            )
            .body(serde_json::to_value(&checkpoint).expect("json"))
        }
        // Units, targets, accounts.
        "list_units" => Call::new(M::GET, "/api/v1/units?limit=200", listed(w.unit(home))),
        "get_unit" => Call::new(M::GET, format!("/api/v1/units/{}", w.unit(home)), found),
        "list_unit_targets" => Call::new(
            M::GET,
            format!("/api/v1/units/{}/targets", w.unit(home)),
            found,
        ),
        "create_unit" => {
            let n = w.next();
            Call::new(M::POST, "/api/v1/units", referenced).body(
                json!({"parent_id": w.unit(home), "kind": "village_workstation",
                       "code": format!("ACCESS-C{n}"), "name": format!("新建{n}村工作室")}),
            )
        }
        "update_unit" => {
            let id = fresh_unit(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/units/{id}"), found)
                .body(json!({"name": format!("改名{}村工作室", w.next())}))
        }
        "put_unit_target" => Call::new(
            M::PUT,
            format!("/api/v1/units/{}/targets/{}", w.unit(home), 2040 + w.next() % 50),
            found,
        )
        .body(json!({"consultations": 800})),
        "list_users" => {
            let id = fresh_user(app, w, home).await;
            Call::new(M::GET, "/api/v1/users?limit=200", listed(id))
        }
        "get_user" => {
            let id = fresh_user(app, w, home).await;
            Call::new(M::GET, format!("/api/v1/users/{id}"), found)
        }
        "create_user" => Call::new(M::POST, "/api/v1/users", referenced).body(
            json!({"username": format!("access.new{}", w.next()), "password": "access test passphrase",
                   "display_name": "新 用户", "role": "unit_staff", "unit_id": w.unit(home)}),
        ),
        "update_user" => {
            let id = fresh_user(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/users/{id}"), found)
                .body(json!({"display_name": "改名 用户"}))
        }
        "list_clients" => {
            let id = fresh_client(app, w, home).await;
            Call::new(M::GET, "/api/v1/clients?limit=200", listed(id))
        }
        "get_client" => {
            let id = fresh_client(app, w, home).await;
            Call::new(M::GET, format!("/api/v1/clients/{id}"), found)
        }
        "create_client" => Call::new(M::POST, "/api/v1/clients", referenced).body(
            json!({"name": "新平台", "role": "integration", "unit_id": w.unit(home)}),
        ),
        "rotate_client_secret" => {
            let id = fresh_client(app, w, home).await;
            Call::new(M::POST, format!("/api/v1/clients/{id}/secret"), found)
        }
        "deactivate_client" => {
            let id = fresh_client(app, w, home).await;
            Call::new(M::POST, format!("/api/v1/clients/{id}/deactivate"), found)
        }
        "put_aid_subsidy_rate" => {
            // The rates belong to the whole service: outside is an admin of a township.
            let year = 2040 + w.next() % 60;
            Call::new(
                M::PUT,
                format!("/api/v1/aid-subsidy-rates/{year}/labour_wages/good"),
                if inside { Success } else { Status(403) },
            )
            .body(json!({"amount_fen": 150000}))
        }
        "put_calendar_day" | "delete_calendar_day" => {
            // The calendar belongs to the whole service: outside is an admin of a township.
            let day = w.day();
            if rule.operation_id == "delete_calendar_day" {
                made(
                    app,
                    "admin",
                    M::PUT,
                    &format!("/api/v1/calendar/{day}"),
                    &json!({"kind": "workday", "name": "调休"}),
                )
                .await;
                Call::new(
                    M::DELETE,
                    format!("/api/v1/calendar/{day}"),
                    if inside { Success } else { Status(403) },
                )
            } else {
                Call::new(
                    M::PUT,
                    format!("/api/v1/calendar/{day}"),
                    if inside { Success } else { Status(403) },
                )
                .body(json!({"kind": "holiday", "name": "测试假日"}))
            }
        }
        // Staff and the roster.
        "list_staff" => Call::new(M::GET, "/api/v1/staff?limit=200", listed(w.staff(home))),
        "get_staff" => Call::new(M::GET, format!("/api/v1/staff/{}", w.staff(home)), found),
        "create_staff" => Call::new(M::POST, "/api/v1/staff", referenced)
            .body(json!({"unit_id": w.unit(home), "name": "新人员", "kind": "lawyer"})),
        "update_staff" => {
            let id = fresh_staff(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/staff/{id}"), found)
                .body(json!({"title": "主任"}))
        }
        "list_duty_shifts" | "get_duty_shift" => {
            // A provider's own shift is one it is on; a colleague's is outside.
            let staff = if provider && inside {
                w.lawyer_staff
            } else if provider {
                w.colleague_staff
            } else {
                w.staff(home)
            };
            let shift_home = if provider { Home::Gg } else { home };
            let (id, date) = shift(app, w, shift_home, staff).await;
            if rule.operation_id == "get_duty_shift" {
                Call::new(M::GET, format!("/api/v1/duty-shifts/{id}"), found)
            } else {
                Call::new(
                    M::GET,
                    format!("/api/v1/duty-shifts?from={date}&to={date}&limit=200"),
                    listed(id),
                )
            }
        }
        "create_duty_shift" => {
            let staff = fresh_staff(app, w, home).await;
            Call::new(M::POST, "/api/v1/duty-shifts", referenced).body(shift_body(w, home, staff))
        }
        "create_duty_shift_batch" => {
            let staff = fresh_staff(app, w, home).await;
            Call::new(M::POST, "/api/v1/duty-shifts/batch", referenced)
                .body(json!({"shifts": [shift_body(w, home, staff)]}))
        }
        "create_duty_shift_pattern" => {
            let staff = fresh_staff(app, w, home).await;
            let from = w.day();
            Call::new(M::POST, "/api/v1/duty-shifts/pattern", referenced).body(json!({
                "unit_id": w.unit(home), "from": from, "to": from,
                "include_non_working_days": true,
                "slots": [{"day": "monday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "tuesday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "wednesday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "thursday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "friday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "saturday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]},
                          {"day": "sunday", "period": "morning", "kind": "station_duty", "staff_ids": [staff]}]
            }))
        }
        "update_duty_shift" | "delete_duty_shift" => {
            let staff = fresh_staff(app, w, home).await;
            let (id, _) = shift(app, w, home, staff).await;
            if rule.operation_id == "delete_duty_shift" {
                Call::new(M::DELETE, format!("/api/v1/duty-shifts/{id}"), found)
            } else {
                Call::new(M::PATCH, format!("/api/v1/duty-shifts/{id}"), found)
                    .body(json!({"note": "带好登记簿"}))
            }
        }
        "get_duty_coverage" => Call::new(
            M::GET,
            format!(
                "/api/v1/duty/coverage?from=2015-01-01&to=2015-01-31&unit_id={}",
                w.unit(home)
            ),
            found,
        ),
        // Consultations.
        "list_consultations" | "get_consultation" | "export_consultations" => {
            // A provider's own consultation is one it answered; a colleague's is outside.
            let id = if provider {
                let staff = if inside {
                    w.lawyer_staff
                } else {
                    w.colleague_staff
                };
                consultation(app, w, Home::Gg, Some(staff)).await
            } else {
                consultation(app, w, home, None).await
            };
            match rule.operation_id {
                "get_consultation" => {
                    Call::new(M::GET, format!("/api/v1/consultations/{id}"), found)
                }
                "list_consultations" => {
                    Call::new(M::GET, "/api/v1/consultations?limit=200", listed(id))
                }
                _ => {
                    // The ledger carries no ids: the entry is found by the number in its
                    // question.
                    Call::new(
                        M::GET,
                        format!("/api/v1/consultations/export?format=csv&q=A{}B", w.n.get()),
                        if inside { Lists(id) } else { Omits(id) },
                    )
                }
            }
        }
        "create_consultation" => Call::new(M::POST, "/api/v1/consultations", referenced)
            .body(consultation_body(w, home, w.staff(home))),
        "update_consultation" => {
            let id = consultation(app, w, home, None).await;
            let mut body = consultation_body(w, home, w.staff(home));
            body["question"] = json!("更正后的问题");
            Call::new(M::PUT, format!("/api/v1/consultations/{id}"), found).body(body)
        }
        "review_consultation" => {
            let id = consultation(app, w, home, None).await;
            Call::new(M::POST, format!("/api/v1/consultations/{id}/review"), found)
                .body(json!({"decision": "approve"}))
        }
        "get_review_queue" => {
            let id = consultation(app, w, home, None).await;
            Call::new(
                M::GET,
                "/api/v1/consultations/review-queue?limit=200",
                listed(id),
            )
        }
        "refer_to_aid" => {
            let id = consultation(app, w, home, None).await;
            Call::new(
                M::POST,
                format!("/api/v1/consultations/{id}/refer-to-aid"),
                found,
            )
            .body(json!({}))
        }
        // Follow-ups.
        "list_follow_ups" | "get_due_follow_ups" => {
            let id = follow_up(app, w, home).await;
            let path = if rule.operation_id == "list_follow_ups" {
                "/api/v1/follow-ups?limit=200"
            } else {
                "/api/v1/follow-ups/due?limit=200"
            };
            Call::new(M::GET, path, listed(id))
        }
        "get_follow_up" => {
            let id = follow_up(app, w, home).await;
            Call::new(M::GET, format!("/api/v1/follow-ups/{id}"), found)
        }
        "update_follow_up" => {
            let id = follow_up(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/follow-ups/{id}"), found)
                .body(json!({"method": "phone"}))
        }
        "record_follow_up_attempt" => {
            let id = follow_up(app, w, home).await;
            Call::new(M::POST, format!("/api/v1/follow-ups/{id}/attempts"), found)
                .body(json!({"reached": false, "note": "无人接听"}))
        }
        "plan_follow_ups" => {
            let day = w.day();
            Call::new(M::POST, "/api/v1/follow-ups/plan", referenced)
                .body(json!({"unit_id": w.unit(home), "from": day, "to": day, "share_percent": 100}))
        }
        "get_satisfaction" => Call::new(
            M::GET,
            format!(
                "/api/v1/follow-ups/satisfaction?from=2023-01-01&to=2023-12-31&unit_id={}",
                w.unit(home)
            ),
            found,
        ),
        // Statistics: a unit of the subtree is read, one outside it is a 404.
        "get_target_stats" | "export_target_stats" => Call::new(
            M::GET,
            format!(
                "/api/v1/stats/targets{}year=2023&unit_id={}",
                if rule.operation_id.starts_with("export") {
                    "/export?format=csv&"
                } else {
                    "?"
                },
                w.unit(home)
            ),
            found,
        ),
        "get_consultation_stats"
        | "export_consultation_stats"
        | "get_aid_stats"
        | "export_aid_stats" => Call::new(
            M::GET,
            format!(
                "/api/v1/stats/{}{}from=2023-01-01&to=2023-12-31&group_by=month&unit_id={}",
                if rule.operation_id.contains("aid") { "aid" } else { "consultations" },
                if rule.operation_id.starts_with("export") {
                    "/export?format=xlsx&"
                } else {
                    "?"
                },
                w.unit(home)
            ),
            found,
        ),
        // Supervision.
        "list_inspections" => {
            let id = inspection(app, w, home).await;
            Call::new(M::GET, "/api/v1/inspections?limit=200", listed(id))
        }
        "get_inspection" => {
            let id = inspection(app, w, home).await;
            Call::new(M::GET, format!("/api/v1/inspections/{id}"), found)
        }
        "create_inspection" => {
            Call::new(M::POST, "/api/v1/inspections", referenced).body(inspection_body(w, home))
        }
        "update_inspection" => {
            let id = inspection(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/inspections/{id}"), found)
                .body(json!({"findings": "值班电话无人接听"}))
        }
        "get_inspection_compliance" => Call::new(
            M::GET,
            format!(
                "/api/v1/inspections/compliance?year=2023&unit_id={}",
                w.unit(home)
            ),
            found,
        ),
        "list_recognitions" => {
            let id = recognition(app, w, home).await;
            Call::new(M::GET, "/api/v1/recognitions?limit=200", listed(id))
        }
        "get_recognition" => {
            let id = recognition(app, w, home).await;
            Call::new(M::GET, format!("/api/v1/recognitions/{id}"), found)
        }
        "create_recognition" => Call::new(M::POST, "/api/v1/recognitions", referenced)
            .body(recognition_body(app, w, home).await),
        "update_recognition" => {
            let id = recognition(app, w, home).await;
            Call::new(M::PATCH, format!("/api/v1/recognitions/{id}"), found)
                .body(json!({"reason": "值班制度落实到位，回访满意度100%"}))
        }
        // Legal aid: cases of a township reach its office and the centre; a provider reaches
        // the cases assigned to it, and not a colleague's.
        "list_aid_applications"
        | "export_aid_applications"
        | "correct_aid_application"
        | "get_aid_queue"
        | "get_aid_application"
        | "get_aid_events"
        | "list_hardship_verifications"
        | "list_aid_work_entries"
        | "list_aid_papers"
        | "set_green_channel"
        | "create_hardship_verification" => {
            let id = if provider {
                let to = if inside {
                    w.lawyer_staff
                } else {
                    w.colleague_staff
                };
                aid_case(
                    app,
                    w,
                    Home::Lg,
                    &steps_before(AidAction::SignAgreement),
                    to,
                )
                .await
            } else {
                let at = match home {
                    Home::Out | Home::Zc => home,
                    _ => Home::Lg,
                };
                let provider = if at == Home::Out {
                    w.out_lawyer
                } else {
                    w.lawyer_staff
                };
                aid_case(app, w, at, &[], provider).await
            };
            match rule.operation_id {
                "list_aid_applications" => {
                    Call::new(M::GET, "/api/v1/aid-applications?limit=200", listed(id))
                }
                "export_aid_applications" => Call::new(
                    M::GET,
                    "/api/v1/aid-applications/export?format=csv",
                    listed(id),
                ),
                "correct_aid_application" => Call::new(
                    M::PATCH,
                    format!("/api/v1/aid-applications/{id}"),
                    found,
                )
                .body(json!({"reason": "事项类别录入错误", "matter_category": "work_injury"})),
                "get_aid_queue" => {
                    let step = if provider { "agreement" } else { "accept" };
                    Call::new(
                        M::GET,
                        format!("/api/v1/aid-applications/queue?step={step}&limit=200"),
                        listed(id),
                    )
                }
                "get_aid_application" => {
                    Call::new(M::GET, format!("/api/v1/aid-applications/{id}"), found)
                }
                "get_aid_events" => Call::new(
                    M::GET,
                    format!("/api/v1/aid-applications/{id}/events"),
                    found,
                ),
                "list_hardship_verifications" => Call::new(
                    M::GET,
                    format!("/api/v1/aid-applications/{id}/hardship-verifications"),
                    found,
                ),
                "list_aid_work_entries" => Call::new(
                    M::GET,
                    format!("/api/v1/aid-applications/{id}/work-log"),
                    found,
                ),
                "list_aid_papers" => Call::new(
                    M::GET,
                    format!("/api/v1/aid-applications/{id}/papers"),
                    found,
                ),
                "set_green_channel" => Call::new(
                    M::POST,
                    format!("/api/v1/aid-applications/{id}/green-channel"),
                    found,
                )
                .body(json!({"green_channel": true, "reason": "独居老人"})),
                _ => Call::new(
                    M::POST,
                    format!("/api/v1/aid-applications/{id}/hardship-verifications"),
                    found,
                )
                .body(json!({"method": "data_platform", "result": "confirmed"})),
            }
        }
        "create_aid_application" => {
            Call::new(M::POST, "/api/v1/aid-applications", referenced).body(aid_body(w, w.unit(home)))
        }
        // The work log and a printed document: of a case assigned (to the provider itself inside,
        // to a colleague outside; for the others in their township or outside it).
        "create_aid_work_entry" | "get_printable_aid_paper" => {
            let (at, to) = match (provider, inside) {
                (true, true) => (Home::Lg, w.lawyer_staff),
                (true, false) => (Home::Lg, w.colleague_staff),
                (false, true) => (Home::Lg, w.lawyer_staff),
                (false, false) if outside_of(role) == Home::Zc => (Home::Zc, w.lawyer_staff),
                (false, false) => (Home::Out, w.out_lawyer),
            };
            let id = aid_case(app, w, at, &steps_before(AidAction::SignAgreement), to).await;
            if rule.operation_id == "create_aid_work_entry" {
                Call::new(
                    M::POST,
                    format!("/api/v1/aid-applications/{id}/work-log"),
                    found,
                )
                .body(json!({"kind": "meeting", "done_on": "2023-03-10", "note": "约见受援人"}))
            } else {
                let reader = if at == Home::Out { "admin.other" } else { "admin" };
                let paper = app
                    .get(&format!("/api/v1/aid-applications/{id}/papers"), reader)
                    .await
                    .json()["items"][0]["id"]
                    .as_i64()
                    .expect("the case's grant");
                Call::new(
                    M::GET,
                    format!("/api/v1/aid-applications/{id}/papers/{paper}/print"),
                    found,
                )
            }
        }
        "act_on_aid_application" => {
            let action = rule.action.expect("a step");
            let out = !inside;
            // A provider's case is assigned to it (inside) or to a colleague (outside); the
            // others' are received in their township, or in the other county.
            let (at, to) = match (provider, out) {
                (true, false) => (Home::Lg, w.lawyer_staff),
                (true, true) => (Home::Lg, w.colleague_staff),
                (false, false) => (Home::Lg, w.lawyer_staff),
                (false, true) if outside_of(role) == Home::Zc => (Home::Zc, w.lawyer_staff),
                (false, true) => (Home::Out, w.out_lawyer),
            };
            let id = aid_case(app, w, at, &steps_before(action), to).await;
            let provider_for_assign = if at == Home::Out {
                w.out_lawyer
            } else {
                w.lawyer_staff
            };
            // A change of provider names another than the one the case has.
            let provider_for_step = match action {
                AidAction::ChangeProvider if to == w.lawyer_staff => w.colleague_staff,
                AidAction::ChangeProvider => w.lawyer_staff,
                _ => provider_for_assign,
            };
            Call::new(
                M::POST,
                format!("/api/v1/aid-applications/{id}/{}", action.code()),
                found,
            )
            .body(step_body(action, provider_for_step))
        }
        // Outreach and training.
        "list_activities" | "get_activity" | "update_activity" | "delete_activity" => {
            let id = activity(app, w, home).await;
            match rule.operation_id {
                "list_activities" => {
                    Call::new(M::GET, "/api/v1/activities?limit=200", listed(id))
                }
                "get_activity" => Call::new(M::GET, format!("/api/v1/activities/{id}"), found),
                "update_activity" => Call::new(M::PATCH, format!("/api/v1/activities/{id}"), found)
                    .body(json!({"audience_size": 45})),
                _ => Call::new(M::DELETE, format!("/api/v1/activities/{id}"), found),
            }
        }
        "create_activity" => {
            Call::new(M::POST, "/api/v1/activities", referenced).body(activity_body(w, home))
        }
        // Monthly reports: the legal aid centre's subtree holds no unit that reports.
        "get_monthly_report_draft" => Call::new(
            M::GET,
            format!(
                "/api/v1/monthly-reports/draft?unit_id={}&period=2023-03",
                w.unit(home)
            ),
            found,
        ),
        "get_monthly_report_status" => {
            if !inside {
                return None;
            }
            Call::new(M::GET, "/api/v1/monthly-reports/status?period=2023-03", Success)
        }
        "list_monthly_reports" | "get_monthly_report" => {
            if home == Home::Flyz {
                return None;
            }
            let id = monthly_report(app, w, home).await;
            if rule.operation_id == "list_monthly_reports" {
                Call::new(M::GET, "/api/v1/monthly-reports?limit=200", listed(id))
            } else {
                Call::new(M::GET, format!("/api/v1/monthly-reports/{id}"), found)
            }
        }
        "create_monthly_report" => {
            Call::new(M::POST, "/api/v1/monthly-reports", referenced).body(report_body(w, home))
        }
        "list_audit_events" => {
            let id = consultation(app, w, home, None).await;
            Call::new(
                M::GET,
                format!("/api/v1/audit-events?entity=consultation&entity_id={id}"),
                if inside { Expect::Lists(-1) } else { Expect::Omits(-1) },
            )
        }
        "create_webhook" => Call::new(M::POST, "/api/v1/webhooks", Success)
            .body(json!({"url": "https://platform.example.org/hook"})),
        "list_webhooks"
        | "update_webhook"
        | "delete_webhook"
        | "list_webhook_deliveries"
        | "redeliver_webhook_delivery" => {
            let id = webhook(app, w, home).await;
            match rule.operation_id {
                "list_webhooks" => Call::new(M::GET, "/api/v1/webhooks?limit=200", listed(id)),
                "update_webhook" => Call::new(M::PATCH, format!("/api/v1/webhooks/{id}"), found)
                    .body(json!({"active": false})),
                "delete_webhook" => Call::new(M::DELETE, format!("/api/v1/webhooks/{id}"), found),
                "list_webhook_deliveries" => {
                    Call::new(M::GET, format!("/api/v1/webhooks/{id}/deliveries"), found)
                }
                _ => {
                    let delivery = crate::webhooks::queued_delivery(app, id);
                    Call::new(
                        M::POST,
                        format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
                        found,
                    )
                }
            }
        }
        "list_changes" => {
            crate::changes::settled(app).await;
            let (_, end) = crate::changes::all_items(app, "admin", "&types=consultation").await;
            let id = consultation(app, w, home, None).await;
            crate::changes::settled(app).await;
            Call::new(
                M::GET,
                format!("/api/v1/changes?types=consultation&limit=200&after={end}"),
                if inside { Expect::Lists(id) } else { Expect::Omits(id) },
            )
        }
        other => panic!("the access test does not know how to call {other}: add it"),
    })
}

/// Sends a call as `user` (or without a token) and checks the answer; returns a description
/// of the mismatch, if any.
async fn check(app: &TestApp, call: &Call, user: Option<&str>, expect: &Expect) -> Option<String> {
    let mut req = match user {
        Some(user) if call.fresh_token => app
            .req(call.method.clone(), &call.path, None)
            .insert_header((
                actix_web::http::header::AUTHORIZATION,
                format!("Bearer {}", app.fresh_token_of(user)),
            )),
        _ => app.req(call.method.clone(), &call.path, user),
    };
    if let Some(body) = &call.body {
        req = req.set_json(body);
    }
    let res = app.call(req).await;
    let status = res.status.as_u16();
    let wrong = match expect {
        Expect::Success => !res.status.is_success(),
        Expect::Status(s) => status != *s,
        Expect::Lists(id) | Expect::Omits(id) => {
            if status != 200 {
                true
            } else if call.path.contains("/export") {
                // The header, then one line per entry found, its number first.
                let number = id.to_string();
                let has = String::from_utf8_lossy(&res.body)
                    .lines()
                    .skip(1)
                    .any(|l| l.split(',').next() == Some(number.as_str()));
                matches!(expect, Expect::Lists(_)) != has
            } else if call.path.contains("/changes") {
                let has = res.json()["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["resource_id"] == *id));
                matches!(expect, Expect::Lists(_)) != has
            } else if call.path.contains("/audit-events") {
                let has = !ids_of(&res.json()).is_empty();
                matches!(expect, Expect::Lists(_)) != has
            } else {
                let has = ids_of(&res.json()).contains(id);
                matches!(expect, Expect::Lists(_)) != has
            }
        }
    };
    wrong.then(|| {
        format!(
            "{} {} as {}: expected {:?}, got {} {}",
            call.method,
            call.path,
            user.unwrap_or("(no token)"),
            expect,
            status,
            String::from_utf8_lossy(&res.body)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })
}

async fn every_operation_as_every_role_inside_and_outside_its_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = build_world(&app).await;
    assert!(
        w.linked,
        "the lawyer's account could not be linked to its staff record"
    );
    let mut cells = 0usize;
    let mut failures = Vec::new();
    for rule in access::TABLE {
        let public = rule.scope == Scope::Public;
        // Without a token.
        if let Some(call) = call_for(&app, &w, rule, Role::Admin, true).await {
            let expect = if public {
                Expect::Success
            } else {
                Expect::Status(401)
            };
            cells += 1;
            failures.extend(check(&app, &call, None, &expect).await);
        }
        if public {
            continue;
        }
        if rule.scope == Scope::Operator {
            // The operator's token reads; a user's token of any role is not that token.
            let call = call_for(&app, &w, rule, Role::Admin, true)
                .await
                .expect("operator call");
            let res = app
                .call(
                    app.req(call.method.clone(), &call.path, None)
                        .insert_header((
                            actix_web::http::header::AUTHORIZATION,
                            format!("Bearer {}", crate::helpers::METRICS_TOKEN),
                        )),
                )
                .await;
            cells += 1;
            if res.status != 200 {
                failures.push(format!(
                    "{} with the operator's token: {}",
                    call.path, res.status
                ));
            }
            for role in ROLES {
                cells += 1;
                failures
                    .extend(check(&app, &call, Some(user_of(role)), &Expect::Status(401)).await);
            }
            continue;
        }
        for role in ROLES {
            for inside in [true, false] {
                let user = if matches!(rule.scope, Scope::TopUnit | Scope::Chains) && !inside {
                    // Below the top unit: an admin or auditor of a township.
                    match role {
                        Role::Admin => "admin.town",
                        Role::Auditor => "auditor.town",
                        _ => continue,
                    }
                } else {
                    user_of(role)
                };
                let Some(call) = call_for(&app, &w, rule, role, inside).await else {
                    continue;
                };
                let expect = if rule.roles.contains(&role) {
                    call.admitted.clone()
                } else {
                    Expect::Status(403)
                };
                cells += 1;
                failures.extend(check(&app, &call, Some(user), &expect).await);
            }
        }
    }
    crate::helpers::report(&format!(
        "access table: {} rows, {cells} cells checked ({backend:?}), {} wrong",
        access::TABLE.len(),
        failures.len(),
    ));
    assert!(
        failures.is_empty(),
        "{} of {cells} cells disagree with the access table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = (w.county, w.out_county);
}

async fn providers_reach_their_cases_wherever_the_centre_is(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = build_world(&app).await;
    assert!(
        w.linked,
        "the lawyer's account could not be linked to its staff record"
    );
    // A case received in a township and handled by the county's legal aid centre, neither of
    // them in the subtree of the lawyer's own unit (the public legal service centre), assigned
    // to the lawyer: it reads the case, its timeline and its client's phone, then signs,
    // starts and closes it.
    let id = aid_case(
        &app,
        &w,
        Home::Lg,
        &steps_before(AidAction::SignAgreement),
        w.lawyer_staff,
    )
    .await;
    let case = app
        .get(&format!("/api/v1/aid-applications/{id}"), "lawyer")
        .await;
    assert_eq!(case.status, 200, "{}", String::from_utf8_lossy(&case.body));
    assert_eq!(
        case.json()["applicant"]["phone"],
        "13812345678",
        "the provider sees how to reach its client"
    );
    let events = app
        .get(&format!("/api/v1/aid-applications/{id}/events"), "lawyer")
        .await;
    assert_eq!(events.status, 200);
    for (step, body) in [
        ("sign_agreement", json!({})),
        ("start", json!({})),
        (
            "close",
            json!({"outcome": "judgment", "documents": ["判决书"]}),
        ),
        ("file", json!({})),
    ] {
        let res = app
            .post(
                &format!("/api/v1/aid-applications/{id}/{step}"),
                "lawyer",
                &body,
            )
            .await;
        assert_eq!(
            res.status,
            200,
            "{step}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    // Its list holds its own cases and nothing else of the county's.
    aid_case(&app, &w, Home::Lg, &[], w.lawyer_staff).await;
    let other = aid_case(
        &app,
        &w,
        Home::Lg,
        &steps_before(AidAction::SignAgreement),
        w.colleague_staff,
    )
    .await;
    let list = app.get("/api/v1/aid-applications", "lawyer").await.json();
    assert_eq!(ids_of(&list), vec![id]);
    app.get(&format!("/api/v1/aid-applications/{other}"), "lawyer")
        .await
        .assert_problem(404);
    app.post(
        &format!("/api/v1/aid-applications/{other}/sign_agreement"),
        "lawyer",
        &json!({}),
    )
    .await
    .assert_problem(404);
    // Steps that are not the provider's are refused whatever the case.
    app.post(
        &format!("/api/v1/aid-applications/{id}/terminate"),
        "lawyer",
        &json!({"termination_ground": "own_lawyer"}),
    )
    .await
    .assert_problem(403);
}
