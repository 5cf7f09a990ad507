"""A lemlist API sandbox: deterministic data of any size, served with lemlist's rules.

Enforced as lemlist does: Basic auth (empty user, key as password), ``version=v2`` on
/activities, ``limit`` <= 100, ``maxDate`` > ``minDate``, newest-first activities, 20 requests
per 2 s per key with ``Retry-After``/``X-RateLimit-*`` (the reset as a human-readable date),
402 plan gates, text/plain errors, and an HTML 200 for unknown paths.
"""

from __future__ import annotations

import base64
import bisect
import datetime
import math
import random
import string
import time
import typing as t

from sandbox.common import iso, mix
from sandbox.generic import payload, served_route, stream_paths
from sandbox.server import Account, Reply, Request

# Only names and paths: which tables read the rows made from the spec.
from tap_lemlist.streams import STREAM_TYPES

ALPHABET = string.ascii_letters + string.digits
EPOCH_2023 = 1672531200000  # 2023-01-01T00:00:00Z in ms
HISTORY_END = 1767225600000  # 2026-01-01T00:00:00Z in ms: the generated history ends here
DAY_MS = 86_400_000

# Every type lemlist sends, weighted towards a campaign's usual funnel: many sends, fewer opens,
# a few clicks and replies.
ACTIVITY_TYPES = (
    *("emailsSent",) * 12,
    *("emailsOpened",) * 6,
    *("emailsClicked",) * 2,
    *("emailsReplied",) * 2,
    "emailsBounced",
    "emailsFailed",
    "emailsInterested",
    "emailsNotInterested",
    "emailsUnsubscribed",
    "linkedinVisitDone",
    "linkedinInviteDone",
    "linkedinInviteAccepted",
    "linkedinSent",
    "linkedinOpened",
    "linkedinReplied",
    "manualDone",
    "manualInterested",
    "manualNotInterested",
    "paused",
    "resumed",
    "annotated",
    "conditionChosen",
    "meetingBooked",
    "skipped",
    "snoozed",
    "campaignComplete",
    "whatsappMessageSent",
    "aircallDone",
    "apiDone",
)
TEAMLESS_TYPES = {"annotated"}
# What each counter of lemlist's campaign stats counts, by activity type. The sandbox computes its
# stats from its own activities, so a model built on the activities can be checked against them.
# As the spec words them, message counters ("Number of messages opened") count messages, a lead's
# step, once however often it was opened, and leave out what a mail scanner did (``bot``); event
# counters count activities; lead counters (``nbLeads*``) count leads.
STATS_COUNT: dict[str, frozenset[str]] = {
    "sent": frozenset({"emailsSent", "linkedinSent", "whatsappMessageSent"}),
    "not_sent": frozenset({"emailsFailed"}),
    "opened": frozenset({"emailsOpened", "linkedinOpened"}),
    "clicked": frozenset({"emailsClicked"}),
    "replied": frozenset({"emailsReplied", "linkedinReplied"}),
    "bounced": frozenset({"emailsBounced"}),
    "unsubscribed": frozenset({"emailsUnsubscribed"}),
    "interested": frozenset({"emailsInterested", "manualInterested"}),
    "not_interested": frozenset({"emailsNotInterested", "manualNotInterested"}),
    "interrupted": frozenset({"paused"}),
    "invited": frozenset({"linkedinInviteDone"}),
    "invitation_accepted": frozenset({"linkedinInviteAccepted"}),
    "meeting_booked": frozenset({"meetingBooked"}),
}
MESSAGE_COUNTERS = frozenset({"sent", "not_sent", "opened", "clicked", "replied", "bounced"})
# Mail scanners open and click: a share of those activities carry ``bot``.
BOT_TYPES = frozenset({"emailsOpened", "emailsClicked"})
BOT_PERCENT = 5

FIRST_NAMES = ("Ada", "Sam", "Lina", "Omar", "Chen", "Ines", "Noah", "Zoe", "Ravi", "Mia")
LAST_NAMES = ("Martin", "Taylor", "Dubois", "Okafor", "Kim", "Rossi", "Silva", "Berg")
COMPANIES = ("Acme Inc", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Vandelay")
CUSTOM_VARIABLES = ("jobTitle", "industry", "preferredContactMethod", "Company name", "icebreaker")
SIGNAL_TYPES = ("jobChange", "fundraising", "hiring", "newsMention", "techAdoption")
STEP_TYPES = ("email", "linkedinVisit", "linkedinInvite", "manual", "phone", "conditional")

DEFAULTS: dict[str, int] = {
    "activities": 250,
    "campaigns": 6,
    "leads_per_campaign": 15,
    "contacts": 620,
    "companies": 510,
    "unsubscribes": 130,
    "tasks": 120,
    "signals": 230,
    "schedules": 3,
    "hooks": 2,
    "fields": 6,
    "labels": 4,
    "lists": 3,
    "senders": 3,
    "alerts": 2,
    "conversations": 130,
    "watchlists": 2,
    # Rows of each route served from the spec table (sandbox.generic).
    "spec_rows": 3,
}


# An agency's account with many campaigns and few other objects: one sender, a page of each list.
FEW_OTHER_OBJECTS: dict[str, int] = {
    "senders": 1,
    "contacts": 40,
    "companies": 40,
    "unsubscribes": 40,
    "tasks": 20,
    "signals": 40,
    "conversations": 10,
}


# lemlist's /tasks takes no page size: its pages are this long.
TASKS_PER_PAGE = 50
# Campaigns per POST /v2/campaigns/stats/batch, as the spec caps them.
BATCH_LIMIT = 100


def parse_date(value: str) -> int:
    """lemlist's date filters: Unix seconds or ISO 8601, as ms."""
    if value.strip().lstrip("-").isdigit():
        return int(value) * 1000
    parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp() * 1000)


