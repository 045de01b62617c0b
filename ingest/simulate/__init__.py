"""Physically based synthetic L2B products with known truth (notes/science.md §5)."""
