"""Command groups imported only when they run.

``twofold predict`` needs scipy for the model fits; importing it costs more than a second,
which every other command (and every CLI test) would pay if the group were imported up front.
A lazy group is named here with the module that defines its Typer app and is imported when
it is invoked (or when ``twofold --help`` lists it).
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # Typer ships its own Click; its types are these
from typer.core import TyperGroup


def lazy_group_class(subcommands: dict[str, str]) -> type[TyperGroup]:
    """A root group class that also offers ``subcommands`` ({name: "module:attribute"})."""

    class LazyGroup(TyperGroup):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return [*super().list_commands(ctx), *subcommands]

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            target = subcommands.get(cmd_name)
            if target is None:
                return super().get_command(ctx, cmd_name)
            module_name, attribute = target.split(":")
            sub_app = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(sub_app, typer.Typer):
                raise TypeError(f"{target} is not a Typer app")
            group = typer.main.get_group(sub_app)
            group.name = cmd_name
            return group

    return LazyGroup
