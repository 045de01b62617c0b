"""The one error hierarchy of Canopy: class names are openEO error codes."""

from __future__ import annotations

from typing import Any, ClassVar


class OpenEOError(Exception):
    """Base of every error Canopy reports to a user.

    The class name is the openEO error ``code``; ``status`` is the HTTP status the API answers
    with. Subclasses set a default ``message`` template formatted with the keyword arguments
    given to the constructor, so callers write ``CollectionNotFound(collection_id="x")``.
    """

    status: ClassVar[int] = 500
    message_template: ClassVar[str] = "An internal error occurred."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.details = details
        if message is None:
            try:
                message = self.message_template.format(**details)
            except (KeyError, IndexError):
                message = self.message_template
        self.message = message
        super().__init__(message)

    @property
    def code(self) -> str:
        """The openEO error code (the class name)."""
        return type(self).__name__


# --- 400: the request is wrong -------------------------------------------------------------


class BadRequest(OpenEOError):
    """The request is malformed (catch-all for 400)."""

    status = 400
    message_template = "The request is invalid: {reason}"


class ParameterInvalid(BadRequest):
    """A query or body parameter of an API request is invalid."""

    message_template = "Parameter '{parameter}' is invalid: {reason}"


class ProcessParameterRequired(BadRequest):
    """A required process parameter is missing."""

    message_template = "Process '{process}' parameter '{parameter}' is required."


class ProcessParameterUnsupported(BadRequest):
    """A parameter is given that the process does not have."""

    message_template = "Process '{process}' does not support parameter '{parameter}'."


class ProcessParameterInvalid(BadRequest):
    """A process parameter has an invalid value."""

    message_template = (
        "The value passed for parameter '{parameter}' in process '{process}' is invalid: {reason}"
    )


class ProcessGraphMissing(BadRequest):
    """No process graph was given."""

    message_template = "No valid process graph specified."


class ProcessGraphInvalid(BadRequest):
    """The process graph cannot be parsed or executed as given."""

    message_template = "Invalid process graph specified: {reason}"


class ProcessGraphComplexity(BadRequest):
    """The graph is too large or slow for synchronous processing; use a batch job."""

    message_template = (
        "The process is too complex for synchronous processing ({reason}). "
        "Please use a batch job instead."
    )


class PredefinedProcessExists(BadRequest):
    """A user-defined process may not take the id of a predefined one."""

    message_template = "A predefined process with the id '{process_graph_id}' exists already."


class ProcessUnsupported(BadRequest):
    """A process of the graph is not available here."""

    message_template = (
        "Process with identifier '{process}' is not available in namespace '{namespace}'."
    )


class DimensionNotAvailable(BadRequest):
    """A dimension named in a process call is not present in the data cube."""

    message_template = "A dimension with the specified name '{dimension}' does not exist."


class BandsMissing(BadRequest):
    """Bands the process needs are not in the data cube."""

    message_template = "The data cube lacks the band(s) {bands} needed by process '{process}'."


class NoDataAvailable(BadRequest):
    """The requested extent holds no data."""

    message_template = "There is no data available for the given extents: {reason}"


class FormatUnsupported(BadRequest):
    """The requested output format is not offered."""

    message_template = "Output format '{format}' is not supported."


class JobNotFinished(BadRequest):
    """Results were asked for a job that has not finished."""

    message_template = "Batch job '{job_id}' has not finished computing the results yet."


class JobNotStarted(BadRequest):
    """Something needs a started job."""

    message_template = "Batch job '{job_id}' has not been started yet."


class JobLocked(BadRequest):
    """A queued or running job cannot be changed."""

    message_template = "Batch job '{job_id}' is locked because it is {status}."


class NoDataForUpdate(BadRequest):
    """A PATCH without a body."""

    message_template = "No data specified to be updated."


class FormatUnsuitable(BadRequest):
    """The data cannot be written in the requested format."""

    message_template = "Data can't be transformed into the requested output format: {reason}"


class PropertyNotEditable(BadRequest):
    """A property of a job may not be changed."""

    message_template = "Property '{property}' is read-only."


class BudgetInvalid(BadRequest):
    """The budget is invalid or below what the work needs."""

    message_template = "The budget is invalid: {reason}"


class PayloadTooLarge(BadRequest):
    """A synchronous request is too big to process; use a batch job."""

    status = 413
    message_template = (
        "The request is too large for synchronous processing ({reason}). Use a batch job."
    )


# --- 401/403: who you are -----------------------------------------------------------------


class AuthenticationRequired(OpenEOError):
    """The endpoint needs an authenticated user."""

    status = 401
    message_template = "Unauthorized."


class AuthenticationSchemeInvalid(OpenEOError):
    """The Authorization header is not one of the supported schemes."""

    status = 403
    message_template = "Authentication method not supported."


class TokenInvalid(OpenEOError):
    """The bearer token is invalid or expired."""

    status = 403
    message_template = "Authorization token has expired or is invalid. Please authenticate again."


class CredentialsInvalid(OpenEOError):
    """User name or password is wrong."""

    status = 403
    message_template = "Credentials are not correct."


class PermissionsInsufficient(OpenEOError):
    """The user may not do this (e.g. write the catalogue without the admin credential)."""

    status = 403
    message_template = "Permission denied: {reason}"


# --- 404/405: what does not exist ----------------------------------------------------------


class NotFound(OpenEOError):
    """The resource does not exist (unknown route)."""

    status = 404
    message_template = "The requested resource '{path}' was not found."


class CollectionNotFound(NotFound):
    """Unknown collection id."""

    message_template = "Collection '{collection_id}' does not exist."


class ProcessNotFound(NotFound):
    """Unknown process id."""

    message_template = "Process '{process_id}' does not exist."


class JobNotFound(NotFound):
    """Unknown batch job id (or a job of another user)."""

    message_template = "The batch job '{job_id}' does not exist."


class ProcessGraphNotFound(NotFound):
    """Unknown user-defined process id (or one of another user)."""

    message_template = "The process graph '{process_graph_id}' does not exist."


class FileNotFound(NotFound):
    """A result asset or file that does not exist."""

    message_template = "File '{path}' does not exist."


class ResultLinkExpired(OpenEOError):
    """A signed link to a result has expired."""

    status = 410
    message_template = (
        "The link to the batch job result has expired. Please request the results again."
    )


class MethodNotAllowed(OpenEOError):
    """The HTTP method is not allowed on this endpoint."""

    status = 405
    message_template = "Method '{method}' is not allowed on '{path}'."


# --- 5xx: our side ------------------------------------------------------------------------


class Internal(OpenEOError):
    """An unexpected error on the server side; the message carries no traceback."""

    status = 500
    message_template = "Server error: {reason}"


class RequestTimeout(OpenEOError):
    """Synchronous processing ran out of time; use a batch job."""

    status = 408
    message_template = (
        "Synchronous processing took longer than {seconds} s. Please use a batch job instead."
    )


class FeatureUnsupported(OpenEOError):
    """The back-end does not offer this feature."""

    status = 501
    message_template = "Feature not supported: {feature}"


class EstimateComplexity(OpenEOError):
    """No estimate can be given for this job."""

    status = 500
    message_template = "The costs for this job could not be estimated: {reason}"


class StorageFailure(OpenEOError):
    """Writing or reading stored results failed."""

    status = 500
    message_template = "Unable to store or read the results: {reason}"


class ServiceUnavailable(OpenEOError):
    """A service Canopy needs (the database, the Dask scheduler) cannot be reached."""

    status = 503
    message_template = "Service is not available at the moment: {reason}"
