from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Allow long passphrases (NCSC, ASVS 2.1.2: at least 64), but not megabyte-sized ones."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."
