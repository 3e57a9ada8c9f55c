"""The flow editor's pure parts: the layered layout of a branching flow (positions and
labelled edges), changing one step of a flow's JSON, and the six starter flows."""

from __future__ import annotations

from typing import Any

import pytest

from twofold.core.errors import ValidationFailed
from twofold.flows import editing
from twofold.flows.definition import parse_flow
from twofold.flows.layout import (
    BOX_HEIGHT,
    BOX_WIDTH,
    COLUMN_GAP,
    LAYER_GAP,
    MARGIN,
    TRIGGER_ID,
    layered_layout,
)
from twofold.flows.starters import STARTERS, get_starter

BRANCHING: dict[str, Any] = {
    "trigger": {"type": "event", "event": "Checkout Started"},
    "start": "wait",
    "steps": [
        {"id": "wait", "type": "delay", "hours": 1, "next": "bought?"},
        {
            "id": "bought?",
            "type": "condition",
            "rule": {"order": {"within_days": 1}},
            "yes": "thanks",
            "no": "split",
        },
        {"id": "thanks", "type": "create_task", "subject": "Say thanks"},
        {
            "id": "split",
            "type": "ab_split",
            "holdout": 10,
            "variants": [
                {"name": "A", "weight": 1, "next": "mail"},
                {"name": "B", "weight": 1, "next": "later"},
            ],
        },
        {"id": "mail", "type": "send_email", "template_id": 1},
        {"id": "later", "type": "delay", "hours": 24, "next": "bought?"},
    ],
}


def test_layers_positions_and_labelled_edges_of_a_branching_flow() -> None:
    diagram = layered_layout(parse_flow(BRANCHING))
    boxes = {box.id: box for box in diagram.boxes}
    layers = {box_id: box.layer for box_id, box in boxes.items()}
    assert layers == {
        TRIGGER_ID: 0,
        "wait": 1,
        "bought?": 2,
        "thanks": 3,
        "split": 3,
        "mail": 4,
        "later": 4,
    }
    # Two boxes side by side on layers 3 and 4, one centred above them elsewhere.
    step = BOX_WIDTH + COLUMN_GAP
    assert (boxes["thanks"].x, boxes["split"].x) == (MARGIN, MARGIN + step)
    assert (boxes["mail"].x, boxes["later"].x) == (MARGIN, MARGIN + step)
    assert boxes["wait"].x == boxes[TRIGGER_ID].x == MARGIN + step // 2
    assert boxes["split"].y == MARGIN + 3 * (BOX_HEIGHT + LAYER_GAP)
    assert diagram.height == 2 * MARGIN + 5 * BOX_HEIGHT + 4 * LAYER_GAP
    assert diagram.width == 2 * MARGIN + 2 * BOX_WIDTH + COLUMN_GAP + BOX_WIDTH // 2
    edges = {(edge.source, edge.target): (edge.label, edge.back) for edge in diagram.edges}
    assert edges == {
        (TRIGGER_ID, "wait"): ("", False),
        ("wait", "bought?"): ("", False),
        ("bought?", "thanks"): ("yes", False),
        ("bought?", "split"): ("no", False),
        ("split", "mail"): ("A", False),
        ("split", "later"): ("B", False),
        ("later", "bought?"): ("", True),  # the loop back through a delay goes round the side
    }
    down = next(edge for edge in diagram.edges if edge.target == "split")
    assert down.path.startswith(f"M{boxes['bought?'].centre_x},{boxes['bought?'].y + BOX_HEIGHT}")
    assert down.path.endswith(f"{boxes['split'].centre_x},{boxes['split'].y}")


def test_insert_replace_and_remove_steps() -> None:
    task = {"id": "call", "type": "create_task", "subject": "Call them"}
    inserted = editing.insert_step(BRANCHING, task, "bought?.no")
    assert editing.find_step(inserted, "bought?")["no"] == "call"  # type: ignore[index]
    assert editing.find_step(inserted, "call")["next"] == "split"  # type: ignore[index]
    assert editing.find_step(BRANCHING, "call") is None  # the original is left alone
    parse_flow(inserted)

    at_start = editing.insert_step(BRANCHING, {**task, "next": None}, "start")
    assert at_start["start"] == "call"
    assert editing.find_step(at_start, "call")["next"] == "wait"  # type: ignore[index]

    renamed = editing.replace_step(inserted, "call", {**task, "id": "phone", "next": "split"})
    assert editing.find_step(renamed, "bought?")["no"] == "phone"  # type: ignore[index]
    parse_flow(renamed)

    removed = editing.remove_step(renamed, "phone")
    assert editing.find_step(removed, "bought?")["no"] == "split"  # type: ignore[index]
    assert [step["id"] for step in removed["steps"]] == [s["id"] for s in BRANCHING["steps"]]
    first_removed = editing.remove_step(BRANCHING, "wait")
    assert first_removed["start"] == "bought?"

    with pytest.raises(ValidationFailed, match="already called"):
        editing.insert_step(BRANCHING, {**task, "id": "wait"}, "start")
    with pytest.raises(ValidationFailed, match="not a place"):
        editing.insert_step(BRANCHING, task, "thanks.yes")
    only = {**BRANCHING, "start": "thanks", "steps": [BRANCHING["steps"][2]]}
    with pytest.raises(ValidationFailed, match="only one"):
        editing.remove_step(only, "thanks")
    slots = dict(editing.slots(BRANCHING))
    assert {"start", "wait.next", "bought?.yes", "bought?.no", "split.variants.1"} <= set(slots)
    assert "split.next" not in slots


@pytest.mark.parametrize("starter", STARTERS, ids=lambda starter: starter.key)
def test_every_starter_builds_a_valid_flow(starter: Any) -> None:
    chosen = {pick.field: 40 + index for index, pick in enumerate(starter.picks)}
    document = starter.build(chosen)
    definition = parse_flow(document)
    for index, pick in enumerate(starter.picks):
        if pick.step is None:
            assert definition.trigger.segment_id == 40 + index
        else:
            assert definition.steps[pick.step].settings["template_id"] == 40 + index
    stored = get_starter(starter.key).document  # building leaves the starter as it was
    assert all("template_id" not in step for step in stored["steps"])
    assert len(STARTERS) == 6
