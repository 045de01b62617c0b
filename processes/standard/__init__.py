"""Wrappers that make openeo-processes-dask's implementations follow the openEO specs on plain
JSON values (booleans, null, strings, lists), delegating arrays and cubes to processes-dask."""
