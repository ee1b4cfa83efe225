"""The API: /api/v1/…, its OpenAPI 3 schema at /api/openapi.json and its documentation
at /api/docs. Every endpoint needs a token (`careaudit api_token create`), answers errors
as problem details and pages lists with a cursor."""

from ninja import NinjaAPI

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

for prefix, router in ROUTERS:
    api.add_router(f"/v1/{prefix}", router)
