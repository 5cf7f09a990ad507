"""Unit tests of tap-core, the code both taps share."""

from __future__ import annotations

import datetime
import gc
import json
import logging
import threading
import time

import jsonschema
import pytest
import requests
from singer_sdk.singerlib import ActivateVersionMessage, RecordMessage, StateMessage

from tap_core import io
from tap_core.budget import (
    ASSUMED_JITTER,
    INBOUND_SHARE_OF_SPREAD,
    PERIOD_SLACK_SECONDS,
    SLACK_STEP_AFTER_429,
    TIMED_RESPONSES,
    RateBudget,
    Ticket,
    budget_for_key,
)
from tap_core.dates import parse_iso
from tap_core.errors import APIError
from tap_core.http import describe_failure, retry_after_seconds
from tap_core.paging import OffsetPager, page_pager, records_in
from tap_core.progress import CapNotice, Progress
from tap_core.redaction import MASK, SecretFilter, drop_matching_keys, is_credential, redact, secret_forms
from tap_core.settings import schema_problems, value_problems
from tap_core.timebox import TimeUpError

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)


def response_with(
    payload: bytes = b"[]", status: int = 200, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = payload
    response.headers.update(headers or {})
    response.url = "https://api.example/api/things?access_token=SECRET"
    return response


class TestRateBudget:
    def test_never_more_than_max_requests_in_any_window(self):
        budget = RateBudget(5, 0.5)
        sent = []
        for _ in range(16):
            budget.acquire()
            sent.append(time.monotonic())
        for i, start in enumerate(sent):
            assert sum(1 for s in sent[i:] if s - start < 0.5) <= 5
        # Three full windows must have passed for 16 sends at 5 per window.
        assert sent[-1] - sent[0] >= 3 * 0.5

    def test_shared_by_threads(self):
        budget = RateBudget(4, 0.3)
        sent: list[float] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(3):
                budget.acquire()
                with lock:
                    sent.append(time.monotonic())

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent.sort()
        assert len(sent) == 12
        for i, start in enumerate(sent):
            assert sum(1 for s in sent[i:] if s - start < 0.3) <= 4

    def test_pause_holds_every_sender(self):
        budget = RateBudget(100, 1)
        budget.pause(0.3)
        started = time.monotonic()
        budget.acquire()
        assert time.monotonic() - started >= 0.29

    def test_rate_below_one_per_window_spaces_requests(self):
        budget = RateBudget.per_second(0.25, 2)
        assert (budget.max_requests, budget.period) == (1, 4 + PERIOD_SLACK_SECONDS)

    def test_the_slack_follows_the_jitter_of_response_times(self):
        budget = RateBudget(20, 2)
        assert budget.slack == PERIOD_SLACK_SECONDS
        # Few responses: a spread of +-30% of their median is assumed, however steady they look.
        for _ in range(5):
            budget.timed(0.300)
        assert budget.slack == pytest.approx(INBOUND_SHARE_OF_SPREAD * 2 * ASSUMED_JITTER * 0.300)
        # Enough of them: their own spread, whatever it is.
        for index in range(TIMED_RESPONSES):
            budget.timed(0.210 + 0.180 * (index % 2))
        assert budget.slack == pytest.approx(INBOUND_SHARE_OF_SPREAD * 0.180)
        assert budget.period == pytest.approx(2 + INBOUND_SHARE_OF_SPREAD * 0.180)
        assert budget.spacing == pytest.approx(budget.period / 20)
        # A steady network needs no more than the base slack.
        for _ in range(TIMED_RESPONSES):
            budget.timed(0.050)
        assert budget.slack == PERIOD_SLACK_SECONDS

    def test_a_429_widens_the_slack_for_the_rest_of_the_run(self):
        budget = RateBudget(20, 2)
        budget.throttle_seen()
        budget.throttle_seen()
        assert budget.slack == pytest.approx(PERIOD_SLACK_SECONDS + 2 * SLACK_STEP_AFTER_429)
        for _ in range(TIMED_RESPONSES):
            budget.timed(0.050)  # a calm network does not undo what a 429 taught
        assert budget.slack == pytest.approx(PERIOD_SLACK_SECONDS + 2 * SLACK_STEP_AFTER_429)
        assert budget.throttled == 2

    @pytest.mark.parametrize("order", ["newest first", "out of order"])
    def test_withdrawn_bookings_give_their_slots_back_though_spacing_changed(self, order):
        budget = RateBudget(20, 2)
        first = time.monotonic()
        budget.acquire()
        tickets = [Ticket() for _ in range(4)]
        waiting = [threading.Thread(target=budget.acquire, args=(ticket,)) for ticket in tickets]
        for thread in waiting:
            thread.start()
            time.sleep(0.005)  # booked in turn, each a spacing after the last
        # Responses timed meanwhile move the spacing, as they do on a jittery network.
        for _ in range(5):
            budget.timed(0.5)
        shuffled = [tickets[2], tickets[0], tickets[3], tickets[1]]
        for ticket in reversed(tickets) if order == "newest first" else shuffled:
            ticket.withdraw()
        for thread in waiting:
            thread.join()
        budget.acquire()
        # The slot right after the first send, not after the four withdrawn ones.
        assert time.monotonic() - first < 2 * budget.spacing

    def test_a_period_full_of_our_own_sends_is_told_from_a_shared_key(self):
        budget = RateBudget(5, 0.5)
        assert not budget.fills_the_period_before(time.monotonic())
        for _ in range(4):
            budget.acquire()
        assert not budget.fills_the_period_before(budget.recent_sends[-1])  # one short: someone else's
        budget.acquire()
        assert budget.fills_the_period_before(budget.recent_sends[-1])
        # A period later, those sends no longer explain a full count.
        assert not budget.fills_the_period_before(budget.recent_sends[-1] + budget.period + budget.slack)

    def test_one_budget_per_key_and_rate(self):
        assert budget_for_key("k1", 10, 2) is budget_for_key("k1", 10, 2)
        assert budget_for_key("k1", 10, 2) is not budget_for_key("k2", 10, 2)
        assert budget_for_key("k1", 10, 2).max_requests == 20


class TestRecordsIn:
    def test_bare_list_and_envelopes(self):
        assert records_in([{"a": 1}], "GET /x") == [{"a": 1}]
        assert records_in({"campaigns": [{"a": 1}], "pagination": {}}, "GET /x", keys=("campaigns",)) == [{"a": 1}]
        assert records_in({"data": [{"a": 1}]}, "GET /x", keys=("campaigns", "data")) == [{"a": 1}]
        assert records_in({"a": 1}, "GET /x", single_object=True) == [{"a": 1}]

    @pytest.mark.parametrize("payload", [{"unexpected": []}, "text", 3, None, [1, 2]])
    def test_unknown_shapes_are_errors_naming_the_endpoint(self, payload):
        with pytest.raises(APIError, match="GET /campaigns"):
            records_in(payload, "GET /campaigns", keys=("campaigns",))


class TestPagers:
    def pages(self, pager: OffsetPager, pages: list[list[dict[str, int]]]) -> list[int]:
        tokens = []
        for page in pages:
            tokens.append(pager.current_value)
            pager.advance(response_with(str(page).replace("'", '"').encode()))
            if pager.finished:
                break
        return tokens

    def records_of(self, response: requests.Response) -> list[dict[str, int]]:
        return response.json()

    def test_offset_stops_after_short_page(self):
        pager = OffsetPager(self.records_of, 2)
        assert self.pages(pager, [[{"id": 1}, {"id": 2}], [{"id": 3}], [{"id": 4}]]) == [0, 2]
        assert pager.finished

    def test_offset_stops_when_a_page_repeats(self):
        pager = OffsetPager(self.records_of, 2, id_key="id")
        page = [{"id": 1}, {"id": 2}]
        assert self.pages(pager, [page, page, page]) == [0, 2]
        assert pager.finished

    def test_page_numbers(self):
        pager = page_pager(self.records_of, 1, first_page=0)
        assert self.pages(pager, [[{"id": 1}], [{"id": 2}], []]) == [0, 1, 2]


class TestRedaction:
    def test_every_encoding_of_a_secret_is_masked(self):
        forms = secret_forms(["a/b+c d"])
        text = "key=a%2Fb%2Bc+d and a/b+c d and a%2Fb%2Bc%20d"
        assert redact(text, forms) == f"key={MASK} and {MASK} and {MASK}"

    def test_log_filter_masks_arguments_and_tracebacks(self):
        secret = "sekret-123"
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"https://h/?api_key={secret}",), None)
        try:
            raise RuntimeError(f"failed for {secret}")
        except RuntimeError:
            import sys  # noqa: PLC0415

            record.exc_info = sys.exc_info()
        SecretFilter(secret_forms([secret])).filter(record)
        assert secret not in record.getMessage()
        assert record.exc_text is not None
        assert secret not in record.exc_text
        assert MASK in record.exc_text

    def test_credentials_are_dropped_at_any_depth(self):
        value = {
            "apiKey": 1,
            "users": [{"api_key": 2, "name": "x", "accessToken": "t"}],
            "nested": {"imap_password": 3, "smtp_client_secret": 4, "tokens_used": 5},
        }
        assert drop_matching_keys(value, is_credential) == {"users": [{"name": "x"}], "nested": {"tokens_used": 5}}


