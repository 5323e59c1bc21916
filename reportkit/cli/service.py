"""``reportkit postprocess`` (one draft) and ``reportkit serve`` (the HTTP service), thin over the library."""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, lexicon_arg, usage_error


class PostprocessFormat(StrEnum):
    """What ``reportkit postprocess`` prints."""

    json = "json"
    text = "text"


def _read_draft(draft: str) -> str:
    """The draft's exact text (CRLF kept, so offsets are those of the file), through the one reader."""
    from reportkit.io import read_drafts
    from reportkit.models import ErrorRecord

    (item,) = read_drafts([draft])
    if isinstance(item, ErrorRecord):
        raise usage_error(f"{item.source}: {item.error}")
    return item.text


def postprocess_command(
    draft: Annotated[str, typer.Argument(help="The dictated draft: a text file, or - for stdin.")],
    output_format: Annotated[PostprocessFormat, typer.Option("--format", "-f", help="json: the full record; "
                             "text: the fixed draft, then the structured block.")] = PostprocessFormat.json,
    report_id: Annotated[str | None, typer.Option("--id", help="Report id (default: 'draft').")] = None,
    exam: Annotated[str | None, typer.Option("--exam", help='Exam metadata as JSON: {"modality", "body_part", '
                                             '"side", "patient_age"}.')] = None,
    fhir: Annotated[bool, typer.Option("--fhir", help="Add a FHIR R4 Bundle to the JSON record.")] = False,
    lexicons: LexiconOption = None,
) -> None:
    """Post-process a dictated draft: safe fixes, diagnostics and the structured block to append."""
    from pydantic import ValidationError

    from reportkit.postprocess import Draft, postprocess

    text = _read_draft(draft)
    try:
        request = Draft(text=text, id=report_id or "draft", exam=json.loads(exam) if exam else None)
    except (ValidationError, json.JSONDecodeError) as exc:
        raise usage_error(f"--exam: {exc.errors()[0]['msg'] if isinstance(exc, ValidationError) else exc}") from exc
    result = postprocess(request.text, request.id, request.exam, lexicon_arg(lexicons), fhir=fhir)
    if output_format is PostprocessFormat.json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.text.rstrip("\n") + "\n")
    typer.echo(result.block.text, nl=False)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind (an IPv6 address with or without brackets); "
                                      "beyond loopback a token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    token_file: Annotated[Path | None, typer.Option("--token-file", help="File holding the bearer token "
                          "(else $REPORTKIT_TOKEN). Never pass a token on the command line.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (requests processed at once), each with its own pipeline.")] = 2,
    timeout: Annotated[float, typer.Option(min=0.1, help="Per-request time limit in seconds (504 past it).")] = 10.0,
    queue: Annotated[int | None, typer.Option(min=0, help="Requests that may wait for a busy worker; one more gets "
                                              "503 with Retry-After. Default: 8 per worker.")] = None,
    client_workers: Annotated[int | None, typer.Option("--client-workers", min=1, help="Workers one client address "
                              "may hold at once; its further requests wait. Default: all but one.")] = None,
    max_body: Annotated[int, typer.Option("--max-body", min=1024, help="Request body limit in bytes (413 past it).")] = 256 * 1024,
    header_timeout: Annotated[float, typer.Option("--header-timeout", min=0.1, help="Seconds a request's headers "
                              "may take to arrive; the connection is closed past it.")] = 10.0,
    body_timeout: Annotated[float, typer.Option("--body-timeout", min=0.1, help="Seconds a request's body may take "
                            "to arrive (408 past it).")] = 30.0,
    max_connections: Annotated[int, typer.Option("--max-connections", min=1, help="Open connections at most; past "
                               "it the oldest one still sending its headers is closed.")] = 1000,
    cors_origin: Annotated[list[str] | None, typer.Option("--cors-origin", help="Allow this browser origin "
                           "(repeatable); CORS is off without it.")] = None,
    lexicons: LexiconOption = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the library over HTTP (FastAPI on uvicorn; pip install 'reportkit\\[server]')."""
    try:
        import uvicorn

        from reportkit.service.app import ServiceSettings, create_app
        from reportkit.service.connections import BACKLOG, fit_descriptor_limit, guarded_protocol, open_listener
        from reportkit.service.security import ServiceConfigError, check_binding, load_token
    except ImportError as exc:
        raise usage_error(f"reportkit serve needs the server extra: pip install 'reportkit[server]' ({exc.name})") from exc
    try:
        token = load_token(token_file)
        check_binding(host, token)
    except ServiceConfigError as exc:
        raise usage_error(str(exc)) from exc
    from reportkit.io import cap_workers

    workers, warning = cap_workers(workers)  # each worker is a process with its own pipeline (~260 MB)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    max_connections, warning = fit_descriptor_limit(max_connections)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    if not token:
        typer.echo("warning: no token: any program on this machine can call the service; requests must name "
                   "localhost in their Host header. Set $REPORTKIT_TOKEN or pass --token-file.", err=True)
    try:  # bound here, so an address that cannot be used is refused before anything starts
        listener = open_listener(host, port)
    except OSError as exc:
        raise usage_error(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from exc
    settings = ServiceSettings(token=token, max_body=max_body, body_timeout=body_timeout, timeout=timeout,
                               workers=workers, queue=queue, per_client=client_workers, cors_origins=cors_origin or [],
                               lexicon_dir=lexicon_arg(lexicons))
    # uvicorn logs no bodies; graceful shutdown lets requests in flight finish
    config = uvicorn.Config(create_app(settings), log_level=log_level, timeout_graceful_shutdown=30, backlog=BACKLOG,
                            server_header=False, http=guarded_protocol(header_timeout, max_connections))
    address, bound_port = listener.getsockname()[:2]
    url_host = f"[{address}]" if ":" in address else address
    logging.getLogger("uvicorn.error").info("Listening on http://%s:%d (Ctrl+C to quit)", url_host, bound_port)
    server = uvicorn.Server(config)
    server.run(sockets=[listener])
    if not server.started:
        raise typer.Exit(3)  # start-up failed (uvicorn's code for it); the reason is in the log
