"""An in-process Kubernetes API server for tests: the list and watch protocol over real HTTP(S).

It serves fixture objects the way kube-apiserver does (api-concepts "Efficient
detection of changes", "Retrieving large results sets in chunks"):

* lists are ``{Kind}List`` objects whose items omit ``kind``/``apiVersion``, with
  ``metadata.resourceVersion`` and, with ``limit``, a ``continue`` token over a
  consistent copy of the collection; an expired token answers 410 ``Expired``;
* ``?watch=1&resourceVersion=RV`` streams newline-delimited events with chunked
  transfer encoding, replaying history after ``RV``; a ``resourceVersion`` older
  than the compacted history answers an ``ERROR`` event carrying a 410 Status;
  ``allowWatchBookmarks=true`` gets ``BOOKMARK`` events on :meth:`bookmark`;
* 403 ``Forbidden`` Status for chosen resources, 401 without the bearer token;
* every request's method and path are recorded, so tests can assert the client
  only ever reads.

Test hooks: :meth:`apply`, :meth:`delete`, :meth:`expire_watches` (history lost:
410 on the open watches), :meth:`drop_watches` (connections cut mid-stream),
:meth:`expire_continue_tokens`, :meth:`forbid`.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import queue
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: kind -> (group, version, plural, namespaced)
KINDS: dict[str, tuple[str, str, str, bool]] = {
    "Namespace": ("", "v1", "namespaces", False),
    "Node": ("", "v1", "nodes", False),
    "Pod": ("", "v1", "pods", True),
    "Service": ("", "v1", "services", True),
    "ConfigMap": ("", "v1", "configmaps", True),
    "EndpointSlice": ("discovery.k8s.io", "v1", "endpointslices", True),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies", True),
    "Deployment": ("apps", "v1", "deployments", True),
    "StatefulSet": ("apps", "v1", "statefulsets", True),
    "DaemonSet": ("apps", "v1", "daemonsets", True),
    "ReplicaSet": ("apps", "v1", "replicasets", True),
    "Job": ("batch", "v1", "jobs", True),
    "CronJob": ("batch", "v1", "cronjobs", True),
    # Optional CRDs: served by this server (other CRD groups answer 404, as from a
    # cluster where they are not installed).
    "ClusterNetworkPolicy": (
        "policy.networking.k8s.io",
        "v1alpha2",
        "clusternetworkpolicies",
        False,
    ),
    "CiliumNetworkPolicy": ("cilium.io", "v2", "ciliumnetworkpolicies", True),
}
PLURALS = {(g, p): (kind, v, ns) for kind, (g, v, p, ns) in KINDS.items()}
TOKEN = "netdiag-test-token"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]


@dataclass
class _Watch:
    group: str
    plural: str
    namespace: str | None
    name: str | None
    bookmarks: bool
    events: queue.Queue[tuple[str, dict[str, Any]] | None] = field(default_factory=queue.Queue)
    dropped: threading.Event = field(default_factory=threading.Event)

    def wants(self, group: str, plural: str, obj: dict[str, Any]) -> bool:
        meta = obj["metadata"]
        return (
            (group, plural) == (self.group, self.plural)
            and self.namespace in (None, meta.get("namespace"))
            and self.name in (None, meta["name"])
        )


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeAPIServer:
    """A threaded HTTP(S) server speaking enough of the Kubernetes API for netdiag."""

    def __init__(
        self,
        objects: Iterable[dict[str, Any]] = (),
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._rv = 1000
        self._compacted = 0
        self._token_epoch = 0
        self._pages: dict[str, list[dict[str, Any]]] = {}
        self._page_ids = itertools.count(1)
        self._store: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        self._history: list[tuple[int, str, str, str, dict[str, Any]]] = []
        self._watches: list[_Watch] = []
        self.requests: list[Request] = []
        self.forbidden: set[tuple[str, str | None]] = set()
        #: Resources answered 404, as by a server that does not serve their API group.
        self.unserved: set[str] = set()
        #: ``(verb, group, plural, namespace, name) -> allowed``; ``None`` allows all.
        self.authorizer: Callable[[str, str, str, str | None, str | None], bool] | None = None
        for obj in objects:
            self.apply(obj)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.scheme = "http"
        if certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile, keyfile)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeAPIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop_watches()
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- test hooks ----------------------------------------------------------------
    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def forbid(self, plural: str, namespace: str | None = None) -> None:
        """Answer 403 to reads of ``plural`` (``None``: everywhere; else that namespace)."""
        self.forbidden.add((plural, namespace))

    def apply(self, obj: dict[str, Any], *, deliver: bool = True) -> str:
        """Create or replace an object; ``deliver=False`` loses the event from history."""
        obj = copy.deepcopy(obj)
        group, _version, plural, namespaced = KINDS[obj["kind"]]
        meta = obj.setdefault("metadata", {})
        key = (meta.get("namespace", "") if namespaced else "", meta["name"])
        with self._lock:
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            bucket = self._store.setdefault((group, plural), {})
            event = "MODIFIED" if key in bucket else "ADDED"
            bucket[key] = obj
            if deliver:
                self._publish(event, group, plural, obj)
        return event

    def delete(self, kind: str, namespace: str, name: str) -> None:
        group, _version, plural, namespaced = KINDS[kind]
        with self._lock:
            obj = self._store[(group, plural)].pop((namespace if namespaced else "", name))
            self._rv += 1
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._publish("DELETED", group, plural, obj)

    def bookmark(self) -> None:
        """Send a BOOKMARK at the current resourceVersion on watches that asked for them."""
        with self._lock:
            for w in self._watches:
                if w.bookmarks:
                    kind = PLURALS[(w.group, w.plural)][0]
                    obj = {"kind": kind, "metadata": {"resourceVersion": str(self._rv)}}
                    w.events.put(("BOOKMARK", obj))

    def expire_watches(self) -> None:
        """Forget all history (etcd compaction): open watches get an ERROR 410 and end."""
        with self._lock:
            self._compacted = self._rv
            self._history.clear()
            for w in self._watches:
                w.events.put(("ERROR", _status(410, "Expired", "too old resource version")))
                w.events.put(None)

    def drop_watches(self) -> None:
        """Cut every open watch connection without ending the chunked stream."""
        with self._lock:
            for w in self._watches:
                w.dropped.set()

    def expire_continue_tokens(self) -> None:
        with self._lock:
            self._pages.clear()

    def watch_count(self) -> int:
        with self._lock:
            return len(self._watches)

    def wait_for_watches(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.watch_count() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.watch_count()} watches open, wanted {count}")
            time.sleep(0.02)

    def methods(self) -> set[str]:
        return {r.method for r in self.requests}

    # -- internals -----------------------------------------------------------------
    def _publish(self, event: str, group: str, plural: str, obj: dict[str, Any]) -> None:
        self._history.append((self._rv, event, group, plural, copy.deepcopy(obj)))
        for w in self._watches:
            if w.wants(group, plural, obj):
                w.events.put((event, copy.deepcopy(obj)))

    def _select(
        self, group: str, plural: str, namespace: str | None, fields: dict[str, str]
    ) -> list[dict[str, Any]]:
        items = []
        for (ns, name), obj in sorted(self._store.get((group, plural), {}).items()):
            if namespace is not None and ns != namespace:
                continue
            if fields.get("metadata.name", name) != name:
                continue
            if fields.get("metadata.namespace", ns) != ns:
                continue
            # Stored objects are replaced, never changed in place: a shallow copy
            # without the type fields (list items omit them) is enough.
            items.append({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")})
        return items

    def list(
        self, group: str, plural: str, namespace: str | None, query: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        kind, version, _ = PLURALS[(group, plural)]
        limit = int(query.get("limit", "0") or 0)
        with self._lock:
            token = query.get("continue")
            if token:
                page_id, start, rv = json.loads(base64.urlsafe_b64decode(token))
                if page_id not in self._pages:
                    return 410, _status(
                        410, "Expired", "The provided continue parameter is too old"
                    )
                items = self._pages[page_id]
            else:
                items = self._select(group, plural, namespace, _fields(query))
                start, rv = 0, self._rv
            meta: dict[str, Any] = {"resourceVersion": str(rv)}
            if limit and start + limit < len(items):
                page_id = str(next(self._page_ids))
                self._pages[page_id] = items
                nxt = [page_id, start + limit, rv]
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(nxt).encode()).decode()
                meta["remainingItemCount"] = len(items) - start - limit
                page = items[start : start + limit]
            else:
                page = items[start:]
        api_version = f"{group}/{version}" if group else version
        body = {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta}
        return 200, body | {"items": page}

    def open_watch(
        self, group: str, plural: str, namespace: str | None, query: dict[str, str]
    ) -> _Watch:
        fields = _fields(query)
        w = _Watch(
            group=group,
            plural=plural,
            namespace=namespace if namespace is not None else fields.get("metadata.namespace"),
            name=fields.get("metadata.name"),
            bookmarks=query.get("allowWatchBookmarks") == "true",
        )
        start = int(query.get("resourceVersion") or 0)
        with self._lock:
            if start and start < self._compacted:
                w.events.put(("ERROR", _status(410, "Expired", "too old resource version")))
                w.events.put(None)
                return w
            for rv, event, g, p, obj in self._history:
                if rv > start and w.wants(g, p, obj):
                    w.events.put((event, copy.deepcopy(obj)))
            self._watches.append(w)
        return w

    def close_watch(self, w: _Watch) -> None:
        with self._lock:
            if w in self._watches:
                self._watches.remove(w)


def _fields(query: dict[str, str]) -> dict[str, str]:
    out = {}
    for term in filter(None, query.get("fieldSelector", "").split(",")):
        key, _, value = term.partition("=")
        out[key] = value.lstrip("=")
    return out


def _parse_path(path: str) -> tuple[str, str, str | None, str | None] | None:
    """``(group, plural, namespace, name)`` of an API path, or ``None``."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, rest = parts[1], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest or (group, rest[0]) not in PLURALS:
        return None
    return group, rest[0], namespace, rest[1] if len(rest) > 1 else None


