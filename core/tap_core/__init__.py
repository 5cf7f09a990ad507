"""Code shared by the sales-engagement taps: pacing, retries, errors, redaction, paging."""

from tap_core.budget import RateBudget, budget_for_key
from tap_core.errors import (
    APIError,
    AuthError,
    ConfigError,
    PlanGatedError,
    TapError,
)
from tap_core.fanout import PerParentStream
from tap_core.rest import EngagementStream
from tap_core.tap import EngagementTap

__all__ = [
    "APIError",
    "AuthError",
    "ConfigError",
    "EngagementStream",
    "EngagementTap",
    "PerParentStream",
    "PlanGatedError",
    "RateBudget",
    "TapError",
    "budget_for_key",
]
