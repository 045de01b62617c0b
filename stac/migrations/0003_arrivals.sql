-- Arrival events written by `canopy ingest` (and its --watch loop): one row per product item
-- created or updated, so scheduled production can claim what is new.
CREATE TABLE IF NOT EXISTS canopy.arrivals (
    id           bigserial PRIMARY KEY,
    collection   text NOT NULL,
    item_id      text NOT NULL,
    event        text NOT NULL CHECK (event IN ('created', 'updated', 'deleted')),
    href         text NOT NULL,
    tile         text,
    datetime     timestamptz,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    consumed_at  timestamptz
);
CREATE INDEX IF NOT EXISTS arrivals_pending_idx ON canopy.arrivals (detected_at)
    WHERE consumed_at IS NULL;
CREATE INDEX IF NOT EXISTS arrivals_item_idx ON canopy.arrivals (collection, item_id);
