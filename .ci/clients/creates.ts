// Compiled with `tsc --strict --noEmit` against the types openapi-typescript generates from the
// contract (see ../clients.sh): a client can send a create with only its required fields, and a
// list page's rows are the resource's one type.
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type Body<P extends keyof paths, M extends "post" | "put" | "patch"> =
  paths[P][M] extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

const consultation: Body<"/api/v1/consultations", "post"> = {
  unit_id: 1,
  received_at: "2024-03-01T09:30:00+08:00",
  channel: "walk_in",
  site: "fixed_station",
  topics: ["support_maintenance"],
  question: "子女不履行赡养义务怎么办？",
  outcome: "answered",
};

const aidApplication: Body<"/api/v1/aid-applications", "post"> = {
  unit_id: 1,
  channel: "walk_in",
  applicant: { name: "王某", id_number: "11010519491231002X" },
  matter_category: "pension",
  facts: "用人单位拖欠养老保险待遇。",
  hardship_check: "pledge",
};

const followUpPlan: Body<"/api/v1/follow-ups/plan", "post"> = {
  unit_id: 1,
  from: "2024-03-01",
  to: "2024-03-31",
};

const followUpAttempt: Body<"/api/v1/follow-ups/{id}/attempts", "post"> = { reached: false };

// One type per resource: a page's rows are the resource itself, in both directions.
type Row<P> = P extends { items: (infer T)[] } ? T : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const pages: [
  Same<Row<Schemas["Page_Consultation"]>, Schemas["Consultation"]>,
  Same<Row<Schemas["Page_AidApplication"]>, Schemas["AidApplication"]>,
  Same<Row<Schemas["Page_FollowUp"]>, Schemas["FollowUp"]>,
] = [true, true, true];

// The problem codes are a closed set a client can switch on.
function isStale(problem: Schemas["Problem"]): boolean {
  return problem.code === "stale_version";
}

export { consultation, aidApplication, followUpPlan, followUpAttempt, pages, isStale };