def _handler_for(server: FakeAPIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without this, Nagle plus
        # delayed ACKs add 40 ms to every response.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> tuple[str, dict[str, str]]:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            server.requests.append(Request(self.command, url.path, query))
            return url.path, query

        def _send_json(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self) -> None:
            self._record()
            self._send_json(405, _status(405, "MethodNotAllowed", "this test server is read-only"))

        do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse

        def do_GET(self) -> None:
            path, query = self._record()
            scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or token != TOKEN:  # in-cluster sends "bearer"
                self._send_json(401, _status(401, "Unauthorized", "Unauthorized"))
                return
            parsed = _parse_path(path)
            if parsed is None or parsed[1] in server.unserved:
                self._send_json(404, _status(404, "NotFound", f"the server could not find {path}"))
                return
            group, plural, namespace, name = parsed
            verb = "watch" if query.get("watch") in ("1", "true") else "list"
            if name is not None:
                verb = "get"
            target = name or _fields(query).get("metadata.name")
            denied = (plural, None) in server.forbidden or (plural, namespace) in server.forbidden
            if server.authorizer is not None:
                denied |= not server.authorizer(verb, group, plural, namespace, target)
            if denied:
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                res = f"{plural}.{group}" if group else plural
                message = (
                    f'{res} is forbidden: User "system:serviceaccount:test:netdiag" cannot '
                    f'{verb} resource "{plural}" in API group "{group}" {scope}'
                )
                self._send_json(403, _status(403, "Forbidden", message))
                return
            if verb == "get":
                self._get(group, plural, namespace, name or "")
            elif verb == "watch":
                self._watch(group, plural, namespace, query)
            else:
                self._send_json(*server.list(group, plural, namespace, query))

        def _get(self, group: str, plural: str, namespace: str | None, name: str) -> None:
            found = server._select(group, plural, namespace, {"metadata.name": name})
            if not found:
                self._send_json(404, _status(404, "NotFound", f'{plural} "{name}" not found'))
                return
            kind, version, _ = PLURALS[(group, plural)]
            obj = found[0] | {"kind": kind, "apiVersion": f"{group}/{version}".lstrip("/")}
            self._send_json(200, obj)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _watch(
            self, group: str, plural: str, namespace: str | None, query: dict[str, str]
        ) -> None:
            w = server.open_watch(group, plural, namespace, query)
            timeout = int(query.get("timeoutSeconds") or 0)
            deadline = time.monotonic() + timeout if timeout else None
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            try:
                for item in _events(w, deadline, self.connection):
                    self._chunk(json.dumps({"type": item[0], "object": item[1]}).encode() + b"\n")
                if w.dropped.is_set():
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True
            finally:
                server.close_watch(w)

    return Handler


def _closed_by_peer(conn: socket.socket) -> bool:
    """The client went away (EOF readable), as the API server notices on its side."""
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _events(
    w: _Watch, deadline: float | None, conn: socket.socket
) -> Iterator[tuple[str, dict[str, Any]]]:
    while not w.dropped.is_set():
        if deadline is not None and time.monotonic() > deadline:
            return
        try:
            item = w.events.get(timeout=0.05)
        except queue.Empty:
            if _closed_by_peer(conn):
                return
            continue
        if item is None or w.dropped.is_set():
            return
        yield item


def write_kubeconfig(
    path: str,
    server: FakeAPIServer,
    *,
    ca_file: str | None = None,
    context: str = "test",
    namespace: str | None = None,
) -> str:
    """A kubeconfig with one context pointing at ``server`` (token auth)."""
    import yaml

    cluster: dict[str, Any] = {"server": server.url}
    if ca_file:
        cluster["certificate-authority"] = ca_file
    ctx: dict[str, Any] = {"cluster": "fake", "user": "netdiag"}
    if namespace:
        ctx["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": cluster}],
        "users": [{"name": "netdiag", "user": {"token": TOKEN}}],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
    }
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return path


def rbac_authorizer(
    roles: Iterable[tuple[str | None, list[dict[str, Any]]]],
) -> Callable[[str, str, str, str | None, str | None], bool]:
    """Authorize like RBAC from ``(namespace or None for cluster-wide, rules)`` bindings.

    A namespaced binding covers requests in that namespace only; ``resourceNames``
    admits list/watch only when the request names one object (fieldSelector
    ``metadata.name``), as the RBAC authorizer does.
    """
    bound = list(roles)

    def allowed(
        verb: str, group: str, plural: str, namespace: str | None, name: str | None
    ) -> bool:
        for scope, rules in bound:
            if scope is not None and scope != namespace:
                continue
            for rule in rules:
                if group not in rule.get("apiGroups", []) or plural not in rule["resources"]:
                    continue
                if verb not in rule["verbs"]:
                    continue
                names = rule.get("resourceNames")
                if names and name not in names:
                    continue
                return True
        return False

    return allowed
