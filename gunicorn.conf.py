"""Gunicorn settings, read by a plain `gunicorn 'charter:create_app()'` run from the repository."""

import multiprocessing
import os

# BIND wins over PORT; both are for the process manager or the container.
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Measured on 2 cores: sync workers spread wrk's load evenly, while gthread workers kept
# kept-alive connections on one worker in 4 of 6 runs.
worker_class = "sync"

timeout = 30
graceful_timeout = 30
keepalive = 2  # used by non-sync workers only: sync workers close every connection

# Restart each worker after about 10,000 requests, against slow leaks (its caches are bounded
# anyway). Not much sooner: a worker's start costs about a second of CPU, felt at the p99.
max_requests = 10_000
max_requests_jitter = 1000

# Each app process builds its own engine and pool after the fork.
preload_app = False

accesslog = "-"
# %(M)s: the request time in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# The proxies whose X-Forwarded-Proto is trusted (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
