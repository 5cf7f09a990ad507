{% macro lead_key(email, fallback) -%}
    {#- A lead's stable key: the same person under one key in both vendors and every campaign (a
        hash of the address, trimmed and lowercased), or of `fallback` (a vendor's id, never null)
        when no address is known. -#}
    {{ dbt.hash("coalesce(lower(trim(" ~ email ~ ")), " ~ fallback ~ ")") }}
{%- endmacro %}
