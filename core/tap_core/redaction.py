"""Keep secrets out of everything the tap prints: logs, tracebacks, errors, records."""

from __future__ import annotations

import logging
import typing as t
from urllib.parse import quote, quote_plus

if t.TYPE_CHECKING:
    from collections.abc import Iterable

MASK = "***"


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as it may appear: raw, and URL-encoded the ways requests encodes it."""
    forms = set()
    for secret in secrets:
        if secret:
            forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
    # Longest first, so a secret containing another is masked whole.
    return tuple(sorted(forms, key=len, reverse=True))


def redact(text: str, forms: Iterable[str]) -> str:
    """``text`` with every secret form replaced by a mask."""
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


class SecretFilter(logging.Filter):
    """A handler filter that masks secrets in messages, arguments and tracebacks."""

    def __init__(self, forms: tuple[str, ...]) -> None:
        super().__init__()
        self.forms = forms

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.forms:
            return True
        message = record.getMessage()
        cleaned = redact(message, self.forms)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.forms)
        return True


_known_forms: tuple[str, ...] = ()


def redact_known(text: str) -> str:
    """``text`` with every secret registered by :func:`mask_secrets_in_logs` masked."""
    return redact(text, _known_forms)


def mask_secrets_in_logs(secrets: Iterable[str]) -> None:
    """Register secrets and attach a filter masking them to every root handler, once each."""
    global _known_forms  # noqa: PLW0603
    _known_forms = secret_forms([*_known_forms, *secrets])
    for handler in logging.getLogger().handlers:
        existing = [f for f in handler.filters if isinstance(f, SecretFilter)]
        if existing:
            existing[0].forms = _known_forms
        else:
            handler.addFilter(SecretFilter(_known_forms))


def is_credential(name: str) -> bool:
    """A field that holds a credential: API keys, SMTP/IMAP passwords, OAuth tokens, secrets.

    Never a column, never kept among a record's extra fields.
    """
    lowered = name.lower().replace("_", "")
    return "password" in lowered or "secret" in lowered or lowered.endswith(("token", "apikey"))


def drop_matching_keys(value: t.Any, is_secret: t.Callable[[str], bool]) -> t.Any:
    """``value`` with every object key for which ``is_secret`` holds removed, at any depth."""
    if isinstance(value, dict):
        for name in [key for key in value if isinstance(key, str) and is_secret(key)]:
            del value[name]
        for child in value.values():
            drop_matching_keys(child, is_secret)
    elif isinstance(value, list):
        for child in value:
            drop_matching_keys(child, is_secret)
    return value
