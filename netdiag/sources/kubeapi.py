"""The edge to the Kubernetes API: queries, paged lists, raw watch streams.

Shared by :mod:`netdiag.sources.live` (one snapshot) and :mod:`netdiag.sources.watch`
(a stream of snapshots). ``kubernetes`` is imported inside functions only (it
costs ~0.5 s). Every request is a GET (``list``, ``watch``); responses are read
with ``_preload_content=False`` and parsed with :func:`json.loads` — the
generated client models are far too slow on big clusters (kubernetes-client/python
#1921) and never reach the engines.

The private client itself (kubeconfig, context, in-cluster) is built in
:mod:`netdiag.sources.kubeconfig`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from netdiag.errors import ClusterError
from netdiag.sources.kubeconfig import Connection, one_line

#: kubectl's default chunk size for lists (``--chunk-size``).
PAGE_SIZE = 500
#: ``(connect, read)`` seconds for list requests.
REQUEST_TIMEOUT = (10.0, 60.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """One API resource netdiag reads."""

    kind: str
    api_version: str
    plural: str
    namespaced: bool = True

    @property
    def group_resource(self) -> str:
        """``networkpolicies.networking.k8s.io`` — what RBAC and kubectl call it."""
        group = self.api_version.rpartition("/")[0]
        return f"{self.plural}.{group}" if group else self.plural

    def path(self, namespace: str | None) -> str:
        """The collection URL: ``/api/v1/pods``, ``/apis/apps/v1/namespaces/ns/deployments``."""
        root = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced and namespace is not None:
            return f"{root}/namespaces/{namespace}/{self.plural}"
        return f"{root}/{self.plural}"


def _r(kind: str, api_version: str, plural: str, ns: bool = True) -> Resource:
    return Resource(kind=kind, api_version=api_version, plural=plural, namespaced=ns)


NAMESPACES = _r("Namespace", "v1", "namespaces", ns=False)
NODES = _r("Node", "v1", "nodes", ns=False)
PODS = _r("Pod", "v1", "pods")
SERVICES = _r("Service", "v1", "services")
CONFIG_MAPS = _r("ConfigMap", "v1", "configmaps")
ENDPOINT_SLICES = _r("EndpointSlice", "discovery.k8s.io/v1", "endpointslices")
NETWORK_POLICIES = _r("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies")
DEPLOYMENTS = _r("Deployment", "apps/v1", "deployments")
STATEFUL_SETS = _r("StatefulSet", "apps/v1", "statefulsets")
REPLICA_SETS = _r("ReplicaSet", "apps/v1", "replicasets")
DAEMON_SETS = _r("DaemonSet", "apps/v1", "daemonsets")
JOBS = _r("Job", "batch/v1", "jobs")
CRON_JOBS = _r("CronJob", "batch/v1", "cronjobs")


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """One list+watch: a resource, a namespace (``None`` = all), a single name."""

    resource: Resource
    namespace: str | None = None
    #: ``fieldSelector=metadata.name=<name>``: RBAC ``resourceNames`` then suffice.
    name: str | None = None

    @property
    def key(self) -> str:
        scope = self.namespace if self.namespace is not None else "*"
        return f"{self.resource.group_resource}/{scope}/{self.name or ''}"

    def describe(self, verb: str = "list") -> str:
        """``list networkpolicies.networking.k8s.io in all namespaces`` (for incomplete)."""
        what = f"{verb} {self.resource.group_resource}"
        if self.name:
            what += f" {self.name}"
        if not self.resource.namespaced:
            return what + " (cluster scope)"
        if self.namespace is None:
            return what + " in all namespaces"
        return what + f" in namespace {self.namespace}"


KUBE_SYSTEM = "kube-system"
#: Workload kinds read so pods can name their top-level owner (ReplicaSet -> Deployment).
OWNER_RESOURCES = (DEPLOYMENTS, STATEFUL_SETS, REPLICA_SETS, JOBS, CRON_JOBS)


def plan(namespace: str | None = None) -> tuple[Query, ...]:
    """The queries a snapshot needs; ``namespace`` limits namespaced listings to it.

    kube-system objects DNS and CNI detection rely on are read in any case, by
    name where one object is enough: the ``kube-dns`` Service (kubelet's
    ``clusterDNS``), the ``coredns`` ConfigMap (the Corefile), netdiag's
    ``netdiag-node-resolv-conf`` ConfigMap. DaemonSets (CNI, NodeLocal DNSCache)
    come from every namespace for a whole-cluster snapshot — flannel installs
    into ``kube-flannel``, the Calico operator into ``calico-system`` — and from
    kube-system only when limited to one namespace.
    """
    namespaced = (PODS, SERVICES, ENDPOINT_SLICES, NETWORK_POLICIES, *OWNER_RESOURCES)
    queries = [Query(resource=NAMESPACES), Query(resource=NODES)]
    queries += [Query(resource=r, namespace=namespace) for r in namespaced]
    if namespace is not None and namespace != KUBE_SYSTEM:
        queries.append(Query(resource=SERVICES, namespace=KUBE_SYSTEM, name="kube-dns"))
    queries.append(
        Query(resource=DAEMON_SETS, namespace=None if namespace is None else KUBE_SYSTEM)
    )
    for name in ("coredns", "netdiag-node-resolv-conf"):
        queries.append(Query(resource=CONFIG_MAPS, namespace=KUBE_SYSTEM, name=name))
    return tuple(queries)


class Refused(Exception):
    """The server refused one query (403, or 404 for a resource it does not serve)."""

    def __init__(self, query: Query, verb: str, status: int, message: str) -> None:
        super().__init__(message)
        self.query = query
        self.verb = verb
        self.status = status

    @property
    def what(self) -> str:
        reason = "forbidden" if self.status == 403 else "not served"
        return f"{self.query.describe(self.verb)} ({reason})"


class Expired(Exception):
    """410 Gone: a continue token or a watch resourceVersion is too old."""


def call(
    conn: Connection,
    query: Query,
    verb: str,
    params: Mapping[str, str | int | bool],
    *,
    timeout: tuple[float, float] = REQUEST_TIMEOUT,
) -> Any:
    """Issue one GET for ``query``; the raw urllib3 response, body unread.

    The request goes through the client's own ``param_serialize``/``call_api``
    (its configuration, TLS, auth and token refresh) but not through the
    generated ``CoreV1Api``-style methods: importing those modules and building
    their pydantic validators costs seconds, for requests we parse ourselves.
    Failures map onto Refused/Expired/ClusterError.
    """
    import urllib3
    from kubernetes.client.exceptions import ApiException

    query_params: list[tuple[str, Any]] = list(params.items())
    if query.name is not None:
        query_params.append(("fieldSelector", f"metadata.name={query.name}"))
    request = conn.client.param_serialize(
        method="GET",
        resource_path=query.resource.path(query.namespace),
        query_params=query_params,
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    try:
        response = conn.client.call_api(*request, _request_timeout=timeout)
    except ApiException as e:  # TLS failures come back as status 0
        raise _api_error(conn, query, verb, int(e.status or 0), one_line(e)) from e
    except urllib3.exceptions.HTTPError as e:
        raise unreachable(conn, e) from e
    if not 200 <= response.status <= 299:
        body = response.read()
        raise _api_error(conn, query, verb, response.status, _status_message(body, response))
    return response.response


def unreachable(conn: Connection, e: BaseException) -> ClusterError:
    """ClusterError (exit 4) naming the server and the low-level reason in one line."""
    import urllib3

    reason: BaseException = e
    if isinstance(e, urllib3.exceptions.MaxRetryError) and e.reason is not None:
        reason = e.reason
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        # urllib3 makes NewConnectionError a ConnectTimeoutError: test it first.
        text = one_line(reason).rpartition(": ")[2] or "connection failed"
    elif isinstance(reason, urllib3.exceptions.TimeoutError):
        text = "timed out"
    else:
        text = one_line(reason)
    return ClusterError(
        f"cannot reach the Kubernetes API at {conn.host} (context {conn.context}): {text}",
        hint="check the cluster is up and the kubeconfig's server address",
    )


def _api_error(conn: Connection, query: Query, verb: str, status: int, message: str) -> Exception:
    if status in (403, 404):
        return Refused(query, verb, status, message)
    if status == 410:
        return Expired(message)
    if status == 401:
        return ClusterError(
            f"the Kubernetes API at {conn.host} refused our credentials (401 Unauthorized)",
            hint=f"refresh the credentials of context {conn.context}",
        )
    if status == 0:
        return ClusterError(f"cannot talk to the Kubernetes API at {conn.host}: {message}")
    return ClusterError(f"{query.describe(verb)}: HTTP {status}: {message}")


def _status_message(body: bytes, response: Any) -> str:
    """The ``message`` of the Status body the API server sends with errors."""
    try:
        status = json.loads(body or b"")
        if isinstance(status, Mapping) and status.get("message"):
            return one_line(Exception(status["message"]))
    except ValueError:
        pass
    return one_line(Exception(response.reason or "")) or f"HTTP {response.status}"


def read_json(resp: Any) -> Any:
    """Read a whole (non-streaming) response body as JSON and release the connection."""
    try:
        return json.loads(resp.read())
    finally:
        resp.release_conn()


@dataclass(frozen=True, slots=True, kw_only=True)
class Listed:
    items: tuple[dict[str, Any], ...]
    resource_version: str


def list_all(
    conn: Connection,
    query: Query,
    *,
    page_size: int = PAGE_SIZE,
    progress: Callable[[Query, int], None] | None = None,
    timeout: tuple[float, float] = REQUEST_TIMEOUT,
) -> Listed:
    """List every object of ``query``, page by page (``limit``/``continue``).

    Items come without ``kind``/``apiVersion`` in a list; they are put back so the
    objects look like manifests. A continue token that expired (410) restarts the
    list from the beginning: continuing with the token the 410 carries would mix
    two resourceVersions (api-concepts "Retrieving large results sets in chunks").
    """
    import urllib3

    for _attempt in range(3):
        items: list[dict[str, Any]] = []
        token: str | None = None
        try:
            while True:
                params: dict[str, str | int] = {"limit": page_size}
                if token:
                    params["continue"] = token
                body = read_json(call(conn, query, "list", params, timeout=timeout))
                items.extend(_typed(query.resource, body.get("items") or ()))
                if progress is not None:
                    progress(query, len(items))
                meta = body.get("metadata") or {}
                token = meta.get("continue")
                if not token:
                    rv = meta.get("resourceVersion", "")
                    return Listed(items=tuple(items), resource_version=rv)
        except Expired:
            continue
        except urllib3.exceptions.HTTPError as e:
            raise unreachable(conn, e) from e
    raise ClusterError(f"{query.describe()}: the list kept expiring (410 Gone)")


def _typed(resource: Resource, items: Any) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            item["kind"] = resource.kind
            item["apiVersion"] = resource.api_version
            yield item
