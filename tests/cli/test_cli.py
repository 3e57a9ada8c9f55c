"""The `twofold` command, run as a real subprocess against both databases."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import httpx
from cli_support import run_cli

from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.store.database import Database


def test_users_and_api_keys_from_the_cli(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    home = tmp_path / "home"
    assert run_cli(home, database_url, "init").returncode == 0
    created = run_cli(
        home,
        database_url,
        "users",
        "create",
        "--email",
        "Boss@Example.com",
        "--role",
        "admin",
        "--password",
        "a-long-password",
    )
    assert created.returncode == 0, created.stderr
    assert "admin boss@example.com" in created.stdout
    duplicate = run_cli(
        home,
        database_url,
        "users",
        "create",
        "--email",
        "boss@example.com",
        "--password",
        "a-long-password",
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    short = run_cli(
        home, database_url, "users", "create", "--email", "x@example.com", "--password", "short"
    )
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    bad_role = run_cli(
        home,
        database_url,
        "users",
        "create",
        "--email",
        "y@example.com",
        "--role",
        "king",
        "--password",
        "a-long-password",
    )
    assert bad_role.returncode != 0
    no_user = run_cli(home, database_url, "apikeys", "create", "--user", "ghost@example.com")
    assert no_user.returncode == 1
    issued = run_cli(home, database_url, "apikeys", "create", "--user", "boss@example.com")
    assert issued.returncode == 0, issued.stderr
    key = re.fullmatch(r"API key: (tf_\S+)\n", issued.stdout)
    assert key is not None, issued.stdout
    settings = Settings(home=home, database_url=database_url, secret_key="x")
    with ThreadedServer(create_app(settings, database=database)).running() as url:
        me = httpx.get(f"{url}/api/v1/users/me", headers={"Authorization": f"Bearer {key[1]}"})
    assert me.json()["email"] == "boss@example.com"


def test_demo_prints_login_and_key_and_builds_the_company(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    home = tmp_path / "home"
    result = run_cli(home, database_url, "demo", "--size", "small", "--no-serve")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    login = [line for line in lines if line.startswith("Admin login: ")]
    key = [line for line in lines if line.startswith("API key: ")]
    assert len(login) == 1
    assert len(key) == 1
    assert re.fullmatch(r"Admin login: admin@twofold\.example / \S{10,}", login[0])
    assert "http://127.0.0.1:8000/" in result.stdout
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM accounts").scalar_one() == 30
        b2b_people = connection.exec_driver_sql(
            "SELECT count(*) FROM persons WHERE id NOT IN (SELECT person_id FROM identity_mappings)"
        ).scalar_one()
        consumers = connection.exec_driver_sql(
            "SELECT count(DISTINCT person_id) FROM identity_mappings WHERE kind = 'user_id'"
        ).scalar_one()
        both = connection.exec_driver_sql(
            "SELECT count(*) FROM identity_mappings WHERE reason = 'crm'"
        ).scalar_one()
    assert 50 <= consumers <= 100  # of 100 shoppers; some never sign up and stay anonymous
    assert both >= 3  # B2B contacts who also shop: one person, both sides
    assert b2b_people > 150
    write_key = [line for line in lines if line.startswith("Write key (Web shop")]
    assert len(write_key) == 1
    with duckdb.connect(str(home / "events" / "events.duckdb"), read_only=True) as events:
        stored = events.execute(
            "SELECT count(*), count(DISTINCT person_id), count(DISTINCT anonymous_id), "
            "count(*) FILTER (WHERE name = 'Order Completed') FROM events"
        ).fetchall()
    total, people, devices, orders = stored[0]
    assert total > 1000
    assert people == consumers  # every identified shopper's events, browsing included
    assert devices == 100
    assert orders > 20
    again = run_cli(home, database_url, "demo", "--size", "small", "--no-serve")
    assert again.returncode == 0
    assert "already there" in again.stdout
    bad = run_cli(home, database_url, "demo", "--size", "enormous", "--no-serve")
    assert bad.returncode == 1


def test_sources_from_the_cli(tmp_path: Path, database_url: str, database: Database) -> None:
    home = tmp_path / "home"
    created = run_cli(home, database_url, "sources", "create", "Web shop")
    assert created.returncode == 0, created.stderr
    assert re.search(r"^Write key: wk_\S{40,}$", created.stdout, re.MULTILINE)
    duplicate = run_cli(home, database_url, "sources", "create", "Web shop")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    empty = run_cli(home, database_url, "sources", "create", "  ")
    assert empty.returncode == 1
    assert "name" in empty.stderr
    listed = run_cli(home, database_url, "sources", "list")
    assert listed.returncode == 0
    assert "Web shop" in listed.stdout
    assert "(active)" in listed.stdout
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sources").scalar_one() == 1