class TestRetryAfter:
    def test_seconds_and_http_dates(self):
        assert retry_after_seconds(response_with(headers={"Retry-After": "3"})) == 3
        assert retry_after_seconds(response_with()) is None
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)
        when = soon.strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert 25 < (retry_after_seconds(response_with(headers={"Retry-After": when})) or 0) <= 30

    def test_failures_are_described_without_urls(self):
        error = requests.exceptions.ConnectionError("HTTPSConnectionPool: /x?api_key=SECRET reset")
        assert "SECRET" not in describe_failure(error)
        assert describe_failure(requests.exceptions.ReadTimeout("... SECRET")) == "the request timed out"


class TestSettings:
    SCHEMA = {  # noqa: RUF012
        "type": "object",
        "properties": {
            "api_key": {"type": "string"},
            "max_requests_per_second": {"type": "number", "maximum": 10, "default": 10},
        },
        "required": ["api_key"],
    }

    def test_problems_never_quote_values(self):
        config = {"api_key": 12345678, "max_requests_per_second": 99}
        problems = schema_problems(config, self.SCHEMA)
        assert problems == [
            "setting 'api_key' must be of type string",
            "setting 'max_requests_per_second' must be at most 10",
        ]
        assert not any("12345678" in p or "99" in p for p in problems)

    def test_defaults_are_filled(self):
        config: dict[str, object] = {"api_key": "k"}
        assert schema_problems(config, self.SCHEMA) == []
        assert config["max_requests_per_second"] == 10

    @pytest.mark.parametrize(
        ("config", "problem"),
        [
            ({"api_key": "  ", "api_url": "https://h"}, "'api_key' is empty"),
            ({"api_key": "k", "api_url": "ftp://h"}, "'api_url' must be an http(s) URL"),
            ({"api_key": "k", "api_url": "https://h", "start_date": "yesterday"}, "'start_date' is not an ISO 8601"),
            ({"api_key": "k", "api_url": "https://h", "start_date": "2030-01-01"}, "'start_date' is in the future"),
        ],
    )
    def test_value_problems(self, config, problem):
        assert any(problem in line for line in value_problems(config, NOW))

    def test_start_dates(self):
        assert parse_iso("2024-01-01") == datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        assert parse_iso("2024-01-01T02:00:00+02:00").hour == 0
        assert value_problems({"api_key": "k", "api_url": "http://h", "start_date": "2024-01-01Z"}, NOW) == []


