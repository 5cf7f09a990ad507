"""The SDK's standard tap tests, over every Smartlead stream, against the sandbox."""

from __future__ import annotations

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from sandbox.catalog import select
from tap_smartlead.streams import STREAM_TYPES
from tap_smartlead.tap import TapSmartlead
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, smartlead_config

STREAMS = [stream_type.name for stream_type in STREAM_TYPES]
# With a field no schema knows yet: lead_activities' extra_fields, empty in every known answer, then holds one to check.
ACCOUNT = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, new_activity_field=True)

CONFIG = smartlead_config(ACCOUNT, start_date="2024-01-01T00:00:00Z")
# Every stream, the opt-in ones (selected_by_default = False) included.
CATALOG = select(TapSmartlead(config=CONFIG, parse_env_config=False).catalog_dict, set(STREAMS))

TestTapSmartlead = get_tap_test_class(
    TapSmartlead,
    config=CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
    catalog=CATALOG,
)
