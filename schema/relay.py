"""Relay building blocks: the Node interface and cursor connections with `totalCount`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

NodeType = TypeVar("NodeType")

# The four connection arguments, described once for every list field.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page forward: this many items (default {DEFAULT_PAGE_SIZE}, at most "
        f"{MAX_PAGE_SIZE}) from the start, or after `after`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Page forward from this cursor (an edge's `cursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page backward: this many items (at most {MAX_PAGE_SIZE}) from the end, "
        "or before `before`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Page backward from this cursor (an edge's `cursor`)."),
]


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID.")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="More items come before this page.")
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor (`before` for the previous page); null when empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor (`after` for the next page); null when empty."
    )


@strawberry.type(description="One item of a page, with the cursor to page from it.")
class Edge(Generic[NodeType]):
    cursor: str = strawberry.field(description="Pass as `after`/`before` to page from here.")
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, newest first (see each field's ordering).")
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole filtered list.")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def from_page(cls, page: Page[Any], to_node: Callable[[Any], NodeType]) -> Connection[NodeType]:
        edges = [
            Edge(cursor=c, node=to_node(i)) for c, i in zip(page.cursors, page.items, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            _count=page.count_total,
        )
