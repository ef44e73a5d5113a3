"""Directives for office staff: upload a letter, get its fields, deadlines (as tasks) and quotas.

A directive is uploaded like any file (stored, queued, read by the background worker: a scan is
OCR'd there, never in a page request); a :class:`Directive` row with an empty extraction marks
it as waiting. Once the document is ready, :func:`read_ready` runs the directive reader on the
stored page text (no OCR, a fraction of a second) and stores the extraction (the JSON shape of
``minhchung directives extract``) and one :class:`Task` per deadline, in one transaction that
re-checks the row is still waiting, so two open pages never store it twice.

Every function checks the user's permission; marking a task done needs the ``tasks`` action and
is audited.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from minhchung.index.store import DocumentRow
from minhchung.index.store.audit import record
from minhchung.index.store.tables import Directive, Task
from minhchung.ingest.errors import UsageError
from minhchung.nlp.calendar_export import to_csv, to_ics
from minhchung.nlp.deadlines import Deadline
from minhchung.nlp.directives import DirectiveExtraction, DirectiveReader
from minhchung.nlp.letter_header import LetterHeader
from minhchung.nlp.quotas import Quota
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.auth import CurrentUser, require

HEADER_FIELDS = ("number", "issuer", "issuer_parent", "issued_date", "issued_month", "place", "subject", "signer",
                 "signer_authority", "recipients", "cc")


@dataclass(frozen=True)
class TaskView:
    id: int
    directive_id: int
    directive_label: str
    due: date | None  # for a yearly task: its next occurrence on or after today
    recurring: str | None
    action: str | None
    who: str | None
    quote: str | None
    page: int | None
    done: bool
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return not self.done and self.days_left is not None and self.days_left < 0


@dataclass(frozen=True)
class DirectiveView:
    id: int
    document_id: int
    filename: str
    status: str  # "waiting" (file still being read), "ready", "failed"
    error: str | None
    extraction: dict[str, Any]
    tasks: tuple[TaskView, ...]

    @property
    def label(self) -> str:
        return directive_label(self.extraction, self.filename)


def directive_label(extraction: dict[str, Any], filename: str) -> str:
    number, subject = extraction.get("number"), extraction.get("subject")
    return " – ".join(part for part in (number, subject) if part) or filename


def submit(context: AppContext, user: CurrentUser, filename: str, data: bytes) -> ingestion.SubmitResult:
    """Store and queue a directive; a file already uploaded is reused (and read as a directive)."""
    require(user, "upload", user.school_id)
    result = ingestion.submit(context, data, filename=filename, school_id=user.school_id, actor=user.username)
    if result.document_id is None:
        return result
    with context.db.write() as session:
        if session.execute(select(Directive.id).filter_by(document_id=result.document_id)).first() is None:
            session.add(Directive(document_id=result.document_id, school_id=user.school_id, extraction={}))
            record(session, actor=user.username, action="directive.upload", entity="document",
                   entity_id=result.document_id, school_id=user.school_id)
    return result


def read_ready(context: AppContext, user: CurrentUser, reader: DirectiveReader) -> int:
    """Read every waiting directive whose file is ready; returns how many were stored."""
    require(user, "read", user.school_id)
    with context.db.session() as session:
        waiting = session.execute(
            select(Directive.id, Directive.document_id).join(DocumentRow, DocumentRow.id == Directive.document_id)
            .where(Directive.school_id == user.school_id, DocumentRow.status == "ready")
        ).all()
        waiting = [(i, d) for i, d in waiting if not session.get(Directive, i).extraction]
    stored = 0
    for directive_id, document_id in waiting:
        extraction = reader.extract(ingestion.load_document(context, document_id))
        data = extraction.to_json_dict()
        with context.db.write() as session:
            directive = session.get(Directive, directive_id)
            if directive is None or directive.extraction:
                continue
            directive.extraction = data
            issued = parse_day(data.get("issued_date"))
            for deadline in data["deadlines"]:
                directive.tasks.append(Task(
                    due_date=due_date(deadline, issued), recurring=deadline.get("recurring"),
                    action=deadline.get("action"), who=deadline.get("who"), quote=deadline.get("quote"),
                    page=deadline.get("page")))
            stored += 1
    return stored


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def due_date(deadline: dict[str, Any], issued: date | None) -> date | None:
    """The day a deadline falls due: its date, the end of its month, or a yearly day's first
    occurrence on or after the letter's date; ``None`` for a relative deadline with no day."""
    recurring = deadline.get("recurring") or ""
    try:
        if len(recurring) == 5 and recurring[2] == "-":
            base = issued or date.today()
            day = date(base.year, int(recurring[:2]), int(recurring[3:]))
            return day if day >= base else day.replace(year=base.year + 1)
        parts = [int(p) for p in (deadline.get("date") or "").split("-") if p.isdigit()]
        if len(parts) == 3:
            return date(*parts)
        if len(parts) == 2:
            return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    except ValueError:  # 29-02 in a common year, a misread day: no day rather than a wrong one
        return None
    return None


def next_occurrence(task: Task, today: date) -> date | None:
    """A yearly task not done yet moves to its next occurrence; others keep their day."""
    due = task.due_date
    if due is None or task.done or not (task.recurring and len(task.recurring) == 5):
        return due
    while due < today:
        try:
            due = due.replace(year=due.year + 1)
        except ValueError:
            return due
    return due


