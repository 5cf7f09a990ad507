-- The model's totals per campaign (outreach_campaign_funnel) next to the vendor's own campaign
-- statistics (lemlist's campaign_stats, Smartlead's campaign_analytics), one row per campaign and
-- measure: the measure is the funnel's column (or a sum of them), and beside it the vendor's
-- counter it matches. Smartlead's reply count has the out-of-office answers the model counts apart
-- from replies.
{% set measures = {
    'lemlist': [
        ('messages_sent', 'messages_sent'), ('messages_opened', 'opened'), ('messages_clicked', 'clicked'),
        ('messages_replied', 'replied'), ('messages_bounced', 'messages_bounced'),
        ('events_meeting_booked', 'meetings_booked'), ('leads_interested', 'leads_interested'),
        ('leads_not_interested', 'leads_not_interested'), ('leads_unsubscribed', 'leads_unsubscribed'),
    ],
    'smartlead': [
        ('messages_sent', 'sent_count'), ('leads_opened', 'unique_open_count'),
        ('leads_clicked', 'unique_click_count'), ('messages_replied + messages_out_of_office', 'reply_count'),
        ('messages_bounced', 'bounce_count'), ('leads_unsubscribed', 'unsubscribed_count'),
        ('leads_interested', 'leads_interested'),
    ],
} %}
{% set statistics = {'lemlist': 'stg_lemlist__campaign_stats', 'smartlead': 'stg_smartlead__campaign_analytics'} %}
{% set rows = [] %}
{% for vendor in enabled_vendors() %}
    {% for measure, counter in measures[vendor] %}{% do rows.append((vendor, measure, counter)) %}{% endfor %}
{% endfor %}

{% for vendor, measure, counter in rows %}
select
    funnel.campaign_key || ':{{ measure | replace(' + ', '+') }}' as reconciliation_key,
    funnel.vendor,
    funnel.campaign_key,
    funnel.campaign_name,
    '{{ measure }}' as measure,
    '{{ counter }}' as vendor_counter,
    {% for column in measure.split(' + ') %}funnel.{{ column }}{{ ' + ' if not loop.last }}{% endfor %} as model_count,
    statistics.{{ counter }} as vendor_count
from {{ ref('outreach_campaign_funnel') }} as funnel
inner join {{ ref(statistics[vendor]) }} as statistics
    on funnel.campaign_key = '{{ vendor }}:' || statistics.campaign_id
{% if not loop.last %}union all{% endif %}
{% endfor %}
