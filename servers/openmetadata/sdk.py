"""The optional openmetadata-ingestion SDK: one lock-guarded, lazy import shared by every thread.

Any `metadata.*` import costs about 5 s (the package `__init__` pulls in the profiler and most of the SDK), and the
package has import cycles: two threads importing different `metadata.*` modules at once can fail with
"partially initialized module". So every import of the SDK goes through `load()`.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
import time
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError

from oncall_mcp.shared.errors import ToolError

log = logging.getLogger("oncall.openmetadata")
_lock = threading.RLock()
_sdk: SimpleNamespace | None = None


def installed() -> bool:
    """Cheap check (no import): is `openmetadata-ingestion` installed?"""
    try:
        importlib.metadata.distribution("openmetadata-ingestion")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def loaded() -> bool:
    """Has the SDK been imported (by the preload or an earlier call)? Never blocks."""
    return _sdk is not None


def load() -> SimpleNamespace:
    """The SDK classes this server uses; the first call pays the import (and builds the Table validator)."""
    global _sdk
    with _lock:
        if _sdk is None:
            try:
                _sdk = _import()
            except ImportError as exc:
                raise ToolError(
                    f"openmetadata-ingestion cannot be imported ({exc}); install it with "
                    "pip install 'oncall-mcp[openmetadata]', or set OCM_OPENMETADATA_VALIDATE_CATALOG=false"
                ) from None
        return _sdk


def _import() -> SimpleNamespace:
    from metadata.generated.schema.entity.data.table import Table
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
        AuthProvider,
        OpenMetadataConnection,
    )
    from metadata.generated.schema.security.client.openMetadataJWTClientConfig import OpenMetadataJWTClientConfig
    from metadata.ingestion.ometa.client import APIError, HtmlResponseError, LimitsException, RestTransportError
    from metadata.ingestion.ometa.http_adapter import KeepAliveRetryAdapter
    from metadata.ingestion.ometa.mixins.server_mixin import VersionMismatchException, VersionNotFoundException
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    # generated models defer building their validators to first use (about 2 s for Table)
    Table.model_validate({"id": "00000000-0000-0000-0000-000000000000", "name": "warm", "columns": []})
    return SimpleNamespace(
        OpenMetadata=OpenMetadata,
        Table=Table,
        AuthProvider=AuthProvider,
        OpenMetadataConnection=OpenMetadataConnection,
        OpenMetadataJWTClientConfig=OpenMetadataJWTClientConfig,
        APIError=APIError,
        HtmlResponseError=HtmlResponseError,
        LimitsException=LimitsException,
        RestTransportError=RestTransportError,
        KeepAliveRetryAdapter=KeepAliveRetryAdapter,
        VersionMismatchException=VersionMismatchException,
        VersionNotFoundException=VersionNotFoundException,
    )


def validate_table(raw: dict[str, Any], where: str) -> None:
    """Raise a ToolError naming the file and field when `raw` is not a valid OpenMetadata Table."""
    try:
        load().Table.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ToolError(
            f"{where}: not a valid OpenMetadata Table entity per openmetadata-ingestion's schema "
            f"(field {loc}: {first['msg'][:160]}); re-export it or fix the file"
        ) from None


def preload(delay: float = 1.0) -> threading.Thread:
    """Import the SDK in a daemon thread so the first real call does not pay for it; start-up is not delayed."""

    def run() -> None:
        time.sleep(delay)
        start = time.perf_counter()
        try:
            load()
        except Exception as exc:  # the SDK is optional: a broken install only disables validation/live mode
            log.warning("preloading openmetadata-ingestion failed: %s", exc)
            return
        log.info("openmetadata-ingestion preloaded in %.1fs", time.perf_counter() - start)

    thread = threading.Thread(target=run, name="openmetadata-sdk-preload", daemon=True)
    thread.start()
    return thread
