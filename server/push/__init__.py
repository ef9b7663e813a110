"""Web Push: the transactional outbox, the sender, and subscription upkeep."""
