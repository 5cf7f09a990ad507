"""A Smartlead API sandbox: deterministic data of any size, served with Smartlead's rules.

Enforced as Smartlead does: ``api_key`` as a query parameter (401 ``{"message": "Invalid API
Key"}``), 403 for an account without API access, limits on ``limit``/``offset`` (422), date
formats (400), ``event_time_to`` only with ``event_time_from``, ``hasMore`` paging, counters as
strings, ids past 32 bits, a per-key rate limit with ``x-ratelimit-*`` headers and a JSON 429
body, and HTML 404s for unknown routes.

Shapes are what code reading the live API has seen: bare arrays where the docs show envelopes,
``stats_id`` as a UUID (statistics, activities, message history), ``warmup_key_id`` as text and
``warmup_reputation`` as ``"95%"``, day-wise stats dated without a year (``"20 Apr"``) with their
metrics under ``email_engagement_metrics``, statistics as ``{total_stats, data, offset, limit}``,
a message history as ``{history, from, to}`` and warm-up stats with ``stats_by_date``. The spec
switch ``envelopes`` serves the docs' shapes instead: envelopes, ISO dates and flat metrics,
``stats_id`` as a number in activities, ``{messages}``, ``daily_stats``.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
import time
import typing as t
import uuid
from urllib.parse import urlencode

from sandbox import generic
from sandbox.common import iso, mix
from sandbox.lemlist import FIRST_NAMES, LAST_NAMES
from sandbox.server import Account, Reply, Request

# Only names and paths: which routes answer rows made from a stream's schema.
from tap_smartlead.streams import STREAM_TYPES

DAY_MS = 86_400_000
EPOCH_2024 = 1704067200000  # 2024-01-01T00:00:00Z in ms
HISTORY_END = 1767225600000  # 2026-01-01T00:00:00Z: the generated history ends here
ID_BASE = 2_900_000_000  # past 2**31 and 2**32 for some: ids must be 64-bit safe
STATUSES = ("DRAFTED", "ACTIVE", "PAUSED", "STOPPED", "COMPLETED", "ARCHIVED")
LEAD_STATUSES = ("STARTED", "INPROGRESS", "COMPLETED", "PAUSED", "BLOCKED")
MAX_SPAN_MS = 12 * DAY_MS  # the last event of a lead comes at most this long after its first send
REPLY_RATE = 0.05  # share of leads that answer the first email, two days after it
WARMUP_DAYS = 7  # the warm-up stats route always covers the last week
MAILBOXES_PER_CAMPAIGN = 5
STATS_IDS = uuid.UUID("5a4d1b5e-0000-4000-8000-000000000000")  # namespace of the sandbox's stats ids
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CATEGORY_NAMES = (
    "Interested",
    "Meeting Request",
    "Not Interested",
    "Do Not Contact",
    "Information Request",
    "Out Of Office",
)
# What campaign_lead_stats.interested counts: leads in a positive answer's category (ids of
# "Interested" and "Meeting Request").
INTERESTED_CATEGORIES = frozenset({1, 2})
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DEFAULTS: dict[str, int] = {
    "campaigns": 5,
    "leads_per_campaign": 40,
    "sequence_steps": 3,
    # Each mailbox costs a warm-up stats request: kept small so a default sync stays quick (paging
    # past 100 is tested with explicit sizes).
    "email_accounts": 24,
    "clients": 3,
    "lead_categories": 6,
    # Rows of each route served from its stream's schema (sandbox.generic).
    "schema_rows": 3,
}


# An agency's account with many campaigns and few other objects: two mailboxes, a few leads each.
FEW_OTHER_OBJECTS: dict[str, int] = {"email_accounts": 2, "leads_per_campaign": 4}


@functools.cache
def schema_routes() -> dict[str, str]:
    """The paths of tap-smartlead's streams that take no path parameters, to the streams' names."""
    return {path.rstrip("/"): name for name, path in generic.stream_paths(STREAM_TYPES).items() if "{" not in path}


def parse_time(value: str) -> int:
    """Smartlead's date filters: ISO 8601 or YYYY-MM-DD, as ms; ValueError otherwise."""
    text = value.strip()
    if len(text) == 10:  # YYYY-MM-DD
        day = datetime.date.fromisoformat(text)
        return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp() * 1000)
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(value)
    return int(parsed.timestamp() * 1000)


