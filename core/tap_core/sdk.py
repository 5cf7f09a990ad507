"""The Singer SDK's private parts this project relies on, each with the reason, in one place.

The SDK may rename or change a private member in any release; an override of a renamed method
would then silently stop being called, and the SDK's own behaviour would come back unnoticed.
``tests/test_sdk_contract.py`` checks every entry below against the installed SDK (that it
exists, is callable as listed, and that each override still overrides something), so an
upgrade that changes one fails loudly there. Nothing else in the project imports from
``singer_sdk.helpers._*`` or overrides a private SDK method without an entry here.
"""

from __future__ import annotations

import typing as t

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._util import utc_now


class PrivateUse(t.NamedTuple):
    """One private SDK member and why the project needs it."""

    owner: str  # "Stream", "Tap" or a helpers module
    name: str
    #: The parameter names relied on (self excluded); None for an attribute of an instance.
    parameters: tuple[str, ...] | None
    overridden: bool
    why: str


PRIVATE_USES: tuple[PrivateUse, ...] = (
    PrivateUse(
        "Stream",
        "_generate_record_messages",
        ("record",),
        overridden=True,
        why="the per-record step without walks that cannot change JSON records; extra_fields and type settling",
    ),
    PrivateUse(
        "Stream",
        "_increment_stream_state",
        ("latest_record", "context"),
        overridden=True,
        why="bookmarks compare instants: a date-time with an offset reaches the SDK's string comparison in UTC",
    ),
    PrivateUse(
        "Stream",
        "_sync_records",
        ("context", "write_messages"),
        overridden=True,
        why="a failing stream stops alone; Stream.sync, the public entry, is final",
    ),
    PrivateUse(
        "Tap",
        "_validate_config",
        ("raise_errors",),
        overridden=True,
        why="the SDK's messages quote the offending values, keys included",
    ),
    PrivateUse(
        "Stream",
        "_write_starting_replication_value",
        ("context",),
        overridden=False,
        why="a request sent early needs its partition's starting bookmark before the SDK loads it",
    ),
    PrivateUse(
        "Stream",
        "_write_state_message",
        (),
        overridden=False,
        why="a STATE after each completed date window, and when a stream stops",
    ),
    PrivateUse(
        "Stream",
        "_write_activate_version_message",
        ("full_table_version",),
        overridden=False,
        why="ACTIVATE_VERSION once per stream map alias, as the SDK writes it, but after a whole read",
    ),
    PrivateUse(
        "Tap",
        "_config",
        None,
        overridden=False,
        why="settings as given, before defaults, to name exactly the ones that are wrong",
    ),
    PrivateUse(
        "helpers._catalog",
        "pop_deselected_record_properties",
        ("record", "schema", "mask"),
        overridden=False,
        why="deselected fields pruned as the SDK does, only when some are deselected",
    ),
    PrivateUse(
        "helpers._util",
        "utc_now",
        (),
        overridden=False,
        why="time_extracted of RECORD messages, as the SDK stamps it",
    ),
)

__all__ = ["PRIVATE_USES", "PrivateUse", "pop_deselected_record_properties", "utc_now"]
