{{ config(enabled='smartlead' in var('vendors')) }}
-- One row per email sent (campaign_statistics): when it was sent, first opened, clicked, answered.
with statistics as ({{ live_rows(source('smartlead', 'campaign_statistics'), 'stats_id') }})

select
    cast(stats_id as {{ dbt.type_string() }}) as stats_id,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    lower(trim(lead_email)) as lead_email,
    cast(sequence_number as {{ dbt.type_int() }}) as sequence_step,
    cast(email_account_id as {{ dbt.type_string() }}) as email_account_id,
    -- the A/B variant of the step this email went out as (empty when the step has none)
    cast(seq_variant_id as {{ dbt.type_string() }}) as variant_id,
    cast(sent_time as {{ dbt.type_timestamp() }}) as sent_at,
    cast(open_time as {{ dbt.type_timestamp() }}) as opened_at,
    cast(click_time as {{ dbt.type_timestamp() }}) as clicked_at,
    cast(reply_time as {{ dbt.type_timestamp() }}) as replied_at,
    cast(open_count as {{ dbt.type_int() }}) as open_count,
    cast(click_count as {{ dbt.type_int() }}) as click_count,
    coalesce(is_bounced, false) as is_bounced,
    coalesce(is_unsubscribed, false) as is_unsubscribed,
    cast(lead_category as {{ dbt.type_string() }}) as lead_category
from statistics
