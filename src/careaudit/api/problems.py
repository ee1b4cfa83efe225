"""Errors as JSON problem details (RFC 9457): every refusal and bad input says what went
wrong in words, with the HTTP status, and never as a server error.

`Problem` is the documented schema; `install(api)` makes every error the API can meet
answer in it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM_TYPE = "about:blank"
MEDIA_TYPE = "application/problem+json"


class Problem(Schema):
    """A problem detail: `title` names the kind of problem, `detail` says what happened."""

    type: str = PROBLEM_TYPE
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}

# The statuses any endpoint may answer with, for the schema (each endpoint adds its own).
COMMON = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


PROBLEM_REF = "#/components/schemas/Problem"


def document_media_type(schema: dict) -> dict:
    """Say in the schema what the API sends: a Problem comes as application/problem+json,
    not the application/json ninja documents every response as."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                json = content.get("application/json", {})
                if json.get("schema", {}).get("$ref") == PROBLEM_REF:
                    response["content"] = {MEDIA_TYPE: json}
    return schema


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> HttpResponse:
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail, errors=errors)
    response = api.create_response(request, body.model_dump(exclude_none=True), status=status)
    response["Content-Type"] = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response[name] = value
    return response


NUL_IN_REQUEST = "The address holds a NUL character (%00), which no value here may contain."


def has_nul(request: HttpRequest) -> bool:
    """Whether the path or a query value holds a NUL, which PostgreSQL cannot take."""
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


def _words(error: Exception, fallback: str) -> str:
    text = str(error.args[0]) if error.args and error.args[0] else ""
    return text or fallback


def install(api: NinjaAPI) -> None:
    """Answer every error the API can meet as a problem detail."""

    @api.exception_handler(AuthenticationError)
    def not_signed_in(request, error):
        return problem(
            api,
            request,
            401,
            "Send a valid API token as “Authorization: Bearer TOKEN”. The token may be "
            "missing, wrong, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="careaudit"'},
        )

    @api.exception_handler(PermissionDenied)
    def not_allowed(request, error):
        return problem(api, request, 403, _words(error, "You may not do this."))

    @api.exception_handler(Http404)
    def not_found(request, error):
        return problem(api, request, 404, "There is nothing here, or nothing you may see.")

    @api.exception_handler(Throttled)
    def too_many(request, error):
        wait = int(error.wait or 1) + (0 if float(error.wait or 1).is_integer() else 1)
        return problem(
            api,
            request,
            429,
            f"This token has made too many requests. Try again in {wait} seconds.",
            headers={"Retry-After": str(max(wait, 1))},
        )

    @api.exception_handler(NinjaValidationError)
    def invalid(request, error):
        errors = [
            {
                "loc": [str(part) for part in item.get("loc", ())],
                "msg": str(item.get("msg", "")),
                "type": str(item.get("type", "")),
            }
            for item in error.errors
        ]
        return problem(
            api,
            request,
            422,
            "; ".join(f"{'.'.join(e['loc'][1:] or e['loc'])}: {e['msg']}" for e in errors)
            or "The request is not valid.",
            errors=errors,
        )

    @api.exception_handler(ValidationError)
    def refused(request, error):
        return problem(api, request, 422, " ".join(error.messages))

    def out_of_range(request, error):
        # A number too large for the database (SQLite: OverflowError; PostgreSQL:
        # DataError), or text it cannot hold: the request's fault, said so, never a 500.
        return problem(
            api,
            request,
            422,
            "A value in the request is out of range: ids and numbers are whole numbers "
            "below 9223372036854775808.",
        )

    api.add_exception_handler(OverflowError, out_of_range)
    api.add_exception_handler(DataError, out_of_range)

    @api.exception_handler(HttpError)
    def http_error(request, error):
        return problem(api, request, error.status_code, str(error.message))
