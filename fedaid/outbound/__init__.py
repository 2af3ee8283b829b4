"""Channels to members beside federation: mail (SMTP) and Web Push, fed by the job queue (`domain.jobs`)."""
