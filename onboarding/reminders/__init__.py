"""Reminders sent by ``flask notify run`` (daily cron): deadlines, the leaders' weekly digest
and HR's notice before each session. Each goes once per occasion."""
