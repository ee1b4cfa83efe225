"""The service navigation: what a person sees depends on what their role lets them do."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from careaudit.audits.access import AGREEMENT_CAPABILITIES
from careaudit.organisation.models import Capability, StaffMember


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Shown when the person has any of these capabilities (none listed: everyone)…
    capabilities: tuple[Capability, ...] = ()
    # …or when this says so (e.g. "supervises someone").
    when: Callable[[StaffMember], bool] | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def shown_to(self, staff: StaffMember) -> bool:
        if not self.capabilities and self.when is None:
            return True
        if any(staff.can(c) for c in self.capabilities):
            return True
        return bool(self.when and self.when(staff))


def _supervises(staff: StaffMember) -> bool:
    known = getattr(staff, "has_supervisees", None)  # annotated by get_staff()
    if known is not None:
        return known
    return staff.supervisees.filter(user__is_active=True).exists()


# Later features add their entries here, in the order they appear in the header.
NAV_ITEMS: list[NavItem] = [
    NavItem("My work", "home"),
    NavItem("My audits", "my_audits"),
    NavItem("Moderation", "moderation_list", (Capability.MODERATE,)),
    NavItem("Supervision", "supervision_list", when=_supervises),
    NavItem(
        "Programme", "programme_list", (Capability.MANAGE_PROGRAMME, Capability.VIEW_ALL_REPORTS)
    ),
    NavItem(
        "Results", "insights_results", (Capability.MANAGE_PROGRAMME, Capability.VIEW_ALL_REPORTS)
    ),
    NavItem("Actions", "action_tracker", (Capability.MANAGE_ACTIONS, Capability.VIEW_ALL_REPORTS)),
    NavItem("Cases", "case_list", (Capability.MANAGE_PROGRAMME,)),
    NavItem("Agreement", "agreement", AGREEMENT_CAPABILITIES),
    NavItem("Standards", "framework_list"),
    NavItem("People", "people_list", (Capability.ADMINISTER,)),
    NavItem("Logs", "audit_log", (Capability.ADMINISTER,)),
]


def nav_for(staff: StaffMember | None, path: str) -> list[dict]:
    if staff is None or not staff.is_current():
        return []
    items = []
    for item in NAV_ITEMS:
        if not item.shown_to(staff):
            continue
        url = item.url
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
