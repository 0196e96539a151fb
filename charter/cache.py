"""Caches: an in-process LRU, and a shared cache that adds Redis behind it when REDIS_URL
is set, so every worker and host reuses what one of them computed.

Keys are immutable hashes (a version's digest, two digests for a diff) or carry the write
stamp (charter.writes), so no entry is ever wrong, only unused; entries expire anyway, to
bound what a key that is never asked again keeps in memory.

Values cross Redis pickled and signed with the app's SECRET_KEY: whoever can write to Redis
still cannot make a worker unpickle something of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle  # only values this app signed are unpickled  # nosec B403
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any, Generic, TypeVar

import redis
from flask import Flask, current_app, has_app_context

V = TypeVar("V")
log = logging.getLogger(__name__)
_MISSING = object()
_EXTENSION = "charter.cache"


class LRU(Generic[V]):
    """Least-recently-used cache, entries optionally expiring; safe to share between threads."""

    def __init__(self, size: int = 1024, ttl: float | None = None) -> None:
        self.size = size
        self.ttl = ttl
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            expires, value = item
            if expires and expires < time.monotonic():
                del self._items[key]
                return default
            self._items.move_to_end(key)
            return value

    def set(self, key: Hashable, value: V) -> None:
        expires = time.monotonic() + self.ttl if self.ttl else 0.0
        with self._lock:
            self._items[key] = (expires, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_set(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for key, computing it (outside the lock) when missing."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.set(key, value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class Shared(LRU[V]):
    """An LRU in front of Redis (when the app has REDIS_URL): a miss here asks Redis before
    computing, and what is computed goes to both. Redis being down only costs the compute."""

    def __init__(self, name: str, size: int = 1024, ttl: float = 86_400) -> None:
        super().__init__(size, ttl)
        self.name = name

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        value = super().get(key, _MISSING)
        if value is not _MISSING:
            return value
        remote = _remote()
        if remote is None:
            return default
        value = remote.load(self._address(remote, key))
        if value is _MISSING:
            return default
        super().set(key, value)
        return value

    def set(self, key: Hashable, value: V) -> None:
        super().set(key, value)
        if (remote := _remote()) is not None:
            remote.store(self._address(remote, key), value, int(self.ttl or 0))

    def _address(self, remote: _Remote, key: Hashable) -> str:
        return f"{remote.prefix}:{self.name}:{hashlib.sha256(repr(key).encode()).hexdigest()}"


class _Remote:
    """The Redis side of shared caches: signed pickles under a prefix naming the build."""

    def __init__(self, url: str, secret: str, build: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = hashlib.sha256(b"charter.cache\0" + secret.encode()).digest()
        # Another build may pickle other shapes: its entries are never read.
        self.prefix = f"charter:cache:{build}"

    def load(self, address: str) -> Any:
        try:
            data = self.client.get(address)
        except redis.RedisError as error:
            log.warning("cache: Redis unavailable (%s)", type(error).__name__)
            return _MISSING
        if not data or len(data) < 32:
            return _MISSING
        signature, payload = data[:32], data[32:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            log.warning("cache: an entry with a wrong signature was ignored")
            return _MISSING
        return pickle.loads(payload)  # noqa: S301  # signed, checked above  # nosec B301

    def store(self, address: str, value: Any, ttl: int) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.client.set(address, self._sign(payload) + payload, ex=ttl or None)
        except redis.RedisError as error:
            log.warning("cache: Redis unavailable (%s)", type(error).__name__)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()


_BUILD_SUFFIXES = (".py", ".html", ".css", ".js", ".svg", ".mo", ".md")


@lru_cache(maxsize=8)
def _fingerprint(*roots: str) -> str:
    """sha256 over the code, templates and assets under roots (read once per process)."""
    digest = hashlib.sha256()
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in _BUILD_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_id(app: Flask | None = None) -> str:
    """What the app renders with: BUILD_ID when configured, else a hash of its files."""
    app = app or current_app
    configured = app.config.get("BUILD_ID")
    if configured:
        return str(configured)
    roots = [app.root_path, app.static_folder or ""]
    if app.template_folder:
        roots.append(os.path.normpath(os.path.join(app.root_path, app.template_folder)))
    return _fingerprint(*roots)


def init_app(app: Flask) -> None:
    """Shared caches of this app use Redis when REDIS_URL is set."""
    url = app.config.get("REDIS_URL")
    app.extensions[_EXTENSION] = (
        _Remote(url, app.config["SECRET_KEY"], build_id(app)) if url else None
    )


def redis_client() -> redis.Redis | None:
    """The app's Redis client, when REDIS_URL is set."""
    remote = _remote()
    return remote.client if remote is not None else None


def _remote() -> _Remote | None:
    if not has_app_context():
        return None
    return current_app.extensions.get(_EXTENSION)
