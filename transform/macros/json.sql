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
