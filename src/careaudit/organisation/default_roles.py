"""The built-in roles (DESIGN §2, seed 003's role key), present after `careaudit migrate`.

Kept as plain data so the data migration and the tests read the same list. Changing a
default here does not change an installation: add a migration that updates it.
"""

C, M, P, A, R, CR, ADM = (
    "conduct_audit",
    "moderate",
    "manage_programme",
    "manage_actions",
    "view_all_reports",
    "view_case_records",
    "administer",
)

# fmt: off
DEFAULT_ROLES: list[dict] = [
    # A council's adult social care department (seed 003)
    {"code": "director", "name": "Director", "kind": "council", "caps": {C, A, R}, "scope": "organisation"},
    {"code": "strategic-manager", "name": "Strategic Manager", "kind": "council", "caps": {C, A, R}, "scope": "organisation"},
    {"code": "service-manager", "name": "Service Manager", "kind": "council", "caps": {C, A}, "scope": "service"},
    {"code": "advanced-practitioner", "name": "Advanced Practitioner", "kind": "council", "caps": {C, A}, "scope": "team"},
    {"code": "practice-development-ap", "name": "Practice Development Advanced Practitioner", "kind": "council", "caps": {C, P, A, R, CR}, "scope": "organisation"},
    {"code": "social-worker", "name": "Social Worker", "kind": "council", "caps": {C}, "practitioner": True},
    {"code": "occupational-therapist", "name": "Occupational Therapist", "kind": "council", "caps": {C}, "practitioner": True},
    {"code": "asc-practitioner", "name": "Adult Social Care Practitioner", "kind": "council", "caps": {C}, "practitioner": True},
    {"code": "ot-assistant", "name": "Occupational Therapy Assistant", "kind": "council", "caps": {C}, "practitioner": True},
    {"code": "moderator", "name": "Moderator", "kind": "council", "caps": {C, M}, "scope": "organisation"},
    # A care provider (care homes, home care, supported living)
    {"code": "registered-manager", "name": "Registered Manager", "kind": "provider", "caps": {C, P, A, R, CR}, "scope": "service"},
    {"code": "team-leader", "name": "Team Leader", "kind": "provider", "caps": {C, A}, "scope": "team"},
    {"code": "care-worker", "name": "Care Worker", "kind": "provider", "caps": {C}, "practitioner": True},
    {"code": "quality-lead", "name": "Quality Lead", "kind": "provider", "caps": {C, M, P, A, R, CR}, "scope": "organisation"},
    {"code": "nominated-individual", "name": "Nominated Individual", "kind": "provider", "caps": {C, A, R}, "scope": "organisation"},
    # Both
    {"code": "board-member", "name": "Board Member", "kind": "any", "caps": {R}},
    {"code": "administrator", "name": "Administrator", "kind": "any", "caps": {P, A, R, CR, ADM}, "two_factor": True},
]
# fmt: on


def role_fields(spec: dict, sort_order: int) -> dict:
    """Model field values for one default role spec."""
    return {
        "name": spec["name"],
        "kind": spec["kind"],
        "can_conduct_audit": C in spec["caps"],
        "can_moderate": M in spec["caps"],
        "can_manage_programme": P in spec["caps"],
        "can_manage_actions": A in spec["caps"],
        "can_view_all_reports": R in spec["caps"],
        "can_view_case_records": CR in spec["caps"],
        "can_administer": ADM in spec["caps"],
        "sample_scope": spec.get("scope", ""),
        "is_practitioner": spec.get("practitioner", False),
        "requires_two_factor": spec.get("two_factor", False),
        "sort_order": sort_order,
    }


def ensure_default_roles(role_model) -> None:
    """Create the built-in roles that are missing; leave edited ones alone.

    An early data migration passes the model as it was then: fields added since are left
    to the migration that added them.
    """
    known = {f.name for f in role_model._meta.get_fields()}
    for order, spec in enumerate(DEFAULT_ROLES, start=1):
        fields = {k: v for k, v in role_fields(spec, order * 10).items() if k in known}
        role_model.objects.get_or_create(organisation=None, code=spec["code"], defaults=fields)
