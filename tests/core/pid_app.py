"""A WSGI application that answers the id of the process serving it, for the
tests of core.web_worker (run under gunicorn with the project's settings)."""

import os


def application(environ, start_response):
    body = str(os.getpid()).encode()
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    )
    return [body]
