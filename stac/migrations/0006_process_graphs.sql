-- User-defined processes (openEO /process_graphs): one openEO process object per owner and id.
-- Ids follow the spec's process_id pattern; ids of predefined processes are refused by the API.
CREATE TABLE IF NOT EXISTS canopy.process_graphs (
    owner    text NOT NULL,
    id       text NOT NULL CHECK (id ~ '^[\w\-]+$'),
    process  jsonb NOT NULL,          -- id, summary, description, parameters, returns, ..., process_graph
    created  timestamptz NOT NULL DEFAULT now(),
    updated  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, id)
);
