-- Canopy's own schema, beside pgstac's. Later files add the job, site and arrival tables.
CREATE SCHEMA IF NOT EXISTS canopy;
COMMENT ON SCHEMA canopy IS 'Canopy backend state: jobs, logs, users, sites, arrivals';
