{% macro type_double() -%}
    {#- A 64-bit float on every database (dbt's type_float is 32-bit on DuckDB). -#}
    {{ return(adapter.dispatch("type_double", "outreach")()) }}
{%- endmacro %}

{% macro postgres__type_double() %}double precision{% endmacro %}

{% macro default__type_double() %}double{% endmacro %}

{% macro percent(text) -%}
    {#- A share written as text ("95%", "95", "") as a number from 0 to 100, or null. -#}
    cast(nullif(trim(replace(cast({{ text }} as {{ dbt.type_string() }}), '%', '')), '') as {{ type_double() }})
{%- endmacro %}

{% macro ratio(part, whole) -%}
    {#- part / whole, null when there is no whole. -#}
    cast({{ part }} as {{ type_double() }}) / nullif({{ whole }}, 0)
{%- endmacro %}
