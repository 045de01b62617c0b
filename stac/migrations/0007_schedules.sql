-- Systematic production (backend/tasks): schedules, their enqueued periods, input watermarks,
-- and the dedup key of generated tasks.

-- A generated task (type site/tile) is unique by its conf name: generating again is harmless.
CREATE UNIQUE INDEX IF NOT EXISTS jobs_task_name_idx ON canopy.jobs ((conf ->> 'name'))
    WHERE type IN ('site', 'tile') AND conf ? 'name';

-- `canopy schedule add` rows and per-user "virtual product" subscriptions (kind 'aoi').
CREATE TABLE IF NOT EXISTS canopy.schedules (
    id          bigserial PRIMARY KEY,
    owner       text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('tiles', 'sites', 'aoi')),
    targets     text[] NOT NULL DEFAULT '{}',      -- tile names or site codes ('aoi': its name)
    geom        geometry(Polygon, 4326),           -- the AOI of a subscription
    every_days  integer NOT NULL CHECK (every_days >= 1),
    interval    text NOT NULL DEFAULT '5D',
    "window"    text NOT NULL DEFAULT '10D',
    sensors     text[] NOT NULL,
    anchor      date NOT NULL,                     -- first period starts here
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (schedule, target, period) ever enqueued: the dedup key of enqueue_due().
CREATE TABLE IF NOT EXISTS canopy.schedule_runs (
    schedule_id   bigint NOT NULL REFERENCES canopy.schedules (id) ON DELETE CASCADE,
    target        text NOT NULL,
    period_start  date NOT NULL,
    job_id        text NOT NULL,
    reason        text NOT NULL CHECK (reason IN ('clock', 'arrivals')),
    enqueued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, target, period_start)
);

-- Latest input datetime seen per (collection, tile), folded in from canopy.arrivals.
CREATE TABLE IF NOT EXISTS canopy.input_watermarks (
    collection  text NOT NULL,
    tile        text NOT NULL,
    latest      timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection, tile)
);
