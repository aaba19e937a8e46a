"""E-mail over SMTP: the standard library's `smtplib`, run in a worker thread.

Why not aiosmtplib: mail is sent by background jobs, a few per notification,
so a thread per send costs nothing that matters, while `smtplib` is the most
widely deployed SMTP client there is and adds no dependency. Every socket
operation has a timeout (SMTP_TIMEOUT_SECONDS), so a stuck server cannot hold a
thread for long.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid

from domain.notifications.channels import DeliveryError, EmailMessage


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self._host, self._port = host, port
        self._sender = sender
        self._user, self._password = user, password
        self._starttls = starttls
        self._timeout = timeout

    def __repr__(self) -> str:  # never print the password
        return f"SmtpEmailSender({self._host}:{self._port}, starttls={self._starttls})"

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _mime(self, message: EmailMessage) -> MimeMessage:
        mime = MimeMessage()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(usegmt=True)
        mime["Message-ID"] = make_msgid(domain="iworkz")
        mime.set_content(message.body)
        return mime

    def _send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._user:
                    smtp.login(self._user, self._password or "")
                smtp.send_message(self._mime(message))
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            raise DeliveryError(
                f"recipient refused ({', '.join(map(str, codes))})",
                retryable=all(400 <= code < 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as error:
            # 4xx: try again later; 5xx: the server will say the same next time
            raise DeliveryError(
                f"SMTP {error.smtp_code}", retryable=400 <= error.smtp_code < 500
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP unavailable: {type(error).__name__}") from None
