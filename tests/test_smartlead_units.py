"""tap-smartlead's readers, fed each shape a source shows for a route (no sandbox, no subprocess)."""

from __future__ import annotations

import datetime
import functools
import re
import typing as t

import msgspec
import pytest
import requests

from sandbox.catalog import select
from tap_core.errors import APIError
from tap_smartlead.streams.activities import reply_mark
from tap_smartlead.streams.analytics import full_date
from tap_smartlead.streams.campaigns import masked_url
from tap_smartlead.tap import TapSmartlead

if t.TYPE_CHECKING:
    from tap_core.rest import EngagementStream


@functools.cache
def tap() -> TapSmartlead:
    """A tap with every stream selected, the opt-in ones included."""
    config = {"api_key": "unit-test-key", "api_url": "http://127.0.0.1:9/api/v1", "start_date": "2024-01-01"}
    catalog = TapSmartlead(config=config, parse_env_config=False).catalog_dict
    every = {entry["tap_stream_id"] for entry in catalog["streams"]}
    return TapSmartlead(config=config, catalog=select(catalog, every), parse_env_config=False)


def response_of(stream: EngagementStream, payload: object, query: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = msgspec.json.encode(payload)
    response.headers["Content-Type"] = "application/json"
    response.url = f"{stream.url_base}{stream.path}{query}"
    response.request = requests.Request("GET", response.url).prepare()
    return response


def rows(
    name: str, payload: object, context: dict[str, t.Any] | None = None, query: str = ""
) -> list[dict[str, t.Any]]:
    """What the stream writes for one answer: parsed, post-processed, checked."""
    stream = t.cast("EngagementStream", tap().streams[name])
    out = []
    for record in stream.parse_response(response_of(stream, payload, query)):
        processed = stream.post_process(record, context)
        if processed is not None:
            out += [message.record for message in stream._generate_record_messages(processed)]
    return out


# Day-wise stats: a date without a year takes the latest year that puts it on or before the end
# of the request's range (or the day after, the account's time zone being ahead of UTC).

WINTER = (datetime.date(2025, 12, 1), datetime.date(2026, 2, 28))


@pytest.mark.parametrize(
    ("value", "window", "expected"),
    [
        ("01 Dec", WINTER, "2025-12-01"),
        ("31 Dec", WINTER, "2025-12-31"),
        ("01 Jan", WINTER, "2026-01-01"),
        ("1 Jan", WINTER, "2026-01-01"),
        ("Feb 28", WINTER, "2026-02-28"),
        ("28-Feb", WINTER, "2026-02-28"),
        ("2026-01-05", WINTER, "2026-01-05"),
        ("2026-01-05T00:00:00.000Z", WINTER, "2026-01-05"),
        ("30 Nov", WINTER, "2025-11-30"),  # a day before the range
        ("01 Mar", WINTER, "2026-03-01"),  # the day after the range's end: the account's time zone
        ("20 Apr", (datetime.date(2026, 11, 8), datetime.date(2026, 12, 7)), "2026-04-20"),  # never in the future
        ("08 Dec", (datetime.date(2026, 11, 8), datetime.date(2026, 12, 7)), "2026-12-08"),
        ("10 Dec", (datetime.date(2026, 11, 8), datetime.date(2026, 12, 7)), "2025-12-10"),
        ("29 Feb", (datetime.date(2024, 1, 1), datetime.date(2024, 3, 30)), "2024-02-29"),
        ("20 Apr", (datetime.date(2026, 3, 1), datetime.date(2026, 5, 29)), "2026-04-20"),
        ("20 April", (datetime.date(2026, 3, 1), datetime.date(2026, 5, 29)), "2026-04-20"),
    ],
)
def test_a_day_without_a_year_is_placed_in_its_request_range(value, window, expected):
    assert full_date(value, *window) == expected


@pytest.mark.parametrize("value", ["yesterday", "31 Foo", "32 Jan", "Ja 3", "2026-13-01"])
def test_a_day_that_is_no_date_is_refused(value):
    with pytest.raises(ValueError, match=re.escape(value)):
        full_date(value, *WINTER)


def test_a_day_without_a_year_needs_the_request_range():
    with pytest.raises(ValueError, match="20 Apr"):
        full_date("20 Apr", None, None)


NO_YEAR_DAYS = {"day_wise_stats": [
    {"date": "31 Dec", "day_name": "Wednesday",
     "email_engagement_metrics": {"sent": 5, "opened": 2, "replied": "1", "bounced": 0, "unsubscribed": 0}},
    {"date": "01 Jan", "day_name": "Thursday",
     "email_engagement_metrics": {"sent": 7, "opened": 3, "replied": 0, "bounced": 1, "unsubscribed": 0}},
]}  # fmt: skip
ISO_DAYS = [{"date": "2025-12-31", "sent": 5, "opened": 2, "replied": 1, "bounced": 0}]


@pytest.mark.parametrize(
    "payload",
    [
        {"success": True, "message": "ok", "data": NO_YEAR_DAYS},
        {"data": NO_YEAR_DAYS},
        {"ok": True, "data": {"day_wise_stats": ISO_DAYS}},
        {"success": True, "data": ISO_DAYS},
        ISO_DAYS,
    ],
)
def test_day_wise_stats_every_envelope_flat_rows_full_dates(payload):
    days = rows("day_wise_stats", payload, query="?start_date=2025-12-01&end_date=2026-02-28")
    assert days[0]["date"] == "2025-12-31"
    assert (days[0]["sent"], days[0]["replied"]) == (5, 1)
    assert all("email_engagement_metrics" not in day for day in days)
    if len(days) > 1:
        assert (days[1]["date"], days[1]["day_name"], days[1]["bounced"]) == ("2026-01-01", "Thursday", 1)


def test_day_wise_stats_refuse_a_day_that_is_no_date():
    with pytest.raises(APIError, match="'someday'"):
        rows("day_wise_stats", {"data": {"day_wise_stats": [{"date": "someday"}]}}, query="?start_date=2025-12-01")


# Statistics, analytics, webhooks, campaigns, leads, mailboxes: every envelope a source shows.

STAT = {"stats_id": "0361acf6-1b2c-4d5e-8f90-1234567890ab", "lead_email": "a@b.example", "open_count": "2"}


@pytest.mark.parametrize(
    "payload",
    [
        {"total_stats": "1", "data": [STAT], "offset": 0, "limit": 1000},
        {"total_stats": {"total": 1}, "data": [STAT]},
        {"ok": True, "data": [STAT], "offset": 0, "limit": 1000},
        [STAT],
    ],
)
def test_statistics_envelopes(payload):
    [row] = rows("campaign_statistics", payload, {"campaign_id": 7})
    assert (row["stats_id"], row["open_count"], row["campaign_id"]) == (STAT["stats_id"], 2, 7)


def test_statistics_a_number_as_stats_id_is_its_text():
    [row] = rows("campaign_statistics", {"data": [{**STAT, "stats_id": 12345}]}, {"campaign_id": 7})
    assert row["stats_id"] == "12345"


@pytest.mark.parametrize(
    ("payload", "count"),
    [
        ({"success": True, "data": {}}, 0),  # older docs' placeholder
        ({"ok": True, "data": []}, 0),
    ],
)
def test_statistics_empty_answers(payload, count):
    assert len(rows("campaign_statistics", payload, {"campaign_id": 7})) == count


def test_statistics_refuse_an_aggregate_without_per_email_rows():
    aggregate = {"success": True, "data": {"campaign_id": 7, "total_leads": 10, "opened": 3, "open_rate": 0.3}}
    with pytest.raises(APIError, match="statistics answered an object"):
        rows("campaign_statistics", aggregate, {"campaign_id": 7})


ANALYTICS = {"id": 7, "name": "Q1", "sent_count": "12", "campaign_lead_stats": {"total": 4, "revenue": 0}}


@pytest.mark.parametrize(
    "payload",
    [
        ANALYTICS,
        [ANALYTICS],
        {"ok": True, "data": [ANALYTICS]},
        {"success": True, "data": ANALYTICS},
        {"data": ANALYTICS},
    ],
)
def test_analytics_envelopes(payload):
    [row] = rows("campaign_analytics", payload, {"campaign_id": 7})
    assert (row["campaign_id"], row["sent_count"], row["name"]) == (7, 12, "Q1")


@pytest.mark.parametrize("payload", [{}, {"success": True, "data": {}}, {"ok": True, "data": []}])
def test_analytics_empty_answers_are_no_row(payload):
    assert rows("campaign_analytics", payload, {"campaign_id": 7}) == []


def test_analytics_refuse_a_scalar():
    with pytest.raises(APIError, match="expected an object or a list of objects"):
        rows("campaign_analytics", {"ok": True, "data": 3}, {"campaign_id": 7})


HOOK = {"id": 9, "name": "Replies", "webhook_url": "https://in.example/hook?secret=s3cr3t&x=1"}


@pytest.mark.parametrize(
    "payload",
    [[HOOK], {"success": True, "data": [HOOK]}, HOOK, {"ok": True, "data": HOOK}, {"webhooks": [HOOK]}],
)
def test_webhook_envelopes_and_masked_url_secrets(payload):
    [row] = rows("campaign_webhooks", payload, {"campaign_id": 7})
    assert (row["id"], row["campaign_id"]) == (9, 7)
    assert row["webhook_url"] == "https://in.example/hook?secret=***&x=1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://in.example/h?token=abc", "https://in.example/h?token=***"),
        ("https://in.example/h?api_key=abc&key=d", "https://in.example/h?api_key=***&key=***"),
        ("https://in.example/h/abc?source=sl", "https://in.example/h/abc?source=sl"),
        ("https://in.example/h", "https://in.example/h"),
    ],
)
def test_masked_url(url, expected):
    assert masked_url(url) == expected


