-- The model's totals per campaign next to the vendor's own campaign statistics (lemlist's
-- campaign_stats, Smartlead's campaign_analytics), one row per campaign and measure.
with totals as (
    select
        campaign_key,
        {% for event_type in event_types() %}
        count(*) filter (where event_type = '{{ event_type }}') as {{ event_type }},
        count(distinct case when event_type = '{{ event_type }}' then lead_key end) as leads_{{ event_type }},
        {% endfor %}
        count(*) as events
    from {{ ref('outreach_events') }}
    group by campaign_key
),

vendor_counts as (
    {% set measures = {
        'lemlist': [
            ('sent', 'messages_sent'), ('opened', 'opened'),
            ('clicked', 'clicked'), ('replied', 'replied'),
            ('bounced', 'messages_bounced'), ('meeting_booked', 'meetings_booked'),
            ('leads_interested', 'leads_interested'),
            ('leads_not_interested', 'leads_not_interested'),
            ('leads_unsubscribed', 'leads_unsubscribed'),
        ],
        'smartlead': [
            ('sent', 'sent_count'), ('opened', 'unique_open_count'),
            ('clicked', 'unique_click_count'), ('replied', 'reply_count'),
            ('bounced', 'bounce_count'), ('leads_unsubscribed', 'unsubscribed_count'),
            ('leads_interested', 'leads_interested'),
        ],
    } %}
    {% set stats = {'lemlist': 'stg_lemlist__campaign_stats', 'smartlead': 'stg_smartlead__campaign_analytics'} %}
    {% set rows = [] %}
    {% for vendor in enabled_vendors() %}
    {% for measure, counter in measures[vendor] %}
    {% do rows.append((vendor, measure, counter)) %}
    {% endfor %}
    {% endfor %}
    {% for vendor, measure, counter in rows %}
    select
        '{{ vendor }}:' || campaign_id as campaign_key,
        '{{ measure }}' as measure,
        {{ counter }} as vendor_count
    from {{ ref(stats[vendor]) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    vendor_counts.campaign_key || ':' || vendor_counts.measure as reconciliation_key,
    campaigns.vendor,
    vendor_counts.campaign_key,
    campaigns.campaign_name,
    vendor_counts.measure,
    case vendor_counts.measure
        {% for event_type in event_types() %}
        when '{{ event_type }}' then coalesce(totals.{{ event_type }}, 0)
        when 'leads_{{ event_type }}' then coalesce(totals.leads_{{ event_type }}, 0)
        {% endfor %}
    end as model_count,
    vendor_counts.vendor_count
from vendor_counts
inner join {{ ref('outreach_campaigns') }} as campaigns on campaigns.campaign_key = vendor_counts.campaign_key
left join totals on totals.campaign_key = vendor_counts.campaign_key
