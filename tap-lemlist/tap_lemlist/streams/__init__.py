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
    HooksStream,
    InboxLabelsStream,
    SchedulesStream,
    TasksStream,
    TeamSendersStream,
    TeamStream,
    UnsubscribesStream,
)
from tap_lemlist.streams.watchlist import WatchlistSignalsStream

STREAM_TYPES = (
    ActivitiesStream,
    TeamStream,
    TeamSendersStream,
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
    WatchlistSignalsStream,
)

__all__ = ["STREAM_TYPES"]
