"""Canopy ingest package."""
