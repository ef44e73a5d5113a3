"""Deadlines out to calendars (ICS) and spreadsheets (CSV).

ICS: one all-day VEVENT per deadline that has a calendar date; a yearly "MM-DD" deadline
becomes an event on its next occurrence (from the letter's year) with ``RRULE:FREQ=YEARLY``;
a period ("P6M") without a date is skipped in ICS (nothing to put on a day) but kept in CSV.
The description carries action, who and the exact quote, so the event explains itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

from icalendar import Calendar, Event

from minhchung.nlp.directives import DirectiveExtraction

CSV_FIELDS = ("file", "number", "date", "recurring", "relative", "mod", "action", "who", "quote", "page")


def _event_date(deadline, fallback_year: int) -> tuple[date, bool] | None:
    """(day of the event, is yearly) for a deadline, or None when it has no day to show."""
    if deadline.recurring and len(deadline.recurring) == 5 and deadline.recurring[2] == "-":
        month, day = int(deadline.recurring[:2]), int(deadline.recurring[3:])
        return date(fallback_year, month, day), True
    if deadline.date:
        parts = [int(p) for p in deadline.date.split("-") if p.isdigit()]
        if len(parts) == 3:
            return date(*parts), False
        if len(parts) == 2:
            return date(parts[0], parts[1], 1), False
    return None


def _description(deadline) -> str:
    lines = [deadline.action or "", f"Đơn vị thực hiện: {deadline.who}" if deadline.who else "", f"Trích: “{deadline.quote}”"]
    return "\n".join(line for line in lines if line)


def to_ics(extractions: list[DirectiveExtraction]) -> bytes:
    """An iCalendar file with one event per dated deadline of every extraction."""
    calendar = Calendar()
    calendar.add("prodid", "-//minhchung//directives//VI")
    calendar.add("version", "2.0")
    for extraction in extractions:
        issued = extraction.header.issued_date or extraction.header.issued_month
        year = int(issued[:4]) if issued else date.today().year
        for index, deadline in enumerate(extraction.deadlines):
            when = _event_date(deadline, year)
            if when is None:
                continue
            day, yearly = when
            event = Event()
            uid = hashlib.sha1(f"{extraction.document_id}:{index}:{deadline.quote}".encode()).hexdigest()
            event.add("uid", f"{uid}@minhchung")
            title = deadline.action or deadline.quote
            number = extraction.header.number
            event.add("summary", f"{title[:80]}" + (f" ({number})" if number else ""))
            event.add("dtstart", day)
            event.add("dtstamp", date.today())
            event.add("description", _description(deadline))
            if yearly:
                event.add("rrule", {"freq": "yearly"})
            calendar.add_component(event)
    return calendar.to_ical()


def to_csv(extractions: list[DirectiveExtraction]) -> str:
    """The same deadlines as CSV rows (UTF-8, header row, one row per deadline)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for extraction in extractions:
        for deadline in extraction.deadlines:
            relative = deadline.relative
            writer.writerow({
                "file": extraction.filename, "number": extraction.header.number, "date": deadline.date,
                "recurring": deadline.recurring,
                "relative": f"{relative.amount} {relative.unit} from {relative.anchor}" if relative else "",
                "mod": deadline.mod, "action": deadline.action, "who": deadline.who,
                "quote": deadline.quote, "page": deadline.page,
            })
    return buffer.getvalue()
