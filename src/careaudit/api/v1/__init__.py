"""Version 1 of the API: one router per part of the cycle, each a module here.

Each module defines `router = Router(tags=[...])`; list it in ROUTERS (path prefix, router)
to mount it under /api/v1/. Paths of lists have no trailing slash: `GET /api/v1/audits`.
"""

from careaudit.api.v1 import action_writes, audit_writes, standards

ROUTERS = [
    ("", standards.router),
    ("", audit_writes.router),
    ("", action_writes.router),
]
