"""campaigns: outreach campaigns, their public pages and the tips they bring (docs/campaigns.md)."""