@pytest.mark.parametrize(
    "payload", [[{"id": 1, "name": "A"}], {"success": True, "campaigns": [{"id": 1}]}, {"data": [{"id": 1}]}]
)
def test_campaign_envelopes(payload):
    assert [row["id"] for row in rows("campaigns", payload)] == [1]


def test_campaign_schedule_as_json_text_is_kept():
    schedule = '{"tz":"Europe/London","days":[1,2],"startHour":"09:00","endHour":"17:00"}'
    [row] = rows("campaigns", [{"id": 1, "scheduler_cron_value": schedule}])
    assert row["scheduler_cron_value"] == schedule


LEAD = {"campaign_lead_map_id": 2433664091, "lead": {"id": 2995276770, "custom_fields": '{"Title":"CEO"}'}}


@pytest.mark.parametrize(
    ("payload", "total"),
    [
        ({"total_leads": "42", "offset": 0, "limit": 100, "data": [LEAD]}, 42),
        ({"total": 42, "leads": [LEAD], "offset": 0, "limit": 100}, 42),
        ({"leads": [LEAD], "total_count": 42, "offset": 0, "limit": 100}, 42),
    ],
)
def test_campaign_lead_envelopes_and_totals(payload, total):
    stream = tap().streams["campaign_leads"]
    assert stream.total_of(response_of(stream, payload)) == total  # type: ignore[attr-defined]
    [row] = rows("campaign_leads", payload, {"campaign_id": 7})
    assert row["campaign_lead_map_id"] == "2433664091"
    assert row["lead"]["custom_fields"] == '{"Title":"CEO"}'


