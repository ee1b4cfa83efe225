from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "careaudit.accounts"
    label = "accounts"
    verbose_name = "Sign-in accounts"
