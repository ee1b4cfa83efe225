import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import PermissionDenied

from careaudit.accounts.models import User
from careaudit.core.client_address import client_address

log = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by administrators (people page, staff import), never self-service."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        # The sign-in limiter counts failures per client: behind a proxy, the address the
        # proxy saw, not the proxy's own (which every user shares).
        address = client_address(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # A mail server being down must not turn a password reset into an error page;
        # the address is not logged, only that a send failed.
        try:
            super().send_mail(template_prefix, email, context)
        except Exception:
            log.exception("Could not send the %s email", template_prefix)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs in people who already have an account (matched by email)."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def authenticate_by_email(self, sociallogin) -> tuple[User, str] | None:
        """The account whose sign-in address is an address the identity provider verified.

        allauth's own matching also looks at the extra addresses allauth keeps, which anyone
        could add unverified (a colleague's, say) and which would then win: only the address
        the organisation gave the account (`User.email`) is matched here.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            user = User.objects.filter(email__iexact=address.email.strip()).first()
            if user is not None:
                return user, address.email
        return None
