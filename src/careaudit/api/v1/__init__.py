"""Version 1 of the API: one router per part of the cycle, each a module here.

Each module defines `router = Router(tags=[...])`; list it in ROUTERS (path prefix, router)
to mount it under /api/v1/. Paths of lists have no trailing slash: `GET /api/v1/audits`.
Reads and writes of one address may live in different modules (`audits.py` reads an
audit, `audit_writes.py` changes it): `api.py` mounts them as one router, so each address
is one URL pattern that answers every method declared for it.
"""

from careaudit.api.v1 import (
    action_writes,
    actions,
    audit_writes,
    audits,
    moderation,
    programme,
    results,
    standards,
)

ROUTERS = [
    ("", standards.router),
    ("", programme.router),
    ("", audits.router),
    ("", audit_writes.router),
    ("", moderation.router),
    ("", actions.router),
    ("", action_writes.router),
    ("", results.router),
]
