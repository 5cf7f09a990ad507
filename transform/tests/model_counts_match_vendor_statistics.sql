-- The model's count of each measure per campaign equals the vendor's own campaign statistics.
-- Severity: var reconciliation_severity, warn by default (a vendor may count what its feed does
-- not show); `--vars "{reconciliation_severity: error}"` makes a difference fail the build.
{{ config(severity=var('reconciliation_severity')) }}

select *
from {{ ref('outreach_campaign_reconciliation') }}
where model_count is distinct from vendor_count
