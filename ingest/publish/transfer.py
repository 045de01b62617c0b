"""Delivery of published files through fsspec (local dir, FTP, S3): resumable and verified."""

from __future__ import annotations

import ftplib
import hashlib
import json
import posixpath
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsspec

from ingest.hrefs import local_path
from ingest.scan import SHA256_MULTIHASH_PREFIX
from processes.exceptions import StorageFailure

CHUNK = 1 << 20
ERRORS = (OSError, ValueError, EOFError, ftplib.Error)
"""What fsspec backends raise for an unreachable or refusing target (ftplib's are not OSError)."""
MANIFEST = "MANIFEST.json"
"""Delivery manifest at the target root: every delivered file with size and SHA-256."""
SUMS = "SHA256SUMS"
"""The same checksums in ``sha256sum -c`` format."""


@dataclass(frozen=True)
class DeliveryFile:
    """A published file to deliver."""

    relpath: str
    """Path below the publication root, also the path below the target."""
    local: Path
    """Where it lies here."""
    checksum: str
    """``file:checksum`` of its STAC asset (multihash hex)."""
    size: int
    """``file:size``."""
    item_id: str
    """Item it belongs to."""

    @property
    def sha256(self) -> str:
        """Plain hex SHA-256."""
        return self.checksum.removeprefix(SHA256_MULTIHASH_PREFIX)


@dataclass
class TransferReport:
    """What one delivery did."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Already at the target with the right checksum."""
    bytes_sent: int = 0
    seconds: float = 0.0


def delivery_files(items: Iterable[Mapping[str, Any]], root: Path) -> list[DeliveryFile]:
    """The asset files of published items that lie below ``root``, in a stable order."""
    root = root.absolute()
    out = {}
    for item in items:
        for asset in item["assets"].values():
            local = local_path(asset)
            path = Path(local) if local else None
            if path is not None and path.is_relative_to(root):
                rel = path.relative_to(root).as_posix()
                out[rel] = DeliveryFile(
                    rel, path, asset["file:checksum"], asset["file:size"], item["id"]
                )
    return [out[k] for k in sorted(out)]


def _remote_sha256(fs, path: str) -> str:
    h = hashlib.sha256()
    with fs.open(path, "rb", block_size=CHUNK) as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _present(fs, path: str, f: DeliveryFile) -> bool:
    """The target holds this file complete: same size, then the same SHA-256 read back."""
    try:
        if not fs.exists(path) or fs.size(path) != f.size:
            return False
    except ERRORS:
        return False
    return _remote_sha256(fs, path) == f.sha256


def _remove(fs, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path)
    except ERRORS:
        pass  # best effort: the next run re-sends over it anyway


def _send(fs, f: DeliveryFile, dest: str, on_chunk: Callable[[int], None] | None) -> None:
    """Copy to ``<dest>.part``, verify source and copy against the checksum, rename."""
    part = f"{dest}.part"
    fs.makedirs(posixpath.dirname(dest), exist_ok=True)
    local = hashlib.sha256()
    try:
        with open(f.local, "rb") as src, fs.open(part, "wb") as out:
            while chunk := src.read(CHUNK):
                local.update(chunk)
                out.write(chunk)
                if on_chunk:
                    on_chunk(len(chunk))
        if local.hexdigest() != f.sha256:
            raise StorageFailure(
                reason=f"{f.relpath}: the local file no longer matches its published checksum "
                "(changed or damaged since publication); re-publish it first"
            )
        remote = _remote_sha256(fs, part)
        if remote != f.sha256:
            raise StorageFailure(
                reason=f"checksum mismatch after transfer of {f.relpath}: sent sha256 "
                f"{f.sha256}, target holds {remote}"
            )
        if fs.exists(dest):
            fs.rm(dest)
        fs.mv(part, dest)
    except BaseException:
        _remove(fs, part)  # never leave a half-sent file behind under any name
        raise


