{{ config(enabled='lemlist' in var('vendors')) }}
with campaigns as ({{ live_rows(source('lemlist', 'campaigns'), '"_id"') }})

select
    cast("_id" as {{ dbt.type_string() }}) as campaign_id,
    cast("teamId" as {{ dbt.type_string() }}) as account_id,
    cast("name" as {{ dbt.type_string() }}) as campaign_name,
    cast("status" as {{ dbt.type_string() }}) as status,
    cast("createdAt" as {{ dbt.type_timestamp() }}) as created_at
from campaigns
