{{ config(enabled='smartlead' in var('vendors')) }}
with leads as ({{ live_rows(source('smartlead', 'campaign_leads'), 'campaign_id, campaign_lead_map_id') }})

select
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(campaign_lead_map_id as {{ dbt.type_string() }}) as campaign_lead_map_id,
    cast(lead->>'id' as {{ dbt.type_string() }}) as lead_id,
    lower(trim(lead->>'email')) as lead_email,
    cast(lead->>'first_name' as {{ dbt.type_string() }}) as first_name,
    cast(lead->>'last_name' as {{ dbt.type_string() }}) as last_name,
    cast(lead->>'company_name' as {{ dbt.type_string() }}) as company_name,
    coalesce(cast(lead->>'is_unsubscribed' as boolean), false) as is_unsubscribed,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(lead_category_id as {{ dbt.type_string() }}) as lead_category_id,
    cast(created_at as {{ dbt.type_timestamp() }}) as created_at
from leads
