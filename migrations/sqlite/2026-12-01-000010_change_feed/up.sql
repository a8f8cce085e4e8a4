-- The change feed: for every event of the trail about a resource the API shows, the resource as
-- stored after the change (unredacted: the feed masks it for each reader as a read would). SQLite
-- runs one write at a time, so `txid` is 0 and the event id orders the feed.
CREATE TABLE change_snapshots (
    audit_event_id BIGINT PRIMARY KEY NOT NULL,
    txid BIGINT NOT NULL,
    resource TEXT NOT NULL,
    data TEXT
);
CREATE INDEX change_snapshots_position ON change_snapshots (txid, audit_event_id);
