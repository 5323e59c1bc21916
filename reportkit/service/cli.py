"""``reportkit postprocess`` and ``reportkit serve``: typer command functions the main app mounts.

    app.command("postprocess")(postprocess_command)
    app.command("serve")(serve_command)
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class PostprocessFormat(StrEnum):
    """What ``reportkit postprocess`` prints."""

    json = "json"
    text = "text"


def _read_draft(draft: str) -> str:
    if draft == "-":
        return sys.stdin.read()
    path = Path(draft)
    try:
        # newline="" keeps CRLF so offsets are those of the file
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise _usage(f"{draft}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise _usage(f"{draft}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise _usage(f"{draft}: cannot read ({exc.strerror})") from exc


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def postprocess_command(
    draft: Annotated[str, typer.Argument(help="The dictated draft: a text file, or - for stdin.")],
    output_format: Annotated[PostprocessFormat, typer.Option("--format", "-f", help="json: the full record; "
                             "text: the fixed draft, then the structured block.")] = PostprocessFormat.json,
    report_id: Annotated[str | None, typer.Option("--id", help="Report id (default: 'draft').")] = None,
    exam: Annotated[str | None, typer.Option("--exam", help='Exam metadata as JSON: {"modality", "body_part", '
                                             '"side", "patient_age"}.')] = None,
    fhir: Annotated[bool, typer.Option("--fhir", help="Add a FHIR R4 Bundle to the JSON record.")] = False,
    lexicons: Annotated[Path | None, typer.Option("--lexicons", help="Folder of lexicon YAML files.")] = None,
) -> None:
    """Post-process a dictated draft: safe fixes, diagnostics and the structured block to append."""
    from pydantic import ValidationError

    from reportkit.postprocess import Draft, postprocess

    text = _read_draft(draft)
    try:
        request = Draft(text=text, id=report_id or "draft", exam=json.loads(exam) if exam else None)
    except (ValidationError, json.JSONDecodeError) as exc:
        raise _usage(f"--exam: {exc.errors()[0]['msg'] if isinstance(exc, ValidationError) else exc}") from exc
    result = postprocess(request.text, request.id, request.exam, str(lexicons) if lexicons else None, fhir=fhir)
    if output_format is PostprocessFormat.json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.text.rstrip("\n") + "\n")
    typer.echo(result.block.text, nl=False)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind; beyond loopback a token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    token_file: Annotated[Path | None, typer.Option("--token-file", help="File holding the bearer token "
                          "(else $REPORTKIT_TOKEN). Never pass a token on the command line.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker threads (requests processed at once).")] = 2,
    timeout: Annotated[float, typer.Option(min=0.1, help="Per-request time limit in seconds (504 past it).")] = 10.0,
    max_body: Annotated[int, typer.Option("--max-body", min=1024, help="Request body limit in bytes (413 past it).")] = 256 * 1024,
    cors_origin: Annotated[list[str] | None, typer.Option("--cors-origin", help="Allow this browser origin "
                           "(repeatable); CORS is off without it.")] = None,
    lexicons: Annotated[Path | None, typer.Option("--lexicons", help="Folder of lexicon YAML files.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the library over HTTP (FastAPI on uvicorn; pip install 'reportkit[server]')."""
    try:
        import uvicorn

        from reportkit.service.app import ServiceSettings, create_app
        from reportkit.service.security import ServiceConfigError, check_binding, load_token
    except ImportError as exc:
        raise _usage(f"reportkit serve needs the server extra: pip install 'reportkit[server]' ({exc.name})") from exc
    try:
        token = load_token(token_file)
        check_binding(host, token)
    except ServiceConfigError as exc:
        raise _usage(str(exc)) from exc
    settings = ServiceSettings(token=token, max_body=max_body, timeout=timeout, workers=workers,
                               cors_origins=cors_origin or [], lexicon_dir=str(lexicons) if lexicons else None)
    # uvicorn logs no bodies; graceful shutdown lets requests in flight finish
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=30,
                server_header=False)