MAILBOX = {
    "id": 5,
    "from_email": "a@b.example",
    "password": "c2VjcmV0",
    "imap_password": "c2VjcmV0",
    "warmup_details": {"warmup_key_id": 789, "warmup_reputation": 95, "status": "ACTIVE"},
}


@pytest.mark.parametrize("key", ["data", "email_accounts", "accounts", "results"])
def test_mailbox_wrappers_numbers_as_text_and_no_credentials(key):
    for payload in ({key: [dict(MAILBOX, warmup_details=dict(MAILBOX["warmup_details"]))]}, {"ok": True, key: []}):
        for row in rows("email_accounts", payload):
            assert "password" not in row
            assert "imap_password" not in row
            assert row["warmup_details"]["warmup_key_id"] == "789"
            assert row["warmup_details"]["warmup_reputation"] == "95"


def test_campaign_mailboxes_reputation_in_words():
    [row] = rows(
        "campaign_email_accounts",
        {"ok": True, "data": [{"id": 5, "warmup_reputation": "excellent"}]},
        {"campaign_id": 7},
    )
    assert (row["campaign_id"], row["warmup_reputation"]) == (7, "excellent")


# Activities: the "more" flag under either name; what counts as a reply.


@pytest.mark.parametrize(
    ("payload", "flag"),
    [
        ({"data": [], "hasMore": True}, True),
        ({"data": [], "pagination": {"has_more": False, "offset": 0, "limit": 1000}}, False),
        ({"total": 0, "data": []}, None),
        ([], None),
    ],
)
def test_lead_activity_pages_more_flag(payload, flag):
    stream = tap().streams["lead_activities"]
    assert stream.has_more_flag(response_of(stream, payload)) is flag  # type: ignore[attr-defined]


