-- Every live campaign of both vendors, under a key unique across them.

{% for vendor in enabled_vendors() %}
select
    '{{ vendor }}:' || campaign_id as campaign_key,
    '{{ vendor }}' as vendor,
    account_id,
    {% if vendor == 'smartlead' %}client_id{% else %}cast(null as {{ dbt.type_string() }}){% endif %} as client_id,
    campaign_id,
    campaign_name,
    status,
    created_at
from {{ ref('stg_' ~ vendor ~ '__campaigns') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
