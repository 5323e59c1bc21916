"""The FastAPI application: a thin layer over :mod:`reportkit.postprocess` and the library.

Bodies are the library's pydantic models; each answer is serialised in the worker process
and sent as bytes, so the event loop does no CPU-heavy work. No request text is logged or
kept: the log line of a request is its method, path, status and duration.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from reportkit import __version__
from reportkit.lexicon import Term, load_lexicon
from reportkit.models import ReportResult, StructuredReport
from reportkit.engine import failure_message
from reportkit.postprocess import Draft, LintResult, PostprocessResult, analyse_draft, lint_draft, postprocess
from reportkit.render import Format
from reportkit.service.pool import Busy, TimedOut, WorkerPool
from reportkit.service.security import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY, Guard
from reportkit.startup import WARM_UP, freeze_start_up_objects

log = logging.getLogger("reportkit.service")


@dataclass
class ServiceSettings:
    """What ``reportkit serve`` configures; defaults are the safe ones."""

    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    timeout: float = 10.0
    workers: int = 2
    queue: int | None = None  # requests waiting for a worker before 503; default 8 per worker
    per_client: int | None = None  # workers one client address may hold at once; default all but one
    cors_origins: list[str] = field(default_factory=list)
    lexicon_dir: str | None = None


MEDIA_TYPES = {"text": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
               "html": "text/html; charset=utf-8", "json": "application/json", "fhir": "application/fhir+json"}


class RuleInfo(BaseModel):
    """One lint rule: code, name, default severity and one-line summary."""

    code: str
    name: str
    severity: str
    summary: str


class Status(BaseModel):
    """A probe's answer."""

    status: str


class VersionInfo(BaseModel):
    """The running version of reportkit and of the HTTP API."""

    reportkit: str
    api: str = "v1"


