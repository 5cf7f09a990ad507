-- Each lead of each live campaign, both vendors, with how far it got: its state is the furthest
-- step of the funnel its events reached, an answer (interested, not interested, meeting) first,
-- a reply before a bounce (a later step bouncing does not undo an answer).
with events as (
    select
        campaign_key,
        lead_key,
        {% for event_type in event_types() %}
        count(*) filter (where event_type = '{{ event_type }}') as {{ event_type }},
        {% endfor %}
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from {{ ref('outreach_events') }}
    where not is_bot
    group by campaign_key, lead_key
),

leads as (
    {% for vendor in enabled_vendors() %}
    select
        '{{ vendor }}' as vendor,
        '{{ vendor }}:' || leads.campaign_id as campaign_key,
        {{ lead_key('leads.lead_email', "'" ~ vendor ~ ":' || leads.lead_id") }} as lead_key,
        leads.lead_id as vendor_lead_id,
        leads.lead_email,
        leads.first_name,
        leads.last_name,
        leads.company_name,
        leads.status as vendor_status
    from {{ ref('stg_' ~ vendor ~ '__campaign_leads') }} as leads
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    leads.campaign_key || ':' || leads.vendor_lead_id as campaign_lead_key,
    leads.*,
    campaigns.campaign_name,
    case
        when events.meeting_booked > 0 then 'meeting_booked'
        when events.interested > 0 then 'interested'
        when events.not_interested > 0 then 'not_interested'
        when events.unsubscribed > 0 then 'unsubscribed'
        when events.replied > 0 then 'replied'
        when events.bounced > 0 then 'bounced'
        when events.clicked > 0 then 'clicked'
        when events.opened > 0 then 'opened'
        when events.sent > 0 then 'sent'
        else 'not_contacted'
    end as current_state,
    {% for event_type in event_types() %}
    coalesce(events.{{ event_type }}, 0) as {{ event_type }},
    {% endfor %}
    events.first_event_at,
    events.last_event_at
from leads
inner join {{ ref('outreach_campaigns') }} as campaigns on campaigns.campaign_key = leads.campaign_key
left join events on events.campaign_key = leads.campaign_key and events.lead_key = leads.lead_key
