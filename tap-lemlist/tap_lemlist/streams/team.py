"""The team and its settings-like objects: users, credits, senders, schedules, unsubscribes,
hooks, tasks, labels, CRM links and deliverability alerts."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_core import PerParentStream
from tap_lemlist.client import LemlistStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context


class TeamStream(LemlistStream):
    """``GET /team``: one row, the team the key belongs to; its ``apiKey`` is never emitted."""

    name = "team"
    path = "/team"
    primary_keys = ("_id",)
    versioned = True
    single_object = True
    # lemlist documents an apiKey on the team object: a credential, never a column.
    holds_credentials = True

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any]:
        # A tuple, not a list: contexts key the requests sent ahead.
        return {"teamId": record["_id"], "userIds": tuple(record.get("userIds") or ())}


class TeamSendersStream(LemlistStream):
    """``GET /team/senders``: each sending user and the campaigns they send for."""

    name = "team_senders"
    path = "/team/senders"
    primary_keys = ("userId",)


class SchedulesStream(LemlistStream):
    """``GET /schedules``: sending schedules."""

    name = "schedules"
    path = "/schedules"
    primary_keys = ("_id",)
    paging = "offset"
    records_keys = ("schedules", "data")


class UnsubscribesStream(LemlistStream):
    """``GET /v2/unsubscribes/variables``: emails, domains, LinkedIn URLs and phones."""

    name = "unsubscribes"
    path = "/v2/unsubscribes/variables"
    primary_keys = ("_id",)
    paging = "offset"
    records_keys = ("data", "unsubscribes", "variables")


class HooksStream(LemlistStream):
    """``GET /hooks``: configured webhooks."""

    name = "hooks"
    path = "/hooks"
    primary_keys = ("_id",)
    records_keys = ("data", "hooks")


class TasksStream(LemlistStream):
    """``GET /tasks``: open tasks (lemlist leaves done ones out) as ``{results, page}``.

    Pages count from 0 and the route takes no page size, so the API's own page length tells
    where the list ends.
    """

    name = "tasks"
    path = "/tasks"
    primary_keys = ("_id",)
    paging = "page0"
    page_size = None
    records_keys = ("results", "tasks", "data")


class InboxLabelsStream(LemlistStream):
    """``GET /inbox/labels``: labels of the shared inbox."""

    name = "inbox_labels"
    path = "/inbox/labels"
    primary_keys = ("_id",)
    records_keys = ("labels", "data")


class TeamChildStream(PerParentStream, LemlistStream):
    """A per-team endpoint; rows get ``teamId``."""

    parent_stream_type = TeamStream
    parent_key = "teamId"


class TeamCreditsStream(TeamChildStream):
    """``GET /team/credits``: the team's credit balance, one row."""

    name = "team_credits"
    path = "/team/credits"
    primary_keys = ("teamId",)
    single_object = True


class PerUserStream(TeamChildStream):
    """An endpoint asked once per user of the team, within the team's one partition.

    A row listed for several users (a shared conversation) is emitted once.
    """

    rerun_reads = "one request (or more pages) per team user"

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        emitted: set[tuple[t.Any, ...]] = set()
        for user in self.users_of(context):
            for row in super().request_records(user):
                key = tuple(row.get(name) for name in self.primary_keys or ())
                if key not in emitted:
                    emitted.add(key)
                    yield row

    @override
    def prefetch(self, context: Context) -> None:
        for user in self.users_of(context):
            super().prefetch(user)

    def users_of(self, context: Context | None) -> list[dict[str, t.Any]]:
        """One request context per user of the team."""
        team = dict(context or {})
        return [team | {"userId": user_id} for user_id in team.get("userIds") or ()]


# Keys of a 200 answer that holds no user: nothing (``{}``) or an error and its wording.
NO_USER_KEYS = frozenset({"error", "errors", "message", "ok", "success", "status", "code"})


class UsersStream(PerUserStream):
    """``GET /users/{userId}`` for each of the team's users: role, LinkedIn limits, mailboxes.

    A user deleted since ``/team`` listed it answers ``200 {}`` (seen on a live account) or a 200
    with an error body: no row, one warning, and the other users go on.
    """

    name = "users"
    path = "/users/{userId}"
    primary_keys = ("_id",)
    single_object = True
    # A mailbox is a sending account: nothing of its credentials may pass.
    holds_credentials = True

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        if isinstance(payload, dict) and "_id" not in payload and payload.keys() <= NO_USER_KEYS:
            self.logger.warning(
                "Skipping %s: lemlist answered %d with no user (%s); it was likely deleted since /team listed it",
                self.endpoint_of(response),
                response.status_code,
                "an empty object" if not payload else f"keys {', '.join(sorted(payload))}",
            )
            return []
        return super().records_of(response)


class InboxConversationsStream(PerUserStream):
    """``GET /inbox?userId=``: each user's conversations with contacts, 100 per page from page 1.

    A conversation shared by several users is listed in each one's inbox.
    """

    name = "inbox_conversations"
    path = "/inbox"
    primary_keys = ("_id",)
    paging = "page1"
    records_keys = ("data", "conversations")

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        return super().get_url_params(context, next_page_token) | {"userId": (context or {}).get("userId")}


class CrmUsersStream(LemlistStream):
    """``GET /team/crmUsers``: which CRM user each lemlist user is linked to."""

    name = "crm_users"
    path = "/team/crmUsers"
    primary_keys = ("userId", "crm")


class DeliverabilityAlertsStream(LemlistStream):
    """``GET /deliverability/alerts``: the alert rules watching the team's deliverability."""

    name = "deliverability_alerts"
    path = "/deliverability/alerts"
    primary_keys = ("_id",)
    records_keys = ("alerts", "data")
