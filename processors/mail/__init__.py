"""Every email goes through one outbox: queued in the state change's transaction, delivered once."""
