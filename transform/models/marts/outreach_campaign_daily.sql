-- Per campaign, sequence step and day: what happened that day, and how the messages sent that day
-- did since. Counts leave out what lemlist flags as a mail scanner's (is_bot). Step 0 holds what
-- belongs to a lead rather than to one message (a Smartlead category or unsubscribe).
with events as (
    select
        *,
        coalesce(sequence_step, 0) as step
    from {{ ref('outreach_events') }}
    where not is_bot
),

happened as (
    select
        campaign_key,
        step as sequence_step,
        cast(occurred_at as date) as activity_date,
        {% for event_type in event_types() %}
        count(*) filter (where event_type = '{{ event_type }}') as {{ event_type }},
        {% endfor %}
        count(distinct lead_key) as leads_touched
    from events
    group by campaign_key, step, cast(occurred_at as date)
),

-- Each message once, on the day it was sent, with what became of it.
sent_that_day as (
    select
        campaign_key,
        step as sequence_step,
        cast(message_sent_at as date) as activity_date,
        count(distinct message_key) as messages_sent,
        {% for event_type in ['opened', 'clicked', 'replied', 'out_of_office', 'bounced'] %}
        count(distinct case when event_type = '{{ event_type }}' then message_key end)
            as messages_{{ event_type }},
        {% endfor %}
        -- the leads those messages reached, and of them the ones that opened or clicked one
        count(distinct lead_key) as leads_sent,
        count(distinct case when event_type = 'opened' then lead_key end) as leads_opened,
        count(distinct case when event_type = 'clicked' then lead_key end) as leads_clicked
    from events
    where message_sent_at is not null
    group by campaign_key, step, cast(message_sent_at as date)
),

days as (
    select
        coalesce(happened.campaign_key, sent_that_day.campaign_key) as campaign_key,
        coalesce(happened.sequence_step, sent_that_day.sequence_step) as sequence_step,
        coalesce(happened.activity_date, sent_that_day.activity_date) as activity_date,
        {% for event_type in event_types() %}
        coalesce(happened.{{ event_type }}, 0) as {{ event_type }},
        {% endfor %}
        coalesce(happened.leads_touched, 0) as leads_touched,
        coalesce(sent_that_day.messages_sent, 0) as messages_sent,
        {% for event_type in ['opened', 'clicked', 'replied', 'out_of_office', 'bounced'] %}
        coalesce(sent_that_day.messages_{{ event_type }}, 0) as messages_{{ event_type }},
        {% endfor %}
        {% for measure in ['leads_sent', 'leads_opened', 'leads_clicked'] %}
        coalesce(sent_that_day.{{ measure }}, 0) as {{ measure }}{{ "," if not loop.last }}
        {% endfor %}
    from happened
    full outer join sent_that_day
        on sent_that_day.campaign_key = happened.campaign_key
        and sent_that_day.sequence_step = happened.sequence_step
        and sent_that_day.activity_date = happened.activity_date
)

select
    days.campaign_key || ':' || cast(days.sequence_step as {{ dbt.type_string() }}) || ':'
        || cast(days.activity_date as {{ dbt.type_string() }}) as campaign_day_key,
    campaigns.vendor,
    campaigns.account_id,
    campaigns.campaign_id,
    campaigns.campaign_name,
    days.*,
    {{ ratio('days.messages_opened', 'days.messages_sent') }} as open_rate,
    {{ ratio('days.messages_clicked', 'days.messages_sent') }} as click_rate,
    {{ ratio('days.messages_replied', 'days.messages_sent') }} as reply_rate,
    {{ ratio('days.messages_bounced', 'days.messages_sent') }} as bounce_rate,
    {{ vendor_rates('campaigns.vendor', 'days') }}
from days
inner join {{ ref('outreach_campaigns') }} as campaigns on campaigns.campaign_key = days.campaign_key
