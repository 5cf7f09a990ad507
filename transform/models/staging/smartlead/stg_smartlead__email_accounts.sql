{{ config(enabled='smartlead' in var('vendors')) }}
with accounts as ({{ live_rows(source('smartlead', 'email_accounts'), 'id') }})

select
    cast(id as {{ dbt.type_string() }}) as email_account_id,
    lower(trim(from_email)) as mailbox_email,
    cast(user_id as {{ dbt.type_string() }}) as account_id,
    cast(type as {{ dbt.type_string() }}) as provider,
    case when is_smtp_success and is_imap_success then 'connected' else 'failing' end as connection_status,
    lower(cast(warmup_details->>'status' as {{ dbt.type_string() }})) as warmup_status,
    {{ percent("warmup_details->>'warmup_reputation'") }} as warmup_reputation,
    cast(message_per_day as {{ dbt.type_int() }}) as daily_limit
from accounts
