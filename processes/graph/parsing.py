"""openeo-pg-parser-networkx's graph, parsed WITHOUT turning argument strings into dates.

pg-parser validates every top-level argument against a union that tries date, date-time, time,
year, duration and temporal-interval models before ``str``: ``text_concat(["2020", "x"])`` would
get a ``Year`` and ``date_shift`` a pendulum ``DateTime`` instead of the strings the openEO spec
prescribes. Our processes receive arguments as JSON gives them (bounding boxes excepted, which
pg-parser's cube processes need), so the node model here narrows that union.
"""

from __future__ import annotations

from typing import Annotated, Union

from openeo_pg_parser_networkx import OpenEOProcessGraph
from openeo_pg_parser_networkx.pg_schema import (
    BoundingBox,
    ParameterReference,
    ProcessGraph,
    ProcessNode,
    ResultReference,
)
from pydantic import Field


class PlainResultReference(ResultReference, extra="forbid"):
    """A ``from_node`` reference whose node is parsed the plain way."""

    node: PlainProcessNode


class PlainProcessNode(ProcessNode):
    """A process node whose arguments keep their JSON types."""

    arguments: dict[
        str,
        Annotated[
            Union[  # noqa: UP007 - pydantic needs the typing form for left_to_right unions
                PlainResultReference,
                ParameterReference,
                PlainProcessGraph,
                BoundingBox,
                int,
                float,
                bool,
                list,
                dict,
                str,
                None,
            ],
            Field(union_mode="left_to_right"),
        ],
    ]


class PlainProcessGraph(ProcessGraph, extra="forbid"):
    """A (child) process graph of plain nodes."""

    process_graph: dict[str, PlainProcessNode]


PlainResultReference.model_rebuild()
PlainProcessNode.model_rebuild()
PlainProcessGraph.model_rebuild()


class PlainProcessGraphParser(OpenEOProcessGraph):
    """:class:`OpenEOProcessGraph` with plain argument parsing (same API)."""

    @staticmethod
    def _parse_datamodel(nested_graph: dict) -> ProcessGraph:
        return PlainProcessGraph.model_validate(nested_graph, strict=True)
