//! The Chinese names of the document's tags and the Chinese summaries of its operations, with the
//! English beside them: one row per tag and per operation. A new operation or tag needs a row
//! here (`tests/api/swagger.rs` fails on one without).

/// Per tag of the handlers: the tag, its Chinese name, its English name and a Chinese
/// description (put before the English one). The document's tag becomes `中文 English`, so that
/// Swagger UI's filter finds it by either.
#[rustfmt::skip]
pub const TAGS: &[(&str, &str, &str, &str)] = &[
    ("auth", "认证", "Auth", "登录、令牌与当前账号"),
    ("units", "单位", "Units", "县—乡—村三级平台的单位（附件2）"),
    ("targets", "年度目标", "Targets", "各单位的年度工作目标（附件2）"),
    ("users", "账号", "Users", "系统账号与角色"),
    ("staff", "人员", "Staff", "参加值班的人员"),
    ("duty", "值班", "Duty", "值班安排与“今日我当班”公示（举措5、7）"),
    ("calendar", "节假日", "Calendar", "法定节假日与调休上班日"),
    ("consultations", "咨询", "Consultations", "免费法律咨询：登记、咨询审核、查询与台账"),
    ("aid", "法律援助", "Legal aid", "法律援助申请：绿色通道、法定流程与办理时限（举措7）"),
    ("follow-ups", "回访", "Follow-ups", "追踪回访与满意度（目标95%）"),
    ("stats", "统计督导", "Statistics", "年度目标进度与分类统计（附件1第3项、附件2），可导出CSV/Excel"),
    ("activities", "普法与培训活动", "Activities", "普法讲座、法治体检、“法律服务村村行”主题宣讲、流动服务站点、普法宣传与业务培训（举措5、6、8、9）"),
    ("monthly-reports", "月报", "Monthly reports", "各司法所每月10日16时前报送的工作进展情况（四（二））"),
    ("inspections", "督查检查", "Inspections", "系统值班抽查、月例会、季度实地专项检查、整改与达标情况（附件1 举措3、8）"),
    ("recognitions", "典型选树", "Recognitions", "惠民工程示范站点和先锋岗（附件1 举措10）"),
    ("audit", "审计", "Audit", "审计日志（全面登记、全程留痕）"),
    ("changes", "变更订阅", "Changes", "按提交顺序读取各类记录的变更（增量同步）"),
    ("webhooks", "推送订阅", "Webhooks", "变更的签名推送（Standard Webhooks）、投递记录与重新投递"),
    ("clients", "接入客户端", "API clients", "省级平台等系统的接入凭据（OAuth 2.0 客户端凭据模式）"),
    ("dictionaries", "代码表", "Dictionaries", "带中文标签的代码表"),
    ("operations", "运维", "Operations", "健康检查与运行指标"),
];

