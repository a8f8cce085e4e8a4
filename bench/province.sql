-- A province's data at a chosen scale, for the benchmark harness (bench/run.py), generated inside
-- PostgreSQL (INSERT … SELECT generate_series: no round trip a row).
--
--   psql -v n=1000000 -v today="'2026-12-01'" -f bench/province.sql <database with migrations>
--
-- The tree (ids chosen so that paths are easy to compute):
--   1 province; 11 cities (2–12); 117 counties (100–216), each with a legal aid centre (3000–3116)
--   and 12 township judicial offices (1000–2403); 10 village workstations under each office
--   (10000–24039): 15,690 units.
-- In proportion to :n consultations (70% registered at villages, 30% at the offices, ids rising
-- with time over 2023-01-01 … 2026-11-30): aid applications :n/25 with their applicants,
-- follow-ups :n/10, one audit event per consultation and two per aid application, and duty
-- shifts of every office for the last :n/14040 days (at least two weeks) and the next week, each
-- with one of the office's three staff.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
VALUES (1, NULL, '/1/', 'province_department', 'P', '山西省司法厅', now(), now());
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 1 + c, 1, '/1/' || (1 + c) || '/', 'city_bureau', 'C' || c, '市司法局' || c, now(), now()
FROM generate_series(1, 11) c;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 100 + k, 2 + (k % 11), '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/', 'county_bureau',
       'K' || k, '县司法局' || k, now(), now()
FROM generate_series(0, 116) k;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 1000 + k * 12 + t, 100 + k,
       '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/' || (1000 + k * 12 + t) || '/',
       'judicial_office', 'T' || k || '-' || t, '司法所' || k || '-' || t, now(), now()
FROM generate_series(0, 116) k, generate_series(0, 11) t;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 3000 + k, 100 + k, '/1/' || (2 + (k % 11)) || '/' || (100 + k) || '/' || (3000 + k) || '/',
       'legal_aid_centre', 'A' || k, '法律援助中心' || k, now(), now()
FROM generate_series(0, 116) k;
INSERT INTO units (id, parent_id, path, kind, code, name, created_at, updated_at)
SELECT 10000 + o * 10 + v, 1000 + o, u.path || (10000 + o * 10 + v) || '/', 'village_workstation',
       'V' || o || '-' || v, '村公共法律服务工作室' || o || '-' || v, now(), now()
FROM generate_series(0, 1403) o
JOIN units u ON u.id = 1000 + o
CROSS JOIN generate_series(0, 9) v;
SELECT setval('units_id_seq', 30000);

-- Three staff per office: ids 1 + office * 3 + s.
INSERT INTO staff (id, unit_id, name, kind, phone, created_at, updated_at)
SELECT 1 + o * 3 + s, 1000 + o, '工作人员' || o || '-' || s,
       (ARRAY['judicial_office_staff','lawyer','grassroots_legal_worker'])[1 + s],
       '1390000' || lpad((o * 3 + s)::text, 4, '0'), now(), now()
FROM generate_series(0, 1403) o, generate_series(0, 2) s;
SELECT setval('staff_id_seq', 10000);

INSERT INTO consultations (id, unit_id, staff_id, received_at, channel, site, person_name, sex,
    age_group, phone, special_groups, topics, question, answer, outcome, review_state,
    review_requested_at, registered_by, created_at, updated_at)
SELECT g,
       CASE WHEN (g / 1404) % 10 < 7 THEN 10000 + (g % 1404) * 10 + (g / 14040) % 10
            ELSE 1000 + g % 1404 END,
       1 + (g % 1404) * 3 + g % 3,
       t, (ARRAY['walk_in','phone','hotline12348','online','letter','home_visit'])[1 + g % 6],
       (ARRAY['fixed_station','mobile_station','village','enterprise','home','remote'])[1 + (g / 7) % 6],
       CASE WHEN g % 2 = 0 THEN (ARRAY['张','王','李','赵','刘'])[1 + g % 5] || '某' || (g % 97) END,
       CASE WHEN g % 2 = 0 THEN (ARRAY['male','female'])[1 + g % 2] END,
       (ARRAY['minor','adult','elderly',NULL])[1 + (g / 11) % 4],
       CASE WHEN g % 3 = 0 THEN '139' || lpad((g % 100000000)::text, 8, '0') END,
       (ARRAY['',',elderly,',',disabled,women,',',migrant_worker,',''])[1 + (g / 13) % 5],
       (ARRAY[',land_rights,',',marriage_family,support_maintenance,',',labour_wages,',',other,',',social_security,'])[1 + (g / 17) % 5],
       CASE WHEN g % 1000 = 7 THEN '订婚时男方给付高额彩礼，现在解除婚约能否要回？'
            ELSE (ARRAY['宅基地被邻居占用，村委会调解不成怎么办？',
                        '子女不履行赡养义务，老人如何维护自己的权益？',
                        '在工地干活被拖欠工资半年，向哪里投诉？',
                        '离婚时孩子的抚养权怎么判？',
                        '养老保险断缴了还能补缴吗？'])[1 + (g / 17) % 5] END,
       '可先协商，协商不成可申请人民调解或向人民法院起诉。',
       (ARRAY['answered','referred_legal_aid','referred_mediation','answered'])[1 + (g / 19) % 4],
       'approved', t, 'bench', t, t
