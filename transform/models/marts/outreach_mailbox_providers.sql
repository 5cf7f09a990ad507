-- Mailbox health per sender provider (google, microsoft, other) and vendor: how many mailboxes,
-- what they sent, their bounce and reply rates, and their warm-up reputation as the vendor gives it.
select
    vendor || ':' || sender_provider as provider_key,
    vendor,
    sender_provider,
    count(*) as mailboxes,
    sum(sent) as sent,
    sum(bounced) as bounced,
    sum(replied) as replied,
    {{ ratio('sum(bounced)', 'sum(sent)') }} as bounce_rate,
    {{ ratio('sum(replied)', 'sum(sent)') }} as reply_rate,
    avg(warmup_reputation) as warmup_reputation,
    min(warmup_reputation) as lowest_warmup_reputation
from {{ ref('outreach_mailbox_health') }}
group by vendor, sender_provider
