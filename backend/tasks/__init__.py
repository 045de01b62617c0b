"""Systematic production: task generators, task operations and schedules over the job table."""
