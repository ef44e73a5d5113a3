"""Keeping and searching documents: the store (system of record), evidence codes, embeddings,
Qdrant backends, search and coverage. May import ``minhchung.ingest`` and ``minhchung.nlp``.
"""
