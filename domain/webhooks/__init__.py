"""Partner webhooks: signed, retried HTTP deliveries of public events (ids and kinds only)."""
