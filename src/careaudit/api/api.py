"""The API: /api/v1/…, its OpenAPI 3 schema at /api/openapi.json and its documentation
at /api/docs. Every endpoint needs a token (`careaudit api_token create`), answers errors
as problem details and pages lists with a cursor."""

from ninja import NinjaAPI, Router
from ninja.operation import PathView

from careaudit.api import problems
from careaudit.api.auth import TokenAuth, TokenRateThrottle
from careaudit.api.v1 import ROUTERS

DESCRIPTION = """
Read Care Audit's standards, programmes, requests, audits, moderation, actions and results,
and complete audits and update actions, as the token's person may in the web pages.

**Tokens.** An administrator makes a token on *People → API tokens* or with
`careaudit api_token create --email EMAIL --scope read|write`. Send it on every request
as `Authorization: Bearer TOKEN`. A token acts as its person, inside one organisation:
it sees what they may see and nothing of any other organisation. A read token cannot
change anything.

**Lists** are paged with a cursor: follow `next` until it is null. `page_size` sets the
size of a page (at most 500).

**Errors** are problem details (`application/problem+json`): `title`, `status` and a
`detail` that says what went wrong.
"""


class CareAuditApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return problems.document_media_type(super().get_openapi_schema(**kwargs))


api = CareAuditApi(
    title="Care Audit API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TokenAuth(),
    throttle=[TokenRateThrottle()],
)
problems.install(api)


def _one_router(routers) -> Router:
    """The modules' routers as one: Django gives each address to the first URL pattern that
    matches it, so a read (GET) and a write (PATCH) of one address, declared in two modules,
    must share one pattern, or the second would answer 405."""
    merged = Router()
    for prefix, router in routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                operation.tags = operation.tags or router.tags
            address = "/" + "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
            merged.path_operations.setdefault(address, PathView()).operations.extend(
                view.operations
            )
    return merged


api.add_router("/v1", _one_router(ROUTERS))