class TestCoercion:
    SCHEMA = {  # noqa: RUF012
        "properties": {
            "count": {"type": ["integer", "null"]},
            "rate": {"type": ["number", "null"]},
            "flag": {"type": ["boolean", "null"]},
            "nested": {"type": ["object", "null"], "properties": {"n": {"type": ["integer", "null"]}}},
            "items": {
                "type": ["array", "null"],
                "items": {"type": ["object"], "properties": {"n": {"type": "integer"}}},
            },
            "name": {"type": ["string", "null"]},
        }
    }

    def test_strings_become_numbers_where_the_schema_says(self):
        from tap_core.coercion import coerce, coercions_for  # noqa: PLC0415

        record = {"count": "42", "rate": " 1.5 ", "flag": 1, "nested": {"n": "7"}, "items": [{"n": "3"}], "name": "42"}
        assert coerce(record, coercions_for(self.SCHEMA)) == {
            "count": 42,
            "rate": 1.5,
            "flag": True,
            "nested": {"n": 7},
            "items": [{"n": 3}],
            "name": "42",
        }

    def test_values_that_are_not_numbers_are_kept_as_sent(self):
        from tap_core.coercion import coerce, coercions_for  # noqa: PLC0415

        record = {"count": "n/a", "flag": "maybe", "rate": None}
        assert coerce(dict(record), coercions_for(self.SCHEMA)) == record
        assert coerce({"count": "12.0", "flag": "false"}, coercions_for(self.SCHEMA)) == {"count": 12, "flag": False}


