"""Bounded load test on loopback: 16 concurrent askers for 30 s against the page's API.

Not in the default run: `pytest -m load tests/test_app_load.py`.
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from tests.test_app import page_url, plain  # noqa: F401  (the fixture: the real page in a subprocess)

ASKERS = 16
SECONDS = 30
PAIRS = [
    ("What was Kazakhstan's silver output in 2024?", "697.5 tons"),
    ("How many production licenses were revoked in Kyrgyzstan in the first half of 2025?", "199"),
    ("What are the tin reserves at the Syrymbet deposit?", "286,000 tons"),
    ("Who is the CEO of AIX?", "Assel Mukazhanova"),
]


@pytest.mark.load
def test_sixteen_concurrent_askers_get_their_own_answers(page_url):  # noqa: F811
    from gradio_client import Client

    errors, mismatches, latencies = [], [], []
    lock = threading.Lock()
    deadline = time.time() + SECONDS

    def asker(n: int) -> None:
        client = Client(page_url, verbose=False)
        i = n
        while time.time() < deadline:
            question, expected = PAIRS[i % len(PAIRS)]
            t0 = time.perf_counter()
            try:
                chat, _, _ = client.predict(question, [], 8, "extractive", api_name="/respond")
            except Exception as exc:  # noqa: BLE001 — every failure is counted
                with lock:
                    errors.append(repr(exc))
                continue
            text = plain(chat[-1]["content"][0]["text"])
            with lock:
                latencies.append(time.perf_counter() - t0)
                if len(chat) != 2 or plain(chat[0]["content"][0]["text"]) != question or expected not in text:
                    mismatches.append((question, text))
            i += 1

    threads = [threading.Thread(target=asker, args=(n,)) for n in range(ASKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 60)
    print(f"\n{len(latencies)} answers in {SECONDS} s from {ASKERS} askers; "
          f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {sorted(latencies)[int(0.95 * len(latencies))] * 1000:.0f} ms")
    assert not errors and not mismatches
    assert len(latencies) >= ASKERS
