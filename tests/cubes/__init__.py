"""Tests of processes/cubes: load_collection, load_stac, save_result and the pgstac catalogue."""