class TestRecordsAndStops:
    """What reaches the target, and how one stream ends alone (in process, no server)."""

    @pytest.fixture
    def stream(self):
        from tap_lemlist.tap import TapLemlist  # noqa: PLC0415

        tap = TapLemlist(config={"api_key": "unit-key", "api_url": "http://127.0.0.1:9/api"}, parse_env_config=False)
        return tap.streams["hooks"]

    def emit(self, stream, record):
        return [message.record for message in stream._generate_record_messages(record)]

    def test_unknown_fields_are_kept_in_extra_fields_and_credentials_never(self, stream, caplog):
        row = {"_id": "hoo_1", "targetUrl": "u", "newThing": {"a": 1, "secretToken": "s"}, "apiKey": "k"}
        with caplog.at_level(logging.WARNING):
            [emitted] = self.emit(stream, row)
            self.emit(stream, {"_id": "hoo_2", "newThing": 2})  # warned once, not per record
        assert emitted["extra_fields"] == {"newThing": {"a": 1}}
        assert [r.getMessage() for r in caplog.records if "newThing" in r.getMessage()] == [
            "Field 'newThing' of 'hooks' is not in its schema: kept in extra_fields"
        ]

    def test_a_number_where_text_is_declared_is_text_and_other_types_move_aside(self, stream):
        [emitted] = self.emit(stream, {"_id": 42, "targetUrl": 7.5, "isFirst": {"odd": True}})
        assert (emitted["_id"], emitted["targetUrl"]) == ("42", "7.5")
        assert "isFirst" not in emitted
        assert emitted["extra_fields"] == {"isFirst": {"odd": True}}

    def test_nested_values_of_another_type_are_settled_at_their_depth(self):
        from tap_lemlist.tap import TapLemlist  # noqa: PLC0415

        tap = TapLemlist(config={"api_key": "unit-key", "api_url": "http://127.0.0.1:9/api"}, parse_env_config=False)
        stream = tap.streams["watchlist_signals"]
        row = {
            "_id": "sig_1",
            "receivedAt": "2024-01-01T00:00:00.000Z",
            "contact": {"phone": False, "email": {"work": "a@b.c"}, "firstName": "Ada", "custom": 1},
        }
        [emitted] = self.emit(stream, row)
        assert emitted["contact"] == {"phone": "false", "firstName": "Ada", "custom": 1}
        assert emitted["extra_fields"] == {"contact.email": {"work": "a@b.c"}}
        assert not list(jsonschema.Draft7Validator(stream.schema).iter_errors(emitted))

    def test_an_array_item_of_another_type_takes_its_array_aside(self):
        from tap_core.coercion import TypeRule, mismatches  # noqa: PLC0415
        from tap_core.records import settle_mismatch  # noqa: PLC0415

        texts = TypeRule(frozenset({str}), "string")
        rules = {"tags": TypeRule(frozenset({list}), "array", items=texts)}
        record = {"tags": ["a", 3, {"x": 1}], "extra_fields": None}
        found = mismatches(record, rules)
        assert [path for path, _ in found] == [("tags", 1), ("tags", 2)]
        assert [settle_mismatch(record, path, rule.admitted) for path, rule in found] == [
            "as text",
            "in extra_fields.tags (it arrived as a JSON object)",
        ]
        assert record == {"extra_fields": {"tags": ["a", "3", {"x": 1}]}}

    def test_a_key_of_another_type_stops_the_stream(self, stream):
        with pytest.raises(APIError, match="GET /api/hooks sent field '_id'"):
            self.emit(stream, {"_id": {"nested": 1}})

    def test_an_unexpected_failure_stops_its_stream_in_one_line_and_drops_unfinished_progress(self, stream):
        from tap_core.cli import STOPPED_STREAMS  # noqa: PLC0415

        stream.stream_state.update(progress_markers={"replication_key_value": "2030"}, replication_key_value="2024")
        before = len(STOPPED_STREAMS)
        stream.stop_after(KeyError("line one\nline two"))
        assert stream.stopped
        assert "progress_markers" not in stream.stream_state
        assert stream.stream_state["replication_key_value"] == "2024"
        [line] = STOPPED_STREAMS[before:]
        del STOPPED_STREAMS[before:]
        assert "\n" not in line
        assert line.startswith("Stream 'hooks' stopped: unexpected KeyError on GET /api/hooks (")
        assert line.endswith("meltano select tap-lemlist --exclude hooks '*'.")

    def test_a_bookmark_value_is_checked_against_its_own_partition_only(self):
        from tap_lemlist.tap import TapLemlist  # noqa: PLC0415

        tap = TapLemlist(config={"api_key": "unit-key", "api_url": "http://127.0.0.1:9/api"}, parse_env_config=False)
        stream = tap.streams["watchlist_signals"]
        pages = {
            "newer": [{"_id": "a", "receivedAt": "2025-05-01T00:00:00.000Z"}],
            "older": [{"_id": "b", "receivedAt": "2024-not-a-date"}],
        }
        stream.request_records = lambda context: iter(pages[context["partition"]])
        for record in stream.get_records({"partition": "newer"}):
            self.emit(stream, record)
        # Below the other partition's newest value, yet this partition's only one: it is checked.
        [older] = stream.get_records({"partition": "older"})
        with pytest.raises(APIError, match="not an ISO 8601 date"):
            self.emit(stream, older)


