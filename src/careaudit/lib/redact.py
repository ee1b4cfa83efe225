"""Working links and keys taken out of text bound for a log.

A log is read by more people than an inbox (whoever runs the server, a log service, a
support ticket it is pasted into), and it is kept longer. A one-time feedback link or a
password reset link in it lets whoever reads it answer as the person, or set a password.
Every log line of ours, gunicorn's access log and every email written to the log go through
`redact`, so the link's shape stays (useful when reading the log) and its key does not.
"""

import re

REDACTED = "[redacted]"

# What may follow a key in a path or a query string: it ends at the next separator.
_KEY = r"[^/\s?#&\"'<>]+"

_SECRETS = [
    # The person's one-time feedback link, /feedback/<token> (the thank-you page has none).
    re.compile(rf"(/feedback/)(?!thank-you(?:[/?#\s\"'<>]|$)){_KEY}"),
    # django-allauth's password reset link, /accounts/password/reset/key/<uid>-<key>/.
    re.compile(rf"(/password/reset/key/)(?!done/){_KEY}"),
    # django-allauth's email confirmation link, /accounts/confirm-email/<key>/.
    re.compile(rf"(/confirm-email/){_KEY}"),
    # A token, key, code or signature passed in a query string.
    re.compile(rf"([?&](?:token|key|code|signature|secret|password)=){_KEY}", re.IGNORECASE),
]


def redact(text: str) -> str:
    """`text` with every working link's key replaced by ``[redacted]``.

    >>> redact("GET /feedback/q8Zr-x_1AbC HTTP/1.1")
    'GET /feedback/[redacted] HTTP/1.1'
    >>> redact("https://care.example/accounts/password/reset/key/3-c9x1-4f2a9b/")
    'https://care.example/accounts/password/reset/key/[redacted]/'
    >>> redact("/accounts/login/?next=/audits/5/&code=123456")
    '/accounts/login/?next=/audits/5/&code=[redacted]'
    >>> redact("/feedback/thank-you and /audits/5/ keep their addresses")
    '/feedback/thank-you and /audits/5/ keep their addresses'
    """
    for pattern in _SECRETS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text
