{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Marts go to the target's schema (`outreach`), staging views beside it (`outreach_staging`). -#}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
