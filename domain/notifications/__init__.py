"""Notifications: stored per user, delivered live, by e-mail and by mobile push."""
