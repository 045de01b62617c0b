"""Batch jobs: the job table, workers that claim and run jobs on Dask, results and estimates."""
