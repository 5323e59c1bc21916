"""Audit report archives: read (``readers``), extract and reason (``engines``), store (``store``), summarise.

Entry points: ``reportkit audit run|query|export|summary`` (:mod:`reportkit.cli.audit`).
"""
