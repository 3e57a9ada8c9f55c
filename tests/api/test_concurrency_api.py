"""Concurrent writers: every request succeeds (SQLite serialises them, PostgreSQL interleaves)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from support import ApiClient


def test_concurrent_patches_and_reads_all_succeed(api: ApiClient) -> None:
    accounts = [api.created("/accounts", {"name": f"Account {i}"})["id"] for i in range(8)]
    headers = dict(api.headers)

    def hammer(account_id: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=str(api.base_url), headers=headers, timeout=60) as client:
            for step in range(10):
                statuses.append(
                    client.patch(f"/accounts/{account_id}", json={"region": f"R{step}"}).status_code
                )
                statuses.append(client.get("/accounts", params={"limit": 5}).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [status for statuses in pool.map(hammer, accounts) for status in statuses]
    assert results.count(200) == len(results) == 160
    for account_id in accounts:
        account = api.get(f"/accounts/{account_id}").json()
        assert account["region"] == "R9"
        assert account["version"] == 11
