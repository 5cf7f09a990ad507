"""The base tap: settings checks, the key's request budget, one session, one-line errors."""

from __future__ import annotations

import datetime
import typing as t
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import requests
from singer_sdk import Tap

from tap_core.cli import WORKER_POOLS, tap_command
from tap_core.io import StateFlushingWriter
from tap_core.pacing import budget_for_key
from tap_core.redaction import mask_secrets_in_logs, redact_known
from tap_core.rest import EngagementStream, PacedSession
from tap_core.settings import raise_if_invalid, schema_problems, value_problems

if t.TYPE_CHECKING:
    import click

    from tap_core.pacing import RateBudget


class EngagementTap(Tap):
    """A tap for one sales-engagement API; subclasses name the vendor and its limits."""

    #: The vendor's name as users know it, for messages.
    vendor: t.ClassVar[str]
    #: The window over which the vendor counts requests per key, in seconds.
    rate_window_seconds: t.ClassVar[float]
    #: Settings whose values must never be printed.
    secret_settings: t.ClassVar[tuple[str, ...]] = ("api_key",)
    message_writer_class = StateFlushingWriter
    #: The tap's stream classes, parents before their children.
    stream_types: t.ClassVar[tuple[type[EngagementStream], ...]]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        # The sync's start, fixed once: it pins date windows so paging stays stable.
        self.sync_started_at = datetime.datetime.now(datetime.timezone.utc)
        super().__init__(*args, **kwargs)

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # Replaces the SDK's check, whose messages quote the offending values (a key, too).
        mask_secrets_in_logs(str(self.config.get(name) or "") for name in self.secret_settings)
        schema = dict(self.config_jsonschema)
        self.append_builtin_config(schema)
        problems = schema_problems(self._config, schema)
        problems += value_problems(self.config, self.sync_started_at)
        if raise_errors:
            raise_if_invalid(problems, env_var=self.env_var, command=self.name)
        elif problems:
            self.logger.warning("Configuration problem: %s", problems[0])
        return problems

    def env_var(self, setting: str) -> str:
        """The environment variable Meltano and ``--config ENV`` read for a setting."""
        return f"{self.name.upper().replace('-', '_')}_{setting.upper()}"

    @cached_property
    def budget(self) -> RateBudget:
        return budget_for_key(
            str(self.config["api_key"]),
            float(self.config.get("max_requests_per_second") or self.default_rate()),
            self.rate_window_seconds,
            also=self.longer_rate_windows(),
        )

    def longer_rate_windows(self) -> tuple[tuple[int, float], ...]:
        """Caps at longer scales (requests, seconds), e.g. an hourly quota; none by default."""
        return ()

    def default_rate(self) -> float:
        return float(self.config_jsonschema["properties"]["max_requests_per_second"]["default"])

    @cached_property
    def http_session(self) -> PacedSession:
        session = PacedSession(self.budget)
        # One pooled connection per worker thread, so parallel requests reuse connections.
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=self.parallel_requests)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    @property
    def parallel_requests(self) -> int:
        return int(self.config.get("parallel_requests") or 1)

    @cached_property
    def pool(self) -> ThreadPoolExecutor:
        """The workers that send requests; the key's budget paces them all."""
        pool = ThreadPoolExecutor(max_workers=self.parallel_requests, thread_name_prefix=self.name)
        WORKER_POOLS.add(pool)
        return pool

    def discover_streams(self) -> list[EngagementStream]:
        return [stream_type(tap=self) for stream_type in self.stream_types]

    @classmethod
    def get_singer_command(cls) -> click.Command:
        return tap_command(super().get_singer_command(), logger=cls.logger, redact=redact_known)