def fast_mix(seed: int, index: int) -> int:
    """A cheap stable hash for the hot filters (type/campaign of an activity)."""
    value = (index * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    value ^= value >> 31
    return (value * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF


def lemlist_id(prefix: str, seed: int, index: int) -> str:
    value = mix(prefix, seed, index)
    chars = []
    for _ in range(17):
        value, digit = divmod(value, 62)
        chars.append(ALPHABET[digit])
        if value == 0:
            value = mix(prefix, seed, index, len(chars))
    return f"{prefix}_{''.join(chars)}"


class ActivityTimeline(t.Sequence[int]):
    """createdAt (ms) of every activity, oldest first: base history plus appended ones."""

    def __init__(self, count: int, appended: list[int], first: int = EPOCH_2023) -> None:
        self.base_count = count
        self.first = first
        self.step = max(1, (HISTORY_END - first) // max(count, 1))
        self.appended = appended

    def __len__(self) -> int:
        return self.base_count + len(self.appended)

    @t.overload
    def __getitem__(self, index: int) -> int: ...
    @t.overload
    def __getitem__(self, index: slice) -> t.Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | t.Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index < self.base_count:
            return self.first + index * self.step
        return self.appended[index - self.base_count]


def with_offset(ms: int, *, hours: int) -> str:
    """An instant as ISO 8601 in a time zone ``hours`` east of UTC, with milliseconds."""
    zone = datetime.timezone(datetime.timedelta(hours=hours))
    return datetime.datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="milliseconds")


class LemlistData:
    """Every object of one lemlist team, generated on demand from a seed and sizes."""

    def __init__(self, spec: dict[str, t.Any]) -> None:
        self.seed = int(spec.get("seed", 1))
        self.sizes = {name: int(spec.get(name, default)) for name, default in DEFAULTS.items()}
        self.campaigns_shape = str(spec.get("campaigns_shape", "array"))
        self.campaigns_ignore_offset = bool(spec.get("campaigns_ignore_offset", False))
        self.gates: dict[str, int] = {str(k): int(v) for k, v in spec.get("gates", {}).items()}
        # Campaigns (by index) the stats batch lists in its ``errors``, as for a stats lemlist could not count.
        self.stats_batch_errors = {int(i) for i in spec.get("stats_batch_errors", ())}
        # Schema drift: lemlist adding a field to activities that no schema knows yet.
        self.new_activity_field = bool(spec.get("new_activity_field", False))
        self.team_id = lemlist_id("tea", self.seed, 0)
        self.users = [lemlist_id("usr", self.seed, i) for i in range(max(1, self.sizes["senders"]))]
        # Team users deleted since (by index, in the order deleted); the first stays.
        self.deleted_users: list[int] = []
        self.appended: list[int] = []
        # Activities appended by ``touch``: index -> the campaign they belong to.
        self.appended_campaigns: dict[int, int] = {}
        # Per campaign, how often it was touched: each touch moves its first lead one state further.
        self.revisions: dict[int, int] = {}
        # Caches: steps in each campaign's first sequence, and the activities per campaign.
        self.sequence_lengths: dict[int, int] = {}
        self.events: dict[int, list[tuple[int, str, int, int, bool]]] = {}
        self.events_size = -1
        # History packed into the last ``activity_days`` before HISTORY_END (default: all of it).
        days = spec.get("activity_days")
        first = EPOCH_2023 if days is None else HISTORY_END - int(float(days) * DAY_MS)
        self.timeline = ActivityTimeline(self.sizes["activities"], self.appended, first)
        self.campaigns = [self.campaign(i) for i in range(self.sizes["campaigns"])]
        # Deleted in the app since the account was made (``delete``): campaigns and contacts by
        # index, leads by (campaign index, lead number). Activities of them stay, as events do.
        self.deleted_campaigns: set[int] = set()
        self.deleted_leads: set[tuple[int, int]] = set()
        self.deleted_contacts: set[int] = set()

    def counts(self) -> dict[str, int]:
        """Rows each stream of tap-lemlist should end with."""
        made = self.made_counts()
        # A stream of a route with no hand-made data reads the rows made from the spec.
        from_spec = {
            name: self.sizes["spec_rows"]
            for name, path in stream_paths(STREAM_TYPES).items()
            if name not in made and served_route(path) is not None
        }
        return made | from_spec

    def made_counts(self) -> dict[str, int]:
        sizes = self.sizes
        campaigns = sizes["campaigns"]
        return {
            "activities": len(self.timeline),
            "team": 1,
            "team_senders": sizes["senders"],
            "campaigns": campaigns,
            "campaign_stats": campaigns,
            "sequences": sum(len(self.steps(c)) for c in self.campaigns),
            "campaign_leads": campaigns * sizes["leads_per_campaign"],
            "schedules": sizes["schedules"],
            "unsubscribes": sizes["unsubscribes"],
            "hooks": sizes["hooks"],
            "contacts": sizes["contacts"],
            "contact_lists": sizes["lists"],
            "companies": sizes["companies"],
            "fields": sizes["fields"],
            "tasks": sizes["tasks"],
            "inbox_labels": sizes["labels"],
            "watchlist_signals": sizes["signals"],
            "team_credits": 1,
            "users": len(self.users) - len(self.deleted_users),
            "crm_users": len(self.users) - 1,
            "deliverability_alerts": sizes["alerts"],
            "watchlists": sizes["watchlists"],
            "inbox_conversations": sizes["conversations"],
        }

    def append_activities(self, count: int) -> list[str]:
        """New activities stamped now (after any existing one); returns their ids."""
        now = int(time.time() * 1000)
        ids = []
        for _ in range(count):
            last = self.timeline[len(self.timeline) - 1] if len(self.timeline) else 0
            self.appended.append(max(now, last + 1))
            ids.append(self.activity_id(len(self.timeline) - 1))
        return ids

    def touch(self, campaigns: list[int], edits: list[int]) -> list[str]:
        """Campaigns (by index) with a new email opened now: an activity, new counters and a lead
        further on; ``edits`` are renamed, as a user editing a campaign's settings. Returns the
        new activities' ids."""
        ids = []
        for c in campaigns:
            if not 0 <= c < len(self.campaigns):
                continue
            [activity] = self.append_activities(1)
            self.appended_campaigns[len(self.timeline) - 1] = c
            self.revisions[c] = self.revisions.get(c, 0) + 1
            ids.append(activity)
        for c in edits:
            if 0 <= c < len(self.campaigns):
                self.campaigns[c]["name"] += " (edited)"
        return ids

    def delete(
        self,
        campaigns: list[int],
        leads: list[tuple[int, int]],
        contacts: list[int],
        users: t.Sequence[int] = (),
    ) -> None:
        """Campaigns, leads and contacts deleted by a user: gone from every listing. Team users
        (by index) deleted: still listed by ``/team``, with no user behind ``/users/{id}``."""
        self.deleted_users.extend(u for u in users if 0 < u < len(self.users) and u not in self.deleted_users)
        self.deleted_campaigns.update(campaigns)
        self.deleted_leads.update(leads)
        self.deleted_contacts.update(contacts)

    @property
    def live_campaigns(self) -> list[dict[str, t.Any]]:
        return [c for i, c in enumerate(self.campaigns) if i not in self.deleted_campaigns]

    def live_campaign_index(self, campaign_id: str) -> int:
        index = self.campaign_index(campaign_id)
        return -1 if index in self.deleted_campaigns else index

    def campaign_leads(self, index: int) -> list[dict[str, t.Any]]:
        return [
            self.exported_lead(index, n)
            for n in range(self.sizes["leads_per_campaign"])
            if (index, n) not in self.deleted_leads
        ]

    # Campaigns and their children

    def campaign(self, index: int) -> dict[str, t.Any]:
        rng = random.Random(mix("campaign", self.seed, index))  # noqa: S311
        # Every campaign exists before the first activity, which may belong to any of them: as in
        # lemlist, nothing happens in a campaign before it is made.
        before = (self.sizes["campaigns"] - index) * 3 * DAY_MS
        created = self.timeline.first - before + rng.randrange(DAY_MS)
        return {
            "_id": lemlist_id("cam", self.seed, index),
            "name": f"{rng.choice(COMPANIES)} outreach #{index + 1}",
            "labels": rng.sample(["q1", "enterprise", "smb", "warm", "cold"], k=rng.randrange(3)),
            "createdAt": iso(created),
            "createdBy": self.users[index % len(self.users)],
            "status": rng.choice(["running", "paused", "draft", "ended", "archived"]),
            "hasError": index % 7 == 6,
            "errors": ["mailbox disconnected"] if index % 7 == 6 else [],
            "timezone": "Europe/Paris",
            "emoji": ["🚀", "📈", "🤝"][index % 3],
            "creator": {"userId": self.users[index % len(self.users)], "userEmail": "user0@sandbox.example"},
            "senders": [
                {
                    "id": self.users[index % len(self.users)],
                    "email": f"user{index % len(self.users)}@sandbox.example",
                    "sendUserMailboxId": lemlist_id("usm", self.seed, index % len(self.users)),
                }
            ],
            "scheduleIds": [lemlist_id("skd", self.seed, index % max(1, self.sizes["schedules"]))],
            "teamId": self.team_id,
            "sequenceId": lemlist_id("seq", self.seed, index * 10),
        }

    def steps(self, campaign: dict[str, t.Any]) -> list[tuple[str, dict[str, t.Any]]]:
        index = self.campaigns.index(campaign) if campaign in self.campaigns else 0
        rng = random.Random(mix("sequence", self.seed, index))  # noqa: S311
        result = []
        for s in range(1 + rng.randrange(2)):
            sequence_id = lemlist_id("seq", self.seed, index * 10 + s)
            for n in range(2 + rng.randrange(4)):
                kind = STEP_TYPES[(index + n) % len(STEP_TYPES)] if n else "email"
                step: dict[str, t.Any] = {
                    "_id": lemlist_id("stp", self.seed, index * 100 + s * 10 + n),
                    "type": kind,
                    "index": n,
                    "delay": 0 if n == 0 else rng.choice([1, 2, 3, 5]),
                    "sequenceId": sequence_id,
                    "sequenceStep": n,
                }
                if kind == "email":
                    step["emailTemplateId"] = lemlist_id("etp", self.seed, index * 10 + n)
                    step |= {"subject": f"Step {n + 1}: quick question", "message": "<p>Hi {{firstName}}</p>"}
                    if n % 2:  # an A/B test: the variant's body
                        step["altMessage"] = "<p>Hello {{firstName}}</p>"
                if kind == "conditional":
                    step["conditionKey"] = "hasEmailAddress"
                result.append((sequence_id, step))
        return result

    def sequences_payload(self, campaign: dict[str, t.Any]) -> dict[str, t.Any]:
        payload: dict[str, t.Any] = {}
        for sequence_id, step in self.steps(campaign):
            payload.setdefault(sequence_id, {"_id": sequence_id, "steps": []})["steps"].append(step)
        return payload

    def first_sequence_length(self, c: int) -> int:
        """Steps of campaign ``c``'s first sequence: the steps its activities come from."""
        if c not in self.sequence_lengths:
            campaign = self.campaigns[c]
            self.sequence_lengths[c] = sum(1 for seq, _ in self.steps(campaign) if seq == campaign["sequenceId"])
        return self.sequence_lengths[c]

    def activity_step(self, index: int, c: int) -> int:
        # Apart from the lead (index % leads), so every lead gets activity on every step.
        return index // max(1, self.sizes["leads_per_campaign"]) % self.first_sequence_length(c)

    def activity_is_bot(self, index: int, kind: str) -> bool:
        return kind in BOT_TYPES and fast_mix(self.seed ^ 0xB07, index) % 100 < BOT_PERCENT

    def campaign_events(self) -> dict[int, list[tuple[int, str, int, int, bool]]]:
        """Per campaign (by index), its activities as (createdAt ms, type, lead number, step, bot)."""
        if self.events_size != len(self.timeline):
            events: dict[int, list[tuple[int, str, int, int, bool]]] = {}
            leads = max(1, self.sizes["leads_per_campaign"])
            for i in range(len(self.timeline)) if self.campaigns else ():
                kind = self.activity_type(i)
                if kind not in TEAMLESS_TYPES:
                    c = self.activity_campaign(i)
                    step, bot = self.activity_step(i, c), self.activity_is_bot(i, kind)
                    events.setdefault(c, []).append((self.timeline[i], kind, i % leads, step, bot))
            self.events, self.events_size = events, len(self.timeline)
        return self.events

    def campaign_stats(self, campaign: dict[str, t.Any], start: int, end: int) -> dict[str, t.Any]:
        """The campaign's counters over [start, end], counted from its activities (``STATS_COUNT``)."""
        c = self.campaign_index(campaign["_id"])
        events = [e for e in self.campaign_events().get(c, []) if start <= e[0] <= end and not e[4]]

        def count(counter: str, step: int | None = None) -> int:
            kinds = STATS_COUNT[counter]
            found = [e for e in events if e[1] in kinds and (step is None or e[3] == step)]
            return len({(e[2], e[3]) for e in found}) if counter in MESSAGE_COUNTERS else len(found)

        def leads(*counters: str) -> int:
            kinds = set().union(*(STATS_COUNT[name] for name in counters))
            return len({e[2] for e in events if e[1] in kinds})

        first_sequence = campaign["sequenceId"]
        steps = []
        for seq, step in self.steps(campaign):
            n = step["index"] if seq == first_sequence else -1  # only the first sequence has activity
            sent, bounced = count("sent", n), count("bounced", n)
            steps.append(
                {
                    "index": step["index"],
                    "sequenceId": seq,
                    "sequenceStep": step["index"],
                    "taskType": step["type"],
                    "sent": sent,
                    "delivered": sent - bounced,
                    "notDelivered": count("not_sent", n),
                    "opened": count("opened", n),
                    "clicked": count("clicked", n),
                    "replied": count("replied", n),
                    "bounced": bounced,
                    "unsubscribed": count("unsubscribed", n),
                    "invited": count("invited", n),
                }
            )
        sent, bounced = count("sent"), count("bounced")
        return {
            "nbLeads": self.sizes["leads_per_campaign"],
            "nbLeadsLaunched": len({e[2] for e in events}),
            "nbLeadsReached": leads("sent"),
            "nbLeadsOpened": leads("opened"),
            "nbLeadsInteracted": leads("clicked", "replied"),
            "nbLeadsAnswered": leads("replied"),
            "nbLeadsInterested": leads("interested"),
            "nbLeadsNotInterested": leads("not_interested"),
            "nbLeadsUnsubscribed": leads("unsubscribed"),
            "nbLeadsInterrupted": leads("interrupted"),
            "messagesSent": sent,
            "messagesNotSent": count("not_sent"),
            "messagesBounced": bounced,
            "delivered": sent - bounced,
            "opened": count("opened"),
            "clicked": count("clicked"),
            "replied": count("replied"),
            "invitationAccepted": count("invitation_accepted"),
            "meetingBooked": count("meeting_booked"),
            "steps": steps,
        }

    # The columns of a campaign's JSON export; the team's custom variables come beside them.
    EXPORT_COLUMNS = (
        "_id",
        "email",
        "firstName",
        "lastName",
        "companyName",
        "companyDomain",
        "phone",
        "linkedinUrl",
        "picture",
        "emailStatus",
        "status",
        "lastState",
        "timezone",
        *CUSTOM_VARIABLES,
    )

    def exported_lead(self, campaign_index: int, n: int) -> dict[str, t.Any]:
        # Each touch of the campaign moves its first lead one state further.
        states = ("emailsSent", "emailsOpened", "emailsClicked", "emailsReplied")
        state = states[self.revisions.get(campaign_index, 0) % len(states)] if n == 0 else states[0]
        lead = self.lead(campaign_index, n) | {"status": "inProgress", "lastState": state, "timezone": "UTC"}
        return {name: lead[name] for name in self.EXPORT_COLUMNS if lead.get(name) is not None}

    def lead(self, campaign_index: int, n: int) -> dict[str, t.Any]:
        rng = random.Random(mix("lead", self.seed, campaign_index, n))  # noqa: S311
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(COMPANIES)
        return {
            "_id": lemlist_id("lea", self.seed, campaign_index * 100_000 + n),
            "contactId": lemlist_id("ctc", self.seed, (campaign_index * 37 + n) % max(1, self.sizes["contacts"])),
            "email": f"{first}.{last}{n}@{company.split()[0].lower()}.example".lower(),
            "firstName": first,
            "lastName": last,
            "companyName": company,
            "companyDomain": f"{company.split()[0].lower()}.example",
            "phone": f"+3361234{n:04d}" if n % 3 else None,
            "linkedinUrl": f"https://www.linkedin.com/in/{first}-{last}-{n}".lower(),
            "picture": f"https://img.sandbox.example/{n}.png" if n % 4 == 0 else None,
            "state": rng.choice(["scanned", "emailsSent", "emailsOpened", "emailsReplied", "paused"]),
            "isPaused": n % 11 == 0,
            "source": rng.choice(["api", "manually", "csv"]),
            "emailStatus": rng.choice(["deliverable", "risky", "unknown"]),
            "addedAt": iso(EPOCH_2023 + campaign_index * DAY_MS + n * 60_000),
            # Custom variables: free-form keys, as users define them.
            "jobTitle": rng.choice(["CEO", "Head of Growth", "SDR", "CTO"]),
            "industry": rng.choice(["Technology", "Retail", "Finance"]),
            "icebreaker": f"Loved your post #{n}",
            "Company name": company,
        }

    # Activities

    def activity_id(self, index: int) -> str:
        return lemlist_id("act", self.seed, index)

    def activity_type(self, index: int) -> str:
        if index in self.appended_campaigns:
            return "emailsOpened"
        return ACTIVITY_TYPES[fast_mix(self.seed, index) % len(ACTIVITY_TYPES)]

    def activity_campaign(self, index: int) -> int:
        if index in self.appended_campaigns:
            return self.appended_campaigns[index]
        return (fast_mix(self.seed, index) >> 20) % max(1, len(self.campaigns))

    def activity(self, index: int) -> dict[str, t.Any]:
        kind = self.activity_type(index)
        created = iso(self.timeline[index])
        if kind in TEAMLESS_TYPES or not self.campaigns:
            return {
                "_id": self.activity_id(index),
                "teamId": self.team_id,
                "companyId": lemlist_id("cpn", self.seed, index % max(1, self.sizes["companies"])),
                "type": kind,
                "createdAt": created,
                "note": f"note {index}",
                "sendUserId": self.users[index % len(self.users)],
                "userId": self.users[index % len(self.users)],
            }
        c = self.activity_campaign(index)
        campaign = self.campaigns[c]
        lead = self.lead(c, index % max(1, self.sizes["leads_per_campaign"]))
        rng = random.Random(mix("activity", self.seed, index))  # noqa: S311
        variables = {
            "firstName": lead["firstName"],
            "lastName": lead["lastName"],
            "email": lead["email"],
            "companyName": lead["companyName"],
        }
        variables |= {name: lead[name] for name in ("jobTitle", "industry", "Company name")}
        record: dict[str, t.Any] = {
            "_id": self.activity_id(index),
            "type": kind,
            "isFirst": rng.random() < 0.2,
            "stopped": False,
            "createdAt": created,
            "bot": self.activity_is_bot(index, kind),
            "teamId": self.team_id,
            "leadId": lead["_id"],
            "contactId": lead["contactId"],
            "campaignId": campaign["_id"],
            "campaignName": campaign["name"],
            "name": campaign["name"],
            "sequenceId": campaign["sequenceId"],
            "sequenceStep": self.activity_step(index, c),
            "totalSequenceStep": self.first_sequence_length(c),
            "sequenceTested": rng.choice(["A", "B"]),
            "emailTemplateId": lemlist_id("etp", self.seed, c),
            "emailTemplateName": "Blank",
            "createdBy": self.users[c % len(self.users)],
            "sendUserId": self.users[c % len(self.users)],
            "userName": "api",
            "leadFirstName": lead["firstName"],
            "leadLastName": lead["lastName"],
            "leadEmail": lead["email"],
            "leadCompanyName": lead["companyName"],
            "metaData": {
                "teamId": self.team_id,
                "campaignId": campaign["_id"],
                "leadId": lead["_id"],
                "type": kind,
                "createdBy": self.users[c % len(self.users)],
            },
            "lead": {
                "_id": lead["_id"],
                "isPaused": lead["isPaused"],
                "state": lead["state"],
                "personalized": False,
                "source": lead["source"],
                "variables": variables,
                "contactId": lead["contactId"],
                "enrichment": {"emailStatus": lead["emailStatus"]} if index % 2 else {},
            },
        }
        if kind.startswith("emails"):
            sender = c % len(self.users)
            record |= {
                "emailId": lemlist_id("eml", self.seed, index),
                "messageId": f"<{lemlist_id('msg', self.seed, index)}@sandbox.example>",
                "sendUserEmail": f"user{sender}@sandbox.example",
                "sendUserName": f"{FIRST_NAMES[sender % 10]} {LAST_NAMES[sender % 8]}",
                "sendUserMailboxId": lemlist_id("usm", self.seed, sender),
                "stepTested": rng.choice(["A", "B"]),
            }
        if kind == "emailsFailed":
            record["errorMessage"] = "Mailbox disconnected"
        record |= self.fields_seen_live(index, kind, lead)
        if index % 7 == 3:
            # Some activities carry their time with an offset, as live captures show.
            record["createdAt"] = with_offset(self.timeline[index], hours=2)
        if lead.get("phone"):
            record["leadPhone"] = lead["phone"]
        if self.new_activity_field:
            record["aiSummary"] = f"summary {index}"
        if kind in {"meetingBooked", "manualInterested", "emailsInterested"}:
            record["opportunityId"] = lemlist_id("opp", self.seed, index)
        if index % 3:  # stepId is being backfilled: absent on older activities
            record["stepId"] = lemlist_id("stp", self.seed, c * 100 + self.activity_step(index, c))
        if kind.startswith("emails") and kind != "emailsSent":
            record["relatedSentAt"] = iso(max(EPOCH_2023, self.timeline[index] - 3_600_000))
        return record

    def fields_seen_live(self, index: int, kind: str, lead: dict[str, t.Any]) -> dict[str, t.Any]:
        """Fields of some activity types that live captures show and lemlist's spec does not."""
        if kind == "aircallDone":
            started = self.timeline[index] - 300_000
            recording_url = f"https://recordings.sandbox.example/{index}.mp3"
            return {
                "duration": 240 + index % 60,
                "startedAt": iso(started),
                "endedAt": iso(started + 240_000),
                # A URL on some rows, an object on others.
                "recording": recording_url if index % 2 else {"url": recording_url, "duration": 240},
                "recordingSid": f"RE{index:032x}",
                "callSid": f"CA{index:032x}",
                "callS3Ready": index % 2 == 0,
                "direction": "outbound",
                "phoneProvider": "aircall",
                "aircallPhone": "+33100000000",
                "aircallPhoneName": "Sales line",
                "leadJobTitle": lead["jobTitle"],
            }
        if kind == "emailsSent":
            return {"subject": "Quick question"}
        if kind == "emailsClicked":
            return {"linkUrl": f"https://sandbox.example/pricing?lead={index}"}
        if kind == "emailsBounced":
            return {"bounceReason": "550 5.1.1 mailbox unavailable"}
        if kind.startswith("linkedin"):
            return {"linkedinUrl": f"https://www.linkedin.com/in/lead-{index}"}
        if kind == "emailsUnsubscribed":
            # Booleans as text, as live captures show them.
            return {
                "unsubscribedSource": "link",
                "doNotContact": "true",
                "unsubEmail": "true",
                "email": lead["email"],
                "firstName": lead["firstName"],
                "lastName": lead["lastName"],
                "mutationAction": "unsubscribe",
                "mutationType": "contact",
            }
        return {}

    def activities_page(self, query: dict[str, str]) -> list[dict[str, t.Any]]:
        low = bisect.bisect_left(self.timeline, parse_date(query["minDate"])) if "minDate" in query else 0
        high = (
            bisect.bisect_right(self.timeline, parse_date(query["maxDate"]))
            if "maxDate" in query
            else len(self.timeline)
        )
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
        kind, campaign_id = query.get("type"), query.get("campaignId")
        if not kind and not campaign_id:
            newest = high - 1 - offset
            return [self.activity(i) for i in range(newest, max(low, newest - limit + 1) - 1, -1)]
        wanted = self.campaign_index(campaign_id) if campaign_id else None
        found: list[dict[str, t.Any]] = []
        skipped = 0
        for i in range(high - 1, low - 1, -1):
            if kind and self.activity_type(i) != kind:
                continue
            if wanted is not None and (self.activity_type(i) in TEAMLESS_TYPES or self.activity_campaign(i) != wanted):
                continue
            if skipped < offset:
                skipped += 1
                continue
            found.append(self.activity(i))
            if len(found) == limit:
                break
        return found

    def campaign_index(self, campaign_id: str) -> int:
        ids = [c["_id"] for c in self.campaigns]
        return ids.index(campaign_id) if campaign_id in ids else -1

    # Team-level objects

    def team(self) -> dict[str, t.Any]:
        return {
            "_id": self.team_id,
            "name": "Sandbox Team",
            "userIds": self.users,
            "createdBy": self.users[0],
            "createdAt": iso(EPOCH_2023),
            "apiKey": "team-level-api-key-must-never-be-emitted",
            "agency": "Sandbox Agency",
            "pictureId": "pic_sandbox",
            "slackWebhook": {"url": "https://hooks.slack.example/sandbox", "failCounter": 0},
            "hooks": [],
            "beta": ["inbox"],
            "invitedUsers": [],
            "customDomain": "track.sandbox.example",
            "users": [
                {
                    "userId": u,
                    "name": f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i % 8]}",
                    "email": f"user{i}@sandbox.example",
                    "role": "admin" if i == 0 else "member",
                }
                for i, u in enumerate(self.users)
            ],
        }

    def credits(self) -> dict[str, t.Any]:
        remaining = {"freemium": 50, "gifted": 0, "paid": 1200, "subscription": 3000}
        return {"credits": sum(remaining.values()), "details": {"remaining": remaining | {"total": 4250}}}

    def user(self, i: int) -> dict[str, t.Any]:
        mailbox = {
            "_id": lemlist_id("usm", self.seed, i),
            "email": f"user{i}@sandbox.example",
            "provider": ["google", "microsoft", "smtp"][i % 3],
            "status": "connected",
            "lemlist": {"emailLimit": 100},
            "lemwarm": {"active": i % 2 == 0},
            # What a careless API would leak: the tap must strip it.
            "smtpPassword": "mailbox-password-must-never-be-emitted",
        }
        linkedin = {"linkedinUrl": f"https://www.linkedin.com/in/user{i}", "status": True, "inviteLimit": 20}
        return {
            "_id": self.users[i],
            "email": f"user{i}@sandbox.example",
            "firstName": FIRST_NAMES[i % len(FIRST_NAMES)],
            "lastName": LAST_NAMES[i % len(LAST_NAMES)],
            "role": "admin" if i == 0 else "user",
            "linkedIn": linkedin | {"sendLimit": 50, "visitLimit": 80},
            "mailboxes": [mailbox],
        }

    def crm_user(self, i: int) -> dict[str, t.Any]:
        return {"userId": self.users[i], "crm": ["hubspot", "salesforce", "pipedrive"][i % 3]}

    def alert(self, i: int) -> dict[str, t.Any]:
        return {
            "_id": lemlist_id("dal", self.seed, i),
            "teamId": self.team_id,
            "createdBy": self.users[0],
            "createdAt": iso(EPOCH_2023 + i * DAY_MS),
            "updatedAt": iso(EPOCH_2023 + i * DAY_MS + 3_600_000),
            "widget": "bounceRate",
            "metric": ["bounceRate", "replyRate"][i % 2],
            "severity": ["warning", "critical"][i % 2],
            "scope": "team",
            "scopeEntities": [],
            "threshold": [5, 2.5][i % 2],
            "comparisonOperator": "gt",
            "periodDays": 7,
            "periodMode": "rolling",
            "channelConfig": {
                "email": {"enabled": True, "addresses": ["ops@sandbox.example"]},
                "slack": {"enabled": False},
            },
            "enabled": True,
            "lastCheckedAt": iso(HISTORY_END - 3_600_000),
            "recheckDelayHours": 24,
        } | ({"lastTriggeredAt": iso(HISTORY_END - DAY_MS)} if i % 2 else {})

    def conversation(self, i: int) -> dict[str, t.Any]:
        """Conversation ``i``: shared by two users (the ``i``-th and the next), so each user's
        inbox lists it."""
        contact = self.contact(i % max(1, self.sizes["contacts"]))
        first, second = i % len(self.users), (i + 1) % len(self.users)
        at = HISTORY_END - (i + 1) * 3_600_000
        conversation: dict[str, t.Any] = {
            "_id": lemlist_id("ibx", self.seed, i),
            "teamId": self.team_id,
            "contactId": contact["_id"],
            "contact": {"_id": contact["_id"], "email": contact["email"], "fullName": contact["fullName"]},
            "channels": ["email"],
            "users": [{"userId": self.users[n], "sender": True, "read": i % 3 == 0} for n in sorted({first, second})],
            "createdBy": lemlist_id("act", self.seed, i),
            "createdAt": iso(at - DAY_MS),
            "lastActivityAt": iso(at),
            "haveReplies": i % 2 == 0,
            "opportunities": [],
        }
        if i % 2 == 0:
            conversation |= {"lastRepliedAt": iso(at), "lastRepliedChannel": "email"}
            conversation["leadId"] = lemlist_id("lea", self.seed, i)
        if i % 4 == 0:
            conversation["messages"] = [
                {
                    "_id": lemlist_id("msg", self.seed, i),
                    "conversationId": conversation["_id"],
                    "sender": contact["email"],
                    "recipient": f"user{first}@sandbox.example",
                    "body": "Thanks, let's talk next week.",
                    "sentAt": iso(at),
                }
            ]
        return conversation

    def inbox(self, user_id: str) -> list[dict[str, t.Any]]:
        """The conversations one user takes part in, newest first."""
        n = self.users.index(user_id)
        return [
            self.conversation(i)
            for i in range(self.sizes["conversations"])
            if n in {i % len(self.users), (i + 1) % len(self.users)}
        ]

    def watchlist(self, i: int) -> dict[str, t.Any]:
        return {
            "_id": lemlist_id("wtl", self.seed, i),
            "name": ["Funding", "Hiring"][i % 2],
            "type": ["fundraising", "hiring"][i % 2],
            "status": "active",
            "entity": "company",
            "segmentType": "static",
            "signalProcessingType": "manual",
            "emoji": "📡",
            "filters": [{"filterId": "industry", "in": ["Software"], "out": []}],
            "signalOpportunityTemplate": {
                "type": "email",
                "ownerType": "user",
                "ownerId": self.users[0],
                "priority": 1,
                "data": {"title": "Reach out", "subject": "Congrats", "message": "<p>Hi</p>"},
            },
        }

    def senders(self) -> list[dict[str, t.Any]]:
        return [
            {
                "userId": user,
                "campaigns": [
                    {"_id": c["_id"], "name": c["name"], "status": c["status"], "sendingChannels": ["email"]}
                    for n, c in enumerate(self.campaigns)
                    if n % len(self.users) == i
                ],
            }
            for i, user in enumerate(self.users[: self.sizes["senders"]])
        ]

    def schedule(self, i: int) -> dict[str, t.Any]:
        return {
            "_id": lemlist_id("skd", self.seed, i),
            "name": f"Office hours {i + 1}",
            "timezone": ["Europe/Paris", "America/New_York", "UTC"][i % 3],
            "start": "09:00",
            "end": "18:00",
            "weekdays": [1, 2, 3, 4, 5],
            "secondsToWait": 1200,
            "createdAt": iso(EPOCH_2023 + i * 3_600_000),
            "createdBy": self.users[0],
            "teamId": self.team_id,
            "public": i == 0,
        } | ({"deletedAt": iso(EPOCH_2023 + i * 7_200_000), "deletedBy": self.users[0]} if i == 2 else {})

    def unsubscribe(self, i: int) -> dict[str, t.Any]:
        kinds = [f"lead{i}@unsub.example", f"unsub{i}.example", f"https://www.linkedin.com/in/u{i}", f"+33100{i:05d}"]
        return {
            "_id": lemlist_id("uns", self.seed, i),
            "value": kinds[i % 4],
            "source": ["api", "link", "manual", "import"][i % 4],
            "createdAt": iso(EPOCH_2023 + i * 7_200_000),
        }

    def hook(self, i: int) -> dict[str, t.Any]:
        hook = {
            "_id": lemlist_id("hoo", self.seed, i),
            "targetUrl": f"https://hooks.sandbox.example/{i}",
            "isFirst": bool(i % 2),
            "createdAt": iso(EPOCH_2023 + i * DAY_MS),
        }
        if i % 2:  # made through Zapier
            hook["zapId"] = 90_000 + i
        # A hook for every event of every campaign leaves type and campaignId out.
        if i % 2 == 0:
            hook["type"] = "emailsReplied"
        if self.campaigns and i % 2:
            hook["campaignId"] = self.campaigns[0]["_id"]
        return hook

    def contact(self, i: int) -> dict[str, t.Any]:
        rng = random.Random(mix("contact", self.seed, i))  # noqa: S311
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        campaign = self.campaigns[i % len(self.campaigns)] if self.campaigns else None
        return {
            "_id": lemlist_id("ctc", self.seed, i),
            "teamId": self.team_id,
            "fullName": f"{first} {last}",
            "email": f"{first}.{last}.{i}@contacts.example".lower(),
            # Every value but these few lives under fields, standard ones and custom ones alike.
            "fields": {
                "firstName": first,
                "lastName": last,
                "companyName": rng.choice(COMPANIES),
                "jobTitle": rng.choice(["CEO", "VP Sales", "Engineer", None]),
                "phone": f"+4420000{i:05d}" if i % 2 else None,
                "linkedinUrl": f"https://www.linkedin.com/in/c{i}",
                "leadScore": rng.randrange(100),
                "tier": rng.choice(["A", "B", "C"]),
            },
            "campaigns": [
                {
                    "campaignId": campaign["_id"],
                    "campaignState": campaign["status"],
                    "leadState": "review",
                    "leadId": lemlist_id("lea", self.seed, i),
                }
            ]
            if campaign
            else [],
            "ownerId": self.users[i % len(self.users)],
            "createdAt": iso(EPOCH_2023 + i * 600_000),
            "createdBy": self.users[0],
            "unsubscribed": i % 13 == 0,
        } | ({"fieldRejections": [self.field_rejection(i)]} if i % 17 == 0 else {})

    def field_rejection(self, i: int) -> dict[str, t.Any]:
        """A value lemlist refused to write to a field, kept on the contact or company."""
        return {
            "field": "phone",
            "rejectedValue": f"not-a-phone-{i}",
            "reason": "invalidFormat",
            "source": "api",
            "rejectedAt": iso(EPOCH_2023 + i * 60_000),
        }

    def company(self, i: int) -> dict[str, t.Any]:
        rng = random.Random(mix("company", self.seed, i))  # noqa: S311
        return {
            "_id": lemlist_id("cpn", self.seed, i),
            "name": f"{rng.choice(COMPANIES)} {i}",
            "domain": f"company{i}.example",
            "industry": rng.choice(["Software", "Retail", "Banking"]),
            "size": rng.choice(["1-10", "11-50", "51-200", "201-500"]),
            "location": rng.choice(["Paris", "Berlin", "New York"]),
            "ownerId": self.users[i % len(self.users)],
            "createdBy": self.users[0],
            "createdAt": iso(EPOCH_2023 + i * 900_000),
            "fields": {"arr": rng.randrange(10**9, 10**10), "segment": "mid-market", "linkedinUrl": f"c{i}"},
        } | (
            {
                "crmSync": {"provider": "hubspot", "crmRecordId": f"hs-{i}", "syncDisabled": False, "errors": []},
                "fieldRejections": [self.field_rejection(i)],
            }
            if i % 11 == 0
            else {}
        )

    def field(self, i: int) -> dict[str, t.Any]:
        """One field definition; even ones describe contacts, odd ones companies."""
        field = {
            "name": ["leadScore", "arr", "tier", "segment", "renewal", "region"][i % 6] + ("" if i < 6 else str(i)),
            "label": f"Field {i}",
            "type": ["number", "number", "text", "text", "date", "text"][i % 6],
            "source": ["custom", "custom", "crm_synced", "default"][i % 4],
        }
        return field | ({"crmField": f"hs_field_{i}"} if field["source"] == "crm_synced" else {})

    def task(self, i: int) -> dict[str, t.Any]:
        return {
            "_id": lemlist_id("tsk", self.seed, i),
            "type": ["phone", "manual", "linkedinSend"][i % 3],
            "title": f"Follow up #{i}",
            "priority": i % 3,
            "content": f"Ask about the renewal #{i}",
            "status": "todo" if i % 10 else "skipped",
            "dueDate": iso(EPOCH_2023 + i * DAY_MS),
            "userId": self.users[i % len(self.users)],
            "leadId": lemlist_id("lea", self.seed, i),
            "campaignId": self.campaigns[i % len(self.campaigns)]["_id"] if self.campaigns else None,
            "contactId": lemlist_id("ctc", self.seed, i % max(1, self.sizes["contacts"])),
            "createdAt": iso(EPOCH_2023 + i * 3_600_000),
        } | ({} if i % 10 else {"completedAt": iso(EPOCH_2023 + i * 3_600_000 + 60_000)})

    def label(self, i: int) -> dict[str, t.Any]:
        return {
            "_id": lemlist_id("lbl", self.seed, i),
            "name": ["Hot", "Later", "Meeting", "Nurture"][i % 4] + str(i),
            "color": ["red", "blue", "green", "grey"][i % 4],
            "createdAt": iso(EPOCH_2023 + i * 60_000),
            "createdBy": self.users[i % len(self.users)],
        }

    def contact_list(self, i: int) -> dict[str, t.Any]:
        return {"_id": lemlist_id("lst", self.seed, i), "name": f"List {i + 1}", "dynamic": i % 2 == 1}

    def signal_time(self, i: int) -> int:
        step = (HISTORY_END - EPOCH_2023) // max(1, self.sizes["signals"])
        return EPOCH_2023 + i * step

    def signal(self, i: int) -> dict[str, t.Any]:
        company = self.company(i % max(1, self.sizes["companies"]))
        signal: dict[str, t.Any] = {
            "_id": lemlist_id("sig", self.seed, i),
            "teamId": self.team_id,
            "watchListId": lemlist_id("wtl", self.seed, i % 2),
            "watchListName": ["Funding", "Hiring"][i % 2],
            "type": SIGNAL_TYPES[i % len(SIGNAL_TYPES)],
            "status": ["new", "done"][i % 2],
            "receivedAt": iso(self.signal_time(i)),
            "createdAt": iso(self.signal_time(i)),
            "company": {"_id": company["_id"], "name": company["name"], "domain": company["domain"]},
            "signalData": {"fundingAmountUsd": 10_000_000 + i, "fundingStage": "Series A"} if i % 5 == 1 else {},
        }
        if i % 2:
            contact = self.contact(i % max(1, self.sizes["contacts"]))
            signal["contact"] = {"_id": contact["_id"], "email": contact["email"]}
        return signal


