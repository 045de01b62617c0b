"""Canopy processes package."""
