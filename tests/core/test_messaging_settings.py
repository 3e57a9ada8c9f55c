"""TWOFOLD_SMTP_URL, caps, quiet hours and provider settings: parsed at start, every bad
value refused with a message naming the setting."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from twofold.core.messaging_settings import (
    QuietHours,
    parse_caps,
    parse_quiet_hours,
    parse_smtp_url,
)
from twofold.core.settings import load_settings


def test_smtp_url_with_user_password_and_starttls() -> None:
    smtp = parse_smtp_url("smtp://mail%40shop:p%3Ass@127.0.0.1:2525?starttls=true&timeout=5")
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "127.0.0.1",
        2525,
        "mail@shop",
        "p:ss",
    )
    assert (smtp.starttls, smtp.ssl, smtp.timeout_seconds) == (True, False, 5.0)
    assert parse_smtp_url("smtps://relay.example").port == 465
    assert parse_smtp_url("smtp://relay.example").port == 25


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://relay.example", "smtp://"),
        ("smtp://", "needs a host"),
        ("smtp://relay.example:port", "not a number"),
        ("smtp://relay.example?starttls=maybe", "true or false"),
        ("smtps://relay.example?starttls=true", "TLS already"),
        ("smtp://relay.example?tls=1", "unknown option"),
        ("smtp://relay.example?timeout=0", "1-600"),
    ],
)
def test_bad_smtp_urls(url: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_smtp_url(url)


def test_caps_and_quiet_hours() -> None:
    caps = parse_caps("email=1/16h,3/7d; sms=2/30m")
    assert [(cap.count, cap.window) for cap in caps["email"]] == [
        (1, timedelta(hours=16)),
        (3, timedelta(days=7)),
    ]
    assert parse_caps("none") == {}
    quiet = parse_quiet_hours("sms=21:00-08:30")["sms"]
    assert quiet == QuietHours(start=time(21), end=time(8, 30))
    assert quiet.contains(time(23))
    assert quiet.contains(time(8))
    assert not quiet.contains(time(8, 30))
    for bad in ("email=1/16", "email=0/1h", "fax=1/1h", "email"):
        with pytest.raises(ValueError, match="TWOFOLD_FREQUENCY_CAPS"):
            parse_caps(bad)
    for bad in ("sms=21-8", "sms=21:00-21:00", "sms=25:00-08:00"):
        with pytest.raises(ValueError, match="TWOFOLD_QUIET_HOURS"):
            parse_quiet_hours(bad)


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "TWOFOLD_HOME": str(tmp_path),
        "TWOFOLD_SECRET_KEY": "k",
        "TWOFOLD_SMTP_URL": "smtp://127.0.0.1:2525",
        "TWOFOLD_TIMEZONE": "Europe/Amsterdam",
        "TWOFOLD_SMS_PROVIDER_URL": "https://sms.example/send",
        "TWOFOLD_SMS_PROVIDER_AUTH": "Bearer x",
    }
    settings = load_settings(env)
    assert settings.smtp is not None
    assert settings.smtp.port == 2525
    assert settings.sending.default_timezone == "Europe/Amsterdam"
    assert settings.sms_provider is not None
    assert settings.push_provider is None
    assert settings.link_base == "http://127.0.0.1:8000"
    for key, value, fragment in (
        ("TWOFOLD_TIMEZONE", "Mars/Olympus", "time zone"),
        ("TWOFOLD_SMS_PROVIDER_URL", "ftp://x", "http"),
        ("TWOFOLD_SMS_PROVIDER_BODY", "[1]", "JSON object"),
    ):
        with pytest.raises(ValueError, match=fragment):
            load_settings({**env, key: value})
