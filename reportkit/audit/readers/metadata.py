"""Turn the metadata fields a reader found into a ReportMeta, keeping the report when a field is unusable."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from reportkit.audit.records import ReportMeta
from reportkit.audit.vocabulary import load_vocabulary, parse_date


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def build_meta(fields: Mapping[str, object], procedure: str | None = None) -> tuple[ReportMeta, list[str]]:
    """Normalise raw metadata (ReportMeta field names) and a procedure description; return it with warnings.

    A value that cannot be normalised (an unparseable date, an unknown side code) is dropped with a
    warning rather than losing the report: its text can still be audited, and correlation reports the
    missing field as "unknown".
    """
    values, warnings = normalise_meta(fields, procedure)
    # every value is already of its field's type (a string, a date or None): built without validating again
    return ReportMeta.model_construct(**values), warnings


def normalise_meta(fields: Mapping[str, object], procedure: str | None = None) -> tuple[dict[str, object], list[str]]:
    """:func:`build_meta` as a plain dict of every ReportMeta field, with its warnings (what an audit run's
    chunks carry: no model is built and taken apart again for each archive report)."""
    warnings: list[str] = []
    try:
        exam_date = parse_date(fields.get("exam_date"))
    except ValueError as exc:
        exam_date = None
        warnings.append(f"exam_date dropped: {exc}")
    body_part = _clean(fields.get("body_part"))
    side_value = _clean(fields.get("side"))
    modality, body_part, side = _normalised(body_part, side_value, _clean(fields.get("modality")), procedure)
    if side_value and side is None:
        warnings.append("side dropped: not a known side word or code")
    return {"patient_id": _clean(fields.get("patient_id")), "accession": _clean(fields.get("accession")),
            "exam_date": exam_date, "modality": modality, "body_part": body_part, "side": side}, warnings


@functools.lru_cache(maxsize=4096)  # an archive spells its modalities, body parts and sides a few ways, over and over
def _normalised(body_part: str | None, side_value: str | None, modality_value: str | None,
                procedure: str | None) -> tuple[str | None, str | None, str | None]:
    """(modality, body part, side) in reportkit's words, from the archive's values and procedure description."""
    vocab = load_vocabulary()
    side = vocab.side(side_value)
    if side is None and side_value is None:
        side = vocab.side(body_part) or vocab.side(procedure)
    # an unrecognised archive code (e.g. "RAD") is kept as given unless the procedure names the modality
    modality = vocab.modality(modality_value) or vocab.modality(procedure) or modality_value
    region = vocab.region(body_part) or (None if body_part else vocab.region(procedure))
    return modality, region or body_part, side
