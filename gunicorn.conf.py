"""gunicorn settings for production (`make serve`); every value can come from the environment.

The app keeps no state in its processes (sessions and tokens live in the database), so
more workers or more machines behind a load balancer is only a matter of these numbers.

Threaded workers (gthread): a connection waits for its first bytes in the worker's
poller, not in a thread, and a client that then sends the rest slowly holds one thread,
not a whole worker. 64 threads a worker, because the kernel does not spread connections
evenly over the workers: 50 slow clients may all land on one of them, which must still
have threads for everybody else (`tests/live/test_slow_clients.py`). Threads that wait
cost little memory and no CPU; a thread that served a request keeps a database connection
for CONN_MAX_AGE seconds, so plan PostgreSQL's max_connections for the busiest threads,
not all of them. In production a buffering proxy in front (docs/operations.md: nginx) receives every
request whole before gunicorn sees it.
"""

import multiprocessing
import os

wsgi_app = "uitpas_site.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
