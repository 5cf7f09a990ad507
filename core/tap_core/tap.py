"""The base tap: settings checks, the key's request budget, one session, one-line errors."""

from __future__ import annotations

import datetime
import logging
import typing as t
from functools import cached_property

from singer_sdk import Tap
from typing_extensions import override

from tap_core.budget import budget_for_key
from tap_core.changes import ChangeFeed
from tap_core.cli import AT_END, tap_command
from tap_core.errors import AuthError, ConfigError, PlanGatedError
from tap_core.fanout import PerParentStream
from tap_core.io import StateFlushingWriter
from tap_core.progress import CapNotice
from tap_core.redaction import mask_secrets_in_logs, redact_known
from tap_core.rest import EngagementStream
from tap_core.run import SyncRun
from tap_core.settings import raise_if_invalid, schema_problems, value_problems
from tap_core.timebox import TimeBox, take_cut_marks

if t.TYPE_CHECKING:
    import click
    from singer_sdk.streams import Stream

    from tap_core.budget import RateBudget


#: How the run's last line about requests begins.
REQUESTS_SENT = "Requests sent:"


class EngagementTap(Tap):
    """A tap for one sales-engagement API; subclasses name the vendor and its limits."""

    #: The vendor's name as users know it, for messages.
    vendor: t.ClassVar[str]
    #: The period over which the vendor counts requests per key, in seconds.
    rate_period_seconds: t.ClassVar[float]
    #: Settings whose values must never be printed.
    secret_settings: t.ClassVar[tuple[str, ...]] = ("api_key",)
    message_writer_class = StateFlushingWriter
    #: The tap's stream classes. Top-level streams sync event feeds first, then in the order of
    #: their names; each child stream within its parent's sync, per parent record.
    stream_types: t.ClassVar[tuple[type[EngagementStream], ...]]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        # The sync's start, fixed once: it pins date windows so paging stays stable.
        self.sync_started_at = self.clock()
        super().__init__(*args, **kwargs)
        if not self.config.get("log_request_metrics") and self.metrics_logger.getEffectiveLevel() > logging.DEBUG:
            # A METRIC line per request drowns what a person reads; progress lines say it.
            self.metrics_logger.setLevel(logging.WARNING)

    @classmethod
    def clock(cls) -> datetime.datetime:
        """Now, in UTC: the sync's start. (Tests that play days of runs give the tap their own.)"""
        return datetime.datetime.now(datetime.timezone.utc)

    @override
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
    def run(self) -> SyncRun:
        """What this run's streams share; each stream gets it when the tap makes it."""
        run = SyncRun(
            command=self.name,
            vendor=self.vendor,
            parallel_requests=int(self.config.get("parallel_requests") or 1),
            make_budget=self.make_budget,
            env_var=self.env_var,
            on_gated=self.note_gated,
            started_at=self.sync_started_at,
            timebox=TimeBox(float(self.config.get("max_run_minutes") or 0) or None),
            on_long_wait=CapNotice(
                self.vendor, self.logger, setting=self.cap_setting, requests_left=self.requests_left
            ),
        )
        if isinstance(self.message_writer, StateFlushingWriter):
            self.message_writer.unannounced = run.unannounced
        AT_END.append(self.say_what_is_left)
        AT_END.append(self.say_requests_sent)
        return run

    @override
    def load_state(self, state: dict[str, t.Any]) -> None:
        super().load_state(state)
        self.run.resuming_round = take_cut_marks(t.cast("dict[str, t.Any]", self.state))
        if self.run.resuming_round:
            self.logger.info(
                "The last run stopped at max_run_minutes: this one reads only the streams it had not read whole"
            )

    def make_budget(self) -> RateBudget:
        """The key's request budget, shared with every tap of this process using the key."""
        return budget_for_key(
            str(self.config["api_key"]),
            float(self.config.get("max_requests_per_second") or self.default_rate()),
            self.rate_period_seconds,
            also=self.longer_rate_periods(),
        )

    def longer_rate_periods(self) -> tuple[tuple[int, float], ...]:
        """Caps at longer scales (requests, seconds), e.g. an hourly quota; none by default."""
        return ()

    #: The setting of the cap ``longer_rate_periods`` gives, for the line that says it binds.
    cap_setting: t.ClassVar[str] = "max_requests_per_hour"

    def requests_left(self) -> int | None:
        """About how many requests this sync still needs: a request for each selected stream
        not begun, and for each child one per parent its parent listed and it has not reached."""
        streams = [stream for stream in self.streams.values() if isinstance(stream, EngagementStream)]
        by_type = {type(stream): stream for stream in streams}
        left = 0
        for stream in streams:
            if not stream.selected or stream.finished or (stream.stopped and not stream.unfinished):
                continue
            parent = by_type.get(stream.parent_stream_type) if stream.parent_stream_type else None  # type: ignore[arg-type]
            if parent is not None and parent.done_this_round:
                continue  # read whole earlier in the round, children included
            if isinstance(stream, PerParentStream) and parent is not None:
                parents = max(parent.records_seen, parent.records_last_read(None) or 0)
                left += max(0, parents - len(stream.parents_listed))
            elif stream.records_seen == 0:
                left += 1
        return left

    def say_what_is_left(self) -> None:
        """The run's last line when its time box ended it: what is left for the next run."""
        unfinished = self.run.unfinished
        if unfinished:
            minutes = float(self.config.get("max_run_minutes") or 0)
            self.logger.warning(
                "Stopped at max_run_minutes (%g): %d stream(s) not finished (%s), at least %s requests left. "
                "What was emitted is in the STATE; the next run goes on from there.",
                minutes,
                len(unfinished),
                ", ".join(dict.fromkeys(unfinished)),
                f"{self.requests_left():,}",
            )

    def say_requests_sent(self) -> None:
        """How many requests the run charged to the key's quota (retries included), for the
        people and the orchestrators that count them (``orchestration`` reads this line)."""
        sent = self.run.session.sent if "session" in vars(self.run) else 0
        self.logger.info("%s %d to the %s API, retries included", REQUESTS_SENT, sent, self.vendor)

    def default_rate(self) -> float:
        return float(self.config_jsonschema["properties"]["max_requests_per_second"]["default"])

    @override
    def discover_streams(self) -> list[EngagementStream]:
        streams = [stream_type(tap=self, run=self.run) for stream_type in self.stream_types]
        self.check_selection(sorted(stream.name for stream in streams))
        by_type = {type(stream): stream for stream in streams}
        for stream in streams:
            for attribute, stream_type in stream.reads_from.items():
                setattr(stream, attribute, by_type[stream_type])
        for feed in streams:
            if isinstance(feed, ChangeFeed):
                for child in streams:
                    if isinstance(child, PerParentStream) and child.parent_stream_type is feed.parent_type:
                        child.change_feed = feed
        return streams

    @property
    @override
    def streams(self) -> dict[str, Stream]:
        streams = super().streams
        if not self.feeds_first:
            # Event feeds first: their marks say which campaigns' children this run reads; then
            # each stream's ``sync_order``. The SDK syncs in this dict's order, made by name.
            ordered = sorted(
                streams.items(),
                key=lambda item: (not isinstance(item[1], ChangeFeed), getattr(item[1], "sync_order", 50)),
            )
            streams.clear()
            streams.update(ordered)
            self.feeds_first = True
        return streams

    feeds_first = False

    @cached_property
    def gated_streams(self) -> set[str]:
        return set()

    def note_gated(self, stream: EngagementStream, gate: PlanGatedError) -> None:
        """A gate on one stream is the plan's; a gate on every selected one is the account's."""
        self.gated_streams.update([stream.name, *(child.name for child in stream.child_streams)])
        if {name for name, each in self.streams.items() if each.selected} <= self.gated_streams:
            msg = (
                f"{self.vendor} refused every selected stream (last: {gate.endpoint} answered {gate.status}). "
                f"The key's user may be blocked or the plan may lack API access: check the account in {self.vendor}."
            )
            raise AuthError(msg)

    def check_selection(self, known: list[str]) -> None:
        """A catalog that selects nothing this tap has would sync nothing and exit 0: say so."""
        if self.input_catalog is None:
            return
        selected = {
            entry.tap_stream_id for entry in self.input_catalog.streams if entry.metadata.resolve_selection()[()]
        }
        unknown = sorted(selected - set(known))
        fix = f"'{self.name} --discover' (or 'meltano select {self.name} --list') lists them: {', '.join(known)}."
        if unknown:
            msg = f"The catalog selects {', '.join(repr(name) for name in unknown)}, not a stream of {self.name}; {fix}"
            raise ConfigError(msg)
        if not selected:
            msg = f"The catalog selects no stream; select at least one. {fix}"
            raise ConfigError(msg)

    @classmethod
    @override
    def get_singer_command(cls) -> click.Command:
        return tap_command(super().get_singer_command(), logger=cls.logger, redact=redact_known)
