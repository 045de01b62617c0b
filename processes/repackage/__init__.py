"""Repackaging to ESA CCI standards: retrieval-output contract, CF-1.8 products, names."""

from processes.repackage.attributes import CciMetadata
from processes.repackage.contract import (
    RetrievalInfo,
    read_info,
    read_retrieval,
    retrieval_output,
    write_retrieval,
)
from processes.repackage.process import repackage_cci
from processes.repackage.product import CciProduct, repackage, write_product

__all__ = [
    "CciMetadata",
    "CciProduct",
    "RetrievalInfo",
    "read_info",
    "read_retrieval",
    "repackage",
    "repackage_cci",
    "retrieval_output",
    "write_product",
    "write_retrieval",
]
