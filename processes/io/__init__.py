"""Narrow reader seam: input product files → observation cubes (no database, no web)."""

from processes.io.l2b import open_l2b, open_l2b_many

__all__ = ["open_l2b", "open_l2b_many"]
