"""The SDK's standard tap tests, over every Smartlead stream, against the sandbox."""

from __future__ import annotations

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_smartlead.tap import TapSmartlead
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, smartlead_config

# With a field no schema knows yet: lead_activities' extra_fields, empty in every known answer, then holds one to check.
ACCOUNT = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, new_activity_field=True)

TestTapSmartlead = get_tap_test_class(
    TapSmartlead,
    config=smartlead_config(ACCOUNT, start_date="2024-01-01T00:00:00Z"),
    suite_config=SuiteConfig(max_records_limit=None),
)
