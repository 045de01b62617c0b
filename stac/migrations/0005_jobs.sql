-- openEO batch jobs (= the seed's tasks) and their logs. Statuses keep the seed's names;
-- the API maps them to openEO's (DESIGN.md §4).
CREATE TABLE IF NOT EXISTS canopy.jobs (
    id               text PRIMARY KEY,
    owner            text NOT NULL,
    title            text,
    description      text,
    process          jsonb NOT NULL,
    type             text NOT NULL DEFAULT 'adhoc' CHECK (type IN ('adhoc', 'tile', 'site')),
    conf             jsonb NOT NULL DEFAULT '{}'::jsonb,
    plan             text,
    budget           double precision,
    log_level        text NOT NULL DEFAULT 'info'
                     CHECK (log_level IN ('debug', 'info', 'warning', 'error')),
    status           text NOT NULL DEFAULT 'CREATED' CHECK (status IN
                     ('CREATED', 'PENDING', 'RUNNING', 'SUCCESS', 'INCOMPLETE', 'FAILURE', 'CANCELLED')),
    progress         double precision CHECK (progress BETWEEN 0 AND 100),
    created          timestamptz NOT NULL DEFAULT now(),
    updated          timestamptz NOT NULL DEFAULT now(),
    queued_at        timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    worker           text,
    heartbeat        timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    cancel_requested boolean NOT NULL DEFAULT false,
    outcomes         jsonb NOT NULL DEFAULT '{}'::jsonb,
    result           jsonb,
    usage            jsonb
);
CREATE INDEX IF NOT EXISTS jobs_owner_idx ON canopy.jobs (owner, created DESC);
CREATE INDEX IF NOT EXISTS jobs_queue_idx ON canopy.jobs (type, queued_at) WHERE status = 'PENDING';
CREATE INDEX IF NOT EXISTS jobs_running_idx ON canopy.jobs (heartbeat) WHERE status = 'RUNNING';

CREATE TABLE IF NOT EXISTS canopy.job_logs (
    job_id   text NOT NULL REFERENCES canopy.jobs (id) ON DELETE CASCADE,
    seq      bigserial,
    level    text NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
    message  text NOT NULL,
    code     text,
    data     jsonb,
    path     jsonb,
    time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);
