-- The model's count of each measure per campaign equals the vendor's own campaign statistics.
-- Severity: var reconciliation_severity (warn by default; the test suite sets error).
{{ config(severity=var('reconciliation_severity')) }}

select *
from {{ ref('outreach_campaign_reconciliation') }}
where model_count is distinct from vendor_count
