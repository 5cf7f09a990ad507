-- Per sender mailbox: what it sent, how much bounced and got answers, and its warm-up as the vendor
-- reports it (Smartlead: status and reputation; lemlist: whether lemwarm is on).
with sent_by as (
    select
        vendor,
        sender_mailbox as mailbox_email,
        max(account_id) as account_id,
        count(distinct case when event_type = 'sent' then message_key end) as sent,
        count(distinct case when event_type = 'bounced' then message_key end) as bounced,
        count(distinct case when event_type = 'replied' then message_key end) as replied,
        count(distinct campaign_key) as campaigns,
        max(case when event_type = 'sent' then occurred_at end) as last_sent_at
    from {{ ref('outreach_events') }}
    where channel = 'email' and sender_mailbox is not null
    group by vendor, sender_mailbox
),

vendor_mailboxes as (
    {% for vendor in enabled_vendors() %}
    select
        '{{ vendor }}' as vendor,
        mailbox_email,
        max(account_id) as account_id,
        max(provider) as provider,
        max(connection_status) as connection_status,
        max(warmup_status) as warmup_status,
        {% if vendor == 'smartlead' %}max(warmup_reputation){% else %}cast(null as {{ type_double() }}){% endif %} as warmup_reputation,
        max(daily_limit) as daily_limit
    from {{ ref('stg_' ~ vendor ~ ('__email_accounts' if vendor == 'smartlead' else '__mailboxes')) }}
    where mailbox_email is not null
    group by mailbox_email
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

mailboxes as (
    select
        coalesce(vendor_mailboxes.vendor, sent_by.vendor) as vendor,
        coalesce(vendor_mailboxes.mailbox_email, sent_by.mailbox_email) as mailbox_email,
        coalesce(vendor_mailboxes.account_id, sent_by.account_id) as account_id,
        vendor_mailboxes.provider,
        vendor_mailboxes.connection_status,
        vendor_mailboxes.warmup_status,
        vendor_mailboxes.warmup_reputation,
        vendor_mailboxes.daily_limit,
        coalesce(sent_by.sent, 0) as sent,
        coalesce(sent_by.bounced, 0) as bounced,
        coalesce(sent_by.replied, 0) as replied,
        coalesce(sent_by.campaigns, 0) as campaigns,
        sent_by.last_sent_at
    from vendor_mailboxes
    full outer join sent_by
        on sent_by.vendor = vendor_mailboxes.vendor and sent_by.mailbox_email = vendor_mailboxes.mailbox_email
)

select
    vendor || ':' || mailbox_email as mailbox_key,
    *,
    {{ sender_provider('provider', 'mailbox_email') }} as sender_provider,
    {{ ratio('bounced', 'sent') }} as bounce_rate,
    {{ ratio('replied', 'sent') }} as reply_rate
from mailboxes
