"""Real servers for messaging tests: an SMTP server (aiosmtpd, STARTTLS + AUTH, with a
certificate made here), an HTTP server playing a webhook target or an SMS/push provider
(answers chosen per test: 200, 500, too slow), and the app on a port known in advance (links
in messages point at it)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI

from support import ThreadedServer, free_port
from twofold.core.messaging_settings import SendingPolicy, SmtpSettings
from twofold.core.settings import Settings

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret-pass"


def mail_settings(
    home: Path, database_url: str, smtp_port: int, cert: Path, **overrides: Any
) -> Settings:
    """Settings of a server that sends through the test SMTP server (STARTTLS, login) with no
    caps in the way; ``overrides`` sets the rest (port, sender, worker intervals...)."""
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=smtp_port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        starttls=True,
        cafile=str(cert),
    )
    return Settings(
        home=home,
        database_url=database_url,
        secret_key="test-secret",
        smtp=smtp,
        sending=SendingPolicy(),
        **overrides,
    )


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} emails arrived")
            time.sleep(0.05)
        return self.messages


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.mailbox.refuse:
            return self.mailbox.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        parsed = message_from_bytes(bytes(envelope.content or b""), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mailbox.messages.append(parsed)
        self.mailbox.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


@contextmanager
def smtp_server(directory: Path) -> Iterator[tuple[int, Path, Mailbox]]:
    """A real SMTP server on a free port: STARTTLS required before AUTH, AUTH required."""
    cert, key = make_certificate(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        _Handler(mailbox),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield port, cert, mailbox
    finally:
        controller.stop()


@dataclass
class Received:
    """One request the fake HTTP server got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeHttp:
    """An HTTP server whose answers the test chooses: a queue of (status, delay seconds,
    body) used in order, the last one repeated."""

    answers: list[tuple[int, float, bytes]] = field(default_factory=lambda: [(200, 0.0, b"{}")])
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> tuple[int, float, bytes]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} requests arrived")
            time.sleep(0.02)
        return self.received


@contextmanager
def http_server() -> Iterator[FakeHttp]:
    """A real threaded HTTP server on a free port."""
    fake = FakeHttp()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status, delay, answer = fake.answer()
            fake.received.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the client gave up (a timeout test)
                pass

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def app_on_port(port: int, make_app: Callable[[], FastAPI]) -> Iterator[str]:
    """Serve the app on a port chosen before it was built (its links point there)."""
    server = ThreadedServer(make_app())
    server.port = port
    server.server.config.port = port
    with server.running() as url:
        yield url