class SmartleadData:
    """One Smartlead workspace, generated on demand from a seed and sizes.

    A lead-campaign row ``i`` (email_lead_map_id order) first gets an email at
    ``first_send(i)``, which rises with ``i``; its later events fall within ``MAX_SPAN_MS``.
    Touched rows (``touch``) gain an open now, as when a lead reads an old email.
    """

    def __init__(self, spec: dict[str, t.Any]) -> None:
        self.seed = int(spec.get("seed", 1))
        self.sizes = {name: int(spec.get(name, default)) for name, default in DEFAULTS.items()}
        self.envelopes = bool(spec.get("envelopes", False))
        self.api_access = bool(spec.get("api_access", True))
        # Switches for what the live API has been seen to do: a lower cap on all-leads-activities'
        # limit, and routes that redirect (to a login page on another host, say).
        self.activities_max_limit = int(spec.get("activities_max_limit", 1000))
        self.redirects: dict[str, str] = {str(k): str(v) for k, v in spec.get("redirects", {}).items()}
        # Routes refused with a 403 to a key that reads everything else (agency clients, on some plans).
        self.forbidden = {str(path) for path in spec.get("forbidden", ())}
        # Schema drift: Smartlead adding a field to lead activities that no schema knows yet.
        self.new_activity_field = bool(spec.get("new_activity_field", False))
        # An A/B test on each campaign's first step: half its leads get variant B, which this
        # share of leads answers (variant A keeps REPLY_RATE). 0: no A/B test.
        self.variant_b_reply_rate = float(spec.get("variant_b_reply_rate", 0))
        self.touched: dict[int, list[int]] = {}  # row -> extra open times (ms)
        # Campaigns (by index) edited in the app since the account was made: when, in ms.
        self.edited: dict[int, int] = {}
        # The account's clock (ms) where a test sets it (``set_clock``); the machine's otherwise.
        self.clock_ms: int | None = None
        self.replied: dict[int, list[int]] = {}  # row -> later reply times (ms)
        self.rows = self.sizes["campaigns"] * self.sizes["leads_per_campaign"]
        # Deleted by a user since the account was made (``delete``): campaigns by index, leads by
        # row. Their activity stays, as events do.
        self.deleted_campaigns: set[int] = set()
        self.deleted_rows: set[int] = set()
        # First sends packed into ``activity_days`` before the history's end (default: all of it).
        days = spec.get("activity_days")
        last_first_send = HISTORY_END - MAX_SPAN_MS
        self.history_start = EPOCH_2024 if days is None else last_first_send - int(float(days) * DAY_MS)
        self.step_ms = max(1, (last_first_send - self.history_start) // max(1, self.rows))

    def counts(self) -> dict[str, int]:
        made = self.made_counts()
        # A stream of a route with no hand-made data reads the rows made from its schema.
        return made | {name: self.sizes["schema_rows"] for name in schema_routes().values() if name not in made}

    def made_counts(self) -> dict[str, int]:
        campaigns = self.sizes["campaigns"]
        return {
            "lead_activities": self.rows,
            "campaigns": campaigns,
            "campaign_sequences": campaigns * self.sizes["sequence_steps"] + len(self.edited),
            "campaign_leads": self.rows,
            "campaign_statistics": sum(len(self.sends(i)) for i in range(self.rows)),
            "campaign_analytics": campaigns,
            "email_accounts": self.sizes["email_accounts"],
            "campaign_email_accounts": sum(len(self.campaign_mailboxes(c)) for c in range(campaigns)),
            "clients": self.sizes["clients"],
            "lead_categories": self.sizes["lead_categories"],
            "campaign_webhooks": campaigns,
            "day_wise_stats": len(self.days(EPOCH_2024, int(time.time() * 1000))),
            "lead_message_history": sum(len(self.history(r)) for r in range(self.rows) if self.replies(r)),
            "email_account_warmup_stats": self.sizes["email_accounts"] * WARMUP_DAYS,
        }

    def touch(self, count: int) -> list[int]:
        """Give ``count`` rows a new open now; returns their email_lead_map_ids."""
        now = int(time.time() * 1000)
        picked = list(range(min(count, self.rows)))
        for row in picked:
            self.touched.setdefault(row, []).append(now)
        return [self.map_id(row) for row in picked]

    def edit(self, campaigns: list[int]) -> list[int]:
        """Campaigns (by index) edited in the app, with no lead activity: renamed, paused and
        given one more sequence step. Returns their ids."""
        now = self.now_ms()
        edited = [c for c in campaigns if 0 <= c < self.sizes["campaigns"]]
        for c in edited:
            self.edited[c] = now
        return [self.campaign_id(c) for c in edited]

    def now_ms(self) -> int:
        return self.clock_ms if self.clock_ms is not None else int(time.time() * 1000)

    def delete(self, campaigns: list[int], leads: list[tuple[int, int]]) -> None:
        """Campaigns (by index) and leads (campaign index, lead number in it) deleted by a user."""
        self.deleted_campaigns.update(campaigns)
        self.deleted_rows.update(c + n * max(1, self.sizes["campaigns"]) for c, n in leads)

    def reply(self, map_ids: list[int]) -> list[int]:
        """Give these leads (by email_lead_map_id) a new reply now; returns those that exist."""
        now = int(time.time() * 1000)
        rows = [i - self.map_id(0) for i in map_ids if 0 <= i - self.map_id(0) < self.rows]
        for row in rows:
            self.replied.setdefault(row, []).append(now)
        return [self.map_id(row) for row in rows]

    # Ids

    def campaign_id(self, c: int) -> int:
        return 1_000_000 + self.seed * 1000 + c

    def map_id(self, row: int) -> int:
        return ID_BASE + self.seed * 10_000_000 + row

    def lead_id(self, row: int) -> int:
        return ID_BASE + 1_500_000_000 + self.seed * 10_000_000 + row

    def lead_row(self, lead_id: int) -> int:
        row = lead_id - self.lead_id(0)
        return row if 0 <= row < self.rows else -1

    def stats_id(self, row: int, step: int) -> str:
        """A sent email's id: a UUID, as live code and storage types show it."""
        return str(uuid.uuid5(STATS_IDS, f"{self.seed}/{row}/{step}"))

    def row_campaign(self, row: int) -> int:
        return row % max(1, self.sizes["campaigns"])

    # Campaigns

    def campaign(self, c: int) -> dict[str, t.Any]:
        rng = random.Random(mix("sl-campaign", self.seed, c))  # noqa: S311
        created = EPOCH_2024 + c * 5 * DAY_MS
        clients = self.sizes["clients"]
        return {
            "id": self.campaign_id(c),
            "user_id": 4242,
            "created_at": iso(created),
            "updated_at": iso(created + DAY_MS),
            "status": STATUSES[c % len(STATUSES)],
            "name": f"Campaign {c + 1}",
            "track_settings": ["DONT_TRACK_LINK_CLICK"] if c % 2 else [],
            "scheduler_cron_value": {"tz": "Europe/London", "days": [1, 2, 3, 4, 5], "endHour": "17:00"},
            "min_time_btwn_emails": 10,
            "max_leads_per_day": 20 + rng.randrange(80),
            "stop_lead_settings": "REPLY_TO_AN_EMAIL",
            "parent_campaign_id": None,
            "client_id": (100 + c % clients) if clients else None,
            "enable_ai_esp_matching": bool(c % 2),
            "send_as_plain_text": False,
            "follow_up_percentage": 100,
            "schedule_start_time": iso(created + 2 * DAY_MS) if c % 2 else None,
            "unsubscribe_text": "" if c % 3 else None,
            "campaign_activity_logs": {},
        } | (
            {"name": f"Campaign {c + 1} (edited)", "status": "PAUSED", "updated_at": iso(self.edited[c])}
            if c in self.edited
            else {}
        )

    def last(self, index: int, size: str) -> bool:
        """Whether ``index`` is the last of its kind: the row that also carries the fields only
        Smartlead's docs show, so a default account fills every column of every stream."""
        return index == self.sizes[size] - 1

    def campaign_index(self, campaign_id: int) -> int:
        index = campaign_id - self.campaign_id(0)
        return index if 0 <= index < self.sizes["campaigns"] and index not in self.deleted_campaigns else -1

    def sequences(self, c: int) -> list[dict[str, t.Any]]:
        return [
            {
                "id": self.campaign_id(c) * 10 + n,
                "created_at": self.campaign(c)["created_at"],
                "updated_at": self.campaign(c)["updated_at"],
                "email_campaign_id": self.campaign_id(c),
                "seq_number": n + 1,
                "subject": "" if n else f"Quick question #{c}",
                "email_body": f"<p>Step {n + 1}</p>",
                "seq_delay_details": {"delay_in_days": 0 if n == 0 else 2 + n},
                "sequence_variants": [
                    {"id": self.variant_id(c, v), "variant_label": "AB"[v], "subject": "x"}
                    for v in range(2 if self.variant_b_reply_rate else 1)
                ]
                if n == 0
                else None,
            }
            for n in range(self.sizes["sequence_steps"] + (c in self.edited))
        ]

    # Leads and their activity

    def first_send(self, row: int) -> int:
        return self.history_start + row * self.step_ms

    def sends(self, row: int) -> list[int]:
        """Send times of each step that went out to this lead."""
        steps = 1 + mix("steps", self.seed, row) % max(1, self.sizes["sequence_steps"])
        return [self.first_send(row) + n * 3 * DAY_MS for n in range(steps)]

    def lead(self, row: int) -> dict[str, t.Any]:
        rng = random.Random(mix("sl-lead", self.seed, row))  # noqa: S311
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return {
            "id": self.lead_id(row),
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{row}@leads.example".lower(),
            "phone_number": f"+1555{row:07d}" if row % 3 else None,
            "company_name": rng.choice(["Acme", "Globex", "Initech", "Hooli"]),
            "website": "acme.example",
            "location": rng.choice(["London", "Paris", "Austin", None]),
            "custom_fields": {"Title": rng.choice(["CEO", "CTO", "VP Sales"]), "Tier": str(rng.randrange(1, 4))},
            "linkedin_profile": f"https://www.linkedin.com/in/sl{row}",
            "company_url": "https://acme.example",
            "is_unsubscribed": row % 17 == 0,
            "unsubscribed_client_id_map": {},
        }

    def replied_at_first(self, row: int) -> bool:
        rate = self.variant_b_reply_rate if self.first_step_variant(row) == 1 else REPLY_RATE
        return random.Random(mix("sl-reply", self.seed, row)).random() < rate  # noqa: S311

    def first_step_variant(self, row: int) -> int | None:
        """Which variant of the first step the lead got (0: A, 1: B), when the step is A/B tested."""
        if not self.variant_b_reply_rate:
            return None
        return row // max(1, self.sizes["campaigns"]) % 2

    def variant_id(self, c: int, variant: int) -> int:
        return self.campaign_id(c) * 100 + variant

    def first_step_variant_id(self, row: int) -> int | None:
        variant = self.first_step_variant(row)
        return None if variant is None else self.variant_id(self.row_campaign(row), variant)

    @functools.cached_property
    def docs_history_row(self) -> int:
        """The one lead whose thread comes in the docs' shape, so every column is exercised."""
        return max((r for r in range(self.rows) if self.replied_at_first(r)), default=-1)

    def replies(self, row: int) -> list[dict[str, t.Any]]:
        """The lead's replies to its first email, oldest first."""
        first = self.replied_at_first(row)
        times = ([self.first_send(row) + 2 * DAY_MS] if first else []) + self.replied.get(row, [])
        return [
            {
                "time": iso(when),
                "reply_email_body": "Thanks for reaching out" if n == 0 else f"Following up ({n})",
                "message_id": f"<reply.{row}.{n}@leads.example>",
            }
            for n, when in enumerate(times)
        ]

    def activity(self, row: int, step: int, sent: int) -> dict[str, t.Any]:
        rng = random.Random(mix("sl-act", self.seed, row, step))  # noqa: S311
        opens = rng.randrange(4) + (len(self.touched.get(row, [])) if step == 0 else 0)
        replies = self.replies(row) if step == 0 else []
        lead = self.lead(row)
        return {
            "stats_id": self.map_id(row) * 10 + step if self.envelopes else self.stats_id(row, step),
            "message_id": f"<{row}.{step}@mail.sandbox.example>",
            "subject": f"Quick question #{self.row_campaign(row)}" if step == 0 else "",
            "email_body": f"<p>Step {step + 1}</p>",
            "sent_time": iso(sent),
            "from_email": f"sender{row % max(1, self.sizes['email_accounts'])}@company.example",
            "to_email": lead["email"],
            "email_seq_number": step + 1,
            "open_count": opens,
            "click_count": rng.randrange(2),
            "click_details": {"https://acme.example/pricing": 1} if rng.random() < 0.3 else {},
            # The first reply answers the email; later ones join its thread.
            "reply_details": replies[0] if replies else None,
            "thread_replies": replies[1:],
        }

    def history(self, row: int) -> list[dict[str, t.Any]]:
        """The lead's thread as the message-history route lists it: sent emails and replies."""
        lead = self.lead(row)
        items = []
        for step, sent in enumerate(self.sends(row)):
            activity = self.activity(row, step, sent)
            items.append(
                {
                    "stats_id": activity["stats_id"],
                    "type": "SENT",
                    "message_id": activity["message_id"],
                    "time": activity["sent_time"],
                    "email_body": activity["email_body"],
                    "subject": activity["subject"],
                    "email_seq_number": str(step + 1),
                    "open_count": activity["open_count"],
                    "click_count": activity["click_count"],
                    "click_details": activity["click_details"],
                    "cc": [],
                    "bcc": [],
                }
            )
        for reply in self.replies(row):
            items.append(
                {
                    "stats_id": self.stats_id(row, 0),
                    "type": "REPLY",
                    "message_id": reply["message_id"],
                    "time": reply["time"],
                    "email_body": f"<p>{reply['reply_email_body']}</p>",
                    "subject": f"Re: Quick question #{self.row_campaign(row)}",
                    "email_seq_number": "1",
                    "open_count": 0,
                    "click_count": 0,
                    "click_details": {},
                    "cc": [lead["email"].replace("@", "+cc@")] if len(items) % 2 else [],
                }
            )
        return sorted(items, key=lambda item: str(item["time"]))

    def docs_history(self, row: int) -> list[dict[str, t.Any]]:
        """The docs' shape of the same thread."""
        return [
            {
                "id": f"msg_{row}_{n}",
                "subject": item["subject"],
                "direction": "outbound" if item["type"] == "SENT" else "inbound",
                "sent_at": item["time"] if item["type"] == "SENT" else None,
                "opened_at": item["time"] if item["type"] == "SENT" and item["open_count"] else None,
                "received_at": item["time"] if item["type"] == "REPLY" else None,
            }
            for n, item in enumerate(self.history(row))
        ]

    def event_times(self, row: int) -> list[int]:
        times = []
        for step, sent in enumerate(self.sends(row)):
            times.append(sent)
            if step == 0:
                times.append(sent + 2 * DAY_MS)  # opens and replies land within days
        return times + self.touched.get(row, []) + self.replied.get(row, [])

    def lead_activity_row(self, row: int) -> dict[str, t.Any]:
        c = self.row_campaign(row)
        campaign = self.campaign(c)
        return {
            "lead_id": self.lead_id(row),
            "email_lead_map_id": self.map_id(row),
            "campaign_id": campaign["id"],
            "campaign_name": campaign["name"],
            "campaign_status": campaign["status"],
            "status": LEAD_STATUSES[row % len(LEAD_STATUSES)],
            "current_seq_num": len(self.sends(row)),
            "created_at": iso(self.first_send(row) - DAY_MS),
            "activities": [self.activity(row, step, sent) for step, sent in enumerate(self.sends(row))],
        } | ({"lead_score": row % 100} if self.new_activity_field else {})

    def activity_rows(self, low: int | None, high: int | None) -> list[int]:
        """Rows with an event in [low, high], in email_lead_map_id order."""
        if low is None:
            return list(range(self.rows))
        high = high if high is not None else 2**62
        first = max(0, (low - MAX_SPAN_MS - self.history_start) // self.step_ms)
        last = min(self.rows - 1, (high - self.history_start) // self.step_ms + 1)
        candidates = set(range(first, last + 1)) | set(self.touched) | set(self.replied)
        return sorted(r for r in candidates if any(low <= e <= high for e in self.event_times(r)))

    def campaign_rows(self, c: int) -> list[int]:
        """The lead rows of campaign ``c``, deleted ones left out."""
        return [row for row in range(c, self.rows, max(1, self.sizes["campaigns"])) if row not in self.deleted_rows]

    def lead_category_id(self, row: int) -> int | None:
        """The category a quarter of the leads are in, each category in turn."""
        return (row // 4 % self.sizes["lead_categories"]) + 1 if row % 4 == 0 else None

    def campaign_lead(self, row: int) -> dict[str, t.Any]:
        return {
            "campaign_lead_map_id": self.map_id(row) + 7_000_000,
            "lead_category_id": self.lead_category_id(row),
            "status": LEAD_STATUSES[row % len(LEAD_STATUSES)],
            "created_at": iso(self.first_send(row) - DAY_MS),
            "lead": self.lead(row),
        }

    def statistic(self, row: int, step: int, sent: int) -> dict[str, t.Any]:
        activity = self.activity(row, step, sent)
        lead = self.lead(row)
        reply = activity["reply_details"]
        return {
            "stats_id": self.stats_id(row, step),
            "lead_name": f"{lead['first_name']} {lead['last_name']}",
            "lead_email": lead["email"],
            "lead_category": self.category_name(self.lead_category_id(row)),
            "sequence_number": step + 1,
            "email_campaign_seq_id": self.campaign_id(self.row_campaign(row)) * 10 + step,
            "seq_variant_id": None if step else self.first_step_variant_id(row),
            "email_subject": activity["subject"],
            "email_message": activity["email_body"],
            "sent_time": iso(sent),
            "open_time": iso(sent + 3_600_000) if activity["open_count"] else None,
            "click_time": iso(sent + 7_200_000) if activity["click_count"] else None,
            "reply_time": reply["time"] if reply else None,
            "open_count": str(activity["open_count"]),
            "click_count": str(activity["click_count"]),
            "is_unsubscribed": lead["is_unsubscribed"],
            "is_bounced": row % 23 == 0,
            "email_account_id": 700_000 + row % max(1, self.sizes["email_accounts"]),
        }

    def statistics(self, c: int, low: int | None, high: int | None) -> list[dict[str, t.Any]]:
        rows = []
        for row in self.campaign_rows(c):
            for step, sent in enumerate(self.sends(row)):
                if (low is None or sent >= low) and (high is None or sent <= high):
                    rows.append(self.statistic(row, step, sent))
        return rows

    def analytics(self, c: int) -> dict[str, t.Any]:
        """The campaign's counters, counted from its sent emails (``statistics``): ``unique_*`` are
        leads (sent to, who opened, who clicked), the others emails, opens and clicks."""
        rows = self.campaign_rows(c)
        emails = self.statistics(c, None, None)
        sent, opens = len(emails), sum(int(e["open_count"]) for e in emails)
        campaign = self.campaign(c)
        return {
            "id": campaign["id"],
            "user_id": campaign["user_id"],
            "created_at": campaign["created_at"],
            "status": campaign["status"],
            "name": campaign["name"],
            "sent_count": str(sent),
            "unique_sent_count": str(len({e["lead_email"] for e in emails})),
            "open_count": str(opens),
            "unique_open_count": str(len({e["lead_email"] for e in emails if e["open_time"]})),
            "click_count": str(sum(int(e["click_count"]) for e in emails)),
            "unique_click_count": str(len({e["lead_email"] for e in emails if e["click_time"]})),
            "reply_count": str(sum(1 for e in emails if e["reply_time"])),
            "block_count": "0",
            "total_count": str(len(rows)),
            "drafted_count": "0",
            "bounce_count": str(sum(1 for e in emails if e["is_bounced"])),
            "unsubscribed_count": str(len({e["lead_email"] for e in emails if e["is_unsubscribed"]})),
            "campaign_lead_stats": {
                "total": len(rows),
                "paused": 0,
                "blocked": 0,
                "stopped": 0,
                "completed": len(rows) // 2,
                "inprogress": len(rows) - len(rows) // 2,
                "notStarted": 0,
                "interested": sum(1 for row in rows if self.lead_category_id(row) in INTERESTED_CATEGORIES),
                "revenue": 0,
            },
            "sequence_count": str(self.sizes["sequence_steps"]),
            "tags": [{"id": 50 + c % 3, "name": ["Q1", "EMEA", "Warm"][c % 3], "color": "#3366ff"}],
            "client_id": campaign["client_id"],
            "parent_campaign_id": None,
            "team_member_id": None,
            "send_as_plain_text": campaign["send_as_plain_text"],
            "client_name": None if campaign["client_id"] is None else f"Client {campaign['client_id'] - 99}",
            "client_email": None if campaign["client_id"] is None else f"client{campaign['client_id'] - 100}@agency.ex",
            "client_company_name": None,
            **(self.docs_analytics(c, rows, sent, opens) if self.last(c, "campaigns") else {}),
        }

    def docs_analytics(self, c: int, rows: list[int], sent: int, opens: int) -> dict[str, t.Any]:
        """The docs' names for the same counters, with rates in percent."""
        leads = max(1, len(rows))
        return {
            "campaign_name": self.campaign(c)["name"],
            "total_sent": sent,
            "total_opened": opens,
            "total_clicked": len(rows) // 5,
            "total_replied": len(rows) // 5,
            "open_rate": round(100 * opens / max(1, sent), 2),
            "click_rate": round(100 * (len(rows) // 5) / leads, 2),
            "reply_rate": round(100 * (len(rows) // 5) / leads, 2),
            "bounce_rate": round(100 * sum(1 for r in rows if r % 23 == 0) / leads, 2),
            "unsubscribe_rate": round(100 * sum(1 for r in rows if r % 17 == 0) / leads, 2),
        }

    # Mailboxes, clients, categories, webhooks, day-wise stats

    def email_account(self, i: int) -> dict[str, t.Any]:
        return {
            "id": 700_000 + i,
            "created_at": iso(EPOCH_2024 + i * 3_600_000),
            "updated_at": iso(EPOCH_2024 + i * 3_600_000 + DAY_MS),
            "user_id": 4242,
            "from_name": f"Sender {i}",
            "from_email": f"sender{i}@company.example",
            "username": f"sender{i}@company.example",
            "password": f"c21hcnRsZWFkLXNtdHAt{i:04d}",
            "smtp_host": "smtp.company.example",
            "smtp_port": 587,
            "smtp_port_type": "TLS",
            "message_per_day": 40,
            "different_reply_to_address": "",
            "is_different_imap_account": i % 5 == 0,
            "imap_username": f"sender{i}@company.example",
            "imap_password": f"aW1hcC1wYXNzd29yZC0{i:04d}",
            "imap_host": "imap.company.example",
            "imap_port": 993,
            "imap_port_type": "SSL",
            "signature": "<p>Best</p>",
            "custom_tracking_domain": None,
            "bcc_email": None,
            "is_smtp_success": True,
            "is_imap_success": i % 9 != 0,
            "smtp_failure_error": None,
            "imap_failure_error": "AUTH failed" if i % 9 == 0 else None,
            "type": ["SMTP", "GMAIL", "OUTLOOK"][i % 3],
            "daily_sent_count": str(i % 40),
            "client_id": (100 + i % self.sizes["clients"]) if self.sizes["clients"] else None,
            "campaign_count": int(i // max(1, self.sizes["campaigns"]) < MAILBOXES_PER_CAMPAIGN),
            "minTimeToWaitInMins": 10 if i % 2 else None,
            "expires_at": iso(HISTORY_END + i * DAY_MS) if i % 3 else None,
            "is_connected_to_campaign": i // max(1, self.sizes["campaigns"]) < MAILBOXES_PER_CAMPAIGN,
            "tags": [],
            # Not started yet on every seventh mailbox.
            "warmup_details": None
            if i % 7 == 6
            else {
                "status": "ACTIVE",
                "warmup_created_at": iso(EPOCH_2024 + i * 3_600_000 + DAY_MS),
                "total_sent_count": 120 + i,
                "total_spam_count": i % 4,
                "warmup_reputation": f"{90 + i % 11}%",
                "warmup_key_id": ["group-broth", "plain-otter", "amber-flint"][i % 3] + f"-{i}",
                "reply_rate": 30,
                "blocked_reason": None,
                "warmup_min_count": 5,
                "warmup_max_count": 40,
                "max_email_per_day": 40,
            },
            "oauth_refresh_token": f"1//sandbox-refresh-{i}" if i % 3 else None,
        }

    def docs_campaign_mailbox(self, mailbox: dict[str, t.Any]) -> dict[str, t.Any]:
        """Fields the docs show on the campaign's mailboxes only (current and an older version)."""
        return {
            "warmup_enabled": mailbox["warmup_details"] is not None,
            "warmup_reputation": "excellent",
            "email_address": mailbox["from_email"],
            "is_active": True,
            "daily_limit": mailbox["message_per_day"],
            "sent_today": mailbox["daily_sent_count"],
        }

    def warmup_stats(self, i: int) -> dict[str, t.Any]:
        """A mailbox's warm-up over the last week: totals (as strings) and one entry per day."""
        now = datetime.datetime.fromtimestamp(self.now_ms() / 1000, datetime.timezone.utc)
        today = now.date()
        days = [today - datetime.timedelta(days=n) for n in range(WARMUP_DAYS - 1, -1, -1)]
        per_day = [(day, *self.warmup_day(i, day, now)) for day in days]
        if self.envelopes or self.last(i, "email_accounts"):
            return {
                "total_sent": sum(sent for _, sent, _, _ in per_day),
                "spam_count": sum(spam for _, _, _, spam in per_day),
                "reputation_score": 90 + i % 11,
                "daily_stats": [
                    {"date": day.isoformat(), "sent": sent, "spam": spam, "delivered": sent - spam,
                     "opened": replied * 2, "replied": replied}
                    for day, sent, replied, spam in per_day
                ],
            }  # fmt: skip
        sent_total = sum(sent for _, sent, _, _ in per_day)
        spam_total = sum(spam for _, _, _, spam in per_day)
        return {
            "id": 800_000 + i,
            "sent_count": str(sent_total),
            "spam_count": str(spam_total),
            "inbox_count": str(sent_total - spam_total),
            "warmup_email_received_count": str(sum(replied for _, _, replied, _ in per_day) * 2),
            "stats_by_date": [
                {"id": 900_000 + i * 100 + n, "date": day.isoformat(), "sent_count": sent, "reply_count": replied,
                 "save_from_spam_count": spam}
                for n, (day, sent, replied, spam) in enumerate(per_day)
            ],
        }  # fmt: skip

    def warmup_day(self, i: int, day: datetime.date, now: datetime.datetime) -> tuple[int, int, int]:
        """Mailbox ``i``'s warm-up on ``day`` as seen at ``now``: (sent, replied, saved from spam).
        Today's counts grow with the hours gone, as the warm-up network sends through the day."""
        rng = random.Random(mix("sl-warmup", self.seed, i, day.toordinal()))  # noqa: S311
        sent = 5 + rng.randrange(30)
        replied, spam = rng.randrange(sent // 3 + 1), rng.randrange(3)
        if day < now.date():
            return sent, replied, spam
        share = (now - datetime.datetime.combine(day, datetime.time(), now.tzinfo)) / datetime.timedelta(days=1)
        return int(sent * share), int(replied * share), int(spam * share)

    def campaign_mailboxes(self, c: int) -> list[int]:
        campaigns = max(1, self.sizes["campaigns"])
        return [i for i in range(self.sizes["email_accounts"]) if i % campaigns == c][:MAILBOXES_PER_CAMPAIGN]

    def client(self, i: int) -> dict[str, t.Any]:
        return {
            "id": 100 + i,
            "name": f"Client {i + 1}",
            "email": f"client{i}@agency.example",
            "uuid": f"00000000-0000-4000-8000-{i:012d}",
            "created_at": iso(EPOCH_2024 + i * DAY_MS),
            "user_id": 4242,
            "logo": None,
            "logo_url": None,
            "client_permision": {"permission": ["reply_master_inbox"], "retricted_category": []},
        }

    def category_name(self, category_id: int | None) -> str | None:
        return None if category_id is None else self.lead_category(category_id - 1)["name"]

    def lead_category(self, i: int) -> dict[str, t.Any]:
        return {
            "id": i + 1,
            "name": CATEGORY_NAMES[i % len(CATEGORY_NAMES)] + ("" if i < len(CATEGORY_NAMES) else f" {i}"),
            "sentiment_type": ["positive", "positive", "negative", "negative", "neutral", "neutral"][i % 6],
            "created_at": iso(EPOCH_2024),
        }

    def webhook(self, c: int) -> dict[str, t.Any]:
        # Receivers are often authenticated by a secret in the URL Smartlead calls.
        query = f"?secret=hook-secret-{self.seed}-{c}&source=smartlead" if c % 2 == 0 else ""
        return {
            "id": 9000 + c,
            "name": f"Hook {c}",
            "webhook_url": f"https://hooks.agency.example/{c}{query}",
            "email_campaign_id": self.campaign_id(c),
            "event_types": ["EMAIL_REPLY", "LEAD_CATEGORY_UPDATED"],
            "categories": ["Interested"] if c % 2 else [],
            "created_at": iso(EPOCH_2024 + c * DAY_MS),
            "updated_at": iso(EPOCH_2024 + c * DAY_MS),
            **({"is_active": True} if self.last(c, "campaigns") else {}),
        }

    def days(self, low: int, high: int) -> list[dict[str, t.Any]]:
        """Day-wise stats of the days in [low, high] up to today: live, dated without a year and
        nested; the docs' shape (``envelopes``) dated in ISO and flat."""
        first = max(low, EPOCH_2024) // DAY_MS
        last = min(high, int(time.time() * 1000)) // DAY_MS
        result: list[dict[str, t.Any]] = []
        for day in range(first, last + 1):
            rng = random.Random(mix("day", self.seed, day))  # noqa: S311
            date = datetime.datetime.fromtimestamp(day * 86_400, datetime.timezone.utc).date()
            sent = rng.randrange(200) if day * DAY_MS < HISTORY_END else 0
            metrics = {
                "sent": sent,
                "opened": sent // 3,
                "replied": sent // 20,
                "bounced": 0,
                "unsubscribed": sent // 90,
            }
            if self.envelopes:
                result.append({"date": date.isoformat(), **{k: v for k, v in metrics.items() if k != "unsubscribed"}})
                continue
            result.append(
                {
                    "date": f"{date.day:02d} {MONTHS[date.month - 1]}",
                    "day_name": WEEKDAYS[date.weekday()],
                    "email_engagement_metrics": metrics,
                }
            )
        return result


def page_slice(query: dict[str, str], default_limit: int, max_limit: int) -> tuple[int, int] | Reply:
    """(offset, limit), or a 422 that names the parameter, as Smartlead's validation does."""
    for name, low, high, default in (("offset", 0, 10**9, 0), ("limit", 1, max_limit, default_limit)):
        value = query.get(name, str(default))
        if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
            return Reply.json(
                {
                    "error": "Validation Error",
                    "message": f'"{name}" must be between {low} and {high}',
                    "details": [{"path": [name], "message": f'"{name}" must be between {low} and {high}'}],
                },
                422,
            )
    return int(query.get("offset", 0)), int(query.get("limit", default_limit))


def bad_date(name: str) -> Reply:
    return Reply.json({"error": "Bad Request", "message": f"Invalid date format for {name}"}, 400)


class SmartleadApp:
    """Routes and rules of the Smartlead API (``/api/v1``)."""

    name = "smartlead"
    rate_limit = 10
    rate_period = 2.0

    def build_data(self, spec: dict[str, t.Any]) -> SmartleadData:
        return SmartleadData(spec)

    def key_of(self, request: Request) -> str | None:
        return request.query.get("api_key") or None

    def unauthorized(self) -> Reply:
        return Reply.json({"message": "Invalid API Key"}, 401)

    def rate_headers(self, remaining: int, frees_in: float, now: float) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(math.ceil(now + frees_in)),
        }

    def too_many_requests(self, frees_in: float) -> Reply:
        wait = max(1, math.ceil(frees_in))
        reply = Reply.json({"error": {"code": "RATE_LIMIT_EXCEEDED", "retry_after": wait}}, 429)
        reply.headers["Retry-After"] = str(wait)
        return reply

    def not_found(self, request: Request) -> Reply:
        return Reply.html(f"<!DOCTYPE html><html><body><pre>Cannot GET {request.path}</pre></body></html>", 404)

    def control(self, account: Account, action: str, request: Request) -> Reply | None:
        if action == "touch" and request.method == "POST":
            return Reply.json({"ids": account.data.touch(int(request.json().get("count", 1)))})
        if action == "delete" and request.method == "POST":
            body = request.json()
            account.data.delete(
                [int(c) for c in body.get("campaigns", [])], [(int(c), int(n)) for c, n in body.get("leads", [])]
            )
            return Reply.json({"deleted": True})
        if action == "edit" and request.method == "POST":
            return Reply.json({"ids": account.data.edit([int(c) for c in request.json().get("campaigns", [])])})
        if action == "clock" and request.method == "PUT":
            now = request.json().get("now")
            account.data.clock_ms = None if now is None else parse_time(str(now))
            return Reply.json({"now": account.data.now_ms()})
        if action == "reply" and request.method == "POST":
            return Reply.json({"ids": account.data.reply([int(i) for i in request.json().get("ids", [])])})
        return None

    def route(self, account: Account, request: Request) -> Reply:
        data: SmartleadData = account.data
        if not data.api_access:
            return Reply.json({"message": "Access denied"}, 403)
        path = request.path.removeprefix("/api/v1").rstrip("/")
        query = request.query
        if path in data.redirects:
            return Reply(302, b"", "text/plain", {"Location": f"{data.redirects[path]}?{urlencode(query)}"})
        if request.method != "GET":
            return self.not_found(request)
        if path in data.forbidden:
            return Reply.json({"message": "Access denied"}, 403)
        envelope = data.envelopes
        if path == "/campaigns/all-leads-activities":
            return self.all_leads_activities(data, query)
        if path == "/campaigns":
            return self.campaigns(data, query)
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "campaigns" and parts[1].isdigit():
            return self.campaign_child(data, data.campaign_index(int(parts[1])), parts[2], query, request)
        if len(parts) == 5 and parts[0] == "campaigns" and parts[2] == "leads" and parts[4] == "message-history":
            return self.message_history(data, parts[1], parts[3])
        if path == "/email-accounts":
            bounds = page_slice(query, 100, 100)
            if isinstance(bounds, Reply):
                return bounds
            offset, limit = bounds
            total = data.sizes["email_accounts"]
            return Reply.json([data.email_account(i) for i in range(offset, min(total, offset + limit))])
        if len(parts) == 3 and parts[0] == "email-accounts" and parts[2] == "warmup-stats":
            mailbox = int(parts[1]) - 700_000 if parts[1].isdigit() else -1
            if not 0 <= mailbox < data.sizes["email_accounts"]:
                return Reply.json({"error": "Email account not found"}, 404)
            return Reply.json(data.warmup_stats(mailbox))
        if path == "/client":
            rows = [data.client(i) for i in range(data.sizes["clients"])]
            return Reply.json({"ok": True, "data": rows} if envelope else rows)
        if path == "/leads/fetch-categories":
            return Reply.json([data.lead_category(i) for i in range(data.sizes["lead_categories"])])
        if path == "/analytics/day-wise-overall-stats":
            return self.day_wise_stats(data, query)
        return self.from_schema(data, path) or self.not_found(request)

    def from_schema(self, data: SmartleadData, path: str) -> Reply | None:
        """A list of rows made from the schema of the tap stream that reads ``path``, for a
        route with no hand-made data."""
        name = schema_routes().get(path)
        if name is None:
            return None
        fields = generic.schema_fields("tap_smartlead", name)
        return Reply.json([generic.row(fields, data.seed, n) for n in range(data.sizes["schema_rows"])])

    def campaigns(self, data: SmartleadData, query: dict[str, str]) -> Reply:
        client = query.get("client_id")
        rows = [data.campaign(c) for c in range(data.sizes["campaigns"]) if c not in data.deleted_campaigns]
        if client:
            rows = [row for row in rows if str(row["client_id"]) == client]
        if query.get("include_tags") == "true":
            for row in rows:
                row["tags"] = [
                    {
                        "tag_id": 50 + row["id"] % 3,
                        "tag_name": ["Q1", "EMEA", "Warm"][row["id"] % 3],
                        "tag_color": "#3366ff",
                    }
                ]
        return Reply.json({"success": True, "campaigns": rows} if data.envelopes else rows)

    def message_history(self, data: SmartleadData, campaign: str, lead: str) -> Reply:
        row = data.lead_row(int(lead)) if lead.isdigit() else -1
        if row < 0 or not campaign.isdigit() or data.campaign_index(int(campaign)) != data.row_campaign(row):
            return Reply.json({"error": "Lead not found in this campaign"}, 404)
        if data.envelopes or row == data.docs_history_row:
            return Reply.json({"messages": data.docs_history(row)})
        mailbox = data.activity(row, 0, data.first_send(row))["from_email"]
        return Reply.json({"history": data.history(row), "from": mailbox, "to": data.lead(row)["email"]})

    def all_leads_activities(self, data: SmartleadData, query: dict[str, str]) -> Reply:
        bounds = page_slice(query, 100, data.activities_max_limit)
        if isinstance(bounds, Reply):
            return bounds
        offset, limit = bounds
        if "event_time_to" in query and "event_time_from" not in query:
            return Reply.json({"error": "Bad Request", "message": "event_time_to requires event_time_from"}, 400)
        try:
            low = parse_time(query["event_time_from"]) if "event_time_from" in query else None
        except ValueError:
            return bad_date("event_time_from")
        try:
            high = parse_time(query["event_time_to"]) if "event_time_to" in query else None
        except ValueError:
            return bad_date("event_time_to")
        rows = data.activity_rows(low, high)
        page = rows[offset : offset + limit]
        return Reply.json({"data": [data.lead_activity_row(r) for r in page], "hasMore": offset + limit < len(rows)})

    def campaign_child(self, data: SmartleadData, c: int, child: str, query: dict[str, str], request: Request) -> Reply:
        if c < 0:
            return Reply.json({"error": "Campaign not found"}, 404)
        envelope = data.envelopes
        if child == "sequences":
            rows = data.sequences(c)
            return Reply.json({"success": True, "data": rows} if envelope else rows)
        if child == "leads":
            bounds = page_slice(query, 100, 100)
            if isinstance(bounds, Reply):
                return bounds
            offset, limit = bounds
            leads = data.campaign_rows(c)
            page = [data.campaign_lead(r) for r in leads[offset : offset + limit]]
            return Reply.json({"total_leads": str(len(leads)), "offset": offset, "limit": limit, "data": page})
        if child == "statistics":
            return self.statistics(data, c, query)
        if child == "analytics":
            analytics = data.analytics(c)
            if not envelope:
                return Reply.json(analytics)
            # The docs print it as a list of one under {ok, data}, and as an object under {success, data}.
            return Reply.json({"success": True, "data": analytics} if c % 2 else {"ok": True, "data": [analytics]})
        if child == "email-accounts":
            rows = [data.email_account(i) for i in data.campaign_mailboxes(c)]
            if rows and data.last(c, "campaigns"):
                rows[0] |= data.docs_campaign_mailbox(rows[0])
            return Reply.json({"ok": True, "data": rows} if envelope else rows)
        if child == "webhooks":
            hook = data.webhook(c)
            if not envelope:
                return Reply.json([hook])
            # The docs' list envelope; one object (the OpenAPI file); a list under "webhooks".
            return Reply.json([{"success": True, "data": [hook]}, hook, {"webhooks": [hook]}][c % 3])
        return self.not_found(request)

    def statistics(self, data: SmartleadData, c: int, query: dict[str, str]) -> Reply:
        bounds = page_slice(query, 100, 1000)
        if isinstance(bounds, Reply):
            return bounds
        offset, limit = bounds
        limits = []
        for name, end_of_day in (("sent_time_start_date", 0), ("sent_time_end_date", DAY_MS - 1)):
            try:
                value = query.get(name)
                limits.append(None if value is None else parse_time(value) + (end_of_day if len(value) == 10 else 0))
            except ValueError:
                return bad_date(name)
        rows = data.statistics(c, limits[0], limits[1])
        page = rows[offset : offset + limit]
        if data.envelopes:
            return Reply.json({"ok": True, "data": page, "offset": offset, "limit": limit})
        return Reply.json({"total_stats": str(len(rows)), "offset": offset, "limit": limit, "data": page})

    def day_wise_stats(self, data: SmartleadData, query: dict[str, str]) -> Reply:
        try:
            low = parse_time(query["start_date"])
            high = parse_time(query["end_date"]) + DAY_MS - 1
        except KeyError as missing:
            return Reply.json({"error": "Validation Error", "message": f"{missing.args[0]} is required"}, 422)
        except ValueError:
            return bad_date("start_date/end_date")
        if high < low:
            return Reply.json({"error": "Invalid parameters provided", "message": "start_date after end_date"}, 422)
        days = {"day_wise_stats": data.days(low, high)}
        if data.envelopes:
            return Reply.json({"ok": True, "data": days})
        return Reply.json({"success": True, "message": "Day-wise overall stats fetched", "data": days})
