-- Per campaign, step and A/B variant: the messages sent as that variant, and how many were
-- opened, clicked and answered, and the leads that answered positively. Each variant is compared
-- with its step's first (A) on replies per message sent, by a two-proportion z-test.
with sent as (
    select distinct campaign_key, vendor, campaign_name, sequence_step, variant, message_key, lead_key
    from {{ ref('outreach_events') }}
    where event_type = 'sent' and variant is not null and message_key is not null and not is_bot
),

outcomes as (
    select
        message_key,
        {% for event_type in ['opened', 'clicked', 'replied'] %}
        max(case when event_type = '{{ event_type }}' and not is_bot then 1 else 0 end) as {{ event_type }},
        {% endfor %}
        count(*) as events
    from {{ ref('outreach_events') }}
    where message_key is not null
    group by message_key
),

positive as (
    select distinct campaign_key, lead_key
    from {{ ref('outreach_events') }}
    where event_type in ('interested', 'meeting_booked')
),

variants as (
    select
        sent.campaign_key,
        max(sent.vendor) as vendor,
        max(sent.campaign_name) as campaign_name,
        sent.sequence_step,
        sent.variant,
        count(distinct sent.message_key) as messages_sent,
        {% for event_type in ['opened', 'clicked', 'replied'] %}
        count(distinct case when outcomes.{{ event_type }} = 1 then sent.message_key end)
            as messages_{{ event_type }},
        {% endfor %}
        count(distinct case when positive.lead_key is not null then sent.lead_key end) as leads_positive
    from sent
    left join outcomes on outcomes.message_key = sent.message_key
    left join positive on positive.campaign_key = sent.campaign_key and positive.lead_key = sent.lead_key
    group by sent.campaign_key, sent.sequence_step, sent.variant
),

baselines as (
    select
        campaign_key,
        sequence_step,
        variant as baseline_variant,
        messages_sent as baseline_sent,
        messages_replied as baseline_replied,
        row_number() over (partition by campaign_key, sequence_step order by variant) as variant_rank
    from variants
),

compared as (
    select
        variants.*,
        baselines.baseline_variant,
        {{ ratio('variants.messages_replied', 'variants.messages_sent') }} as reply_rate,
        {{ ratio('baselines.baseline_replied', 'baselines.baseline_sent') }} as baseline_reply_rate,
        -- the pooled share of replies, under the hypothesis that both variants have the same
        {{ ratio('variants.messages_replied + baselines.baseline_replied',
                 'variants.messages_sent + baselines.baseline_sent') }} as pooled_reply_rate,
        variants.variant = baselines.baseline_variant as is_baseline,
        baselines.baseline_sent
    from variants
    inner join baselines
        on baselines.campaign_key = variants.campaign_key
        and baselines.sequence_step = variants.sequence_step
        and baselines.variant_rank = 1
),

tested as (
    select
        *,
        case
            when not is_baseline
            then (reply_rate - baseline_reply_rate) / nullif(sqrt(pooled_reply_rate * (1 - pooled_reply_rate)
                * (1.0 / nullif(messages_sent, 0) + 1.0 / nullif(baseline_sent, 0))), 0)
        end as z_score
    from compared
)

select
    campaign_key || ':' || cast(sequence_step as {{ dbt.type_string() }}) || ':' || variant as step_variant_key,
    vendor,
    campaign_key,
    campaign_name,
    sequence_step,
    variant,
    messages_sent,
    messages_opened,
    messages_clicked,
    messages_replied,
    leads_positive,
    reply_rate,
    baseline_variant,
    case when not is_baseline then reply_rate - baseline_reply_rate end as reply_rate_difference,
    z_score,
    {{ two_sided_p_value('z_score') }} as p_value,
    coalesce({{ two_sided_p_value('z_score') }} < 0.05, false) as is_significant,
    case when not is_baseline then 'two-proportion z-test, pooled, two-sided' end as test_name
from tested
