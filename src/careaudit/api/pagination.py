"""Lists are paged with an opaque cursor over stable ids, oldest first.

`next` is the address of the next page and `next_cursor` its cursor (both null on the
last page); follow `next` until it is null. Ids never change, so a page read twice gives
the same rows, and rows added meanwhile appear at the end. Use `@paginate(IdCursor)` on an
endpoint that returns a queryset.
"""

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase

from careaudit.api.read_log import log_page

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id the page starts after; 422 for anything that is not a cursor this API made."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        label, _, number = text.partition(":")
        pk = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pk = -1
        label = ""
    if label != "after" or pk < 0:
        raise HttpError(422, "The cursor is not one this API gave: use `next` as it came.")
    return pk


class IdCursor(PaginationBase):
    class Input(Schema):
        cursor: str | None = Field(
            None, max_length=64, description="The `next_cursor` of the previous page."
        )
        page_size: int = Field(
            PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1 to 500)."
        )

    class Output(Schema):
        next: str | None = Field(description="Address of the next page; null on the last.")
        next_cursor: str | None = Field(description="Cursor of the next page.")
        results: list[Any]

    items_attribute = "results"

    def prepare(self, request: HttpRequest, rows: list) -> None:
        """Override where a page's rows need a word from the access rules before they are
        shown (which audits the reader may open, whether a moderator's answers are)."""

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict:
        rows = queryset.order_by("pk")
        if pagination.cursor:
            rows = rows.filter(pk__gt=decode_cursor(pagination.cursor))
        page = list(rows[: pagination.page_size + 1])
        more = len(page) > pagination.page_size
        page = page[: pagination.page_size]
        self.prepare(request, page)
        log_page(request, page)
        cursor = encode_cursor(page[-1].pk) if more and page else None
        return {
            "next": _with_cursor(request, cursor) if cursor else None,
            "next_cursor": cursor,
            "results": page,
        }


def _with_cursor(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(
        f"{request.path}?{urlencode(list(query.lists()), doseq=True)}"
    )
