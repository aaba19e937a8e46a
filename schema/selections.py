"""What a query selected below the field being resolved, read from the document's nodes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode

from domain.bounded import keep
from schema.context import Info

# Names by (the field's nodes, path): the nodes are the document cache's, the same objects
# for every request of a text; each entry holds them, so their ids cannot be reused.
_NAMES: dict[tuple[Any, ...], tuple[tuple[FieldNode, ...], frozenset[str]]] = {}
MAX_ENTRIES = 1024


def names_selected(info: Info, path: Sequence[str]) -> frozenset[str]:
    """The names of the fields selected at `path` below the field being resolved (e.g. the
    fields of its `edges { node { … } }`), through fragments and aliases, in every node of
    the field: a field selected twice under one response name is one merged field.

    A superset of what will run: fields under `@skip`/`@include` and fragments on any type
    condition are all counted, so a caller that reads what this returns reads at least
    what the query needs, and the names depend on the document alone. Kept per node:
    strawberry's `info.selected_fields` converted the whole selection, with its arguments,
    on every request."""
    raw = info._raw_info
    nodes = tuple(raw.field_nodes)
    key = (*map(id, nodes), *path)
    found = _NAMES.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
        return found[1]
    selections = [s for node in nodes if node.selection_set for s in node.selection_set.selections]
    names = frozenset(_names_at(selections, path, raw.fragments))
    keep(_NAMES, key, (nodes, names), MAX_ENTRIES)
    return names


def _names_at(
    selections: Collection[Any], path: Sequence[str], fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    found: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpreadNode | InlineFragmentNode):
            fragment = (
                fragments.get(selection.name.value)
                if isinstance(selection, FragmentSpreadNode)
                else selection
            )
            if fragment is not None and fragment.selection_set is not None:
                found |= _names_at(fragment.selection_set.selections, path, fragments)
        elif isinstance(selection, FieldNode):
            if not path:
                found.add(selection.name.value)
            elif selection.name.value == path[0] and selection.selection_set is not None:
                found |= _names_at(selection.selection_set.selections, path[1:], fragments)
    return found
