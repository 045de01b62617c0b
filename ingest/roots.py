"""Data roots: the directories whose catalogued files the API may serve over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

ROOTS_FILE = "data-roots"
"""File in the Canopy home listing the directories ``canopy ingest`` was given, one a line."""


def _real(path: str | os.PathLike) -> str:
    return os.path.realpath(path)


def register_roots(home: str | os.PathLike, paths: Iterable[str | os.PathLike]) -> list[str]:
    """Add the directories of ``paths`` (a file counts by its folder) to the home's roots file.

    Returns:
        The roots newly added.
    """
    file = Path(home) / ROOTS_FILE
    known = set(read_roots(home))
    new = []
    for p in paths:
        root = _real(p)
        root = root if os.path.isdir(root) else os.path.dirname(root)
        if root not in known:
            known.add(root)
            new.append(root)
    if new:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(file, "a", encoding="utf-8") as fh:
            fh.writelines(r + "\n" for r in new)
    return new


def read_roots(home: str | os.PathLike) -> list[str]:
    """The roots ``canopy ingest`` registered in ``home`` (none when the file is absent)."""
    try:
        text = (Path(home) / ROOTS_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line for line in text.splitlines() if line.strip()]


def data_roots(home: str | os.PathLike, extra: Iterable[str | os.PathLike] = ()) -> list[str]:
    """All served roots: ``<home>/data``, the configured ``extra`` ones and the registered ones."""
    roots = [_real(Path(home) / "data"), *(_real(p) for p in extra), *read_roots(home)]
    return list(dict.fromkeys(roots))


def is_under(path: str | os.PathLike, roots: Iterable[str]) -> bool:
    """True when the real path of ``path`` (symlinks resolved) lies inside one of ``roots``."""
    real = _real(path)
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
