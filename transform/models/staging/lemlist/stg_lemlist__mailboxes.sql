{{ config(enabled='lemlist' in var('vendors')) }}
-- A lemlist user's sending mailboxes (the users stream, one row per user, mailboxes inside).
with users as ({{ live_rows(source('lemlist', 'users'), '"_id"') }}),

mailboxes as (
    select
        cast(users."_id" as {{ dbt.type_string() }}) as user_id,
        cast(users."teamId" as {{ dbt.type_string() }}) as account_id,
        {{ json_array_elements('users."mailboxes"') }} as mailbox
    from users
)

select
    cast(mailbox->>'_id' as {{ dbt.type_string() }}) as mailbox_id,
    user_id,
    account_id,
    lower(trim(mailbox->>'email')) as mailbox_email,
    cast(mailbox->>'provider' as {{ dbt.type_string() }}) as provider,
    lower(cast(mailbox->>'status' as {{ dbt.type_string() }})) as connection_status,
    case cast(mailbox->'lemwarm'->>'active' as {{ dbt.type_string() }})
        when 'true' then 'active'
        when 'false' then 'inactive'
    end as warmup_status,
    cast(mailbox->'lemlist'->>'emailLimit' as {{ dbt.type_int() }}) as daily_limit
from mailboxes
