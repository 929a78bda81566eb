"""Approval routes: who signs which step, with one-time codes, reminders and escalation."""
