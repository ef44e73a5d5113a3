"""Criterion suggesters for the app: one per framework, fed with the school's confirmed items.

Why a service: the CLI (``minhchung suggest``) and the reading stage of the ingestion worker
both need a suggester that knows what the secretary already confirmed. Each suggester also gets
the shipped reference lists of its framework (other schools' coded titles, ``models/suggester/
reference``) as examples next to the official suggestions: that is the configuration the
benchmark measures, and without it a new school starts about 10 points lower. Building one is
cheap (the framework's and the reference's vectors ship in ``models/suggester/vectors``), and
:meth:`SuggesterPool.refresh` adds confirmations made since, so a long-running worker learns
without a restart or retraining. The school's confirmed items stay its own exemplars (house-style
handling) and never join the reference.
"""

from __future__ import annotations

from sqlalchemy import select

from minhchung.index.store import EvidenceItem
from minhchung.nlp.embeddings import load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, load_params, load_reference_lists
from minhchung.ui.context import AppContext


class SuggesterPool:
    """One suggester per framework, built on first use with the shipped reference lists and the
    school's confirmed items."""

    def __init__(self, context: AppContext, embedder_spec: str) -> None:
        self.context = context
        self.embedder = load_embedder(embedder_spec)
        self.params = load_params()
        self._built: dict[str, Suggester] = {}
        self._learnt: dict[str, set[tuple[str, str]]] = {}

    def get(self, framework_id: str) -> Suggester:
        if framework_id not in self._built:
            framework = load_framework(framework_id)
            confirmed = self._confirmed(framework_id)
            reference = [item.pair for item in load_reference_lists(framework_id)]
            self._built[framework_id] = Suggester(framework, self.embedder, self.params, sorted(confirmed),
                                                  reference=reference)
            self._learnt[framework_id] = confirmed
        return self._built[framework_id]

    def refresh(self, framework_id: str) -> int:
        """Add the framework's confirmed (title, criterion) pairs not learnt yet; how many were new.

        Builds the suggester if needed (it then starts with every confirmation)."""
        suggester = self.get(framework_id)
        new = self._confirmed(framework_id) - self._learnt[framework_id]
        suggester.add_exemplars(sorted(new))
        self._learnt[framework_id] |= new
        return len(new)

    def _confirmed(self, framework_id: str) -> set[tuple[str, str]]:
        with self.context.db.session() as session:
            items = session.execute(select(EvidenceItem).filter_by(framework_id=framework_id, status="confirmed")
                                    ).scalars().all()
            return {(item.title, link.criterion) for item in items for link in item.criteria
                    if link.status == "confirmed"}