def _json(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


# the jobs run in the pool's worker processes (module level, so they pickle); each
# serialises its answer there, so the event loop only moves bytes


def do_postprocess(draft: Draft, lexicon_dir: str | None, fhir: bool) -> tuple[bytes, str]:
    """The post-processed draft as JSON."""
    return _json(postprocess(draft.text, draft.id, draft.exam, lexicon_dir, fhir=fhir)), "application/json"


def do_extract(draft: Draft, lexicon_dir: str | None) -> tuple[bytes, str]:
    """The extraction result as JSON."""
    return _json(analyse_draft(draft.text, draft.id, draft.exam, lexicon_dir)[0].result), "application/json"


def do_lint(draft: Draft, lexicon_dir: str | None) -> tuple[bytes, str]:
    """The lint result of the draft as sent, as JSON."""
    return _json(lint_draft(draft, lexicon_dir)), "application/json"


def do_report(draft: Draft, lexicon_dir: str | None, fmt: str) -> tuple[bytes, str]:
    """The structured report rendered in ``fmt``."""
    from reportkit.render import render

    report, _ = analyse_draft(draft.text, draft.id, draft.exam, lexicon_dir)
    diagnostics = None
    if fmt == "html":
        diagnostics = [d.model_dump() for d in lint_draft(draft, lexicon_dir).diagnostics]
    exam = draft.exam.model_dump(exclude_none=True) if draft.exam else None
    return render(report, draft.text, fmt, diagnostics=diagnostics, exam=exam).encode(), MEDIA_TYPES[fmt]


def _lone_surrogate(value, where: list) -> list | None:
    """Where in a request a string holds a lone surrogate (JSON allows the escape; UTF-8 does not), else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
    elif isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if (found := _lone_surrogate(item, [*where, key])) is not None:
                return found
    return None


def warm_up(lexicon_dir: str | None) -> None:
    """In a worker process: build the pipeline and load the lexicons before the first request, then freeze them."""
    postprocess(WARM_UP, "warm-up", None, lexicon_dir)
    freeze_start_up_objects()


class PathWithoutQuery(logging.Filter):
    """Drops the query string from uvicorn's access log line: it may carry a token or search words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            client, method, path, version, status = record.args
            record.args = (client, method, path.partition("?")[0], version, status)
        return True


def _log_paths_without_queries() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, PathWithoutQuery) for f in access.filters):
        access.addFilter(PathWithoutQuery())


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The application, guarded by ``settings`` (token, body limit, CORS) with its worker pool."""
    settings = settings or ServiceSettings()
    per_client = settings.per_client if settings.per_client is not None else max(settings.workers - 1, 1)
    pool = WorkerPool(settings.workers, settings.timeout, settings.queue, per_client)
    state = {"ready": False}
    lexicon_dir = settings.lexicon_dir

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        _log_paths_without_queries()  # after uvicorn has set up its loggers
        # build the pipeline before the first request is accepted
        await pool.start(warm_up, lexicon_dir)
        freeze_start_up_objects()
        state["ready"] = True
        yield
        state["ready"] = False
        await pool.drain()
        pool.shutdown()

    app = FastAPI(title="reportkit", version=__version__, lifespan=lifespan,
                  description="Dictation post-processing and extraction for MSK radiology reports. "
                              "Suggestions, not diagnoses; nothing is retained.")

    async def run(request: Request, fn, draft: Draft, *args) -> Response:
        started = time.perf_counter()
        if (where := _lone_surrogate(draft.model_dump(), ["body"])) is not None:
            return JSONResponse({"detail": [{"loc": where, "msg": "not valid Unicode: a lone surrogate",
                                             "type": "unicode_surrogate"}]}, status_code=422)
        args = (draft, *args)
        try:
            body, media_type = await pool.run(fn, *args, client=request.client.host if request.client else None)
        except Busy:
            return JSONResponse({"detail": "server busy: try again"}, status_code=503, headers={"retry-after": "1"})
        except TimedOut:
            return JSONResponse({"detail": f"request took over {settings.timeout:g} s"}, status_code=504)
        except Exception as exc:  # the message may quote the report: log its type only
            log.error("%s failed: %s", fn.__name__, failure_message(exc))
            return JSONResponse({"detail": "internal error"}, status_code=500)
        log.debug("%s done in %.1f ms", fn.__name__, (time.perf_counter() - started) * 1000)
        return Response(body, media_type=media_type)

    @app.post("/v1/postprocess", response_model=PostprocessResult, tags=["dictation"])
    async def post_postprocess(request: Request, draft: Draft, fhir: bool = Query(False, description="add a FHIR R4 Bundle")):
        """Safe fixes with their offsets, diagnostics of the fixed draft, the structured block; FHIR if asked."""
        return await run(request, do_postprocess, draft, lexicon_dir, fhir)

    @app.post("/v1/extract", response_model=ReportResult, tags=["library"])
    async def post_extract(request: Request, draft: Draft):
        """Every calcification, ossification and foreign-body mention of the draft."""
        return await run(request, do_extract, draft, lexicon_dir)

    @app.post("/v1/lint", response_model=LintResult, tags=["library"])
    async def post_lint(request: Request, draft: Draft):
        """Lint diagnostics of the draft as sent."""
        return await run(request, do_lint, draft, lexicon_dir)

    @app.post("/v1/report", tags=["library"], response_model=StructuredReport,
              responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}})
    async def post_report(request: Request, draft: Draft, format: Format = Format.json):  # noqa: A002 - the API's name
        """The structured report rendered as text, Markdown, HTML, JSON (StructuredReport) or FHIR."""
        return await run(request, do_report, draft, lexicon_dir, format.value)

    @app.get("/v1/rules", response_model=list[RuleInfo], tags=["reference"])
    def get_rules():
        """Every lint rule."""
        from reportkit.lint import rules

        return [RuleInfo(code=r.code, name=r.name, severity=r.severity, summary=r.summary) for r in rules().values()]

    @app.get("/v1/terms", response_model=list[Term], tags=["reference"])
    def get_terms(q: str = Query("", max_length=100, description="words in the term, synonyms or definition")):
        """Terminology concepts whose names or definition contain ``q``."""
        needle = q.lower()
        return [t for t in load_lexicon(lexicon_dir).terminology.terms
                if needle in " ".join([t.id, t.preferred, t.definition, *t.synonyms, *t.deprecated,
                                       *(m.term for m in t.misused)]).lower()]

    @app.get("/healthz", response_model=Status, tags=["probes"])
    def healthz():
        """Liveness: the process answers (no token needed)."""
        return Status(status="ok")

    @app.get("/readyz", response_model=Status, tags=["probes"],
             responses={503: {"model": Status, "description": "starting or shutting down"}})
    def readyz():
        """Readiness: the pipeline is loaded and the pool accepts work."""
        if not state["ready"]:
            return JSONResponse({"status": "not ready"}, status_code=503)
        return Status(status="ready")

    @app.get("/version", response_model=VersionInfo, tags=["probes"])
    def version():
        """The reportkit version and API version."""
        return VersionInfo(reportkit=__version__)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError):
        # pydantic's errors echo the input, which may be report text: send where and why only
        # and an unknown key is placed at its parent: its name is input too
        errors = [{"loc": list(e.get("loc", ()))[: -1 if e.get("type") == "extra_forbidden" else None],
                   "msg": "unknown field" if e.get("type") == "extra_forbidden" else e.get("msg", ""),
                   "type": e.get("type", "")}
                  for e in exc.errors()]
        bad_json = any(e["type"] == "json_invalid" for e in errors)
        return JSONResponse({"detail": errors}, status_code=400 if bad_json else 422)

    app.add_middleware(Guard, token=settings.token, max_body=settings.max_body, body_timeout=settings.body_timeout)
    if settings.cors_origins:  # outside the guard: a browser's preflight carries no token
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["authorization", "content-type"])
    return app
