"""The notification channels and webhook sender, chosen once from settings."""

from __future__ import annotations

from domain.notifications.channels import DeliveryChannels, RetryPolicy
from domain.webhooks.targets import TargetPolicy
from server.adapters.expo_push import ExpoPushSender
from server.adapters.smtp_email import SmtpEmailSender
from server.adapters.webhook_http import GuardedWebhookSender
from server.settings import Environment, Settings


def webhook_target_policy(settings: Settings) -> TargetPolicy:
    """Production: https only, public addresses only. Elsewhere http and localhost work."""
    if settings.environment is Environment.PRODUCTION:
        return TargetPolicy.production()
    return TargetPolicy.development()


def delivery_channels(settings: Settings) -> DeliveryChannels:
    email = None
    if settings.smtp_host:
        email = SmtpEmailSender(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
    push = None
    if settings.push_enabled:
        token = settings.push_access_token
        push = ExpoPushSender(
            settings.push_api_url, access_token=token.get_secret_value() if token else None
        )
    policy = webhook_target_policy(settings)
    return DeliveryChannels(
        email=email,
        push=push,
        webhooks=GuardedWebhookSender(policy, timeout=settings.webhook_timeout_seconds),
        webhook_policy=policy,
        retry=RetryPolicy(base_seconds=settings.delivery_retry_base_seconds),
    )
