"""The evidence list (danh mục minh chứng) for people: permission checks around
``minhchung.ui.services.evidence_list`` (build, XLSX/DOCX export, Excel import) and the filters of
the *Danh mục minh chứng* page. Reading needs ``read``; a file out needs ``export``; an import,
which creates confirmed coded items, needs ``import``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from minhchung.index.store import DocumentRow, EvidenceItem, School
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.context import AppContext
from minhchung.ui.services.auth import CurrentUser, require
from minhchung.ui.services.coverage import resolve_period
from minhchung.ui.services.evidence_list import (ImportReport, StandardGroup, build_list, export_docx, export_xlsx,
                                                 import_xlsx)

Coverage = Literal["all", "with", "without"]
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class ListFile:
    filename: str
    mime: str
    data: bytes


def item_link_resolver(context: AppContext):
    """An item's electronic link: its own URL if it has one, else its stored original."""
    def link(item: EvidenceItem) -> str | None:
        if item.location and item.location.startswith(("http://", "https://", "file:")):
            return item.location
        if item.document_id is None:
            return None
        document = object_session(item).get(DocumentRow, item.document_id)
        return context.blobs.path(document.sha256).as_uri() if document else None
    return link


def evidence_list(context: AppContext, user: CurrentUser, period_id: int, links: bool = False) -> list[StandardGroup]:
    """Confirmed items of the period grouped by standard and criterion; ``links`` adds each item's
    electronic link (one more lookup per item, so only files going out ask for it)."""
    period = resolve_period(context, user.school_id, period_id)
    require(user, "read", user.school_id, period.id)
    return build_list(context.db, school_id=user.school_id, period_id=period.id, framework_id=period.framework_id,
                      **({"link_for": item_link_resolver(context)} if links else {}))


def filter_groups(groups: list[StandardGroup], standards: set[int], criteria: set[str],
                  coverage: Coverage = "all") -> list[StandardGroup]:
    """Keep the chosen standards/criteria (empty sets keep all) and criteria with or without items."""
    kept = []
    for group in groups:
        if standards and group.number not in standards:
            continue
        rows = tuple(c for c in group.criteria if (not criteria or c.criterion in criteria)
                     and (coverage == "all" or (coverage == "with") == bool(c.rows)))
        if rows:
            kept.append(StandardGroup(group.number, group.title, rows))
    return kept


def export(context: AppContext, user: CurrentUser, period_id: int, fmt: Literal["xlsx", "docx"],
           standards: frozenset[int] = frozenset(), criteria: frozenset[str] = frozenset(),
           coverage: Coverage = "all") -> ListFile:
    """The list (filtered like the page) as the official XLSX or DOCX, with electronic links."""
    period = resolve_period(context, user.school_id, period_id)
    require(user, "export", user.school_id, period.id)
    groups = filter_groups(evidence_list(context, user, period.id, links=True), set(standards), set(criteria), coverage)
    with context.db.session() as session:
        school_name = session.get(School, user.school_id).name
    writer = export_xlsx if fmt == "xlsx" else export_docx
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"danh-muc.{fmt}"
        writer(groups, load_framework(period.framework_id), target, school_name=school_name,
               school_year=period.school_year)
        data = target.read_bytes()
    return ListFile(f"danh-muc-minh-chung-{period.school_year}.{fmt}", MIME[fmt], data)


def import_list(context: AppContext, user: CurrentUser, period_id: int, filename: str, data: bytes) -> ImportReport:
    """Import an existing Excel list into the period; bad rows are reported, good rows imported."""
    period = resolve_period(context, user.school_id, period_id)
    require(user, "import", user.school_id, period.id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(filename).name or "danh-muc.xlsx")
        path.write_bytes(data)
        return import_xlsx(context.db, path, actor=user.username, school_id=user.school_id, period_id=period.id,
                           framework_id=period.framework_id)


def item_count(context: AppContext, user: CurrentUser, period_id: int) -> dict[str, int]:
    """How many items of the period are in each status (suggested, confirmed, rejected)."""
    require(user, "read", user.school_id, period_id)
    with context.db.session() as session:
        return dict(session.execute(
            select(EvidenceItem.status, func.count()).filter_by(school_id=user.school_id, period_id=period_id)
            .group_by(EvidenceItem.status)).all())
