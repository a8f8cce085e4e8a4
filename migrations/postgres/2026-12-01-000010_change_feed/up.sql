-- The change feed: for every event of the trail about a resource the API shows, the resource as
-- stored after the change (unredacted: the feed masks it for each reader as a read would), and
-- the id of the transaction that wrote it, which orders the feed (see the README).
CREATE TABLE change_snapshots (
    audit_event_id BIGINT PRIMARY KEY,
    txid BIGINT NOT NULL,
    resource TEXT NOT NULL,
    data TEXT
);
CREATE INDEX change_snapshots_position ON change_snapshots (txid, audit_event_id);
