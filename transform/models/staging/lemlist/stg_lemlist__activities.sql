{{ config(enabled='lemlist' in var('vendors')) }}
with activities as ({{ live_rows(source('lemlist', 'activities'), '"_id"') }})

select
    cast("_id" as {{ dbt.type_string() }}) as activity_id,
    cast("teamId" as {{ dbt.type_string() }}) as account_id,
    cast("campaignId" as {{ dbt.type_string() }}) as campaign_id,
    cast("leadId" as {{ dbt.type_string() }}) as lead_id,
    lower(trim(coalesce("leadEmail", "lead"->'variables'->>'email'))) as lead_email,
    cast("sequenceId" as {{ dbt.type_string() }}) as sequence_id,
    -- lemlist counts steps from 0; the model from 1, as Smartlead does
    cast("sequenceStep" as {{ dbt.type_int() }}) + 1 as sequence_step,
    -- the A/B variant ("A", "B") of the step, else of the sequence, the lead got
    cast(coalesce("stepTested", "sequenceTested") as {{ dbt.type_string() }}) as variant,
    cast("type" as {{ dbt.type_string() }}) as activity_type,
    lower(trim("sendUserEmail")) as sender_email,
    cast("sendUserId" as {{ dbt.type_string() }}) as sender_user_id,
    cast("sendUserMailboxId" as {{ dbt.type_string() }}) as sender_mailbox_id,
    coalesce("bot", false) as is_bot,
    cast("createdAt" as {{ dbt.type_timestamp() }}) as occurred_at
from activities