def page_bounds(query: dict[str, str], default_limit: int, max_limit: int) -> tuple[int, int] | Reply:
    """(offset, limit) from offset/limit or page/limit, or a 400 as lemlist answers."""
    try:
        limit = int(query.get("limit", default_limit))
        offset = int(query.get("offset", 0))
        page = query.get("page")
    except ValueError:
        return Reply.text("Invalid offset or limit", 400)
    if limit < 1 or limit > max_limit:
        return Reply.text(f"limit must be between 1 and {max_limit}", 400)
    if page is not None:
        offset = int(page) * limit
    return offset, limit


class LemlistApp:
    """Routes and rules of the lemlist API."""

    name = "lemlist"
    rate_limit = 20
    rate_period = 2.0

    def build_data(self, spec: dict[str, t.Any]) -> LemlistData:
        return LemlistData(spec)

    def key_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return None
            return decoded.partition(":")[2] or None
        return request.query.get("access_token")

    def unauthorized(self) -> Reply:
        return Reply.text("The authentication you supplied is incorrect", 401)

    def rate_headers(self, remaining: int, frees_in: float, now: float) -> dict[str, str]:
        reset = datetime.datetime.fromtimestamp(now + max(frees_in, 0.0), datetime.timezone.utc)
        return {
            "Retry-After": str(math.ceil(frees_in)),
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)"),
        }

    def too_many_requests(self, frees_in: float) -> Reply:
        reply = Reply.text("Too many requests", 429)
        reply.headers["Retry-After"] = str(max(1, math.ceil(frees_in)))
        return reply

    def not_found(self, request: Request) -> Reply:  # noqa: ARG002
        return Reply.html("<!DOCTYPE html><html><head><title>lemlist</title></head><body>app</body></html>")

    def control(self, account: Account, action: str, request: Request) -> Reply | None:
        if action == "activities" and request.method == "POST":
            ids = account.data.append_activities(int(request.json().get("count", 1)))
            return Reply.json({"ids": ids})
        if action == "delete" and request.method == "POST":
            body = request.json()
            account.data.delete(
                [int(c) for c in body.get("campaigns", [])],
                [(int(c), int(n)) for c, n in body.get("leads", [])],
                [int(c) for c in body.get("contacts", [])],
                [int(u) for u in body.get("users", [])],
            )
            return Reply.json({"deleted": True})
        if action == "touch" and request.method == "POST":
            body = request.json()
            touched = account.data.touch(
                [int(c) for c in body.get("campaigns", [])], [int(c) for c in body.get("edits", [])]
            )
            return Reply.json({"ids": touched})
        return None

    def route(self, account: Account, request: Request) -> Reply:
        data: LemlistData = account.data
        path = request.path.removeprefix("/api")
        query = request.query
        for prefix, status in data.gates.items():
            if path.startswith(prefix):
                return Reply.text("This route is available starting emailPro plan", status)
        if request.method == "POST" and path == "/v2/campaigns/stats/batch":
            return self.stats_batch(data, request)
        if request.method != "GET":
            return self.not_found(request)
        if path == "/activities":
            return self.activities(data, query)
        if path == "/team":
            return Reply.json(data.team())
        if path == "/team/credits":
            return Reply.json(data.credits())
        if path == "/team/crmUsers":
            return Reply.json([data.crm_user(i) for i in range(1, len(data.users))])
        if path == "/deliverability/alerts":
            alerts = [data.alert(i) for i in range(data.sizes["alerts"])]
            return Reply.json({"alerts": alerts, "total": len(alerts)})
        if path.startswith("/users/"):
            user_id = path.removeprefix("/users/")
            if user_id not in data.users:
                return Reply.text("User not found", 404)
            index = data.users.index(user_id)
            if index in data.deleted_users:
                # Still listed by /team: live, such a user answers 200 with no user in it.
                return Reply.json({} if data.deleted_users.index(index) % 2 == 0 else {"error": "User not found"})
            return Reply.json(data.user(index))
        if path == "/watchlist":
            return self.watchlists(data, query)
        if path == "/inbox":
            return self.inbox(data, query)
        if path == "/team/senders":
            return Reply.json(data.senders())
        if path == "/campaigns":
            return self.campaigns(data, query)
        parts = path.strip("/").split("/")
        if (len(parts) >= 3 and parts[0] == "campaigns") or parts[:2] == ["v2", "campaigns"]:
            return self.campaign_child(data, parts[1:] if parts[0] == "v2" else parts, query)
        listing: dict[str, tuple[int, t.Callable[[int], dict[str, t.Any]], int, Envelope | None]] = {
            "/schedules": (data.sizes["schedules"], data.schedule, 100, schedules_envelope),
            "/v2/unsubscribes/variables": (data.sizes["unsubscribes"], data.unsubscribe, 100, None),
            "/contacts": (data.sizes["contacts"], data.contact, 500, data_envelope),
            "/companies": (data.sizes["companies"], data.company, 500, data_envelope),
        }
        if path in listing:
            total, make, max_limit, envelope = listing[path]
            bounds = page_bounds(query, 100, max_limit)
            if isinstance(bounds, Reply):
                return bounds
            offset, limit = bounds
            alive = [i for i in range(total) if path != "/contacts" or i not in data.deleted_contacts]
            rows = [make(i) for i in alive[offset : offset + limit]]
            return Reply.json(envelope(rows, len(alive), offset, limit) if envelope else rows)
        whole = {
            "/hooks": (data.sizes["hooks"], data.hook),
            "/contacts/lists": (data.sizes["lists"], data.contact_list),
            "/inbox/labels": (data.sizes["labels"], data.label),
        }
        if path in whole:
            total, make = whole[path]
            return Reply.json([make(i) for i in range(total)])
        if path == "/watchlist/signals":
            return self.signals(data, query)
        if path == "/tasks":
            return self.tasks(data, query)
        if path == "/fields":
            fields = [data.field(i) for i in range(data.sizes["fields"])]
            return Reply.json({"success": True, "data": {"contact": fields[::2], "company": fields[1::2]}})
        return self.from_spec(data, path, query) or self.not_found(request)

    def from_spec(self, data: LemlistData, path: str, query: dict[str, str]) -> Reply | None:
        """Rows made from the spec table, for a route with no hand-made data."""
        route = served_route(path)
        if route is None:
            return None
        missing = [name for name in route.get("required_query", ()) if not query.get(name)]
        if missing:
            return Reply.text(f"{missing[0]} is required", 400)
        return Reply.json(payload(route, data.sizes["spec_rows"], data.seed))

    def activities(self, data: LemlistData, query: dict[str, str]) -> Reply:
        if query.get("version") != "v2":
            return Reply.text("version=v2 is required: v1 is deprecated", 400)
        bounds = page_bounds(query, 100, 100)
        if isinstance(bounds, Reply):
            return bounds
        query = dict(query)
        for primary, alias in (("minDate", "startDate"), ("maxDate", "endDate")):
            if primary not in query and alias in query:
                query[primary] = query[alias]
        try:
            low = parse_date(query["minDate"]) if "minDate" in query else None
            high = parse_date(query["maxDate"]) if "maxDate" in query else None
        except ValueError:
            return Reply.text("minDate and maxDate must be Unix seconds or ISO 8601", 400)
        if low is not None and high is not None and high <= low:
            return Reply.text("maxDate must be strictly greater than minDate", 400)
        return Reply.json(data.activities_page(query))

    def campaigns(self, data: LemlistData, query: dict[str, str]) -> Reply:
        bounds = page_bounds(query, 100, 100)
        if isinstance(bounds, Reply):
            return bounds
        offset, limit = bounds
        if data.campaigns_ignore_offset:
            offset = 0
        ordered = data.live_campaigns
        if query.get("sortOrder") == "desc":
            ordered = list(reversed(ordered))
        rows = ordered[offset : offset + limit]
        if query.get("version") != "v2":
            return Reply.json([{"_id": c["_id"], "name": c["name"]} for c in rows])
        if data.campaigns_shape == "envelope":
            return Reply.json({"campaigns": rows, "pagination": pagination(len(ordered), offset, limit)})
        return Reply.json(rows)

    def stats_batch(self, data: LemlistData, request: Request) -> Reply:
        """Up to 100 campaigns' stats; an id that is no campaign goes to ``errors``."""
        try:
            body = request.json()
        except ValueError:
            return Reply.text("Bad params: the body must be JSON", 400)
        ids = body.get("campaignIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids:
            return Reply.text("Bad params: campaignIds must be a non-empty array", 400)
        if len(ids) > BATCH_LIMIT:
            return Reply.text(f"Bad params: campaignIds must hold at most {BATCH_LIMIT} ids", 400)
        try:
            start, end = parse_date(body["startDate"]), parse_date(body["endDate"])
        except (KeyError, TypeError, ValueError):
            return Reply.text("Bad params: startDate and endDate are required ISO 8601 dates", 400)
        results, errors = [], []
        for campaign_id in ids:
            index = data.live_campaign_index(str(campaign_id))
            if index < 0:
                errors.append({"campaignId": campaign_id, "error": "Campaign not found"})
            elif index in data.stats_batch_errors:
                errors.append({"campaignId": campaign_id, "error": "Stats could not be computed"})
            else:
                results.append({"campaignId": campaign_id, **data.campaign_stats(data.campaigns[index], start, end)})
        return Reply.json({"results": results, "errors": errors})

    def campaign_child(self, data: LemlistData, parts: list[str], query: dict[str, str]) -> Reply:
        index = data.live_campaign_index(parts[1]) if len(parts) > 1 else -1
        if index < 0:
            return Reply.text("Campaign not found", 404)
        campaign = data.campaigns[index]
        rest = parts[2:]
        if rest == ["stats"]:
            try:
                start, end = parse_date(query["startDate"]), parse_date(query["endDate"])
            except (KeyError, ValueError):
                return Reply.text("startDate and endDate are required ISO 8601 dates", 400)
            return Reply.json(data.campaign_stats(campaign, start, end))
        if rest == ["sequences"]:
            return Reply.json(data.sequences_payload(campaign))
        if rest == ["export", "leads"]:
            if query.get("format") != "json":
                return Reply(200, b"email,firstName\n", "text/csv")
            return Reply.json(data.campaign_leads(index))
        return Reply.html("<html><body>app</body></html>")

    def signals(self, data: LemlistData, query: dict[str, str]) -> Reply:
        try:
            limit = int(query.get("limit", 100))
            page = int(query.get("page", 1))
            low = parse_date(query["receivedAtFrom"]) if "receivedAtFrom" in query else None
            high = parse_date(query["receivedAtTo"]) if "receivedAtTo" in query else None
        except ValueError:
            return Reply.text("Invalid page, limit or date", 400)
        if not 1 <= limit <= 100 or page < 1:
            return Reply.text("limit must be between 1 and 100, page >= 1", 400)
        matching = [
            i
            for i in range(data.sizes["signals"])
            if (low is None or data.signal_time(i) >= low) and (high is None or data.signal_time(i) <= high)
        ]
        rows = [data.signal(i) for i in matching[(page - 1) * limit : page * limit]]
        pages = max(1, math.ceil(len(matching) / limit))
        meta = {"pagination": {"page": page, "limit": limit, "totalRecords": len(matching), "totalPages": pages}}
        return Reply.json({"data": rows, "meta": meta})

    def watchlists(self, data: LemlistData, query: dict[str, str]) -> Reply:
        try:
            limit = int(query.get("limit", 100))
            page = int(query.get("page", 1))
        except ValueError:
            return Reply.text("Invalid page or limit", 400)
        total = data.sizes["watchlists"]
        rows = [data.watchlist(i) for i in range((page - 1) * limit, min(total, page * limit))]
        pages = max(1, math.ceil(total / limit))
        meta = {"pagination": {"page": page, "limit": limit, "totalRecords": total, "totalPages": pages}}
        return Reply.json({"data": rows, "meta": meta})

    def inbox(self, data: LemlistData, query: dict[str, str]) -> Reply:
        if query.get("userId") not in data.users:
            return Reply.text("userId is required and must be a user of the team", 400)
        try:
            limit = int(query.get("limit", 20))
            page = int(query.get("page", 1))
        except ValueError:
            return Reply.text("Invalid page or limit", 400)
        if not 1 <= limit <= 100 or page < 1:
            return Reply.text("limit must be between 1 and 100, page >= 1", 400)
        every = data.inbox(query["userId"])
        pages = max(1, math.ceil(len(every) / limit))
        pagination = {
            "currentPage": page,
            "perPage": limit,
            "totalItems": len(every),
            "totalPages": pages,
            "nextPage": page + 1 if page < pages else None,
            "previousPage": page - 1 if page > 1 else None,
        }
        return Reply.json({"data": every[(page - 1) * limit : page * limit], "pagination": pagination})

    def tasks(self, data: LemlistData, query: dict[str, str]) -> Reply:
        """``{results, page}``: pages of lemlist's own length, counted from 0 (no page size)."""
        try:
            page = int(query.get("page", 0))
        except ValueError:
            return Reply.text("Invalid page", 400)
        first = page * TASKS_PER_PAGE
        rows = [data.task(i) for i in range(first, min(data.sizes["tasks"], first + TASKS_PER_PAGE))]
        return Reply.json({"results": rows, "page": str(page)})


Envelope = t.Callable[[list[dict[str, t.Any]], int, int, int], dict[str, t.Any]]


def schedules_envelope(rows: list[dict[str, t.Any]], total: int, offset: int, limit: int) -> dict[str, t.Any]:
    return {"schedules": rows, "pagination": pagination(total, offset, limit)}


def data_envelope(rows: list[dict[str, t.Any]], total: int, offset: int, limit: int) -> dict[str, t.Any]:
    return {"data": rows, "total": total, "limit": limit, "offset": offset}


def pagination(total: int, offset: int, limit: int) -> dict[str, int | None]:
    pages = max(1, math.ceil(total / limit))
    current = offset // limit + 1
    return {
        "totalRecords": total,
        "currentPage": current,
        "nextPage": current + 1 if current < pages else None,
        "totalPage": pages,
    }
