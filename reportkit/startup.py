"""Start-up: what a one-shot command skips while it starts, and what a long-lived process does once its start-up
objects are built."""

import atexit
import gc
import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# one report that runs every step (a mention, its site, a differential, a follow-up rule, lint): the lazily
# built parts (matchers per word set, regex caches) exist before the start-up objects are frozen
WARM_UP = "FINDINGS: Calcific tendinitis of the supraspinatus tendon."


def freeze_start_up_objects() -> None:
    """Move everything built at start-up (pipeline, lexicons, pre-filter; in the server: the app and the modules)
    out of the garbage collector's reach.

    Those ~140,000 objects live as long as the process, yet every full collection walked them all: 90 ms a few
    times per thousand service requests (the slow tail of its latency), and about a sixth of an audit's time
    on reports that run the pipeline. Frozen, a full collection walks only what the work left behind.
    Garbage from start-up is collected first, so none is frozen with the live objects.
    """
    gc.collect()
    gc.freeze()


_collector_paused = False
_frozen_at_exit = False


@contextmanager
def collections_paused_at_start_up() -> Iterator[None]:
    """A one-shot command (``lint``, ``report``) or an archive run starts with the cyclic collector off, until its
    pipeline is built, an archive run's workers have started (:func:`start_up_built`) or the command ends, and
    exits without the interpreter's last collections.

    Start-up imports and builds about a million objects that live as long as the process, so the full
    collections it triggers walk ever more of them to free almost nothing: about a sixth of the CPU of
    ``reportkit lint FILE``. At exit the interpreter collects again, several times, after the ``atexit``
    handlers: another sixth, for a process about to end. So every object is frozen out of the collector's reach
    at exit (:func:`gc.freeze`); memory goes back with the process, and every object that is not garbage in a
    cycle is still freed, and finalized, as the modules are torn down.
    """
    global _collector_paused, _frozen_at_exit
    if not _frozen_at_exit:
        _frozen_at_exit = True
        atexit.register(gc.freeze)
    if not gc.isenabled():
        yield
        return
    gc.disable()
    _collector_paused = True
    try:
        yield
    finally:
        start_up_built()


def start_up_built() -> None:
    """The start-up objects exist: the collector runs again if :func:`collections_paused_at_start_up` paused it.

    They are frozen out of its reach first: built with the collector off, they all sat in its youngest generation,
    and its first collections walked every one of them (about 0.1 s) to free almost nothing.
    """
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


class _DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is read, then imports it and reads it
    there (later imports get the real module)."""

    def __getattr__(self, attribute: str) -> Any:
        real = self.__dict__.get("_deferred_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_deferred_real"] = importlib.import_module(self.__name__)
            for name, value in self.__dict__.items():  # submodules imported through a package's stand-in
                if isinstance(value, types.ModuleType) and not hasattr(real, name):
                    setattr(real, name, value)
        return getattr(real, attribute)


class _PackageStandIn(_DeferredModule):
    """A package's stand-in (:data:`PACKAGES_WITHOUT_INIT`): its submodules import through it, and the first to
    import runs what the package's ``__init__`` sets up besides its imports. A process that imports none (an
    archive run's parent, whose workers build the pipeline) imports nothing for it."""

    @property
    def __path__(self) -> list[str]:  # read by the import system for every submodule, before the submodule loads
        setup = self.__dict__.pop("_deferred_setup", None)
        if setup is not None:
            module, function = setup
            getattr(importlib.import_module(module), function)()
        return self.__dict__["_deferred_path"]


# medspaCy imports QuickUMLS, whose module imports nltk (about a sixth of `reportkit lint FILE`'s CPU) for a stop-word
# list it reads only when a QuickUMLS matcher is made; reportkit makes none.
UNUSED_AT_START_UP = ("nltk",)

# Packages whose ``__init__`` imports much that reportkit never reads: medspaCy's imports every component it ships
# (PyRuSH with loguru and asyncio, the sectionizer, FastNER, the tokenizer, ...) where reportkit uses its ConText and
# TargetMatcher. The stand-in lets their submodules import as usual, runs what the ``__init__`` sets up besides its
# imports (medspaCy's Doc, Span and Token extensions), and imports the package for real when another name is read.
PACKAGES_WITHOUT_INIT = {"medspacy": ("medspacy._extensions", "set_extensions")}


def defer_unused_imports() -> None:
    """In the process of a command that starts light (`lint`, `report`, `audit run`): imports that reportkit's pipeline
    never reads wait until something reads them."""
    for name in UNUSED_AT_START_UP:
        if name not in sys.modules and importlib.util.find_spec(name) is not None:
            sys.modules[name] = _DeferredModule(name)
    for name, (module, setup) in PACKAGES_WITHOUT_INIT.items():
        if name in sys.modules or (spec := importlib.util.find_spec(name)) is None or not spec.submodule_search_locations:
            continue
        stand_in = _PackageStandIn(name)
        stand_in.__dict__.update(_deferred_path=list(spec.submodule_search_locations), _deferred_setup=(module, setup))
        stand_in.__package__ = name
        sys.modules[name] = stand_in
