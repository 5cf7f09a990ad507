{{ config(enabled='lemlist' in var('vendors')) }}
with leads as ({{ live_rows(source('lemlist', 'campaign_leads'), '"campaignId", "_id"') }})

select
    cast("campaignId" as {{ dbt.type_string() }}) as campaign_id,
    cast("_id" as {{ dbt.type_string() }}) as lead_id,
    lower(trim("email")) as lead_email,
    cast("firstName" as {{ dbt.type_string() }}) as first_name,
    cast("lastName" as {{ dbt.type_string() }}) as last_name,
    cast("companyName" as {{ dbt.type_string() }}) as company_name,
    cast("status" as {{ dbt.type_string() }}) as status,
    cast("lastState" as {{ dbt.type_string() }}) as last_state
from leads
