"""Delivery: SMTP from the environment's settings, or .eml files in an outbox folder when no host is set.

Failures are sorted as the outbox needs them: temporary (a 4xx reply, a refused or dropped
connection, a timeout) are retried on a later run; permanent (a 5xx reply to the message) are not.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

logger = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_TIMEOUT = 30.0
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class ConfigError(ValueError):
    """Bad SMTP settings in the environment, one line."""


class DeliveryError(Exception):
    """A message was not delivered; `permanent` says whether retrying can help."""

    def __init__(self, reason: str, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.connection = connection  # the server could not be reached: later messages will fail alike


@dataclass
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: str
    mail_from: str
    timeout: float = DEFAULT_TIMEOUT

    def where(self) -> str:
        return f"smtp://{self.host}:{self.port} ({self.tls})"


def mail_from(env: Mapping[str, str]) -> str:
    """CHIPWATCH_MAIL_FROM, checked; chipwatch@<this host> when unset."""
    from alerts.watches import WatchError, check_address  # the one address check

    value = env.get("CHIPWATCH_MAIL_FROM")
    if not value:  # the host name, not getfqdn(): that asks DNS and can hang
        try:
            return check_address(f"chipwatch@{socket.gethostname()}")
        except WatchError:
            return "chipwatch@localhost"
    try:
        return check_address(value)
    except WatchError as exc:
        raise ConfigError(f"CHIPWATCH_MAIL_FROM: {exc}") from None


_URL_RE = re.compile(r"^https?://[A-Za-z0-9.\[\]:-]+(?:/[A-Za-z0-9._~/%+-]*)?$")


def base_url(env: Mapping[str, str]) -> str | None:
    """CHIPWATCH_BASE_URL: where `chipwatch serve` is reachable for the recipients (article pages,
    one-click unsubscribe); None when unset. Only a plain http(s) URL is taken: it goes into headers."""
    value = (env.get("CHIPWATCH_BASE_URL") or "").strip()
    if not value:
        return None
    if not _URL_RE.match(value):
        raise ConfigError(f"CHIPWATCH_BASE_URL: not a plain http(s) URL: {value!r} (e.g. https://chipwatch.example.org)")
    return value.rstrip("/")


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings from CHIPWATCH_SMTP_*; None when no host is set (emails go to the outbox folder).

    CHIPWATCH_SMTP_TLS defaults to starttls, or none for a server on this machine.
    """
    env = os.environ if env is None else env
    host = (env.get("CHIPWATCH_SMTP_HOST") or "").strip()
    if not host:
        return None
    if not re.fullmatch(r"[A-Za-z0-9.:\[\]_-]+", host):
        raise ConfigError(f"CHIPWATCH_SMTP_HOST: not a host name: {host!r}")
    tls = (env.get("CHIPWATCH_SMTP_TLS") or ("none" if host in LOCAL_HOSTS else "starttls")).strip().lower()
    if tls not in TLS_MODES:
        raise ConfigError(f"CHIPWATCH_SMTP_TLS: {tls!r}: use one of {', '.join(TLS_MODES)}")
    port_text = (env.get("CHIPWATCH_SMTP_PORT") or str(DEFAULT_PORTS[tls])).strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"CHIPWATCH_SMTP_PORT: not a port number: {port_text!r}")
    timeout_text = (env.get("CHIPWATCH_SMTP_TIMEOUT") or str(DEFAULT_TIMEOUT)).strip()
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise ConfigError(f"CHIPWATCH_SMTP_TIMEOUT: not a number of seconds: {timeout_text!r}") from None
    user = env.get("CHIPWATCH_SMTP_USER") or None
    password = env.get("CHIPWATCH_SMTP_PASSWORD") or None
    if user and password is None:
        raise ConfigError("CHIPWATCH_SMTP_USER is set but CHIPWATCH_SMTP_PASSWORD is not")
    return SmtpSettings(host, int(port_text), user, password, tls, mail_from(env), timeout)


def envelope_address(address: str) -> str:
    return parseaddr(address)[1]


class SmtpTransport:
    """One SMTP connection for a run's messages, opened on first use and again after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def where(self) -> str:
        return self.settings.where()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.tls == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                conn.ehlo()
                if s.tls == "starttls":
                    conn.starttls(context=context)
                    conn.ehlo()
                if s.user:
                    conn.login(s.user, s.password or "")
            except BaseException:
                _close(conn)
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{s.where()}: login refused: {exc.smtp_code} {_text(exc.smtp_error)}", connection=True) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"{s.where()}: {exc.smtp_code} {_text(exc.smtp_error)}", connection=True) from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timeout, TLS, no STARTTLS
            raise DeliveryError(f"{s.where()}: cannot connect: {_reason(exc)}", connection=True) from None
        return conn

    def send(self, message: EmailMessage, to: str, label: str = "") -> str:
        """Deliver to one recipient; returns where it went, or raises DeliveryError."""
        if self.conn is None:
            self.conn = self._connect()
        recipient = envelope_address(to)
        try:
            refused = self.conn.send_message(message, from_addr=envelope_address(self.settings.mail_from), to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (0, b"refused"))
            raise DeliveryError(f"{recipient}: {code} {_text(text)}", permanent=code >= 500) from None
        except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA refused
            self._reset()
            raise DeliveryError(f"{recipient}: {exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:  # dropped connection, timeout
            self.close()
            raise DeliveryError(f"{recipient}: {_reason(exc)}") from None
        if refused:
            code, text = refused.get(recipient, (0, b"refused"))
            raise DeliveryError(f"{recipient}: {code} {_text(text)}", permanent=code >= 500)
        return self.settings.where()

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            _close(self.conn)
            self.conn = None


class FolderTransport:
    """Writes each message as an .eml file into a folder: what a new user sees without an SMTP server."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.written: list[Path] = []

    def where(self) -> str:
        return str(self.folder.resolve())

    def send(self, message: EmailMessage, to: str, label: str = "") -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        name = re.sub(r"[^\w.@-]+", "_", f"{stamp}-{label}-{envelope_address(to)}")[:120]
        path = self.folder / f"{name}.eml"
        number = 1
        while path.exists():
            number += 1
            path = self.folder / f"{name}-{number}.eml"
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes(policy=message.policy.clone(linesep="\n")))  # the message's own header rules; Unix lines
        tmp.replace(path)  # a reader never sees half a file
        self.written.append(path)
        return str(path)

    def close(self) -> None:
        pass


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    return f"{type(exc).__name__}: {_text(str(exc)) or 'connection closed'}"
