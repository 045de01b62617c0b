"""Tests of ingest/publish: publication, output STAC, quicklooks, delivery."""