/// Per operationId: its Chinese summary and a short English one. The summary becomes
/// `中文 English`; the handler's own (longer) summary opens the operation's description.
#[rustfmt::skip]
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    // auth
    ("create_token", "获取令牌", "Get a token"),
    ("logout", "退出登录", "Log out"),
    ("get_me", "当前账号", "Who am I"),
    // units and targets
    ("list_units", "单位列表", "List units"),
    ("create_unit", "新建单位", "Create a unit"),
    ("get_unit", "查看单位", "Read a unit"),
    ("update_unit", "修改单位", "Change a unit"),
    ("list_unit_targets", "查看年度目标", "Read a unit's annual targets"),
    ("put_unit_target", "设定年度目标", "Set a unit's targets for a year"),
    // users
    ("list_users", "账号列表", "List accounts"),
    ("create_user", "新建账号", "Create an account"),
    ("get_user", "查看账号", "Read an account"),
    ("update_user", "修改账号", "Change an account"),
    // staff
    ("list_staff", "人员列表", "List people"),
    ("create_staff", "新增人员", "Add a person"),
    ("get_staff", "查看人员", "Read a person"),
    ("update_staff", "修改人员", "Change a person"),
    // duty
    ("list_duty_shifts", "值班列表", "List duty shifts"),
    ("create_duty_shift", "新增值班", "Book a shift"),
    ("create_duty_shift_batch", "批量排班", "Book several shifts"),
    ("create_duty_shift_pattern", "按周排班", "Expand a weekly pattern"),
    ("get_duty_shift", "查看值班", "Read a shift"),
    ("update_duty_shift", "修改值班", "Change a shift"),
    ("delete_duty_shift", "删除值班", "Delete a shift"),
    ("get_duty_coverage", "值班达标检查", "Check the roster against the rule"),
    ("get_duty_today", "今日我当班", "Who is on duty today"),
    ("get_duty_feed", "值班日历订阅", "The roster as an iCalendar feed"),
    ("get_board_page", "今日我当班公示页", "The duty board page"),
    // calendar
    ("get_calendar", "节假日安排", "Holidays of a year"),
    ("put_calendar_day", "设定节假日或调休", "Set a holiday or working day"),
    ("delete_calendar_day", "删除节假日设定", "Remove a day's entry"),
    // consultations
    ("list_consultations", "咨询列表", "List and search consultations"),
    ("create_consultation", "登记咨询", "Record a consultation"),
    ("export_consultations", "导出咨询台账", "Export the consultation ledger"),
    ("get_review_queue", "咨询待审队列", "Consultations waiting for review"),
    ("get_consultation", "查看咨询", "Read a consultation"),
    ("update_consultation", "更正咨询", "Correct a consultation"),
    ("review_consultation", "审核咨询", "Review a consultation"),
    // legal aid
    ("refer_to_aid", "咨询转法律援助", "Refer a consultation to legal aid"),
    ("list_aid_applications", "法律援助申请列表", "List aid applications"),
    ("export_aid_applications", "导出法律援助案件台账", "Export the aid ledger"),
    ("correct_aid_application", "更正法律援助申请受理信息", "Correct an application's intake"),
    ("create_aid_application", "提交法律援助申请", "Submit an aid application"),
    ("get_aid_queue", "法律援助工作队列", "A work queue of aid applications"),
    ("get_aid_application", "查看法律援助申请", "Read an aid application"),
    ("get_aid_events", "法律援助办理记录", "An application's timeline"),
    ("set_green_channel", "设置绿色通道", "Put on or off the green channel"),
    ("act_on_aid_application", "法律援助流程操作", "Take a workflow step"),
    ("list_hardship_verifications", "经济困难核查记录", "Hardship verifications"),
    ("create_hardship_verification", "登记经济困难核查", "Record a hardship verification"),
    ("list_aid_work_entries", "办案记录", "A case's work log"),
    ("list_aid_papers", "案件文书", "A case's written documents"),
    ("get_printable_aid_paper", "打印文书", "Print a document"),
    ("create_aid_work_entry", "登记办案记录", "Record work on a case"),
    ("list_aid_subsidy_rates", "办案补贴标准", "Case subsidy rates of a year"),
    ("put_aid_subsidy_rate", "设定办案补贴标准", "Set a case subsidy rate"),
    // activities
    ("list_activities", "活动列表", "List activities"),
    ("create_activity", "登记活动", "Record an activity"),
    ("get_activity", "查看活动", "Read an activity"),
    ("update_activity", "修改活动", "Change an activity"),
    ("delete_activity", "删除活动", "Delete an activity"),
    // monthly reports
    ("get_monthly_report_draft", "月报数据预填", "Draft a monthly report"),
    ("get_monthly_report_status", "月报报送情况", "Monthly report status"),
    ("list_monthly_reports", "月报列表", "List monthly reports"),
    ("create_monthly_report", "报送月报", "Submit a monthly report"),
    ("get_monthly_report", "查看月报", "Read a monthly report"),
    // follow-ups
    ("list_follow_ups", "回访列表", "List follow-ups"),
    ("get_due_follow_ups", "待办回访", "Follow-ups due"),
    ("plan_follow_ups", "安排回访", "Plan follow-ups"),
    ("get_satisfaction", "满意度统计", "Satisfaction against targets"),
    ("get_follow_up", "查看回访", "Read a follow-up"),
    ("update_follow_up", "修改回访", "Change a follow-up"),
    ("record_follow_up_attempt", "登记回访结果", "Record a follow-up attempt"),
    // statistics
    ("get_target_stats", "年度目标进度", "Progress against targets"),
    ("export_target_stats", "导出年度目标进度", "Export progress against targets"),
    ("get_consultation_stats", "咨询分类统计", "Consultations by group"),
    ("export_consultation_stats", "导出咨询分类统计", "Export consultations by group"),
    ("get_aid_stats", "法律援助分类统计", "Aid applications by group"),
    ("export_aid_stats", "导出法律援助分类统计", "Export aid applications by group"),
    // inspections
    ("list_inspections", "督查检查列表", "List inspections"),
    ("create_inspection", "登记督查检查", "Record an inspection"),
    ("get_inspection", "查看督查检查", "Read an inspection"),
    ("update_inspection", "修改督查检查或登记整改", "Change an inspection or record its rectification"),
    ("get_inspection_compliance", "督查达标情况", "Supervision against the minimums"),
    // recognitions
    ("list_recognitions", "示范站点和先锋岗列表", "List recognitions"),
    ("create_recognition", "登记示范站点或先锋岗", "Record a recognition"),
    ("get_recognition", "查看示范站点或先锋岗", "Read a recognition"),
    ("update_recognition", "修改示范站点或先锋岗", "Change a recognition"),
    // changes and webhooks
    ("list_changes", "变更记录", "Read the change feed"),
    ("list_webhooks", "推送订阅列表", "List webhooks"),
    ("create_webhook", "新建推送订阅", "Subscribe a webhook"),
    ("update_webhook", "修改推送订阅", "Change a webhook"),
    ("delete_webhook", "删除推送订阅", "Delete a webhook"),
    ("list_webhook_deliveries", "推送投递记录", "A webhook's deliveries"),
    ("redeliver_webhook_delivery", "重新投递", "Deliver again"),
    // clients
    ("list_clients", "接入客户端列表", "List API clients"),
    ("create_client", "登记接入客户端", "Register an API client"),
    ("get_client", "查看接入客户端", "Read an API client"),
    ("rotate_client_secret", "更换客户端密钥", "Rotate a client's secret"),
    ("deactivate_client", "停用接入客户端", "Deactivate an API client"),
    // audit
    ("list_audit_events", "审计日志", "Read the audit trail"),
    ("verify_audit_events", "校验审计日志", "Verify the audit trail"),
    ("verify_audit_events_against_checkpoint", "按检查点校验审计日志", "Verify the trail against a checkpoint"),
    // dictionaries and operations
    ("get_dictionaries", "代码表", "Code tables"),
    ("health_live", "存活检查", "Liveness"),
    ("health_ready", "就绪检查", "Readiness"),
    ("metrics", "运行指标", "Prometheus metrics"),
];
