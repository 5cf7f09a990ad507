"""tap-smartlead streams, grouped by Smartlead API object."""

from tap_smartlead.streams.activities import LeadActivitiesStream
from tap_smartlead.streams.analytics import DayWiseStatsStream
from tap_smartlead.streams.campaigns import (
    CampaignAnalyticsStream,
    CampaignLeadsStream,
    CampaignSequencesStream,
    CampaignsStream,
    CampaignStatisticsStream,
    CampaignWebhooksStream,
)
from tap_smartlead.streams.clients import ClientsStream, LeadCategoriesStream
from tap_smartlead.streams.email_accounts import (
    CampaignEmailAccountsStream,
    EmailAccountsStream,
    EmailAccountWarmupStatsStream,
)
from tap_smartlead.streams.messages import LeadMessageHistoryStream

STREAM_TYPES = (
    LeadActivitiesStream,
    CampaignsStream,
    CampaignSequencesStream,
    CampaignLeadsStream,
    CampaignStatisticsStream,
    CampaignAnalyticsStream,
    EmailAccountsStream,
    CampaignEmailAccountsStream,
    ClientsStream,
    LeadCategoriesStream,
    CampaignWebhooksStream,
    DayWiseStatsStream,
    LeadMessageHistoryStream,
    EmailAccountWarmupStatsStream,
)

__all__ = ["STREAM_TYPES"]
