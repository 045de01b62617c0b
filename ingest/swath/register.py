"""Pre-process L1B segments and register the tiled L2B outputs as STAC items of the sensor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ingest.ingester import IngestReport, ingest
from ingest.registry import Sensor
from processes.preprocess.workflows import SegmentReport, preprocess_segments

log = logging.getLogger(__name__)


def register_outputs(
    reports: Sequence[SegmentReport], dsn: str, registry: dict[str, Sensor], **ingest_options
) -> IngestReport:
    """Register the L2B files of successful segments as items of their sensor's collection.

    The files carry the C3S names and root attributes ``canopy ingest`` reads, so this is
    ``ingest.ingester.ingest`` over exactly those files (idempotent: a second call changes
    nothing).

    Args:
        reports: outcome of ``preprocess_segments``.
        dsn: pgstac database DSN.
        registry: sensors by id (their ``product_token`` picks the collection).
        **ingest_options: passed to ``ingest`` (``public_url``, ``verify``, ``workers`` ...).

    Returns:
        The ingest report (files that fail to scan are listed in it, not raised).
    """
    paths = [str(p) for r in reports for p in r.outputs]
    if not paths:
        return IngestReport()
    ingest_options.setdefault("workers", 0)
    return ingest(paths, dsn, registry, **ingest_options)


def preprocess_and_register(
    segments: Sequence,
    meteo,
    dem,
    out_dir: str | Path,
    dsn: str,
    registry: dict[str, Sensor],
    workflow: str = "AVHRR",
    client=None,
    **options,
) -> tuple[list[SegmentReport], IngestReport]:
    """``preprocess_segments`` followed by ``register_outputs``.

    Args:
        segments: L1B files or datasets.
        meteo: meteo grid or path.
        dem: DEM or path.
        out_dir: folder for the L2B files (keep it under a registered data root when the
            catalogue serves the files over HTTP).
        dsn: pgstac database DSN.
        registry: sensors by id.
        workflow: ``"AVHRR"`` or ``"VIIRS"``.
        client: optional ``distributed.Client`` for the pre-processing.
        **options: workflow options (``aerosol_model``, ``tiles``, ``product_version`` ...).

    Returns:
        The per-segment reports and the ingest report.
    """
    reports = preprocess_segments(segments, meteo, dem, out_dir, workflow, client, **options)
    ingested = register_outputs(reports, dsn, registry)
    for path, reason in ingested.failed:
        log.warning("L2B file %s not registered: %s", path, reason)
    return reports, ingested