class TestProgress:
    def test_one_line_every_ten_seconds_with_records_window_rate_and_time_left(self, caplog):
        now = [100.0]
        progress = Progress(
            "activities", logging.getLogger("progress-test"), rate=lambda: (9.5, 10.0), clock=lambda: now[0]
        )
        progress.reading = "2024-01-01 to 2025-01-01"
        progress.done = 0.25
        with caplog.at_level(logging.INFO, logger="progress-test"):
            for _ in range(1000):
                now[0] += 0.015  # 15 s in all
                progress.record()
        lines = [record.getMessage() for record in caplog.records]
        assert lines == [
            "Progress of 'activities': 667 records, reading 2024-01-01 to 2025-01-01, "
            "9.5 requests/s of 10, 25% done, about 30 s left"
        ]

    def test_no_estimate_where_the_stream_cannot_tell(self):
        progress = Progress("campaign_leads", logging.getLogger("progress-test"), rate=lambda: (3.0, 10.0))
        assert progress.line(progress.started + 20) == "Progress of 'campaign_leads': 0 records, 3.0 requests/s of 10"


def test_a_large_state_too_soon_after_the_last_is_held_and_the_newest_goes_out_at_the_end(capsysbinary, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(io.time, "monotonic", lambda: clock[0])
    writer = io.StateFlushingWriter()
    big = {"bookmarks": {"x": {"read_parents": {str(n): "d" * 60 for n in range(2_000)}}}}  # about 150 kB
    small = {"bookmarks": {"x": {"replication_key_value": "2026-01-01"}}}

    def state_lines() -> list[bytes]:
        return [line for line in capsysbinary.readouterr().out.splitlines() if b'"STATE"' in line]

    writer.write_message(StateMessage(value=big))
    assert len(state_lines()) == 1
    clock[0] += 0.5  # 150 kB at 64 kB/s: the next large one is due in about 2.3 s
    writer.write_message(StateMessage(value={**big, "n": 1}))
    writer.write_message(RecordMessage(stream="x", record={"id": 1}))
    writer.write_message(StateMessage(value={**big, "n": 2}))
    assert state_lines() == []
    clock[0] += 3
    writer.write_message(StateMessage(value={**big, "n": 3}))
    [due] = state_lines()
    assert b'"n":3' in due
    # Small states always go out; a held one goes out when the command ends.
    writer.write_message(StateMessage(value=small))
    clock[0] += 0.1
    writer.write_message(StateMessage(value={**big, "n": 4}))
    assert len(state_lines()) == 1
    io.write_held_states()
    [last] = state_lines()
    assert b'"n":4' in last
    io.write_held_states()
    assert state_lines() == []


def test_a_held_state_goes_out_even_when_nothing_else_holds_its_writer(capsysbinary, monkeypatch):
    """The command's tap (and its writer) may be collected before the command ends: the last
    STATE it held back must still go out, or the next run starts from an older one."""
    clock = [100.0]
    monkeypatch.setattr(io.time, "monotonic", lambda: clock[0])
    big = {"bookmarks": {"x": {"read_parents": {str(n): "d" * 60 for n in range(2_000)}}}}
    writer = io.StateFlushingWriter()
    writer.write_message(StateMessage(value=big))
    writer.write_message(StateMessage(value={**big, "final": True}))
    del writer
    gc.collect()
    io.write_held_states()
    lines = [line for line in capsysbinary.readouterr().out.splitlines() if b'"STATE"' in line]
    assert len(lines) == 2
    assert b'"final":true' in lines[-1]


def test_a_held_state_is_not_overwritten_by_the_messages_written_after_it(capsysbinary, monkeypatch):
    """The SDK's msgspec writer encodes every message into one shared buffer: a STATE held
    back must keep its own bytes, or the next RECORD or ACTIVATE_VERSION replaces it and the
    run's last STATE is lost (a child's last parent read again next run)."""
    clock = [100.0]
    monkeypatch.setattr(io.time, "monotonic", lambda: clock[0])
    big = {"bookmarks": {"x": {"read_parents": {str(n): "d" * 60 for n in range(2_000)}}}}
    writer = io.StateFlushingWriter()
    writer.write_message(StateMessage(value=big))
    writer.write_message(StateMessage(value={**big, "final": True}))  # held: too soon after the first
    writer.write_message(ActivateVersionMessage(stream="x", version=1))
    writer.write_message(RecordMessage(stream="x", record={"id": 1}))
    io.write_held_states()
    lines = capsysbinary.readouterr().out.splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["STATE", "ACTIVATE_VERSION", "RECORD", "STATE"]
    assert json.loads(lines[-1])["value"]["final"] is True


def test_a_spent_hourly_cap_is_told_once_with_when_requests_resume_and_a_send_past_the_time_box_is_not_waited():
    """The hourly cap binds: one line says when requests resume and about when the sync ends,
    and a run whose time box ends before then stops instead of sleeping the hour away."""
    budget = RateBudget(100, 1.0, also=((3, 3600.0),))
    told: list[tuple[float, int, float]] = []
    for _ in range(3):
        assert budget.acquire(on_long_wait=lambda *wait: told.append(wait))
    assert told == []
    soon = time.monotonic() + 5
    with pytest.raises(TimeUpError):
        budget.acquire(deadline=soon, on_long_wait=lambda *wait: told.append(wait))
    ((wait, requests, period),) = told
    assert 3590 < wait <= 3600.5
    assert (requests, period) == (3, 3600.0)

    lines: list[str] = []
    logger = logging.getLogger("cap-notice-test")
    logger.addHandler(ListHandler(lines))
    at = datetime.datetime(2026, 12, 7, 17, 30, tzinfo=datetime.timezone.utc).timestamp()
    notice = CapNotice(
        "Smartlead", logger, setting="max_requests_per_hour", requests_left=lambda: 2_500, wall_clock=lambda: at
    )
    notice(1800.0, 1_000, 3600.0)
    notice(1799.0, 1_000, 3600.0)  # another request waiting for the same slot: no second line
    assert len(lines) == 1
    assert "cap of 1,000 requests an hour (max_requests_per_hour) is spent: requests resume at 18:00 UTC" in lines[0]
    # 2,500 left: 1,000 from 18:00, 1,000 from 19:00, the last 500 by about 19:30.
    assert "at least 2,500 requests left, so the sync ends at the earliest about 19:30 UTC" in lines[0]


class ListHandler(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_servers_pause_is_not_told_as_a_spent_cap():
    """A 429's Retry-After pauses every sender; the retry line says so, and no cap is named."""
    budget = RateBudget(100, 1.0, also=((1_000, 3600.0),))
    budget.pause(0.05)
    told: list[tuple[float, int, float]] = []
    assert budget.acquire(on_long_wait=lambda *wait: told.append(wait))
    budget.pause(40.0)
    with pytest.raises(TimeUpError):
        budget.acquire(deadline=time.monotonic() + 1, on_long_wait=lambda *wait: told.append(wait))
    assert told == []
