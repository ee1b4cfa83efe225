"""Who may see and change cases: people who manage the programme, in their own organisation.

Cases are what the monthly draw samples, so listing and importing them goes with managing
the programme. The case pages only ever read the signed-in person's own organisation and
never look a case up by an id from the address; an audit's case is shown through the audit
(`audits/access.py`).
"""

from careaudit.organisation.access import capability_required
from careaudit.organisation.models import Capability

# Every case page: a 403 without "manage the programme and standards".
case_manager_required = capability_required(Capability.MANAGE_PROGRAMME)
