"""Who may see the logs and search for a person's records: administrators, and only what
belongs to their own organisation (or to no organisation).

The log and subject access pages need "administer people and settings"
(`capability_required`, in `organisation/access.py`); what they then show is chosen here.
"""

from auditlog.models import LogEntry
from django.db.models import QuerySet

from careaudit.core.models import AccessLog
from careaudit.organisation.access import capability_required
from careaudit.organisation.models import Capability, Organisation

# The log pages and the subject access search: a 403 without "administer".
administrator_required = capability_required(Capability.ADMINISTER)


def access_log_for(organisation: Organisation) -> QuerySet[AccessLog]:
    """The organisation's reads and exports, and those of the site's own commands (backups,
    restores, retention purges), which belong to no organisation."""
    return AccessLog.objects.filter(organisation_id__in=[organisation.pk, None])


def change_log_for(organisation: Organisation) -> QuerySet[LogEntry]:
    """The changes log. django-auditlog records no organisation, so this is every change
    on the site, whichever organisation made it: a known gap of a multi-organisation
    installation, kept as it was until the log records the organisation."""
    return LogEntry.objects.all()