REPLY = {"time": "2026-01-02T10:00:00.000Z", "reply_email_body": "Yes", "message_id": "<r1@x>"}


@pytest.mark.parametrize(
    ("activities", "mark"),
    [
        ([{"reply_details": None, "thread_replies": []}], None),
        ([{"reply_details": {}, "thread_replies": []}, {"open_count": 3}], None),
        ([{"reply_details": REPLY, "thread_replies": []}], "1@2026-01-02T10:00:00.000Z"),
        (
            [{"reply_details": REPLY, "thread_replies": [{"time": "2026-01-05T08:00:00.000Z"}, "a reply"]}],
            "3@2026-01-05T08:00:00.000Z",
        ),
        ([{"reply_details": None, "thread_replies": [{}]}], None),
    ],
)
def test_reply_mark_counts_replies_not_opens(activities, mark):
    assert reply_mark({"activities": activities}) == mark


def test_only_replied_leads_get_a_message_history_context():
    stream = tap().streams["lead_activities"]
    # A row of the window ending on 3 January, stamped with that end as its bookmark.
    lead = {"email_lead_map_id": 1, "lead_id": 2, "campaign_id": 3, "event_time_to": "2026-01-03T00:00:00.000Z"}
    silent = {**lead, "activities": [{"reply_details": None, "open_count": 4}]}
    answered = {**lead, "activities": [{"reply_details": REPLY}]}
    assert list(stream.generate_child_contexts(silent, None)) == []
    [context] = stream.generate_child_contexts(answered, None)
    assert context == {
        "campaign_id": 3,
        "lead_id": 2,
        "email_lead_map_id": 1,
        "reply_mark": "1@2026-01-02T10:00:00.000Z",
        "window_end": "2026-01-03T00:00:00.000Z",
    }
    # A docs example's activity with a number as stats_id is loaded as text.
    window_end = "2026-01-03T00:00:00.000Z"  # what the window's read stamps on each row
    answer = {"data": [{"email_lead_map_id": 1, "event_time_to": window_end, "activities": [{"stats_id": 12345}]}]}
    [row] = rows("lead_activities", answer)
    assert row["activities"][0]["stats_id"] == "12345"


