{{ config(enabled='smartlead' in var('vendors')) }}
with categories as ({{ live_rows(source('smartlead', 'lead_categories'), 'id') }})

select
    cast(id as {{ dbt.type_string() }}) as lead_category_id,
    cast(name as {{ dbt.type_string() }}) as category_name,
    cast(sentiment_type as {{ dbt.type_string() }}) as sentiment
from categories
