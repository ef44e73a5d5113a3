"""The reading stages run on every extracted document: letter fields, suggestions, search index."""

from __future__ import annotations

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.context import AppContext


class IndexBusyError(MinhchungError):
    """Another process (the running app) owns the search index."""


def default_stages(context: AppContext) -> list:
    """Stages in order; raises :class:`IndexBusyError` when the index is owned elsewhere."""
    return []
