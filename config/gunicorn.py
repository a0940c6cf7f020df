"""gunicorn settings of the REST API in service mode (`make serve-api`, benchmarks).

Threaded workers keep client connections alive between requests: a sync worker
closes every connection, and reconnecting cost more than a short API request.
Django runs each request on its own thread with its own database connection.
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
# gunicorn's gthread worker, with new connections spread over the workers
# (core.web_worker says why).
worker_class = "core.web_worker.BalancedThreadWorker"
# Eight threads rather than one per core: a request waiting on PostgreSQL frees
# the core, and orders arriving on several threads at once share a transaction
# (trading.services.group_commit), so more threads mean fewer commits.
threads = int(os.environ.get("WEB_THREADS", "8"))
keepalive = 5
# Recycling workers bounds what a slow leak can take; 0 turns it off (benchmarks:
# a restart in the middle of a run measures Django starting, not the route).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10


def _freeze_what_is_alive():
    import gc

    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    """Freeze what the worker loaded at start (Django, the apps, their caches):
    the garbage collector then stops walking those objects on every full
    collection, which otherwise pauses requests for tens of milliseconds."""
    _freeze_what_is_alive()


# Django builds more on its first requests (URL resolvers' caches, DRF's and
# psycopg's per-type tables, prepared statements' records): tens of thousands of
# objects that outlive the freeze at start and that every full collection then
# walks again, with the worker's threads held. Once the worker has served this
# many requests, what is alive is frozen too.
WARM_REQUESTS = int(os.environ.get("WEB_WARM_REQUESTS", "1000"))


def post_request(worker, req, environ, resp):
    served = getattr(worker, "served", 0) + 1
    worker.served = served
    if served == WARM_REQUESTS:
        _freeze_what_is_alive()
        worker.log.info("Worker %s froze what it built while warming up", worker.pid)


def pre_fork(server, worker):
    from core.web_worker import assign_slot

    assign_slot(server, worker)


def child_exit(server, worker):
    from core.web_worker import release_slot

    release_slot(server, worker)
