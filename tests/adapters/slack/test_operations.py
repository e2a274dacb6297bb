"""What an operator sees, over loopback into the real server: /metrics after a Slack fan-out
(counts right, no label naming anyone), and JSON logs of a check-in with a comment (every
line parses; no secret, answer value or comment in any)."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.logs import configure_logging
from adapters.settings import load_settings
from scheduler.jobs import tick
from tests.adapters.slack.conftest import ORG, SIGNING_SECRET, SlackWorld
from tests.adapters.slack.test_slack_app import _state_for
from tests.conftest import SECRET, parse_org

TOKEN = "metrics-token-for-tests-only"
TEN = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 in London


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS", "1")
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)


@pytest.fixture
def ops(metrics_on: None, slack: SlackWorld) -> SlackWorld:
    """The Slack world with /metrics on behind a token (set before the world reads it)."""
    return slack


async def scrape(world: SlackWorld) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every sample of /metrics, keyed by name and labels."""
    url = world.url.replace("/slack/events", "/metrics")
    async with world.http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = await response.text()
    samples: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def delta(after: Counter, before: Counter, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0) - before.get(key, 0)


async def checkin(
    world: SlackWorld, user: str, answers: dict, *, answer: str, forged: dict | None = None
) -> None:
    """The pulse's submit button clicked with `answers` in its DM, as Slack sends them (with
    `forged` values no button offers); done when the bot's `answer` (a Web API method, or
    `response_url`) has come."""
    before = len(world.api._of_all(answer))
    clicks = len([c for c in world.api.calls if c.method == "chat.update"]) + len(
        world.api.responses
    )  # each click is a new request (a new action_ts), not Slack's replay of one
    dm = [p for p in world.api.of("chat.postMessage") if p["channel"] == user][-1]
    blocks = dm["blocks"]
    submit = next(
        e
        for b in blocks
        if b["type"] == "actions" and b["block_id"] == "buttons"
        for e in b["elements"]
        if e["action_id"] == "submit:checkin"
    )
    for block in blocks:
        if block["type"] == "actions" and block["block_id"].startswith("bank."):
            answers.setdefault(block["block_id"], "4")
    state = json.loads(json.dumps(_state_for(blocks, answers)))
    for key, value in (forged or {}).items():
        for element in state[key].values():
            element["selected_option"]["value"] = value
    channel = "D" + user[1:]
    response = await world.click(
        user,
        submit["action_id"],
        submit["value"],
        channel=channel,
        ts="1.0001",
        state=state,
        action_ts=f"1.{clicks + 2}",
    )
    assert response.status == 200
    await world.api.wait_for(answer, before + 1)


async def test_metrics_after_a_fan_out_count_right_and_name_nobody(ops: SlackWorld) -> None:
    before = await scrape(ops)
    ops.api.rate_limited["chat.postMessage"] = 30
    first = await tick(ops.runtime.db, now=TEN, ports=ops.runtime.ports)
    del ops.api.rate_limited["chat.postMessage"]
    later = await tick(ops.runtime.db, now=TEN.replace(second=31), ports=ops.runtime.ports)
    assert (first.deferred, first.unreachable, later.sent) == (2, 1, 2)
    answers = {"enps": "9", "energy": "4", "comment": "all good"}
    await checkin(ops, "U0ADA", answers, answer="chat.update")
    await checkin(ops, "U0ADA", answers, answer="response_url")  # a second time: refused
    after = await scrape(ops)

    d = "crosspulse_deliveries_total"
    assert delta(after, before, d, platform="slack", kind="pulse", outcome="sent") == 2
    assert delta(after, before, d, platform="none", kind="pulse", outcome="unreachable") == 1
    paused = delta(after, before, d, platform="slack", kind="pulse", outcome="rate_limited")
    paused += delta(after, before, d, platform="slack", kind="pulse", outcome="deferred")
    assert paused == 2
    limited = [k for k in after if k[0] == "crosspulse_rate_limited_total"]
    assert sum(delta(after, before, name, **dict(labels)) for name, labels in limited) >= 1
    assert all(dict(labels)["platform"] == "slack" for _, labels in limited)
    assert after[("crosspulse_outbox_deliveries", (("state", "sent"),))] == 2
    assert after[("crosspulse_outbox_deliveries", (("state", "failed"),))] == 1
    assert after[("crosspulse_outbox_deliveries", (("state", "pending"),))] == 0
    assert delta(after, before, "crosspulse_tick_duration_seconds_count") == 2
    assert delta(after, before, "crosspulse_answers_recorded_total", part="checkin") == 1
    assert delta(after, before, "crosspulse_answers_refused_total", reason="already_answered") == 1
    requests = "crosspulse_http_requests_total"
    assert (
        delta(after, before, requests, endpoint="/slack/events", method="POST", status="200") == 2
    )
    assert delta(after, before, requests, endpoint="/metrics", method="GET", status="200") == 1
    assert ("crosspulse_scheduler_leader", ()) in after
    assert after[("crosspulse_last_sent_timestamp_seconds", (("kind", "pulse"),))] > 0

    people = parse_org(ORG)
    forbidden = {"all good"}
    for row in people:
        forbidden |= {row.email, row.name, row.department, *row.accounts.values()}
    forbidden = {f.lower() for f in forbidden if f}
    values = {v.lower() for _, labels in after for _, v in labels}
    found = {f for f in forbidden for v in values if f in v}
    assert not found, f"labels name a person or a department: {found}"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The root logger as `serve --` with LOG_FORMAT=json sets it up, into a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_json_logs_parse_and_hold_no_secret_answer_or_comment(
    slack: SlackWorld, log_lines: io.StringIO
) -> None:
    comment = "Bob in Sales is blocking the quarterly launch"
    slack.api.rate_limited["chat.postMessage"] = 30  # a warning with a delivery id
    await tick(slack.runtime.db, now=TEN, ports=slack.runtime.ports)
    del slack.api.rate_limited["chat.postMessage"]
    await tick(slack.runtime.db, now=TEN.replace(second=31), ports=slack.runtime.ports)
    answers = {"enps": "7", "energy": "2", "comment": comment}
    await checkin(slack, "U0ADA", answers, answer="chat.update")
    await checkin(slack, "U0BOB", {"enps": "7"}, answer="response_url", forged={"enps": "731"})
    async with slack.http.get(slack.url.replace("/slack/events", "/nope")) as response:
        assert response.status == 404
    text = log_lines.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines, "the flow logged something"
    for line in lines:
        assert {
            "time",
            "level",
            "logger",
            "event",
            "request_id",
            "workspace",
            "delivery_id",
        } <= set(line)
    assert any(line["delivery_id"] for line in lines), "the 429's warning names its delivery"
    refused = next(line for line in lines if "answer.rejected" in line["event"])
    assert refused["request_id"], "lines logged while handling a request carry its id"
    (access,) = [line for line in lines if "GET /nope" in line["event"]]
    assert access["request_id"] == response.headers["X-Request-Id"]
    secrets = [SECRET.decode(), SIGNING_SECRET, "xoxb-test", comment, "731", "quarterly"]
    leaked = [s for s in secrets if s.lower() in text.lower()]
    assert not leaked, f"the logs hold {leaked}"
