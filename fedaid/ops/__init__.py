"""Running an instance: start-up, health and readiness, metrics, checks and backups."""
