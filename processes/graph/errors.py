"""The one boundary where exceptions of the graph libraries become Canopy's openEO errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from openeo_processes_dask.process_implementations import exceptions as pdk
from pydantic import ValidationError

from processes import exceptions as ours
from processes.exceptions import (
    BadRequest,
    DimensionNotAvailable,
    FeatureUnsupported,
    OpenEOError,
    ProcessGraphInvalid,
    ProcessParameterRequired,
)

# processes-dask codes that our hierarchy names differently
_RENAMED: dict[type[Exception], type[OpenEOError]] = {
    pdk.ProcessParameterMissing: ProcessParameterRequired,
    pdk.DimensionMissing: DimensionNotAvailable,
}

# Python errors a process raises on arguments it cannot work with (processes-dask often raises a
# bare Exception for those too); anything else (OSError, MemoryError...) is not the user's fault.
_ARGUMENT_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError)


def translate(exc: BaseException, process_id: str | None = None) -> BaseException:
    """The openEO error for ``exc``, or ``exc`` itself when it is not ours to translate.

    Args:
        exc: what a library (pg-parser, processes-dask, numpy/xarray inside a process) raised.
        process_id: the process that was running, for the message.
    """
    if isinstance(exc, OpenEOError):
        return exc
    where = f"Process '{process_id}'" if process_id else "The process graph"
    if isinstance(exc, pdk.OpenEOException):
        name = type(exc).__name__
        target = _RENAMED.get(type(exc)) or getattr(ours, name, None)
        message = str(exc) or name
        if isinstance(target, type) and issubclass(target, OpenEOError):
            return target(message)
        # a code our hierarchy lacks: keep it visible in the message
        return BadRequest(f"{where} failed with {name}: {message}")
    if isinstance(exc, ValidationError):
        problem = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in problem.get("loc", ()))
        return ProcessGraphInvalid(reason=f"{where}: {problem.get('msg', _first_line(exc))}")
    if isinstance(exc, NotImplementedError):
        return FeatureUnsupported(feature=f"{where}: {exc}" if str(exc) else where)
    if isinstance(exc, _ARGUMENT_ERRORS) or type(exc) is Exception:
        return BadRequest(f"{where} failed: {type(exc).__name__}: {_first_line(exc)}")
    return exc


@contextmanager
def translated(process_id: str | None = None) -> Iterator[None]:
    """Re-raise library exceptions of the block as openEO errors (see :func:`translate`)."""
    try:
        yield
    except Exception as exc:
        error = translate(exc, process_id)
        if error is exc:
            raise
        raise error from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
