{{ config(enabled='lemlist' in var('vendors')) }}
with stats as ({{ live_rows(source('lemlist', 'campaign_stats'), '"campaignId"') }})

select
    cast("campaignId" as {{ dbt.type_string() }}) as campaign_id,
    cast("startDate" as {{ dbt.type_timestamp() }}) as period_start,
    cast("endDate" as {{ dbt.type_timestamp() }}) as period_end,
    cast("messagesSent" as {{ dbt.type_bigint() }}) as messages_sent,
    cast("opened" as {{ dbt.type_bigint() }}) as opened,
    cast("clicked" as {{ dbt.type_bigint() }}) as clicked,
    cast("replied" as {{ dbt.type_bigint() }}) as replied,
    cast("messagesBounced" as {{ dbt.type_bigint() }}) as messages_bounced,
    cast("meetingBooked" as {{ dbt.type_bigint() }}) as meetings_booked,
    cast("nbLeadsInterested" as {{ dbt.type_bigint() }}) as leads_interested,
    cast("nbLeadsNotInterested" as {{ dbt.type_bigint() }}) as leads_not_interested,
    cast("nbLeadsUnsubscribed" as {{ dbt.type_bigint() }}) as leads_unsubscribed
from stats
