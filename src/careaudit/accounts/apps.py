from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "careaudit.accounts"
    label = "accounts"
    verbose_name = "Sign-in accounts"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from careaudit.accounts.models import User, refuse_to_delete_a_user
        from careaudit.core.change_log import track_changes

        # Email, name, active, staff and superuser flags are recorded; never the password
        # hash, and not the time of each sign-in (the access log and sessions hold that).
        track_changes(User, organisation="staff__organisation", exclude=("password", "last_login"))
        pre_delete.connect(refuse_to_delete_a_user, sender=User, dispatch_uid="keep_users")
