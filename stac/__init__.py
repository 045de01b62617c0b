"""Canopy stac package."""
