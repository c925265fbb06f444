"""The edge to the kubeconfig: which file and context, and a private API client
built from them (or from the pod's in-cluster service account).

The client is private: ``new_client_from_config(..., persist_config=False)``
never touches the global ``Configuration`` nor writes back to the kubeconfig
(``load_kube_config`` does both; kubernetes/config/kube_config.py).
``kubernetes`` and ``yaml`` are imported inside functions only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from netdiag.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """A private API client and what to call it in messages."""

    client: Any
    host: str
    context: str
    #: The context's default namespace (kubectl's), if it names one.
    namespace: str | None = None

    def close(self) -> None:
        self.client.close()


def kubeconfig_path(kubeconfig: str | None) -> str:
    """``--kubeconfig``, else ``$KUBECONFIG`` (colon-separated, merged), else ~/.kube/config.

    Read at call time: the client reads ``KUBECONFIG`` once, at import.
    """
    return kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def _existing(path_list: str) -> list[str]:
    paths = [os.path.expanduser(p) for p in path_list.split(os.pathsep) if p]
    return [p for p in paths if os.path.exists(p)]


def connect(*, context: str | None = None, kubeconfig: str | None = None) -> Connection:
    """Build a private client; ConfigError (exit 3) for kubeconfig/context problems."""
    path = kubeconfig_path(kubeconfig)
    if not _existing(path):
        if kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST") and not context:
            return _connect_in_cluster()
        raise ConfigError(
            f"no kubeconfig found at {path}",
            hint="pass --kubeconfig FILE, set KUBECONFIG, or run inside a pod",
        )
    from kubernetes import client as k8s
    from kubernetes import config as kconfig

    try:
        contexts = _contexts(path)
        name = context or _current_context(_existing(path))
        if context is not None and context not in contexts:
            raise ConfigError(
                f"context {context!r} not found in kubeconfig {path}",
                hint="available contexts: " + (", ".join(sorted(contexts)) or "none"),
            )
        configuration = _configuration(k8s.Configuration())
        api_client = kconfig.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=path,
            context=name or None,
            persist_config=False,
            client_configuration=configuration,
        )
    except kconfig.ConfigException as e:
        raise ConfigError(f"kubeconfig {path}: {one_line(e)}") from e
    except (OSError, ValueError) as e:
        raise ConfigError(f"kubeconfig {path}: {one_line(e)}") from e
    return Connection(
        client=api_client, host=configuration.host, context=name, namespace=contexts.get(name)
    )


def _configuration(configuration: Any) -> Any:
    """No urllib3 retries (each logs a warning; watches have their own backoff), and
    a connection pool big enough for one watch per query (the default is 5 x CPUs)."""
    configuration.retries = 0
    configuration.connection_pool_maxsize = 32
    return configuration


def _contexts(path: str) -> dict[str, str | None]:
    """Context name -> its default namespace."""
    from kubernetes import config as kconfig

    contexts, _current = kconfig.list_kube_config_contexts(  # type: ignore[no-untyped-call]
        config_file=path
    )
    return {c["name"]: (c.get("context") or {}).get("namespace") for c in contexts}


def _current_context(paths: list[str]) -> str:
    """The first file that sets ``current-context`` wins, as with kubectl.

    (The Python client's merger lets the last file win; client-go's
    ``clientcmd`` loading rules take the first non-empty value.)
    """
    import yaml

    for path in paths:
        with open(path) as f:
            config = yaml.safe_load(f) or {}
        if isinstance(config, dict) and config.get("current-context"):
            return str(config["current-context"])
    return ""


def _connect_in_cluster() -> Connection:
    from kubernetes import client as k8s
    from kubernetes import config as kconfig

    configuration = _configuration(k8s.Configuration())
    try:
        kconfig.load_incluster_config(  # type: ignore[no-untyped-call]
            client_configuration=configuration
        )
    except kconfig.ConfigException as e:
        raise ConfigError(f"in-cluster configuration: {one_line(e)}") from e
    return Connection(
        client=k8s.ApiClient(configuration),
        host=configuration.host,
        context="(in-cluster)",
        namespace=_pod_namespace(),
    )


def _pod_namespace() -> str | None:
    """The namespace the pod runs in, from its service-account mount."""
    from kubernetes.config import incluster_config

    path = os.path.join(os.path.dirname(incluster_config.SERVICE_TOKEN_FILENAME), "namespace")
    try:
        with open(path) as f:
            return f.read().strip() or None
    except OSError:
        return None


def one_line(e: BaseException) -> str:
    """An exception's text on one line (its type name when it has none)."""
    return " ".join(str(e).split()) or type(e).__name__
