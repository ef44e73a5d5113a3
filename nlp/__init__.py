"""Reading documents: letter header, document type, deadlines, quotas, criterion suggestion.

May import ``minhchung.ingest`` (for its types and the text normaliser).
"""
