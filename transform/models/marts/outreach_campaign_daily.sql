-- Per campaign, sequence step and day: how many of each event, and the rates. Step 0 holds what
-- belongs to a lead rather than to one message (a Smartlead category or unsubscribe).
with events as (
    select
        *,
        coalesce(sequence_step, 0) as step,
        cast(occurred_at as date) as activity_date
    from {{ ref('outreach_events') }}
),

counts as (
    select
        campaign_key,
        vendor,
        account_id,
        campaign_id,
        campaign_name,
        step as sequence_step,
        activity_date,
        {% for event_type in event_types() %}
        count(*) filter (where event_type = '{{ event_type }}') as {{ event_type }},
        {% endfor %}
        count(distinct lead_key) as leads_touched
    from events
    group by campaign_key, vendor, account_id, campaign_id, campaign_name, step, activity_date
)

select
    campaign_key || ':' || cast(sequence_step as {{ dbt.type_string() }}) || ':'
        || cast(activity_date as {{ dbt.type_string() }}) as campaign_day_key,
    *,
    {{ ratio('opened', 'sent') }} as open_rate,
    {{ ratio('clicked', 'sent') }} as click_rate,
    {{ ratio('replied', 'sent') }} as reply_rate,
    {{ ratio('bounced', 'sent') }} as bounce_rate,
    {{ ratio('interested + meeting_booked', 'replied') }} as positive_reply_rate
from counts
