"""Search for people: the permission check, the school/period fence, and what a hit shows.

:func:`search` always restricts the index to the user's school, and a reviewer limited to one
period to that period's evidence, whatever filters the page sends: the fence is here, not in a
hidden widget. :func:`page_view` renders the page of a hit from the stored original with the
hit's passage boxed (the box comes from the page layout kept at ingestion, so it lands on the
very words, also on scans). :func:`original` hands back the stored bytes for download.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw
from sqlalchemy import select

from minhchung.index.indexing import spec_for
from minhchung.index.search import DocumentHit, SearchService
from minhchung.index.store import DocumentRow, PageRow
from minhchung.index.vectorstore import SearchFilter
from minhchung.ingest.document import Block, Page
from minhchung.ingest.pipeline import render_page_png
from minhchung.ui.context import AppContext
from minhchung.ui.services.auth import CurrentUser, require

PAGE_DPI = 72
BOX_COLOUR = (220, 30, 30)
BOX_PADDING = 3


@dataclass(frozen=True)
class SearchRequest:
    """What the person asked for; empty tuples do not restrict."""

    text: str
    standards: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    k: int = 10


@dataclass(frozen=True)
class PageView:
    """A rendered page and where the hit is on it (pixel box, or None when the layout has no words)."""

    png: bytes
    box: tuple[int, int, int, int] | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Original:
    filename: str
    mime: str
    data: bytes


def open_engine(context: AppContext) -> SearchService:
    """A search service over the context's index handle and embedder (collection created if new)."""
    context.vectors.ensure_collection(spec_for(context.embedder))
    return SearchService(context.vectors, context.embedder)


def fenced_filter(user: CurrentUser, request: SearchRequest) -> SearchFilter:
    """The request's filters plus the fence: the user's school, and a limited reviewer's period."""
    period = (str(user.period_id),) if user.role == "reviewer" and user.period_id is not None else ()
    return SearchFilter(criteria=request.criteria, standards=request.standards, doc_types=request.doc_types,
                        year_from=request.year_from, year_to=request.year_to,
                        schools=(str(user.school_id),), periods=period)


def search(engine: SearchService, user: CurrentUser, request: SearchRequest) -> list[DocumentHit]:
    """Documents of the user's school matching the request, best first (one hit per document)."""
    require(user, "read", user.school_id, user.period_id)
    if not request.text.strip():
        return []
    return engine.search(request.text, fenced_filter(user, request), k=request.k)


def _document(context: AppContext, user: CurrentUser, document_id: int) -> DocumentRow:
    with context.db.session() as session:
        row = session.get(DocumentRow, document_id)
        if row is None or row.school_id != user.school_id:
            require(user, "read", None)  # the same refusal as for another school's data
        require(user, "read", row.school_id)
        session.expunge(row)
        return row


def page_view(context: AppContext, user: CurrentUser, document_id: int, page_no: int,
              start: int | None = None, end: int | None = None, dpi: int = PAGE_DPI) -> PageView:
    """Page ``page_no`` of the original as PNG, with characters ``start:end`` of its text boxed."""
    row = _document(context, user, document_id)
    png = render_page_png(context.blobs.path(row.sha256), page_no, dpi=dpi)
    if start is None or end is None:
        return PageView(png)
    with context.db.session() as session:
        stored = session.execute(select(PageRow).filter_by(document_id=document_id, number=page_no)).scalar_one_or_none()
        if stored is None:
            return PageView(png)
        page = Page(number=stored.number, width=stored.width, height=stored.height, strategy=stored.strategy,
                    text=stored.text, blocks=[Block.model_validate(b) for b in (stored.layout or {}).get("blocks", [])])
    bbox = page.bbox_of(start, end)
    if bbox is None:
        return PageView(png, notes=("Trang này không có toạ độ chữ để đánh dấu vị trí.",))
    return draw_box(png, (bbox.l, bbox.t, bbox.r, bbox.b), dpi)


def draw_box(png: bytes, points: tuple[float, float, float, float], dpi: int) -> PageView:
    """Draw a box given in PDF points (origin top-left) on a page image rendered at ``dpi``."""
    scale = dpi / 72
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top, right, bottom = (round(v * scale) for v in points)
    box = (max(0, left - BOX_PADDING), max(0, top - BOX_PADDING),
           min(image.width - 1, right + BOX_PADDING), min(image.height - 1, bottom + BOX_PADDING))
    ImageDraw.Draw(image).rectangle(box, outline=BOX_COLOUR, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return PageView(out.getvalue(), box)


def original(context: AppContext, user: CurrentUser, document_id: int) -> Original:
    """The stored original, byte for byte, for download."""
    row = _document(context, user, document_id)
    return Original(row.filename, row.mime, context.blobs.path(row.sha256).read_bytes())
