"""Short digests of rows: what says, without keeping them, whether a row or a set of rows changed."""

from __future__ import annotations

import hashlib
import typing as t

import msgspec

from tap_core.records import EXTRA_FIELDS

if t.TYPE_CHECKING:
    from collections.abc import Iterable

# Child context key: the parent row's digest.
PARENT_DIGEST = "parent_digest"


def digest(value: object) -> str:
    """A short, stable digest of a JSON value (dict keys in any order)."""
    encoded = msgspec.json.encode(value, order="sorted")
    return hashlib.blake2b(encoded, digest_size=8).hexdigest()


def row_digest(row: dict[str, t.Any], leave_out: Iterable[str] = ()) -> str:
    """A row's digest without the fields the tap sets itself."""
    skip = {EXTRA_FIELDS, *leave_out}
    return digest({name: value for name, value in row.items() if name not in skip})


def set_digest(digests: Iterable[str]) -> str:
    """One digest for a set of row digests, in any order, each counted once."""
    return digest(sorted(set(digests)))
