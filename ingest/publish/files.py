"""All-or-nothing file writes: stage under temporary names, then rename every file at once."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from processes.exceptions import StorageFailure


def ensure_writable(root: Path) -> None:
    """Create ``root`` and prove it takes a file.

    Raises:
        StorageFailure: naming the directory and the reason.
    """
    probe = root / f".canopy-probe-{uuid.uuid4().hex}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise StorageFailure(
            reason=f"publication directory {root} is not writable: {e.strerror or e}"
        ) from e


class Staging:
    """Collects files written under temporary names beside their final paths.

    ``commit()`` renames them all into place (``os.replace`` is atomic per file, and nothing is
    renamed before every file was written); leaving the ``with`` block without committing
    removes every staged file, so an error never leaves a half-written product behind.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []

    def path(self, final: Path) -> Path:
        """A temporary path for ``final`` (same directory, so the rename stays on one disk)."""
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part")
        self.staged.append((tmp, final))
        return tmp

    def commit(self) -> None:
        """Rename every staged file to its final path."""
        for tmp, final in self.staged:
            os.replace(tmp, final)
        self.staged = []

    def discard(self) -> None:
        """Remove every staged file."""
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
