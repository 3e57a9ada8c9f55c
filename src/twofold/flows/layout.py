"""A flow drawn as a layered diagram: the trigger on top, each step one layer below the
first step that leads to it (breadth first from ``start``), edges labelled with the branch
they follow (``yes``, ``no``, ``timeout``, a variant's name). Pure: the page turns the boxes
and edges into SVG, so the diagram needs no JavaScript library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from twofold.flows.definition import FlowDefinition, Step

BOX_WIDTH: Final = 200
BOX_HEIGHT: Final = 76
COLUMN_GAP: Final = 48
LAYER_GAP: Final = 56
MARGIN: Final = 24
TRIGGER_ID: Final = "trigger"


@dataclass(frozen=True)
class Box:
    """One box: the trigger or a step, with its top-left corner."""

    id: str
    kind: str
    layer: int
    x: int
    y: int
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def centre_x(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class Edge:
    """An arrow from one box to another; ``back`` when it climbs to an earlier layer (a
    loop through a wait), drawn round the side."""

    source: str
    target: str
    label: str
    path: str
    label_x: int
    label_y: int
    back: bool = False


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]


def branches(step: Step) -> list[tuple[str, str]]:
    """``(label, target)`` for every way out of the step, in drawing order."""
    found = [("", step.next), ("yes", step.yes), ("no", step.no), ("timeout", step.timeout)]
    found += [(variant.name, variant.next) for variant in step.variants]
    return [(label, target) for label, target in found if target is not None]


def layered_layout(definition: FlowDefinition) -> Diagram:
    """Boxes in layers (breadth first from the trigger), centred, and their edges."""
    layers: dict[str, int] = {TRIGGER_ID: 0, definition.start: 1}
    order = [definition.start]
    for step_id in order:  # grows while it is walked: breadth first
        for _label, target in branches(definition.steps[step_id]):
            if target not in layers:
                layers[target] = layers[step_id] + 1
                order.append(target)
    rows: dict[int, list[str]] = {}
    for node in [TRIGGER_ID, *order]:
        rows.setdefault(layers[node], []).append(node)
    widest = max(len(row) for row in rows.values())
    width = 2 * MARGIN + widest * BOX_WIDTH + (widest - 1) * COLUMN_GAP + BOX_WIDTH // 2
    boxes: dict[str, Box] = {}
    for layer, row in rows.items():
        row_width = len(row) * BOX_WIDTH + (len(row) - 1) * COLUMN_GAP
        left = MARGIN + (widest * BOX_WIDTH + (widest - 1) * COLUMN_GAP - row_width) // 2
        for column, node in enumerate(row):
            kind = definition.trigger.type if node == TRIGGER_ID else definition.steps[node].type
            x = left + column * (BOX_WIDTH + COLUMN_GAP)
            boxes[node] = Box(node, kind, layer, x, MARGIN + layer * (BOX_HEIGHT + LAYER_GAP))
    edges = [_edge(boxes[TRIGGER_ID], boxes[definition.start], "", width)]
    for step_id in order:
        for label, target in branches(definition.steps[step_id]):
            edges.append(_edge(boxes[step_id], boxes[target], label, width))
    height = 2 * MARGIN + len(rows) * BOX_HEIGHT + (len(rows) - 1) * LAYER_GAP
    return Diagram(width, height, tuple(boxes.values()), tuple(edges))


def _edge(source: Box, target: Box, label: str, width: int) -> Edge:
    if target.layer > source.layer:
        x1, y1 = source.centre_x, source.y + source.height
        x2, y2 = target.centre_x, target.y
        middle = (y1 + y2) // 2
        path = f"M{x1},{y1} C{x1},{middle} {x2},{middle} {x2},{y2}"
        return Edge(source.id, target.id, label, path, (x1 + x2) // 2, middle - 4)
    # Back (or sideways) to an earlier layer: out of the right side, round, into the right side.
    x1, y1 = source.x + source.width, source.y + source.height // 2
    x2, y2 = target.x + target.width, target.y + target.height // 2
    bend = min(max(x1, x2) + COLUMN_GAP, width - 4)
    path = f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
    return Edge(source.id, target.id, label, path, bend - 8, (y1 + y2) // 2, back=True)
