{{ config(enabled='smartlead' in var('vendors')) }}
with analytics as ({{ live_rows(source('smartlead', 'campaign_analytics'), 'campaign_id') }})

select
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(sent_count as {{ dbt.type_bigint() }}) as sent_count,
    cast(unique_open_count as {{ dbt.type_bigint() }}) as unique_open_count,
    cast(unique_click_count as {{ dbt.type_bigint() }}) as unique_click_count,
    cast(reply_count as {{ dbt.type_bigint() }}) as reply_count,
    cast(bounce_count as {{ dbt.type_bigint() }}) as bounce_count,
    cast(unsubscribed_count as {{ dbt.type_bigint() }}) as unsubscribed_count,
    cast(campaign_lead_stats->>'interested' as {{ dbt.type_bigint() }}) as leads_interested
from analytics
