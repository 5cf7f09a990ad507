"""tap-lemlist streams, grouped by lemlist API object."""

from tap_lemlist.streams.activities import ActivitiesStream
from tap_lemlist.streams.campaigns import (
    CampaignLeadsStream,
    CampaignsStream,
    CampaignStatsStream,
    SequencesStream,
)
from tap_lemlist.streams.contacts import (
    CompaniesStream,
    ContactListsStream,
    ContactsStream,
    FieldsStream,
)
from tap_lemlist.streams.team import (
    CrmUsersStream,
    DeliverabilityAlertsStream,
    HooksStream,
    InboxConversationsStream,
    InboxLabelsStream,
    SchedulesStream,
    TasksStream,
    TeamCreditsStream,
    TeamSendersStream,
    TeamStream,
    UnsubscribesStream,
    UsersStream,
)
from tap_lemlist.streams.watchlist import WatchlistSignalsStream, WatchlistsStream

STREAM_TYPES = (
    ActivitiesStream,
    TeamStream,
    TeamCreditsStream,
    UsersStream,
    TeamSendersStream,
    CrmUsersStream,
    DeliverabilityAlertsStream,
    CampaignsStream,
    CampaignStatsStream,
    SequencesStream,
    CampaignLeadsStream,
    SchedulesStream,
    UnsubscribesStream,
    HooksStream,
    ContactsStream,
    ContactListsStream,
    CompaniesStream,
    FieldsStream,
    TasksStream,
    InboxLabelsStream,
    InboxConversationsStream,
    WatchlistsStream,
    WatchlistSignalsStream,
)

__all__ = ["STREAM_TYPES"]
