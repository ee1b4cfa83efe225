"""Agreement between auditors and moderators, and between self-audits and peer audits.

The numbers come from `audits/stats.py`; this page only chooses the months and puts
them in words.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from careaudit.audits import stats
from careaudit.audits.access import AGREEMENT_CAPABILITIES
from careaudit.audits.forms_outcomes import MonthRangeForm
from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.models import StaffMember


@dataclass(frozen=True)
class GapRow:
    """Self-audit minus peer-audit compliance for one criterion, in percentage points."""

    gap: stats.ComplianceGap
    difference: float
    lower: float
    upper: float

    @property
    def clear(self) -> bool:
        """Whether the 95 % interval leaves out zero: a difference unlikely to be chance."""
        return self.lower > 0 or self.upper < 0


@capability_required(*AGREEMENT_CAPABILITIES)
@require_GET
def agreement(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    organisation = staff.organisation
    months = list(
        Moderation.objects.filter(
            audit__organisation=organisation, status=ModerationStatus.DONE
        ).dates("audit__request__month", "month")
    )
    form = MonthRangeForm(request.GET or None, months=months)
    since = until = None
    if form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    pairs = stats.moderation_pairs(organisation, since=since, until=until)
    report = stats.agreement_report(pairs) if pairs else None
    names = dict(
        StaffMember.objects.filter(
            organisation=organisation, user__email__in={p.auditor for p in pairs}
        ).values_list("user__email", "user__full_name")
    )
    self_and_peer = stats.self_versus_peer(organisation)
    gaps = [
        GapRow(
            gap=gap,
            difference=100 * gap.difference.difference,
            lower=100 * gap.difference.lower,
            upper=100 * gap.difference.upper,
        )
        for gap in self_and_peer.gaps
    ]
    return render(
        request,
        "audits/agreement.html",
        {
            "form": form,
            "filtered": bool(since or until),
            "report": report,
            "by_auditor": sorted(
                ((names.get(a.label) or a.label, a) for a in report.by_auditor),
                key=lambda row: row[0].casefold(),
            )
            if report
            else [],
            "gaps": gaps,
            "self_standards": self_and_peer.self_standards,
            "peer_standards": self_and_peer.peer_standards,
            "min_pairs": stats.MIN_PAIRS,
            "min_pairs_to_pool": stats.MIN_PAIRS_TO_POOL,
            "low_agreement": stats.LOW_AGREEMENT,
            "poor_kappa": stats.POOR_KAPPA,
        },
    )
