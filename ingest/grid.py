"""The tile grids of data discovery: re-exported from the one grid core, ``processes.grid``."""

from __future__ import annotations

from processes.grid import GRIDS, PROBAV_1KM, GridError, TileGrid, get_grid

__all__ = ["GRIDS", "PROBAV_1KM", "GridError", "TileGrid", "get_grid"]
