{% macro vendor_rates(vendor, counts, positive=none) -%}
    {#- Each vendor's own rates, computed as its screens compute them, for its own campaigns (empty
        for the other vendor's), from the counts of the relation `counts` (its messages_* and
        leads_* columns):
        - lemlist (help.lemlist.com/en/articles/4843584-how-we-calculate-your-metrics): opens on
          messages sent less bounced, clicks and replies on opens;
        - Smartlead (helpcenter.smartlead.ai/en/articles/100-main-dashboard-analytics-explanation):
          leads that opened on leads reached, leads that clicked on leads that opened, and, given
          `positive` (the leads that answered positively), positive answers on replies, where
          replies include out-of-office answers as Smartlead counts them. A category belongs to a
          lead, not to one day's messages, so only the funnel has that one. -#}
    {%- set n = counts ~ '.' -%}
    case when {{ vendor }} = 'lemlist'
        then {{ ratio(n ~ 'messages_opened', n ~ 'messages_sent - ' ~ n ~ 'messages_bounced') }} end as lemlist_open_rate,
    case when {{ vendor }} = 'lemlist'
        then {{ ratio(n ~ 'messages_clicked', n ~ 'messages_opened') }} end as lemlist_click_rate,
    case when {{ vendor }} = 'lemlist'
        then {{ ratio(n ~ 'messages_replied', n ~ 'messages_opened') }} end as lemlist_reply_rate,
    case when {{ vendor }} = 'smartlead'
        then {{ ratio(n ~ 'leads_opened', n ~ 'leads_sent') }} end as smartlead_open_rate,
    case when {{ vendor }} = 'smartlead'
        then {{ ratio(n ~ 'leads_clicked', n ~ 'leads_opened') }} end as smartlead_click_rate
    {%- if positive %},
    case when {{ vendor }} = 'smartlead'
        then {{ ratio(positive, n ~ 'messages_replied + ' ~ n ~ 'messages_out_of_office') }} end
        as smartlead_positive_reply_rate
    {%- endif %}
{%- endmacro %}
