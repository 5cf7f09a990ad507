{% macro json_array_elements(column) -%}
    {#- One row per element of a JSON array column, as a set-returning expression. -#}
    {{ return(adapter.dispatch("json_array_elements", "outreach")(column)) }}
{%- endmacro %}

{% macro postgres__json_array_elements(column) -%}
    {#- target-postgres loads arrays as jsonb[] -#}
    unnest({{ column }})
{%- endmacro %}

{% macro default__json_array_elements(column) -%}
    {#- target-duckdb loads arrays as one JSON value -#}
    unnest(from_json({{ column }}, '["json"]'))
{%- endmacro %}

{% macro percent(text) -%}
    {#- A share written as text ("95%", "95", "") as a number from 0 to 100, or null. -#}
    cast(nullif(trim(replace(cast({{ text }} as {{ dbt.type_string() }}), '%', '')), '') as {{ dbt.type_float() }})
{%- endmacro %}

{% macro ratio(part, whole) -%}
    {#- part / whole, null when there is no whole. -#}
    cast({{ part }} as {{ dbt.type_float() }}) / nullif({{ whole }}, 0)
{%- endmacro %}

{% macro lead_key(email, fallback) -%}
    {#- A lead's stable key: the same person under one key in both vendors and every campaign (a
        hash of the address, trimmed and lowercased), or the vendor's id when no address is known. -#}
    {{ dbt.hash("coalesce(lower(trim(" ~ email ~ ")), " ~ fallback ~ ")") }}
{%- endmacro %}
