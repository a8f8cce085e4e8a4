//! The inspection as the API shows it, and the bodies that create and change one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::record_view;
use crate::domain::inspections::{
    rectification_status, ChecklistItem, InspectionKind, RectificationStatus,
};
use crate::store::inspections::{Check, Inspection as Stored, InspectionInput};
use crate::time::to_cst;
use crate::validation;

/// One item of the on-site checklist, passed or failed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"item": "signage", "passed": false, "note": "门口标牌被遮挡"}))]
pub struct ChecklistEntry {
    /// The item of the plan's checklist.
    pub item: ChecklistItem,
    /// Passed (true) or failed (false).
    pub passed: bool,
    /// What was found (required when the item failed).
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub note: Option<String>,
}

impl From<Check> for ChecklistEntry {
    fn from(c: Check) -> Self {
        ChecklistEntry {
            item: c.item,
            passed: c.passed,
            note: c.note,
        }
    }
}

impl ChecklistEntry {
    fn check(&self) -> Check {
        Check {
            item: self.item,
            passed: self.passed,
            note: self.note.as_deref().map(|n| n.trim().to_owned()),
        }
    }
}

record_view! {
    /// A spot check, monthly meeting or on-site inspection, with the rectification it required.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 12, "unit_id": 1, "kind": "on_site_inspection", "held_on": "2023-05-18", "staff_id": null,
        "inspectors": "县司法局督查组", "unit_ids": [4], "summary": "对照《行动计划》逐项实地检查",
        "findings": "标识标牌不醒目，其余项目合格",
        "checklist": [
            {"item": "public_awareness", "passed": true, "note": null},
            {"item": "signage", "passed": false, "note": "门口标牌被遮挡"}
        ],
        "rectification_required": true, "rectification_due": "2023-06-02",
        "rectification_done_on": null, "rectification_done_by": null, "rectification_note": null,
        "rectification_status": "pending", "version": 1,
        "created_at": "2023-05-18T16:00:00+08:00", "updated_at": "2023-05-18T16:00:00+08:00"
    }))]
    pub struct Inspection {
        /// Id.
        pub id: i64,
        /// The inspecting unit (its subtree reads the inspection).
        pub unit_id: i64,
        /// Kind.
        pub kind: InspectionKind,
        /// The day it took place.
        pub held_on: NaiveDate,
        /// The staff member who led it.
        pub staff_id: Option<i64>,
        /// Who inspected (names or the team).
        pub inspectors: Option<String>,
        /// The units inspected (for a meeting: the units that attended).
        pub unit_ids: Vec<i64>,
        /// What was checked or discussed.
        pub summary: Option<String>,
        /// What was found.
        pub findings: Option<String>,
        /// The checklist of an on-site inspection, in the plan's order (empty for other kinds).
        pub checklist: Vec<ChecklistEntry>,
        /// Whether the inspected units must put something right.
        pub rectification_required: bool,
        /// By when.
        pub rectification_due: Option<NaiveDate>,
        /// The day it was put right.
        pub rectification_done_on: Option<NaiveDate>,
        /// Who put it right.
        pub rectification_done_by: Option<String>,
        /// How it was put right.
        pub rectification_note: Option<String>,
        /// Where the rectification stands today (China time): overdue from the day after the due day.
        pub rectification_status: RectificationStatus,
    }
}

impl Inspection {
    /// The API view of a stored inspection on `today`.
    pub fn view(s: Stored, today: NaiveDate) -> Self {
        let r = s.row;
        Inspection {
            rectification_status: rectification_status(
                r.rectification_required,
                r.rectification_due,
                r.rectification_done_on,
                today,
            ),
            id: r.id,
            unit_id: r.unit_id,
            kind: r.kind,
            held_on: r.held_on,
            staff_id: r.staff_id,
            inspectors: r.inspectors,
            unit_ids: s.unit_ids,
            summary: r.summary,
            findings: r.findings,
            checklist: s.checklist.into_iter().map(ChecklistEntry::from).collect(),
            rectification_required: r.rectification_required,
            rectification_due: r.rectification_due,
            rectification_done_on: r.rectification_done_on,
            rectification_done_by: r.rectification_done_by,
            rectification_note: r.rectification_note,
            version: r.version,
            created_at: to_cst(r.created_at),
            updated_at: to_cst(r.updated_at),
        }
    }
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|s| s.trim().to_owned())
}

