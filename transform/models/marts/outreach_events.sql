-- One row per event of both vendors, on one vocabulary. Only live campaigns' events: a campaign
-- deleted in the vendor leaves the model with its events.
with campaigns as (
    select * from {{ ref('outreach_campaigns') }}
)
{% if 'lemlist' in var('vendors') %}
, lemlist_mailboxes as (
    select mailbox_id, max(mailbox_email) as mailbox_email
    from {{ ref('stg_lemlist__mailboxes') }}
    group by mailbox_id
),

lemlist_activities as (
    select
        *,
        {{ lemlist_event_type('activity_type') }} as event_type,
        {{ lemlist_channel('activity_type') }} as channel
    from {{ ref('stg_lemlist__activities') }}
),

lemlist as (
    select
        'lemlist:' || activities.activity_id as event_key,
        'lemlist' as vendor,
        campaigns.account_id,
        campaigns.campaign_key,
        activities.campaign_id,
        campaigns.campaign_name,
        activities.sequence_step,
        activities.variant,
        activities.channel,
        activities.lead_email,
        {{ lead_key('activities.lead_email', "'lemlist:' || coalesce(activities.lead_id, activities.activity_id)") }}
            as lead_key,
        activities.lead_id as vendor_lead_id,
        -- the mailbox the message went from (a user may send from several), else the user's address
        coalesce(mailboxes.mailbox_email, activities.sender_email) as sender_mailbox,
        activities.event_type,
        activities.activity_type as vendor_event_type,
        -- The message an event is about: a lead's step of a sequence, sent once, opened or
        -- answered any number of times.
        case
            when activities.event_type in ('sent', 'opened', 'clicked', 'replied', 'bounced')
                and activities.lead_id is not null and activities.sequence_step is not null
            then 'lemlist:' || activities.campaign_id || ':' || activities.lead_id || ':'
                || coalesce(activities.sequence_id, '') || ':' || cast(activities.sequence_step as {{ dbt.type_string() }})
        end as message_key,
        activities.is_bot,
        activities.occurred_at
    from lemlist_activities as activities
    -- activities with no campaign (notes on a company) are not outreach
    inner join campaigns on campaigns.campaign_key = 'lemlist:' || activities.campaign_id
    left join lemlist_mailboxes as mailboxes on mailboxes.mailbox_id = activities.sender_mailbox_id
)
{% endif %}
{% if 'smartlead' in var('vendors') %}
-- Statistics name a lead by address only: one lead per campaign and address.
, smartlead_leads as (
    select
        campaign_id,
        lead_email,
        min(lead_id) as lead_id,
        min(campaign_lead_map_id) as campaign_lead_map_id,
        max(lead_category_id) as lead_category_id
    from {{ ref('stg_smartlead__campaign_leads') }}
    where lead_email is not null
    group by campaign_id, lead_email
),

emails as (
    select
        emails.*,
        mailboxes.mailbox_email as sender_mailbox,
        leads.lead_id,
        leads.campaign_lead_map_id,
        -- Smartlead counts an out-of-office answer as a reply; the lead's category tells it apart
        -- (the model keeps it out of replies, as its dashboard can). Statistics name the category;
        -- the campaign's leads give its id.
        coalesce(lower(trim(emails.lead_category)) = 'out of office', false)
            or coalesce(lower(trim(categories.category_name)) = 'out of office', false) as is_out_of_office
    from {{ ref('stg_smartlead__emails') }} as emails
    left join {{ ref('stg_smartlead__email_accounts') }} as mailboxes
        on mailboxes.email_account_id = emails.email_account_id
    left join smartlead_leads as leads
        on leads.campaign_id = emails.campaign_id and leads.lead_email = emails.lead_email
    left join {{ ref('stg_smartlead__lead_categories') }} as categories
        on categories.lead_category_id = leads.lead_category_id
),

