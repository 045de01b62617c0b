"""Synthetic L1B swath segments (Metop-AVHRR-like, SNPP-VIIRS-like) for pre-processing tests."""
