{{ config(enabled='smartlead' in var('vendors')) }}
with campaigns as ({{ live_rows(source('smartlead', 'campaigns'), 'id') }})

select
    cast(id as {{ dbt.type_string() }}) as campaign_id,
    -- the Smartlead user the key belongs to; an agency's client is beside it
    cast(user_id as {{ dbt.type_string() }}) as account_id,
    cast(client_id as {{ dbt.type_string() }}) as client_id,
    cast(name as {{ dbt.type_string() }}) as campaign_name,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(created_at as {{ dbt.type_timestamp() }}) as created_at
from campaigns
