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

{% macro two_sided_p_value(z) -%}
    {#- The two-sided p-value of a standard normal statistic z: 1 - erf(|z| / sqrt 2), by
        Abramowitz and Stegun's formula 7.1.26 (error under 1.5e-7), since neither database has
        erf. Null when z is. -#}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.3275911 * ' ~ x ~ '))' -%}
    ({{ t }} * (0.254829592 + {{ t }} * (-0.284496736 + {{ t }} * (1.421413741
        + {{ t }} * (-1.453152027 + {{ t }} * 1.061405429)))) * exp(-{{ x }} * {{ x }}))
{%- endmacro %}