def _task_view(task: Task, label: str, today: date) -> TaskView:
    due = next_occurrence(task, today)
    return TaskView(id=task.id, directive_id=task.directive_id, directive_label=label, due=due,
                    recurring=task.recurring, action=task.action, who=task.who, quote=task.quote, page=task.page,
                    done=task.done, days_left=(due - today).days if due else None)


def timeline_order(task: TaskView) -> tuple:
    """Open tasks by day (overdue first, as they are the nearest), undated next, done last."""
    return (task.done, task.due is None, task.due or date.max, task.id)


def list_directives(context: AppContext, user: CurrentUser, today: date) -> list[DirectiveView]:
    """The school's directives, newest first, with their tasks in timeline order."""
    require(user, "read", user.school_id)
    with context.db.session() as session:
        rows = session.execute(
            select(Directive, DocumentRow).join(DocumentRow, DocumentRow.id == Directive.document_id)
            .where(Directive.school_id == user.school_id).order_by(Directive.id.desc())
        ).all()
        views = []
        for directive, document in rows:
            label = directive_label(directive.extraction, document.filename)
            status = "failed" if document.status == "failed" else ("ready" if directive.extraction else "waiting")
            tasks = sorted((_task_view(t, label, today) for t in directive.tasks), key=timeline_order)
            views.append(DirectiveView(directive.id, document.id, document.filename, status, document.error,
                                       dict(directive.extraction), tuple(tasks)))
        return views


def upcoming_tasks(context: AppContext, user: CurrentUser, today: date, include_done: bool = False) -> list[TaskView]:
    """Tasks across all the school's directives, in timeline order."""
    tasks = [t for view in list_directives(context, user, today) for t in view.tasks if include_done or not t.done]
    return sorted(tasks, key=timeline_order)


def set_task_done(context: AppContext, user: CurrentUser, task_id: int, done: bool) -> None:
    """Mark a task done (or not); secretaries and admins only, audited."""
    with context.db.write() as session:
        task = session.get(Task, task_id)
        school_id = task.directive.school_id if task is not None else None
        require(user, "tasks", school_id)
        if task.done == done:
            return
        record(session, actor=user.username, action="task.done" if done else "task.reopen", entity="task",
               entity_id=task_id, before={"done": task.done}, after={"done": done}, school_id=school_id)
        task.done = done


# -- exports -------------------------------------------------------------------------------

def restore(view: DirectiveView) -> DirectiveExtraction:
    """The extraction back as a model (for the calendar/CSV writers) from its stored JSON shape.

    The JSON keeps each value's span on its page; the parser's internal offsets are not part
    of it, so the span stands in for them (the writers never read them).
    """
    data = view.extraction
    header = LetterHeader(**{name: data[name] for name in HEADER_FIELDS if data.get(name) is not None})

    def offsets(item: dict[str, Any]) -> tuple[int, int]:
        span = item.get("span")
        return (span["start"], span["end"]) if span else (0, len(item.get("quote") or ""))

    return DirectiveExtraction(
        document_id=str(data.get("document_id", view.document_id)), filename=view.filename,
        doc_type=data.get("doc_type"), header=header,
        deadlines=[Deadline(**d, offsets=offsets(d)) for d in data.get("deadlines", [])],
        quotas=[Quota(**q, offsets=offsets(q)) for q in data.get("quotas", [])],
    )


def _ready(views: list[DirectiveView]) -> list[DirectiveExtraction]:
    ready = [restore(v) for v in views if v.status == "ready"]
    if not ready:
        raise UsageError("No directive has been read yet.", "Chưa có văn bản chỉ đạo nào được đọc xong.")
    return ready


def calendar_file(views: list[DirectiveView]) -> bytes:
    """ICS with one event per dated deadline of the given directives."""
    return to_ics(_ready(views))


def deadlines_csv(views: list[DirectiveView]) -> bytes:
    """CSV (UTF-8 with BOM, so Excel shows the accents) of the deadlines of the given directives."""
    return ("\ufeff" + to_csv(_ready(views))).encode("utf-8")


def workbook(views: list[DirectiveView]) -> bytes:
    """XLSX with a sheet of deadlines (with due day and state) and a sheet of quotas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    deadlines = book.active
    deadlines.title = "Thời hạn"
    deadlines.append(["Văn bản", "Hạn", "Hằng năm", "Việc cần làm", "Đơn vị thực hiện", "Trích dẫn", "Trang",
                      "Đã xong"])
    quotas = book.create_sheet("Chỉ tiêu")
    quotas.append(["Văn bản", "Số lượng", "Đơn vị", "Nội dung", "Đơn vị/địa bàn", "Mức", "Trích dẫn", "Trang"])
    for view in views:
        for task in view.tasks:
            deadlines.append([view.label, task.due, task.recurring or "", task.action or "", task.who or "",
                              task.quote or "", task.page, "Có" if task.done else ""])
        for quota in view.extraction.get("quotas", []):
            quotas.append([view.label, quota.get("quantity"), quota.get("unit") or "", quota.get("what") or "",
                           quota.get("who_or_where") or "", quota.get("mod") or "", quota.get("quote") or "",
                           quota.get("page")])
    for sheet in (deadlines, quotas):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for row in deadlines.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
