"""Canopy backend package."""
