"""Which API tokens an administrator may see and revoke: their own organisation's (another
organisation's token is a 404, ADR 0008). The pages also need the "administer" capability."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.api.models import ApiToken
from careaudit.api.tokens import tokens_of
from careaudit.organisation.access import require_staff


def visible_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    """The administrator's organisation's tokens, newest first."""
    return tokens_of(require_staff(request).organisation)


def get_token_for_user(request: HttpRequest, pk: int) -> ApiToken:
    return get_object_or_404(visible_tokens(request), pk=pk)