# Message history: live, docs and fallback shapes.

SENT = {"stats_id": "0361acf6-1b2c-4d5e-8f90-1234567890ab", "type": "SENT", "message_id": "<m1@x>",
        "time": "2026-01-01T10:00:00.000Z", "email_seq_number": "1", "open_count": 1, "cc": []}  # fmt: skip
ANSWER = {**SENT, "type": "REPLY", "message_id": "<r1@x>", "time": "2026-01-02T10:00:00.000Z", "from": "lead@x"}
PARENT = {"campaign_id": 3, "lead_id": 2, "email_lead_map_id": 1, "reply_mark": "1@", "window_end": ""}


@pytest.mark.parametrize(
    "payload",
    [
        {"history": [SENT, ANSWER], "from": "me@x", "to": "lead@x"},
        {"data": {"history": [SENT, ANSWER], "from": "me@x", "to": "lead@x"}},
        [SENT, ANSWER],
    ],
)
def test_message_history_shapes(payload):
    sent, answer = rows("lead_message_history", payload, PARENT)
    assert [(m["campaign_id"], m["lead_id"], m["email_lead_map_id"]) for m in (sent, answer)] == [(3, 2, 1)] * 2
    assert (sent["message_id"], sent["email_seq_number"], answer["type"]) == ("<m1@x>", 1, "REPLY")
    assert answer["from"] == "lead@x"  # a message's own address wins over the thread's
    if isinstance(payload, dict):
        assert (sent["from"], sent["to"]) == ("me@x", "lead@x")


def test_message_history_docs_shape_keys_rows_by_their_id():
    docs = {"messages": [{"id": "msg_1", "subject": "Hi", "direction": "outbound", "sent_at": SENT["time"]}]}
    [row] = rows("lead_message_history", docs, PARENT)
    assert (row["message_id"], row["direction"], row["email_lead_map_id"]) == ("msg_1", "outbound", 1)


# Warm-up stats: one row per mailbox and day, with the mailbox's totals.

LIVE_WARMUP = {
    "id": 31,
    "sent_count": "12",
    "spam_count": "1",
    "inbox_count": "11",
    "warmup_email_received_count": "4",
    "stats_by_date": [
        {"id": 1, "date": "2026-01-01", "sent_count": 5, "reply_count": 1, "save_from_spam_count": 0},
        {"id": 2, "date": "2026-01-02", "sent_count": 7, "reply_count": 1, "save_from_spam_count": 1},
    ],
}
DOCS_WARMUP = {
    "total_sent": 12,
    "spam_count": 1,
    "reputation_score": 95,
    "daily_stats": [{"date": "2026-01-01", "sent": 5, "spam": 0, "delivered": 5, "opened": 2, "replied": 1}],
}


@pytest.mark.parametrize("wrap", [lambda p: p, lambda p: {"data": p}, lambda p: {"success": True, "data": p}])
def test_warmup_stats_live_and_docs_shapes(wrap):
    live = rows("email_account_warmup_stats", wrap(LIVE_WARMUP), {"email_account_id": 700})
    assert [(r["email_account_id"], r["date"], r["sent_count"]) for r in live] == [
        (700, "2026-01-01", 5),
        (700, "2026-01-02", 7),
    ]
    assert live[0]["mailbox_totals"] == {
        "id": 31,
        "sent_count": 12,
        "spam_count": 1,
        "inbox_count": 11,
        "warmup_email_received_count": 4,
    }
    [docs] = rows("email_account_warmup_stats", wrap(DOCS_WARMUP), {"email_account_id": 700})
    assert (docs["sent"], docs["mailbox_totals"]["reputation_score"]) == (5, 95)


def test_warmup_stats_without_days_are_refused():
    with pytest.raises(APIError, match="per-day list"):
        rows("email_account_warmup_stats", {"total_sent": 3, "total_spam": 0}, {"email_account_id": 700})
