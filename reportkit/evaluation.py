"""Score predictions against a gold file in the ``shared/eval`` schema.

Matching follows shared/eval/README.md: a prediction and a gold mention match when their
character ranges overlap; matching is one-to-one, a maximum matching in which larger
overlaps are preferred. Untyped scores ignore ``kind``; typed scores match only mentions
of the same kind. Attribute accuracies are computed on untyped matched pairs whose gold
value is not null; ``laterality_all`` and ``location_category_all`` score every matched pair,
null counted as a value.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from reportkit.io.readers import Record, read_records
from reportkit.models import ErrorRecord

ATTRIBUTES = ("kind", "negated", "uncertain", "location_category", "laterality", "diagnosis")
# scored on every matched pair, null gold included: a side or site the text does not state is an error
NULL_SCORED = {"laterality_all": "laterality", "location_category_all": "location_category"}
KINDS = ("calcification", "ossification", "foreign_body")
# per-category F1 tables and confusion views
CATEGORY_ATTRIBUTES = ("location_category", "diagnosis")
CONFUSION_ATTRIBUTES = ("kind", "location_category", "laterality")
# the unlabelled corpus a pointer gold file refers to, relative to the working directory
DEFAULT_CORPUS = Path("../shared/corpus")


class EvalError(ValueError):
    """A gold or prediction file could not be read; the message names file and line."""


def _read_jsonl(path: Path) -> list[Record]:
    """Every object in a JSONL file, read through reportkit.io; the first bad line is an EvalError."""
    records = []
    for item in read_records(path):
        if isinstance(item, ErrorRecord):
            where = item.source + (f":{item.line}" if item.line else "")
            raise EvalError(f"{where}: {item.error}")
        records.append(item)
    return records


def _gold_problem(item: dict) -> str | None:
    """What a gold record lacks (id, text, gold.mentions, a mention's start/span/kind), else None."""
    gold = item.get("gold")
    if not isinstance(item.get("id"), str) or not isinstance(item.get("text"), str) or not isinstance(gold, dict):
        return "record lacks id, text or gold"
    if not isinstance(gold.get("mentions"), list):
        return "record's gold lacks a 'mentions' list"
    for number, mention in enumerate(gold["mentions"], 1):
        if not isinstance(mention, dict) or not _is_offset(mention.get("start")):
            return f"gold mention {number} lacks an integer 'start'"
        if not _is_offset(mention.get("end")) and not isinstance(mention.get("span"), str):
            return f"gold mention {number} lacks 'end' or 'span'"
        if not isinstance(mention.get("kind"), str):
            return f"gold mention {number} lacks 'kind'"
        if problem := _offsets_problem(mention, item["text"]):
            return f"gold mention {number} {problem}"
    return None


def _is_offset(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _offsets_problem(mention: dict, text: str) -> str | None:
    """Why a mention's offsets do not pick a non-empty piece of the text (or not its ``span``), else None."""
    start = mention["start"]
    end = mention["end"] if _is_offset(mention.get("end")) else start + len(mention["span"])
    if not 0 <= start < end <= len(text):
        return f"offsets {start}-{end} are not within the text (0-{len(text)}, end after start)"
    if isinstance(mention.get("span"), str) and text[start:end] != mention["span"]:
        return f"'span' is not the text at offsets {start}-{end}"
    return None


def load_gold(path: Path, corpus: Path | None = None) -> list[dict]:
    """Gold items from a JSONL file; each mention gains ``end`` when it gives only ``start`` and ``span``.

    A pointer file (records with ``file`` and ``sha256`` instead of ``text``, mentions with
    ``span_sha256``) is rebuilt from the corpus folder: the record and every span must hash to
    what was labelled, else the file and record are named and nothing is scored.
    """
    records = _read_jsonl(path)
    texts = _corpus_texts(path, records, corpus or DEFAULT_CORPUS)
    items = []
    for record in records:
        item = record.data
        if "text" not in item and "sha256" in item:
            _rebuild(item, texts, f"{path}:{record.line}")
        if problem := _gold_problem(item):
            raise EvalError(f"{path}:{record.line}: {problem}")
        for mention in item["gold"]["mentions"]:  # both, from whichever was given (checked against the text)
            mention.setdefault("end", mention["start"] + len(mention.get("span", "")))
            mention.setdefault("span", item["text"][mention["start"]:mention["end"]])
        items.append(item)
    return items


def _corpus_texts(path: Path, records: list[Record], corpus: Path) -> dict[str, str]:
    """Texts by id of the corpus files that pointer records name (none when there are none)."""
    files = {r.data.get("file") for r in records if "text" not in r.data and "sha256" in r.data}
    if not files:
        return {}
    texts: dict[str, str] = {}
    for name in sorted(f for f in files if isinstance(f, str)):
        source = corpus / name
        if not source.is_file():
            raise EvalError(f"{path}: pointer gold needs the corpus file {source} (give --corpus DIR)")
        texts |= {r.data["id"]: r.data["text"] for r in _read_jsonl(source)
                  if isinstance(r.data.get("id"), str) and isinstance(r.data.get("text"), str)}
    return texts


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _rebuild(item: dict, texts: dict[str, str], where: str) -> None:
    """Put the record's text and each mention's span back into a pointer record, checking hashes."""
    text = texts.get(item.get("id"))
    if text is None:
        raise EvalError(f"{where}: record {item.get('id')!r} is not in the corpus")
    if _sha256(text) != item["sha256"]:
        raise EvalError(f"{where}: record {item['id']!r} differs from the text that was labelled")
    item["text"] = text
    for number, mention in enumerate(item.get("gold", {}).get("mentions", []), 1):
        span = text[mention.get("start", 0):mention.get("end", 0)]
        if _sha256(span) != mention.get("span_sha256"):
            raise EvalError(f"{where}: record {item['id']!r} mention {number} does not hash to the labelled span")
        mention["span"] = span


def load_predictions(path: Path) -> dict[str, list[dict]]:
    """Findings by report id from extract's JSONL output (error lines predict nothing)."""
    return {r.data["id"]: r.data.get("findings", []) for r in _read_jsonl(path) if isinstance(r.data.get("id"), str)}


def unpredicted(gold_items: Iterable[dict], predictions: dict[str, list[dict]]) -> int:
    """How many gold items have no prediction at all (scored as all misses)."""
    return sum(1 for item in gold_items if item["id"] not in predictions)


def _overlap(a: dict, b: dict) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def max_overlap_matching(gold: list[dict], pred: list[dict], typed: bool = False) -> list[tuple[int, int]]:
    """Maximum one-to-one matching of overlapping mentions, larger overlaps preferred.

    Solved exactly as an assignment problem (Hungarian algorithm) whose weight makes any
    extra match worth more than any gain in overlap.
    """
    if not gold or not pred:
        return []
    big = 1 + sum(g["end"] - g["start"] for g in gold)

    def weight(g: dict, p: dict) -> int:
        if typed and g["kind"] != p["kind"]:
            return 0
        ov = _overlap(g, p)
        return big + ov if ov else 0

    n = max(len(gold), len(pred))
    cost = [[0] * n for _ in range(n)]
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            cost[i][j] = -weight(g, p)
    assignment = _hungarian(cost)
    return [
        (i, j) for i, j in enumerate(assignment) if i < len(gold) and j < len(pred) and weight(gold[i], pred[j]) > 0
    ]


def _hungarian(cost: list[list[int]]) -> list[int]:
    """Minimum-cost assignment for a square matrix; returns column for each row."""
    n = len(cost)
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    p, way = [0] * (n + 1), [0] * (n + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (n + 1)
        used = [False] * (n + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(n + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    result = [0] * n
    for j in range(1, n + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


MISSED, SPURIOUS = "(missed)", "(spurious)"


def _shown(value: object) -> str:
    return "null" if value is None else str(value)


class PRF(BaseModel):
    """Precision, recall and F1 from true-positive, false-positive and false-negative counts."""
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """TP / (TP + FP), 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN), 0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


class Accuracy(BaseModel):
    """Correct out of total for one attribute over matched pairs."""
    correct: int
    total: int

    @property
    def value(self) -> float:
        """Correct / total, 0 when nothing was counted."""
        return self.correct / self.total if self.total else 0.0


@dataclass
class Miss:
    """One missed, spurious or mislabelled mention, for --misses."""
    item: str
    what: str
    gold: dict | None = None
    pred: dict | None = None


@dataclass
class EvalReport:
    """Scores of one evaluation run and the misses behind them."""
    untyped: PRF
    typed: PRF
    by_kind: dict[str, PRF]
    attributes: dict[str, Accuracy]
    modality: Accuracy
    items: int
    misses: list[Miss] = field(default_factory=list)
    # every matched (gold, predicted) pair, and the mentions left unmatched on either side
    pairs: list[tuple[dict, dict]] = field(default_factory=list)
    unmatched_gold: list[dict] = field(default_factory=list)
    unmatched_pred: list[dict] = field(default_factory=list)

    def by_category(self, attribute: str) -> dict[str, PRF]:
        """F1 per value of ``attribute``: a hit is a matched pair on which gold and prediction both have it."""
        counts: dict[str, Counter] = {}
        for gold, pred in self.pairs:
            g, p = gold.get(attribute), pred.get(attribute)
            if g == p:
                counts.setdefault(_shown(g), Counter())["tp"] += 1
            else:
                counts.setdefault(_shown(g), Counter())["fn"] += 1
                counts.setdefault(_shown(p), Counter())["fp"] += 1
        for gold in self.unmatched_gold:
            counts.setdefault(_shown(gold.get(attribute)), Counter())["fn"] += 1
        for pred in self.unmatched_pred:
            counts.setdefault(_shown(pred.get(attribute)), Counter())["fp"] += 1
        return {value: PRF(tp=c["tp"], fp=c["fp"], fn=c["fn"]) for value, c in sorted(counts.items())}

    def confusion(self, attribute: str) -> Counter:
        """(gold value, predicted value) counts; a missed mention predicts MISSED, a spurious one has gold SPURIOUS."""
        table: Counter = Counter()
        table.update((_shown(g.get(attribute)), _shown(p.get(attribute))) for g, p in self.pairs)
        table.update((_shown(g.get(attribute)), MISSED) for g in self.unmatched_gold)
        table.update((SPURIOUS, _shown(p.get(attribute))) for p in self.unmatched_pred)
        return table

    def summary(self) -> dict:
        """The scores as a plain dict (what `eval --json` prints)."""
        def prf(x: PRF) -> dict:
            return {
                "precision": round(x.precision, 4),
                "recall": round(x.recall, 4),
                "f1": round(x.f1, 4),
                "tp": x.tp,
                "fp": x.fp,
                "fn": x.fn,
            }

        return {
            "items": self.items,
            "mentions_untyped": prf(self.untyped),
            "mentions_typed": prf(self.typed),
            "typed_by_kind": {k: prf(v) for k, v in self.by_kind.items()},
            **{f"by_{a}": {k: prf(v) for k, v in self.by_category(a).items()} for a in CATEGORY_ATTRIBUTES},
            "attributes": {
                k: {"accuracy": round(v.value, 4), "correct": v.correct, "total": v.total}
                for k, v in self.attributes.items()
            },
            "modality_sets": {"accuracy": round(self.modality.value, 4), "correct": self.modality.correct,
                              "total": self.modality.total},
        }


def score(gold_items: Iterable[dict], predictions: dict[str, list[dict]],
          modalities: dict[str, list[str]] | None = None) -> EvalReport:
    """Score ``predictions`` (id -> findings) against gold items."""
    counts = Counter()
    kind_counts: dict[str, Counter] = {k: Counter() for k in KINDS}
    attributes = {a: Counter() for a in (*ATTRIBUTES, *NULL_SCORED)}
    modality = Counter()
    misses: list[Miss] = []
    matched: list[tuple[dict, dict]] = []
    unmatched_gold: list[dict] = []
    unmatched_pred: list[dict] = []
    items = 0
    for item in gold_items:
        items += 1
        gold = item["gold"]["mentions"]
        pred = predictions.get(item["id"], [])
        pairs = max_overlap_matching(gold, pred)
        counts["tp"] += len(pairs)
        counts["fp"] += len(pred) - len(pairs)
        counts["fn"] += len(gold) - len(pairs)
        matched_gold = {i for i, _ in pairs}
        matched_pred = {j for _, j in pairs}
        matched += [(gold[i], pred[j]) for i, j in pairs]
        unmatched_gold += [g for i, g in enumerate(gold) if i not in matched_gold]
        unmatched_pred += [p for j, p in enumerate(pred) if j not in matched_pred]
        misses += [Miss(item["id"], "missed", gold=g) for i, g in enumerate(gold) if i not in matched_gold]
        misses += [Miss(item["id"], "spurious", pred=p) for j, p in enumerate(pred) if j not in matched_pred]
        typed_pairs = max_overlap_matching(gold, pred, typed=True)
        counts["typed_tp"] += len(typed_pairs)
        for kind in KINDS:
            g_k = sum(1 for g in gold if g["kind"] == kind)
            p_k = sum(1 for p in pred if p.get("kind") == kind)
            tp_k = sum(1 for i, _ in typed_pairs if gold[i]["kind"] == kind)
            kind_counts[kind].update(tp=tp_k, fp=p_k - tp_k, fn=g_k - tp_k)
        for i, j in pairs:
            for attr in ATTRIBUTES:
                expected = gold[i].get(attr)
                if expected is None:
                    continue
                ok = pred[j].get(attr) == expected
                attributes[attr]["total"] += 1
                attributes[attr]["correct"] += ok
                if not ok:
                    misses.append(Miss(item["id"], f"wrong {attr}", gold=gold[i], pred=pred[j]))
            for name, attr in NULL_SCORED.items():
                ok = pred[j].get(attr) == gold[i].get(attr)
                attributes[name]["total"] += 1
                attributes[name]["correct"] += ok
                if not ok and gold[i].get(attr) is None:
                    misses.append(Miss(item["id"], f"wrong {name}", gold=gold[i], pred=pred[j]))
        if modalities is not None and item["id"] in modalities and "modality" in item["gold"]:
            modality["total"] += 1
            modality["correct"] += sorted(modalities[item["id"]]) == sorted(item["gold"].get("modality", []))
    n_pred = counts["tp"] + counts["fp"]
    n_gold = counts["tp"] + counts["fn"]
    typed = PRF(tp=counts["typed_tp"], fp=n_pred - counts["typed_tp"], fn=n_gold - counts["typed_tp"])
    return EvalReport(
        untyped=PRF(tp=counts["tp"], fp=counts["fp"], fn=counts["fn"]),
        typed=typed,
        by_kind={k: PRF(tp=c["tp"], fp=c["fp"], fn=c["fn"]) for k, c in kind_counts.items()},
        attributes={a: Accuracy(correct=c["correct"], total=c["total"]) for a, c in attributes.items()},
        modality=Accuracy(correct=modality["correct"], total=modality["total"]),
        items=items,
        misses=misses,
        pairs=matched,
        unmatched_gold=unmatched_gold,
        unmatched_pred=unmatched_pred,
    )


def source_of(item: dict) -> str:
    """The source an item comes from: its id's prefix (``iu``, ``mt``, ``mp``; ``mpc`` for captions)."""
    prefix = item["id"].split("-", 1)[0]
    return prefix


def score_by(gold_items: Iterable[dict], predictions: dict[str, list[dict]],
             group: Callable[[dict], str]) -> dict[str, EvalReport]:
    """One report per group of gold items (e.g. by source or by sampling stratum)."""
    groups: dict[str, list[dict]] = {}
    for item in gold_items:
        groups.setdefault(group(item), []).append(item)
    return {name: score(items, predictions) for name, items in sorted(groups.items())}


def predict(gold: list[dict], lexicon_dir: str | None = None) -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    """The pipeline's findings and modalities for every gold item's text."""
    from reportkit.api import extract_many

    predictions: dict[str, list[dict]] = {}
    modalities: dict[str, list[str]] = {}
    for result in extract_many(((g["id"], g["text"]) for g in gold), lexicon_dir=lexicon_dir):
        predictions[result.id] = [f.model_dump() for f in result.findings]
        modalities[result.id] = list(result.modality)
    return predictions, modalities


def evaluate_pipeline(gold_path: Path, lexicon_dir: str | None = None) -> EvalReport:
    """Run the pipeline over every gold item's text and score it."""
    gold = load_gold(gold_path)
    return score(gold, *predict(gold, lexicon_dir))
