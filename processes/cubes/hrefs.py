"""Where an asset's bytes are read from: a local alternate, a local path, or a URL."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import fsspec


def _local_path(href: str) -> str | None:
    """The file system path of a plain path or ``file://`` URL; None for other schemes."""
    parts = urlsplit(href)
    if parts.scheme == "file":
        return unquote(parts.path)
    return href if parts.scheme == "" else None


def resolve_href(asset: Mapping[str, Any]) -> str:
    """The location to read an asset from.

    Order: the ``alternate.local.href`` when that file exists (the API serves the same file at
    ``href`` over HTTP), else ``href`` as a local path (plain or ``file://``), else ``href`` as
    a URL (``load_stac`` has made relative hrefs absolute already).
    """
    local = ((asset.get("alternate") or {}).get("local") or {}).get("href")
    if local:
        path = _local_path(local)
        if path and os.path.isfile(path):
            return path
    href = str(asset["href"])
    path = _local_path(href)
    return path if path is not None else href


def is_local(location: str) -> bool:
    """Whether a resolved location is a file path (not a URL)."""
    return urlsplit(location).scheme == ""


def gdal_path(location: str) -> str:
    """A path GDAL opens: local paths as they are, http(s) through ``/vsicurl/``."""
    if is_local(location):
        return location
    scheme = urlsplit(location).scheme
    if scheme in ("http", "https"):
        return f"/vsicurl/{location}"
    if scheme == "s3":
        return f"/vsis3/{location[5:]}"
    return location


@contextmanager
def local_file(location: str, suffix: str = "") -> Iterator[Path]:
    """A local file with the bytes of ``location``: the path itself, or a temporary download
    (through fsspec) removed afterwards, for readers that need a real file (netCDF4)."""
    if is_local(location):
        yield Path(location)
        return
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="canopy-asset-")
    try:
        with os.fdopen(fd, "wb") as out, fsspec.open(location, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        yield Path(name)
    finally:
        os.unlink(name)