FROM (SELECT g, timestamp '2022-12-31 16:00:00' + (g::float8 / :n) * interval '1430 days' AS t
      FROM generate_series(1, :n) g) s;
SELECT setval('consultations_id_seq', :n + 1);

INSERT INTO aid_applications (id, unit_id, centre_id, matter_category, facts, channel,
    hardship_check, urgent, green_channel, state, received_at, state_entered_at, deadline_at,
    created_at, updated_at)
SELECT a, 1000 + (a % 1404), 3000 + (a % 1404) / 12,
       (ARRAY['support_payments','labour_wages','work_injury','personal_injury'])[1 + a % 4],
       '申请人因追索劳动报酬申请法律援助。', 'walk_in', 'pledge', a % 50 = 0, a % 3 = 0,
       (ARRAY['submitted','accepted','approved','assigned','in_progress','closed','rejected'])[1 + a % 7],
       t, t, CASE WHEN a % 7 IN (0, 1, 2, 3, 5) THEN t + interval '7 days' END, t, t
FROM (SELECT a, timestamp '2022-12-31 16:00:00' + (a::float8 / (:n / 25 + 1)) * interval '1430 days' AS t
      FROM generate_series(1, :n / 25) a) s;
INSERT INTO aid_applicants (application_id, name, id_number, birth_date, sex, age)
SELECT id, '申请人' || id, '14052119800101' || lpad((id % 10000)::text, 4, '0'), date '1980-01-01',
       'female', 45
FROM aid_applications;
SELECT setval('aid_applications_id_seq', :n / 25 + 1);

INSERT INTO follow_ups (unit_id, subject_kind, subject_id, staff_id, due_on, method, status,
    satisfaction, completed_at, created_at, updated_at)
SELECT c.unit_id, 'consultation', c.id, c.staff_id, (c.received_at + interval '10 days')::date,
       (ARRAY['phone','on_site','sms'])[1 + c.id % 3],
       CASE WHEN c.id % 4 = 0 THEN 'open' ELSE 'done' END,
       CASE WHEN c.id % 4 <> 0 THEN (ARRAY['very_satisfied','satisfied','basically_satisfied'])[1 + c.id % 3] END,
       CASE WHEN c.id % 4 <> 0 THEN c.received_at + interval '10 days' END,
       c.received_at, c.received_at
FROM consultations c WHERE c.id % 10 = 0;

INSERT INTO duty_shifts (id, unit_id, duty_date, period, kind, place, created_at, updated_at)
SELECT row_number() OVER (), 1000 + o, d::date, 'full_day', 'station_duty', '司法所接待室', now(), now()
FROM generate_series(0, 1403) o,
     generate_series(date :today - greatest(14, :n / 14040), date :today + 7, interval '1 day') d;
SELECT setval('duty_shifts_id_seq', (SELECT max(id) + 1 FROM duty_shifts));
INSERT INTO duty_shift_staff (shift_id, staff_id)
SELECT id, 1 + (unit_id - 1000) * 3 + id % 3 FROM duty_shifts;

-- The trail, in the province's chain (its root unit, 1): one event per consultation and two per
-- aid application. The hashes are placeholders: this trail is for volume, not for verification.
INSERT INTO audit_events (id, occurred_at, actor_id, actor, role, action, entity, entity_id, unit_id,
    request_id, after_data, prev_hash, hash, chain_id, chain_seq, key_id)
SELECT nextval('audit_events_id_seq'), e.at, NULL, 'bench', 'unit_staff', e.action, e.entity, e.entity_id, e.unit_id,
       'bench', '{"bench":true}', md5(e.entity || e.entity_id || e.action), md5(e.entity || e.entity_id),
       1, row_number() OVER (ORDER BY e.at, e.entity, e.entity_id, e.action), 'bench'
FROM (SELECT received_at AS at, 'create' AS action, 'consultation' AS entity, id AS entity_id, unit_id
      FROM consultations
      UNION ALL
      SELECT received_at, 'create', 'aid_application', id, unit_id FROM aid_applications
      UNION ALL
      SELECT received_at + interval '1 day', 'accept', 'aid_application', id, unit_id
      FROM aid_applications) e;
INSERT INTO audit_chains (id, last_seq, last_hash)
SELECT 1, count(*), md5('bench') || md5('bench') FROM audit_events WHERE chain_id = 1
ON CONFLICT (id) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_hash = EXCLUDED.last_hash;
