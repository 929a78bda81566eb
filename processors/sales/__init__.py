"""The sales family: customer orders (C1, C2), sales contracts, shipments and collections (C4), feedback (C5)."""
