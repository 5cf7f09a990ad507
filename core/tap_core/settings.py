"""Settings both taps share, and checks that explain a bad value without echoing it."""

from __future__ import annotations

import typing as t
from urllib.parse import urlparse

from singer_sdk import typing as th
from singer_sdk.plugin_base import JSONSchemaValidator

from tap_core.dates import parse_iso
from tap_core.deletions import EMIT_DEFAULT, EMIT_SETTING
from tap_core.errors import ConfigError

if t.TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Mapping

    from jsonschema import ValidationError

# Days between two runs that read every campaign's children, whatever the activity feed says.
DEFAULT_RECONCILE_DAYS = 7


def common_settings(
    *, vendor: str, api_url: str, max_rate: int, default_rate: float | None = None
) -> list[th.Property[t.Any]]:
    """The settings every tap of this project has, with the vendor's defaults."""
    return [
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            title="API key",
            description=f"The {vendor} API key. It is never written to logs, state or records.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description=(
                "Earliest record to sync (ISO 8601, e.g. 2024-01-01 or 2024-01-01T00:00:00Z). "
                "Absent: the whole history."
            ),
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=api_url,
            title="API URL",
            description="Base URL of the API; change it for a proxy or the local sandbox.",
        ),
        th.Property(
            "request_timeout",
            th.IntegerType(minimum=1),
            default=60,
            title="Request timeout",
            description="Seconds to wait for a response before retrying.",
        ),
        th.Property(
            "parallel_requests",
            th.IntegerType(minimum=1, maximum=32),
            default=8,
            title="Parallel requests",
            description=(
                "Requests in flight at once (pages fetched ahead, campaigns' children fetched early); "
                "records are still emitted in order and the rate cap still holds. 1: one at a time."
            ),
        ),
        th.Property(
            "log_request_metrics",
            th.BooleanType(),
            default=False,
            title="Log request metrics",
            description=(
                "Log the SDK's METRIC line for every request and record count (also at LOGLEVEL=DEBUG). "
                "Otherwise each long stream logs one progress line about every 10 s."
            ),
        ),
        th.Property(
            "reconcile_every_days",
            th.NumberType(minimum=0),
            default=DEFAULT_RECONCILE_DAYS,
            title="Reconcile every (days)",
            description=(
                "A re-run reads again only the children (leads, stats, sequences) of campaigns whose "
                "activity or settings changed; every this many days it reads all of them, to catch what "
                "no activity shows (an edited sequence, a deleted lead). 0: read all on every run."
            ),
        ),
        th.Property(
            "reconcile",
            th.BooleanType(),
            default=False,
            title="Reconcile now",
            description="Read every campaign's children on this run (then the period starts again).",
        ),
        th.Property(
            EMIT_SETTING,
            th.BooleanType(),
            default=EMIT_DEFAULT,
            title="Carry deletions (ACTIVATE_VERSION)",
            description=(
                "After a full-table stream is read whole, send ACTIVATE_VERSION so that the loader retires "
                "the rows that did not come again (target-postgres marks _sdc_deleted_at). Children of "
                "campaigns carry them on runs that read every campaign (a reconciliation)."
            ),
        ),
        th.Property(
            "max_run_minutes",
            th.NumberType(minimum=0),
            default=0,
            title="Maximum run minutes",
            description=(
                "Stop sending requests after this many minutes: the requests already sent are emitted, the "
                "STATE says what is done, the run exits 0 and the next run goes on from there (an hourly "
                "schedule with 55 never overlaps itself; a first sync too big for one run completes over "
                "several). 0: no limit."
            ),
        ),
        th.Property(
            "max_requests_per_second",
            th.NumberType(exclusive_minimum=0, maximum=max_rate),
            default=max_rate if default_rate is None else default_rate,
            title="Maximum requests per second",
            description=(
                f"Cap on this tap's request rate for the key (at most {max_rate:g}/s). "
                "Lower it when other tools share the key."
            ),
        ),
    ]


def _describe(error: ValidationError) -> str:
    """What is wrong, in words that never include the offending value."""
    expected = error.validator_value
    problems: dict[str, Callable[[], str]] = {
        "required": lambda: "is required",
        "type": lambda: f"must be of type {expected}",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "exclusiveMinimum": lambda: f"must be greater than {expected}",
        "exclusiveMaximum": lambda: f"must be less than {expected}",
        "minLength": lambda: "must not be empty",
        "enum": lambda: f"must be one of {expected}",
        "format": lambda: f"must be a valid {expected}",
    }
    return problems.get(str(error.validator), lambda: f"is invalid ({error.validator})")()


def schema_problems(config: dict[str, t.Any], schema: dict[str, t.Any]) -> list[str]:
    """One line per setting that does not match the settings schema.

    As the SDK's own check does, this fills ``config`` with the schema's defaults.
    """
    lines = []
    for error in JSONSchemaValidator(schema).iter_errors(config):
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in error.message else "?"
            lines.append(f"setting '{missing}' is required")
            continue
        name = ".".join(str(part) for part in error.absolute_path) or "config"
        lines.append(f"setting '{name}' {_describe(error)}")
    return lines


def value_problems(config: Mapping[str, t.Any], now: datetime.datetime) -> list[str]:
    """Problems that a schema cannot see: blank keys, future dates, odd URLs."""
    lines = []
    if not str(config.get("api_key") or "").strip():
        lines.append("setting 'api_key' is empty")
    start = config.get("start_date")
    if start:
        try:
            if parse_iso(str(start)) > now:
                lines.append("setting 'start_date' is in the future: nothing could be synced")
        except ValueError:
            lines.append("setting 'start_date' is not an ISO 8601 date (e.g. 2024-01-01)")
    url = urlparse(str(config.get("api_url") or ""))
    if url.scheme not in {"http", "https"} or not url.netloc:
        lines.append("setting 'api_url' must be an http(s) URL such as https://host/path")
    return lines


def raise_if_invalid(problems: list[str], *, env_var: Callable[[str], str], command: str) -> None:
    """Raise the first problem as one line that says where to fix it."""
    if not problems:
        return
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    setting = problems[0].split("'")[1] if problems[0].count("'") >= 2 else ""  # noqa: PLR2004
    where = (
        f"Set it in the config file or as {env_var(setting)}"
        if setting and "." not in setting
        else "Fix it in the config file"
    )
    msg = f"Invalid configuration: {problems[0]}{more}. {where}; '{command} --about' lists the settings."
    raise ConfigError(msg)
