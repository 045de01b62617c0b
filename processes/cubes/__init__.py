"""Data cubes in and out: ``load_collection``, ``load_stac``, ``save_result`` and their seams."""

from processes.cubes.catalogue import Catalogue
from processes.cubes.describe import describe_asset
from processes.cubes.formats import file_formats
from processes.cubes.load_collection import make_load_collection
from processes.cubes.load_stac import make_load_stac
from processes.cubes.save_result import make_save_result

__all__ = [
    "Catalogue",
    "describe_asset",
    "file_formats",
    "make_load_collection",
    "make_load_stac",
    "make_save_result",
]
