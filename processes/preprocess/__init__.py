"""Pre-processing of swath L1B data: SMAC atmospheric correction and tiling to the 1 km grid."""

from processes.preprocess.l2b import adapt, write_l2b
from processes.preprocess.process import smac_correct, tile_project
from processes.preprocess.workflows import avhrr_workflow, preprocess_segments, viirs_workflow

__all__ = [
    "adapt",
    "avhrr_workflow",
    "preprocess_segments",
    "smac_correct",
    "tile_project",
    "viirs_workflow",
    "write_l2b",
]
