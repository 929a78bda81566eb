"""The shop's catalogue and its change requests (REQUIREMENTS.md P1–P4): a kind plugin like the sales family."""
