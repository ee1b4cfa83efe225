"""Version 1 of the API: one router per part of the cycle, each a module here.

Each module defines `router = Router(tags=[...])`; list it in ROUTERS (path prefix, router)
to mount it under /api/v1/. Paths of lists have no trailing slash: `GET /api/v1/audits`.
"""

from careaudit.api.v1 import actions, audits, moderation, programme, results, standards

ROUTERS = [
    ("", standards.router),
    ("", programme.router),
    ("", audits.router),
    ("", moderation.router),
    ("", actions.router),
    ("", results.router),
]
