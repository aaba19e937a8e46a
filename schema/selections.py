"""What a query selected below a field, read from strawberry's `info.selected_fields`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def field_names_at(selections: Iterable[Selection], path: Sequence[str]) -> set[str]:
    """The names of the fields selected at `path` below `selections` (e.g. the fields of
    `edges { node { … } }`), through fragments and aliases.

    A superset of what will run: fields under `@skip`/`@include` and fragments on any
    type condition are all counted, so a caller that reads what this returns reads at
    least what the query needs.
    """
    found: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            found |= field_names_at(selection.selections, path)
        elif isinstance(selection, SelectedField):
            if not path:
                found.add(selection.name)
            elif selection.name == path[0]:
                found |= field_names_at(selection.selections, path[1:])
    return found
