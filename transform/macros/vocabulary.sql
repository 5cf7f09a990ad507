{#- The one event vocabulary of the model. lemlist names its activity types by channel and
    outcome (emailsOpened, linkedinReplied, aircallInterested, ... about 80 and growing), so its
    types are mapped by their ending, and a new type lands in a known bucket or in `other`. -#}

{% macro event_types() -%}
    {{ return(["sent", "opened", "clicked", "replied", "out_of_office", "bounced", "unsubscribed", "interested",
               "not_interested", "meeting_booked", "other"]) }}
{%- endmacro %}

{% macro channels() -%}
    {{ return(["email", "linkedin", "phone", "sms", "whatsapp", "manual", "other"]) }}
{%- endmacro %}

{% macro lemlist_event_type(type) -%}
    {#- lemlist detects out-of-office answers and shows them apart; its API names no type for
        them, so any type that says so is one, whatever its channel. -#}
    case
        when lower({{ type }}) like '%outofoffice%' then 'out_of_office'
        when lower({{ type }}) like '%notinterested' then 'not_interested'
        when lower({{ type }}) like '%interested' then 'interested'
        when lower({{ type }}) like '%meetingbooked' then 'meeting_booked'
        when lower({{ type }}) like '%unsubscribed' then 'unsubscribed'
        when lower({{ type }}) like '%bounced' then 'bounced'
        when lower({{ type }}) like '%replied' then 'replied'
        when lower({{ type }}) like '%clicked' then 'clicked'
        when lower({{ type }}) like '%opened' then 'opened'
        when lower({{ type }}) like '%sent' then 'sent'
        else 'other'
    end
{%- endmacro %}

{% macro lemlist_channel(type) -%}
    case
        when lower({{ type }}) like 'emails%' then 'email'
        when lower({{ type }}) like 'linkedin%' then 'linkedin'
        when lower({{ type }}) like 'aircall%' or lower({{ type }}) like 'phone%' then 'phone'
        when lower({{ type }}) like 'sms%' then 'sms'
        when lower({{ type }}) like 'whatsapp%' then 'whatsapp'
        when lower({{ type }}) like 'manual%' then 'manual'
        else 'other'
    end
{%- endmacro %}

{% macro smartlead_category_event_type(name, sentiment) -%}
    {#- A Smartlead lead category: the built-in ones by name, a team's own by its sentiment. A
        meeting request is a positive answer, not yet a meeting booked. -#}
    case
        when lower(trim({{ name }})) in ('interested', 'meeting request') then 'interested'
        when lower(trim({{ name }})) = 'meeting booked' then 'meeting_booked'
        when lower(trim({{ name }})) = 'not interested' then 'not_interested'
        when lower(trim({{ name }})) = 'out of office' then 'out_of_office'
        when lower(trim({{ name }})) in ('do not contact', 'information request', 'wrong person')
            then 'other'
        when lower({{ sentiment }}) = 'positive' then 'interested'
        when lower({{ sentiment }}) = 'negative' then 'not_interested'
        else 'other'
    end
{%- endmacro %}

{% macro enabled_vendors() -%}
    {#- The vendors this warehouse holds (var `vendors`), in one order for every union. -#}
    {{ return(["lemlist", "smartlead"] | select("in", var("vendors")) | list) }}
{%- endmacro %}

{% macro sender_provider(provider, email) -%}
    {#- Who hosts a sender mailbox: `google`, `microsoft` or `other`. The vendor's own field first
        (lemlist's mailbox `provider`: google, microsoft, custom; Smartlead's account `type`: GMAIL,
        OUTLOOK, SMTP, ZOHO, ...); for an SMTP or custom mailbox, the address's domain when it is
        one of the two providers' own. A company domain hosted by either cannot be told from its
        name, so it is `other`. -#}
    case
        when lower(trim({{ provider }})) in ('google', 'gmail', 'gsuite', 'google_workspace') then 'google'
        when lower(trim({{ provider }})) in ('microsoft', 'outlook', 'office365', 'microsoft365', 'exchange')
            then 'microsoft'
        when lower(trim({{ provider }})) not in ('smtp', 'custom', 'imap', '') then 'other'
        when lower(split_part({{ email }}, '@', 2)) in ('gmail.com', 'googlemail.com') then 'google'
        when lower(split_part({{ email }}, '@', 2)) in ('outlook.com', 'hotmail.com', 'live.com', 'msn.com')
            then 'microsoft'
        else 'other'
    end
{%- endmacro %}
