-- Validation sites (seed tables tds / tds_year), written by `canopy sites load` / ingest.
CREATE TABLE IF NOT EXISTS canopy.sites (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    network     text NOT NULL,
    country     text NOT NULL DEFAULT '',
    land_cover  text NOT NULL DEFAULT '',
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    tile        text NOT NULL,
    years       integer[] NOT NULL,
    geom        geometry(Polygon, 4326) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sites_geom_idx ON canopy.sites USING gist (geom);
CREATE INDEX IF NOT EXISTS sites_tile_idx ON canopy.sites (tile);