/// A new inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 1, "kind": "spot_check", "held_on": "2023-03-07", "inspectors": "县司法局督查组",
    "unit_ids": [4], "summary": "通过系统监控和电话询问抽查值班和咨询登记情况",
    "findings": "系统中3条咨询登记缺少答复内容", "rectification_required": true,
    "rectification_due": "2023-03-17"
}))]
pub struct NewInspection {
    /// The inspecting unit, in the caller's subtree.
    pub unit_id: i64,
    /// Kind.
    pub kind: InspectionKind,
    /// The day it took place (not after today).
    pub held_on: NaiveDate,
    /// The staff member who led it, in the caller's subtree.
    pub staff_id: Option<i64>,
    /// Who inspected (names or the team).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub inspectors: Option<String>,
    /// The units inspected, in the inspecting unit's subtree: at least one for a spot check,
    /// exactly one for an on-site inspection; for a meeting, the units that attended.
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    pub unit_ids: Vec<i64>,
    /// What was checked or discussed.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub summary: Option<String>,
    /// What was found.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub findings: Option<String>,
    /// For an on-site inspection, every item of the checklist once (none for the other kinds).
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub checklist: Vec<ChecklistEntry>,
    /// Whether the inspected units must put something right (default false).
    #[serde(default)]
    pub rectification_required: bool,
    /// By when (required when a rectification is required; on or after `held_on`).
    pub rectification_due: Option<NaiveDate>,
    /// The day it was put right (not after today).
    pub rectification_done_on: Option<NaiveDate>,
    /// Who put it right (required with `rectification_done_on`).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub rectification_done_by: Option<String>,
    /// How it was put right.
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub rectification_note: Option<String>,
}

impl NewInspection {
    /// The inspection to write.
    pub fn input(&self) -> InspectionInput {
        InspectionInput {
            unit_id: self.unit_id,
            kind: self.kind,
            held_on: self.held_on,
            staff_id: self.staff_id,
            inspectors: trimmed(&self.inspectors),
            summary: trimmed(&self.summary),
            findings: trimmed(&self.findings),
            unit_ids: self.unit_ids.clone(),
            checklist: self.checklist.iter().map(ChecklistEntry::check).collect(),
            rectification_required: self.rectification_required,
            rectification_due: self.rectification_due,
            rectification_done_on: self.rectification_done_on,
            rectification_done_by: trimmed(&self.rectification_done_by),
            rectification_note: trimmed(&self.rectification_note),
        }
    }
}

/// Changes to an inspection; absent fields stay, `null` clears an optional field, a list
/// replaces the whole list. Marking a rectification done: `rectification_done_on` and
/// `rectification_done_by` (and a `rectification_note`); `null` for both reopens it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rectification_done_on": "2023-03-15", "rectification_done_by": "龙港镇司法所 王敏",
    "rectification_note": "已补录答复内容，县局复核通过"
}))]
pub struct InspectionPatch {
    /// Another inspecting unit of the caller's subtree.
    pub unit_id: Option<i64>,
    /// Another kind.
    pub kind: Option<InspectionKind>,
    /// Another day.
    pub held_on: Option<NaiveDate>,
    /// Another leading staff member, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<i64>)]
    pub staff_id: Option<Option<i64>>,
    /// Other inspectors, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub inspectors: Option<Option<String>>,
    /// The units inspected (replaces the list).
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    pub unit_ids: Option<Vec<i64>>,
    /// Another summary, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub summary: Option<Option<String>>,
    /// Other findings, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub findings: Option<Option<String>>,
    /// The checklist (replaces the list).
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub checklist: Option<Vec<ChecklistEntry>>,
    /// Whether a rectification is required.
    pub rectification_required: Option<bool>,
    /// Another due day, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub rectification_due: Option<Option<NaiveDate>>,
    /// The day it was put right, or null (reopens it).
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub rectification_done_on: Option<Option<NaiveDate>>,
    /// Who put it right, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub rectification_done_by: Option<Option<String>>,
    /// How it was put right, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub rectification_note: Option<Option<String>>,
}

impl InspectionPatch {
    /// The inspection as this patch leaves it.
    pub fn apply(&self, current: &Stored) -> InspectionInput {
        let pick = validation::patched::<String>;
        let text = |new: &Option<Option<String>>, old: &Option<String>| {
            pick(
                &new.as_ref()
                    .map(|n| n.as_deref().map(|s| s.trim().to_owned())),
                old,
            )
        };
        let c = current.input();
        InspectionInput {
            unit_id: self.unit_id.unwrap_or(c.unit_id),
            kind: self.kind.unwrap_or(c.kind),
            held_on: self.held_on.unwrap_or(c.held_on),
            staff_id: validation::patched(&self.staff_id, &c.staff_id),
            inspectors: text(&self.inspectors, &c.inspectors),
            summary: text(&self.summary, &c.summary),
            findings: text(&self.findings, &c.findings),
            unit_ids: self.unit_ids.clone().unwrap_or(c.unit_ids),
            checklist: self.checklist.as_ref().map_or(c.checklist, |l| {
                l.iter().map(ChecklistEntry::check).collect()
            }),
            rectification_required: self
                .rectification_required
                .unwrap_or(c.rectification_required),
            rectification_due: validation::patched(&self.rectification_due, &c.rectification_due),
            rectification_done_on: validation::patched(
                &self.rectification_done_on,
                &c.rectification_done_on,
            ),
            rectification_done_by: text(&self.rectification_done_by, &c.rectification_done_by),
            rectification_note: text(&self.rectification_note, &c.rectification_note),
        }
    }
}