def _target(url: str, options: Mapping[str, Any]):
    try:
        # a fresh instance: a cached one would answer from directory listings of an earlier run
        fs, base = fsspec.core.url_to_fs(url, skip_instance_cache=True, **dict(options))
        base = base.rstrip("/")
        fs.makedirs(base, exist_ok=True)
        probe = f"{base}/.canopy-probe-{uuid.uuid4().hex}"
        with fs.open(probe, "wb") as fh:
            fh.write(b"probe")
        fs.rm(probe)
    except (*ERRORS, ImportError) as e:
        raise StorageFailure(reason=f"target {_safe(url)} is not writable: {e}") from e
    return fs, base


def _safe(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        auth, _, host = rest.rpartition("@")
        return f"{scheme}://{auth.split(':')[0]}:***@{host}"
    return url


def _write_text(fs, path: str, text: str) -> None:
    part = f"{path}.part"
    with fs.open(part, "wb") as fh:
        fh.write(text.encode())
    if fs.exists(path):
        fs.rm(path)
    fs.mv(part, path)


def _manifest(fs, base: str, files: Sequence[DeliveryFile]) -> None:
    """Merge the delivered files into the target's manifest and checksum list."""
    path = f"{base}/{MANIFEST}"
    entries: dict[str, dict] = {}
    if fs.exists(path):
        with fs.open(path, "rb") as fh:
            entries = {e["path"]: e for e in json.loads(fh.read()).get("files", [])}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for f in files:
        old = entries.get(f.relpath)
        if old and old["sha256"] == f.sha256:
            continue  # unchanged: keep its first delivery time, so a re-run writes the same bytes
        entries[f.relpath] = {
            "path": f.relpath, "size": f.size, "sha256": f.sha256, "item": f.item_id,
            "delivered": now,
        }  # fmt: skip
    ordered = [entries[k] for k in sorted(entries)]
    _write_text(fs, path, json.dumps({"files": ordered}, indent=1) + "\n")
    _write_text(fs, f"{base}/{SUMS}", "".join(f"{e['sha256']}  {e['path']}\n" for e in ordered))


def transfer(
    files: Sequence[DeliveryFile],
    url: str,
    storage_options: Mapping[str, Any] | None = None,
    *,
    on_file: Callable[[DeliveryFile, bool], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> TransferReport:
    """Deliver files to ``url`` (``/dir``, ``file://``, ``ftp://user:pw@host:port/dir``, ``s3://``).

    Resumable: a file already at the target with the right size and SHA-256 is skipped; a
    partial or different one is sent again. Each file goes to ``<name>.part``, is read back
    and compared with its published checksum, then renamed. The manifest is written last, so
    its presence means every file it lists arrived intact.

    Args:
        files: what to deliver (``delivery_files(items, root)``).
        url: target URL or local directory.
        storage_options: fsspec options (e.g. ``endpoint_url``, ``key``, ``secret`` for S3).
        on_file: called after each file with ``(file, sent)``.
        on_chunk: called with the byte count of every chunk sent.

    Raises:
        StorageFailure: the target is not writable, or a checksum differs (the file is not
            left at the target and the manifest is not updated).
    """
    t0 = time.perf_counter()
    fs, base = _target(url, storage_options or {})
    report = TransferReport()
    for f in files:
        dest = f"{base}/{f.relpath}"
        if _present(fs, dest, f):
            report.skipped.append(f.relpath)
            sent = False
        else:
            try:
                _send(fs, f, dest, on_chunk)
            except ERRORS as e:
                raise StorageFailure(
                    reason=f"sending {f.relpath} to {_safe(url)} failed: {e}"
                ) from e
            report.sent.append(f.relpath)
            report.bytes_sent += f.size
            sent = True
        if on_file:
            on_file(f, sent)
    try:
        _manifest(fs, base, files)
    except ERRORS as e:
        raise StorageFailure(reason=f"writing the manifest at {_safe(url)} failed: {e}") from e
    report.seconds = time.perf_counter() - t0
    return report
