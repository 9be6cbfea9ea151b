"""Notifications: the e-mail outbox."""
