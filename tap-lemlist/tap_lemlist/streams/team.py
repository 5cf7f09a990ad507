"""The team and its settings-like objects: senders, schedules, unsubscribes, hooks, tasks, labels."""

from __future__ import annotations

from tap_lemlist.client import LemlistStream


class TeamStream(LemlistStream):
    """``GET /team``: one row, the team the key belongs to."""

    name = "team"
    path = "/team"
    primary_keys = ("_id",)
    versioned = True
    single_object = True
    # lemlist documents an apiKey on the team object: a credential, never a column.
    holds_credentials = True


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
