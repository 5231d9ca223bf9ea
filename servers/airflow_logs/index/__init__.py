"""The persistent failure index: one SQLite file (FTS5 for text) with every attempt's outcome and, for failed
attempts, the root cause, built incrementally from the log store and queried by the cross-run tools.

- store.py: schema and queries
- builder.py: list new keys, read tails, analyse failed attempts, write batches
- live.py: the index a server uses (background refresh, bounded wait, coverage)
- concepts.py: the error-concept layer of search; hybrid.py: hybrid ranking; embed.py: optional embeddings
"""