-- Smartlead keeps one row per email with the time of each thing that happened to it.
email_events as (
    {% for event_type, vendor_name, at, condition in [
        ('sent', 'EMAIL_SENT', 'sent_at', 'true'),
        ('opened', 'EMAIL_OPEN', 'opened_at', 'opened_at is not null'),
        ('clicked', 'EMAIL_LINK_CLICK', 'clicked_at', 'clicked_at is not null'),
        ('replied', 'EMAIL_REPLY', 'replied_at', 'replied_at is not null'),
        ('bounced', 'EMAIL_BOUNCE', 'sent_at', 'is_bounced'),
    ] %}
    select
        'smartlead:' || stats_id || ':{{ event_type }}' as event_key,
        campaign_id,
        sequence_step,
        variant_id,
        lead_email,
        lead_id,
        coalesce(lead_id, stats_id) as lead_fallback,
        sender_mailbox,
        {% if event_type == 'replied' -%}
        case when is_out_of_office then 'out_of_office' else 'replied' end as event_type,
        {%- else -%}
        '{{ event_type }}' as event_type,
        {%- endif %}
        '{{ vendor_name }}' as vendor_event_type,
        'smartlead:' || stats_id as message_key,
        {{ at }} as occurred_at
    from emails
    where {{ condition }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- A lead's unsubscribe and category belong to the lead in its campaign, not to one email; they
-- are dated by the lead's last reply, else its last email (Smartlead gives no time for either).
lead_emails as (
    select
        campaign_id,
        lead_email,
        max(lead_id) as lead_id,
        max(campaign_lead_map_id) as campaign_lead_map_id,
        min(stats_id) as first_stats_id,
        coalesce(max(replied_at), max(sent_at)) as last_seen_at,
        max(case when is_unsubscribed then 1 else 0 end) as unsubscribed
    from emails
    group by campaign_id, lead_email
),

lead_events as (
    select
        'smartlead:' || campaign_id || ':' || coalesce(campaign_lead_map_id, first_stats_id) || ':unsubscribed'
            as event_key,
        campaign_id,
        cast(null as {{ dbt.type_int() }}) as sequence_step,
        cast(null as {{ dbt.type_string() }}) as variant_id,
        lead_email,
        lead_id,
        coalesce(lead_id, first_stats_id) as lead_fallback,
        cast(null as {{ dbt.type_string() }}) as sender_mailbox,
        'unsubscribed' as event_type,
        'LEAD_UNSUBSCRIBED' as vendor_event_type,
        cast(null as {{ dbt.type_string() }}) as message_key,
        last_seen_at as occurred_at
    from lead_emails
    where unsubscribed = 1
    union all
    select
        'smartlead:' || leads.campaign_id || ':' || leads.campaign_lead_map_id || ':category' as event_key,
        leads.campaign_id,
        cast(null as {{ dbt.type_int() }}) as sequence_step,
        cast(null as {{ dbt.type_string() }}) as variant_id,
        leads.lead_email,
        leads.lead_id,
        coalesce(leads.lead_id, leads.campaign_lead_map_id) as lead_fallback,
        cast(null as {{ dbt.type_string() }}) as sender_mailbox,
        {{ smartlead_category_event_type('categories.category_name', 'categories.sentiment') }} as event_type,
        -- a category since removed from the account keeps its id
        coalesce(categories.category_name, 'category ' || leads.lead_category_id) as vendor_event_type,
        cast(null as {{ dbt.type_string() }}) as message_key,
        coalesce(lead_emails.last_seen_at, leads.created_at, campaigns.created_at) as occurred_at
    from {{ ref('stg_smartlead__campaign_leads') }} as leads
    inner join campaigns on campaigns.campaign_key = 'smartlead:' || leads.campaign_id
    left join {{ ref('stg_smartlead__lead_categories') }} as categories
        on categories.lead_category_id = leads.lead_category_id
    left join lead_emails
        on lead_emails.campaign_id = leads.campaign_id and lead_emails.lead_email = leads.lead_email
    where leads.lead_category_id is not null
),

smartlead as (
    select
        events.event_key,
        'smartlead' as vendor,
        campaigns.account_id,
        campaigns.campaign_key,
        events.campaign_id,
        campaigns.campaign_name,
        events.sequence_step,
        -- Smartlead labels a step's variants A, B, ... in the order they were made
        case
            when events.variant_id is not null
            then chr(64 + cast(dense_rank() over (
                partition by events.campaign_id, events.sequence_step
                order by cast(events.variant_id as {{ dbt.type_bigint() }})
            ) as {{ dbt.type_int() }}))
        end as variant,
        'email' as channel,
        events.lead_email,
        {{ lead_key('events.lead_email', "'smartlead:' || events.lead_fallback") }} as lead_key,
        events.lead_id as vendor_lead_id,
        events.sender_mailbox,
        events.event_type,
        events.vendor_event_type,
        events.message_key,
        false as is_bot,
        events.occurred_at
    from (
        select * from email_events
        union all
        select * from lead_events
    ) as events
    inner join campaigns on campaigns.campaign_key = 'smartlead:' || events.campaign_id
)
{% endif %}
, events as (
    {% for vendor in enabled_vendors() %}
    select * from {{ vendor }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    events.*,
    -- when the message this event is about was sent: what a rate per day of sending counts by
    case
        when message_key is not null
        then min(case when event_type = 'sent' then occurred_at end) over (partition by message_key)
    end as message_sent_at
from events
