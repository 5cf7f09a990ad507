-- Per campaign, over its whole life: messages and leads at each step of the funnel, and the rates.
-- Messages count once however often they were opened; what lemlist flags as a mail scanner's
-- (is_bot) is left out. Out-of-office answers are counted apart, not as replies. Beside the
-- model's own rates (on messages sent), each vendor's rates by its own definition (vendor_rates).
with totals as (
    select
        campaign_key,
        {% for event_type in ['sent', 'opened', 'clicked', 'replied', 'out_of_office', 'bounced'] %}
        count(distinct case when event_type = '{{ event_type }}' and not is_bot then message_key end)
            as messages_{{ event_type }},
        {% endfor %}
        {% for event_type in event_types() %}
        count(case when event_type = '{{ event_type }}' then 1 end) as events_{{ event_type }},
        count(distinct case when event_type = '{{ event_type }}' and not is_bot then lead_key end)
            as leads_{{ event_type }},
        {% endfor %}
        -- leads that answered and whose answer was positive (interested, or a meeting)
        count(distinct case when event_type in ('interested', 'meeting_booked') then lead_key end) as leads_positive
    from {{ ref('outreach_events') }}
    group by campaign_key
),

answered as (
    select campaign_key, count(*) as leads_replied_positive
    from (
        select campaign_key, lead_key
        from {{ ref('outreach_events') }}
        group by campaign_key, lead_key
        having max(case when event_type = 'replied' then 1 else 0 end) = 1
            and max(case when event_type in ('interested', 'meeting_booked') then 1 else 0 end) = 1
    ) as leads
    group by campaign_key
)

select
    campaigns.campaign_key,
    campaigns.vendor,
    campaigns.account_id,
    campaigns.campaign_id,
    campaigns.campaign_name,
    {% for event_type in ['sent', 'opened', 'clicked', 'replied', 'out_of_office', 'bounced'] %}
    coalesce(totals.messages_{{ event_type }}, 0) as messages_{{ event_type }},
    {% endfor %}
    {% for event_type in event_types() %}
    coalesce(totals.events_{{ event_type }}, 0) as events_{{ event_type }},
    coalesce(totals.leads_{{ event_type }}, 0) as leads_{{ event_type }},
    {% endfor %}
    coalesce(totals.leads_positive, 0) as leads_positive,
    coalesce(answered.leads_replied_positive, 0) as leads_replied_positive,
    {{ ratio('totals.messages_opened', 'totals.messages_sent') }} as open_rate,
    {{ ratio('totals.messages_clicked', 'totals.messages_sent') }} as click_rate,
    {{ ratio('totals.messages_replied', 'totals.messages_sent') }} as reply_rate,
    {{ ratio('totals.messages_bounced', 'totals.messages_sent') }} as bounce_rate,
    {{ ratio('answered.leads_replied_positive', 'totals.leads_replied') }} as positive_reply_rate,
    {{ ratio('coalesce(answered.leads_replied_positive, 0)', 'totals.leads_sent') }} as positive_replies_per_lead_contacted,
    {{ vendor_rates('campaigns.vendor', 'totals', positive='totals.leads_positive') }}
from {{ ref('outreach_campaigns') }} as campaigns
left join totals on totals.campaign_key = campaigns.campaign_key
left join answered on answered.campaign_key = campaigns.campaign_key
