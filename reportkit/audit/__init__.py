"""Audit report archives: metadata (``readers``), each chunk's rows from the engine (``work``), store (``store``), summarise.

Entry points: ``reportkit audit run|query|export|summary`` (:mod:`reportkit.cli.audit`).
"""
