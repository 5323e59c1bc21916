"""What a long-lived process does once its start-up objects are built."""

import gc

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
