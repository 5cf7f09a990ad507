{% macro live_rows(relation, key) -%}
{#- A loaded table's live rows, one per primary key `key`: rows the loader marked deleted
    (target-postgres sets `_sdc_deleted_at` after an ACTIVATE_VERSION) are left out, and of rows
    loaded twice under one key the last loaded wins. A loader without those columns
    (target-duckdb) upserts on the key, and deletions do not reach it. -#}
{%- set names = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}
{%- set order = [] -%}
{%- for name in ["_sdc_batched_at", "_sdc_sequence"] if name in names -%}
    {%- do order.append(name ~ " desc") -%}
{%- endfor -%}
select * from (
    select
        loaded.*,
        row_number() over (partition by {{ key }} order by {{ order | join(", ") if order else key }}) as _key_rank
    from {{ relation }} as loaded
    {%- if "_sdc_deleted_at" in names %}
    where loaded._sdc_deleted_at is null
    {%- endif %}
) as ranked
where _key_rank = 1
{%- endmacro %}
