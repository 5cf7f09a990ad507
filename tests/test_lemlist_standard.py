"""The SDK's standard tap tests, over every lemlist stream, against the sandbox."""

from __future__ import annotations

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_lemlist.tap import TapLemlist
from tests.conftest import Account, lemlist_config

ACCOUNT = Account("lemlist")

TestTapLemlist = get_tap_test_class(
    TapLemlist,
    config=lemlist_config(ACCOUNT, start_date="2023-01-01T00:00:00Z"),
    suite_config=SuiteConfig(max_records_limit=None),
)
