-- Statistics (supervision): the breakdowns group consultations of a subtree and a period by one
-- column. This index holds the filter columns first and every grouping column after them, so a
-- breakdown reads the index alone (an index-only scan on PostgreSQL, a covering index on SQLite)
-- and never the table's rows.
CREATE INDEX consultations_stats_idx ON consultations
    (unit_id, received_at, channel, site, outcome, age_group, special_groups, topics);
-- Aid applications of a subtree and a period: those received in it, and those handled by a
-- centre in it but received outside it (the receiving unit is in the second index so that the
-- "received outside" test needs no table row either).
CREATE INDEX aid_applications_unit_received_idx ON aid_applications
    (unit_id, received_at, state, matter_category, green_channel, urgent, deadline_at);
CREATE INDEX aid_applications_centre_received_idx ON aid_applications
    (centre_id, received_at, unit_id, state, matter_category, green_channel, urgent, deadline_at);
