#!/usr/bin/env bash
# The breakdowns of GET /api/v1/stats/{consultations,aid} on a million consultations: builds a
# throwaway PostgreSQL database with the service's migrations, a province-sized unit tree
# (1 province, 11 cities, 117 counties, 12 township offices each) and 1,000,000 consultations
# over 2023-2024 (plus 40,000 aid applications), then prints EXPLAIN (ANALYZE, BUFFERS) of each
# breakdown query exactly as `src/store/stats.rs` writes it (parameters inlined), for the whole
# province and for one county, over the year 2023.
#
#   PGURL=postgres://postgres@127.0.0.1:5432/postgres bench/stats_explain.sh > stats_explain.txt
#
# The database `huimin_stats_bench` is dropped and created again (SKIP_LOAD=1 reuses it).
set -euo pipefail
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=huimin_stats_bench
BENCH_URL="${PGURL%/*}/$DB"
cd "$(dirname "$0")/.."

if [ -z "${SKIP_LOAD:-}" ]; then
psql -q "$PGURL" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
for m in migrations/postgres/*/up.sql; do
  psql -q -v ON_ERROR_STOP=1 "$BENCH_URL" -f "$m" >/dev/null
done

psql -q -v ON_ERROR_STOP=1 "$BENCH_URL" <<'SQL'
-- The tree: ids are set so that paths are easy to compute.
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
VALUES (1, NULL, '/1/', 'province_department', 'P', '山西省司法厅', now(), now());
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 1 + c, 1, '/1/' || (1 + c) || '/', 'city_bureau', 'C' || c, '市局' || c, now(), now()
FROM generate_series(1, 11) c;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 100 + k, 2 + (k % 11), '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/', 'county_bureau',
       'K' || k, '县局' || k, now(), now()
FROM generate_series(0, 116) k;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 1000 + k * 12 + t, 100 + k,
       '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/' || (1000 + k * 12 + t) || '/',
       'judicial_office', 'T' || k || '-' || t, '司法所' || k || '-' || t, now(), now()
FROM generate_series(0, 116) k, generate_series(0, 11) t;
-- One legal aid centre per county.
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 3000 + k, 100 + k, '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/' || (3000 + k) || '/',
       'legal_aid_centre', 'A' || k, '法律援助中心' || k, now(), now()
FROM generate_series(0, 116) k;

-- 1,000,000 consultations over two years, spread over the 1,404 township offices.
INSERT INTO consultations (unit_id, received_at, channel, site, age_group, special_groups, topics,
    question, outcome, review_state, review_requested_at, registered_by, created_at, updated_at)
SELECT 1000 + (g % 1404),
       timestamp '2022-12-31 16:00:00' + (g % 731) * interval '1 day' + (g % 600) * interval '1 minute',
       (ARRAY['walk_in','phone','hotline12348','online','letter','home_visit'])[1 + g % 6],
       (ARRAY['fixed_station','mobile_station','village','enterprise','home','remote'])[1 + (g / 7) % 6],
       (ARRAY['minor','adult','elderly',NULL])[1 + (g / 11) % 4],
       (ARRAY['',',elderly,',',disabled,women,',',migrant_worker,',''])[1 + (g / 13) % 5],
       (ARRAY[',land_rights,',',marriage_family,support_maintenance,',',labour_wages,',',other,',',social_security,'])[1 + (g / 17) % 5],
       '咨询', (ARRAY['answered','referred_legal_aid','referred_mediation','answered'])[1 + (g / 19) % 4],
       'approved', now(), 'bench', now(), now()
FROM generate_series(1, 1000000) g;

-- 40,000 aid applications (a province's year and a half).
INSERT INTO aid_applications (unit_id, centre_id, matter_category, facts, channel, hardship_check,
    urgent, green_channel, state, received_at, state_entered_at, deadline_at, created_at, updated_at)
SELECT 1000 + (g % 1404), 3000 + ((g % 1404) / 12), 'support_payments', '事实', 'walk_in', 'pledge',
       g % 50 = 0, g % 3 = 0,
       (ARRAY['submitted','accepted','approved','assigned','in_progress','closed','rejected'])[1 + g % 7],
       timestamp '2022-12-31 16:00:00' + (g % 731) * interval '1 day',
       timestamp '2022-12-31 16:00:00' + (g % 731) * interval '1 day',
       CASE WHEN g % 7 IN (0, 1, 2, 3, 5) THEN timestamp '2023-01-08 16:00:00' + (g % 731) * interval '1 day' END,
       now(), now()
FROM generate_series(1, 40000) g;
VACUUM ANALYZE;
SQL
fi

SUBTREE_C="consultations.unit_id IN (SELECT scope_unit.id FROM units scope_unit WHERE scope_unit.path LIKE (SELECT scope_root.path FROM units scope_root WHERE scope_root.id = :root) || '%')"
PERIOD_C="consultations.received_at >= '2022-12-31 16:00:00' AND consultations.received_at < '2023-12-31 16:00:00'"
MONTHS="CASE"
for m in 02 03 04 05 06 07 08 09 10 11 12; do
  prev=$(printf '%02d' $((10#$m - 1)))
  start=$(date -u -d "2023-$m-01 00:00:00 +0800" '+%Y-%m-%d %H:%M:%S')
  MONTHS="$MONTHS WHEN consultations.received_at < '$start' THEN '2023-$prev'"
done
MONTHS="$MONTHS ELSE '2023-12' END"
TOPICS="(VALUES ('land_acquisition_demolition'), ('land_rights'), ('marriage_family'), ('support_maintenance'), ('schooling_medical'), ('social_security'), ('labour_wages'), ('contracts'), ('traffic_accidents'), ('neighbour_disputes'), ('other'))"
SGROUPS="(VALUES ('elderly'), ('minor'), ('disabled'), ('women'), ('migrant_worker'), ('veteran'), ('low_income'), ('other'))"

declare -a NAMES QUERIES
add() { NAMES+=("$1"); QUERIES+=("$2"); }
cq() { echo "SELECT $1 AS code, COUNT(*) AS n FROM consultations$2 WHERE $SUBTREE_C AND $PERIOD_C GROUP BY 1"; }
add "consultations by unit" "$(cq "CAST(consultations.unit_id AS TEXT)" "")"
add "consultations by month" "$(cq "$MONTHS" "")"
lq() { echo "SELECT COALESCE(g.column1, 'none') AS code, CAST(SUM(t.n) AS BIGINT) AS n FROM (SELECT consultations.$1 AS v, COUNT(*) AS n FROM consultations WHERE $SUBTREE_C AND $PERIOD_C GROUP BY consultations.$1) t LEFT JOIN $2 g ON t.v LIKE '%,' || g.column1 || ',%' GROUP BY 1"; }
add "consultations by topic" "$(lq topics "$TOPICS")"
add "consultations by channel" "$(cq "consultations.channel" "")"
add "consultations by site" "$(cq "consultations.site" "")"
add "consultations by special group" "$(lq special_groups "$SGROUPS")"
add "consultations by outcome" "$(cq "consultations.outcome" "")"
add "consultations by age group" "$(cq "COALESCE(consultations.age_group, 'unknown')" "")"
add "consultations total (topics, special groups)" "SELECT 'all' AS code, COUNT(*) AS n FROM consultations WHERE $SUBTREE_C AND $PERIOD_C"
SUB_U="aid_applications.unit_id IN (SELECT scope_unit.id FROM units scope_unit WHERE scope_unit.path LIKE (SELECT scope_root.path FROM units scope_root WHERE scope_root.id = :root) || '%')"
SUB_C="aid_applications.centre_id IN (SELECT scope_unit.id FROM units scope_unit WHERE scope_unit.path LIKE (SELECT scope_root.path FROM units scope_root WHERE scope_root.id = :root) || '%')"
PERIOD_A="aid_applications.received_at >= '2022-12-31 16:00:00' AND aid_applications.received_at < '2023-12-31 16:00:00'"
COLS_A="aid_applications.unit_id, aid_applications.received_at, aid_applications.state, aid_applications.matter_category, aid_applications.green_channel, aid_applications.urgent, aid_applications.deadline_at"
aq() { echo "SELECT $1 AS code, COUNT(*) AS n FROM (SELECT $COLS_A FROM aid_applications WHERE $SUB_U AND $PERIOD_A UNION ALL SELECT $COLS_A FROM aid_applications WHERE $SUB_C AND NOT $SUB_U AND $PERIOD_A) aid_applications GROUP BY 1"; }
add "aid by state" "$(aq "aid_applications.state")"
add "aid by green channel" "$(aq "CASE WHEN aid_applications.green_channel THEN 'yes' ELSE 'no' END")"
add "aid by step timeliness" "$(aq "CASE WHEN aid_applications.state IN ('submitted', 'accepted') THEN CASE WHEN aid_applications.deadline_at IS NULL THEN 'deadline_unknown' WHEN aid_applications.deadline_at < '2024-06-01 00:00:00' THEN 'review_late' ELSE 'review_on_time' END WHEN aid_applications.state IN ('approved') THEN CASE WHEN aid_applications.deadline_at IS NULL THEN 'deadline_unknown' WHEN aid_applications.deadline_at < '2024-06-01 00:00:00' THEN 'assignment_late' ELSE 'assignment_on_time' END ELSE 'no_deadline' END")"

for root in 1 100; do
  label=$([ "$root" = 1 ] && echo "the province (all 1,404 offices)" || echo "one county (12 offices)")
  for i in "${!NAMES[@]}"; do
    echo "=== ${NAMES[$i]} — $label, 2023"
    q="${QUERIES[$i]//:root/$root}"
    # Warm once, then the measured run.
    psql -q "$BENCH_URL" -c "$q" >/dev/null
    psql -q "$BENCH_URL" -c "EXPLAIN (ANALYZE, BUFFERS) $q"
  done
done
