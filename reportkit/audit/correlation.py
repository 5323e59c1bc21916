"""Cross-report radiograph correlation: was each MRI (or unsettled ultrasound) finding seen on a radiograph?

The article: "A musculoskeletal MRI study must always be correlated with a radiograph." A finding is
``correlated`` when the archive holds a radiograph of the same patient and body region, with a compatible
side, dated inside the window (default 365 days before to 30 days after the exam); ``not_correlated``
when the metadata is complete and no such radiograph exists; ``unknown`` when the finding's report lacks
patient id, exam date, modality or a recognisable body part.

Sides: left and right never match each other (a wrong side is worse than none); bilateral matches
either; an unknown side on either exam still matches the region, flagged ``side_checked=False``. A
radiograph with a confirmed side is preferred over one with an unknown side, then the nearest in time,
then the earlier one. Cost: radiographs are indexed per (patient, region, side) with sorted dates and
each finding is one binary search per side list, so O(n log n) over the archive.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from reportkit.audit.vocabulary import Vocabulary, load_vocabulary

Status = Literal["correlated", "not_correlated", "unknown"]
COMPATIBLE_SIDES = {  # radiograph sides that can answer an exam of this side, confirmed ones first
    "left": (("left", "bilateral"), (None,)),
    "right": (("right", "bilateral"), (None,)),
    "bilateral": (("bilateral", "left", "right"), (None,)),
    None: ((), ("left", "right", "bilateral", None)),
}


@dataclass(frozen=True)
class Window:
    """How far a radiograph may be from the exam: days before (prior studies) and days after."""

    days_before: int = 365
    days_after: int = 30


@dataclass(frozen=True)
class Exam:
    """One report's archive metadata (a row of the ``reports`` table)."""

    report_id: str
    patient_id: str | None
    exam_date: dt.date | None
    modality: str | None
    body_part: str | None
    side: str | None = None
    accession: str | None = None


@dataclass(frozen=True)
class Finding:
    """A finding that may need correlation: its report, its index in the report, and whether its kind is unsettled."""

    report_id: str
    finding_index: int
    kind_unsettled: bool = False


@dataclass(frozen=True)
class Correlation:
    """The correlation verdict for one finding (a row of the correlation table)."""

    report_id: str
    finding_index: int
    status: Status
    radiograph_report_id: str | None = None
    radiograph_accession: str | None = None
    days_from_exam: int | None = None  # radiograph date minus exam date: negative = prior radiograph
    side_checked: bool = False  # both sides known and compatible
    reason: str | None = None  # why unknown / not correlated


@dataclass(frozen=True)
class _Radiograph:
    date: dt.date
    report_id: str
    accession: str | None


class RadiographIndex:
    """Radiographs by (patient, region, side), each list sorted by date."""

    def __init__(self, exams: Iterable[Exam], vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()
        lists: dict[tuple[str, str, str | None], list[_Radiograph]] = defaultdict(list)
        for exam in exams:
            if exam.modality not in self.vocabulary.radiograph_modalities or not exam.patient_id or not exam.exam_date:
                continue
            region = self.vocabulary.region(exam.body_part)
            if region is not None:
                lists[(exam.patient_id, region, exam.side)].append(
                    _Radiograph(exam.exam_date, exam.report_id, exam.accession)
                )
        self._lists = {key: sorted(items, key=lambda r: (r.date, r.report_id)) for key, items in lists.items()}
        self._dates = {key: [r.date for r in items] for key, items in self._lists.items()}

    def nearest(self, patient_id: str, region: str, side: str | None, date: dt.date, window: Window) -> _Radiograph | None:
        """The nearest radiograph in the window on this side list, ties going to the earlier one."""
        key = (patient_id, region, side)
        dates = self._dates.get(key)
        if not dates:
            return None
        lo = bisect.bisect_left(dates, date - dt.timedelta(days=window.days_before))
        hi = bisect.bisect_right(dates, date + dt.timedelta(days=window.days_after))
        if lo >= hi:
            return None
        pos = min(max(bisect.bisect_left(dates, date), lo), hi - 1)
        candidates = [self._lists[key][i] for i in {max(pos - 1, lo), pos} if lo <= i < hi]
        return min(candidates, key=lambda r: (abs((r.date - date).days), r.date, r.report_id))

    def best(self, exam: Exam, region: str, window: Window) -> tuple[_Radiograph, bool] | None:
        """The chosen radiograph for an exam and whether its side was confirmed."""
        confirmed, unconfirmed = COMPATIBLE_SIDES.get(exam.side, COMPATIBLE_SIDES[None])
        for sides, checked in ((confirmed, True), (unconfirmed, False)):
            found = [r for s in sides if (r := self.nearest(exam.patient_id, region, s, exam.exam_date, window))]
            if found:
                return min(found, key=lambda r: (abs((r.date - exam.exam_date).days), r.date, r.report_id)), checked
        return None


def correlate(
    exams: Iterable[Exam], findings: Iterable[Finding], window: Window = Window(), vocabulary: Vocabulary | None = None
) -> Iterator[Correlation]:
    """Yield a Correlation for every finding that needs one (see Vocabulary.needs_correlation); others are passed over.

    ``exams`` must include every report of the archive that may be a radiograph (they are indexed first);
    findings are then streamed.
    """
    exams = list(exams)
    index = RadiographIndex(exams, vocabulary)
    by_id = {exam.report_id: exam for exam in exams}
    for finding in findings:
        exam = by_id.get(finding.report_id)
        if exam is None:
            yield Correlation(finding.report_id, finding.finding_index, "unknown", reason="report metadata missing")
        elif exam.modality is None:
            yield Correlation(finding.report_id, finding.finding_index, "unknown", reason="modality missing")
        elif index.vocabulary.needs_correlation(exam.modality, finding.kind_unsettled):
            yield correlate_finding(exam, finding.finding_index, index, window)


def correlate_finding(exam: Exam, finding_index: int, index: RadiographIndex, window: Window = Window()) -> Correlation:
    """The verdict for one finding of ``exam`` against the radiograph index."""
    missing = [name for name in ("patient_id", "exam_date", "body_part") if not getattr(exam, name)]
    region = index.vocabulary.region(exam.body_part) if exam.body_part else None
    if missing or region is None:
        reason = f"{', '.join(missing)} missing" if missing else "body part not recognised"
        return Correlation(exam.report_id, finding_index, "unknown", reason=reason)
    chosen = index.best(exam, region, window)
    if chosen is None:
        reason = f"no {region} radiograph from {window.days_before} days before to {window.days_after} days after"
        return Correlation(exam.report_id, finding_index, "not_correlated", reason=reason)
    radiograph, side_checked = chosen
    return Correlation(
        exam.report_id,
        finding_index,
        "correlated",
        radiograph_report_id=radiograph.report_id,
        radiograph_accession=radiograph.accession,
        days_from_exam=(radiograph.date - exam.exam_date).days,
        side_checked=side_checked,
    )
