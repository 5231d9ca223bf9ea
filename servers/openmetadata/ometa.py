"""Backend over a live OpenMetadata server through the official SDK (`openmetadata-ingestion`).

Every `metadata.*` import costs about 5 s, so the SDK is imported on the first call (or preloaded in the background
after start), never at module import. All SDK and HTTP failures become ToolErrors the model can act on.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import SecretStr, ValidationError

from oncall_mcp.servers.openmetadata import sdk
from oncall_mcp.servers.openmetadata.backend import SearchPage
from oncall_mcp.servers.openmetadata.entities import TableDoc, parse_table
from oncall_mcp.servers.openmetadata.search import TableSummary
from oncall_mcp.shared.errors import ToolError

log = logging.getLogger("oncall.openmetadata")
T = TypeVar("T")

TABLE_FIELDS = ["columns", "owners", "tags"]
SEARCH_INDEX = "table_search_index"
_ES_RESERVED = re.compile(r'[+\-=&|><!(){}\[\]^"~*?:\\/]|\b(?:AND|OR|NOT)\b')
SOURCE_FIELDS = ["fullyQualifiedName", "name", "description", "columns.name", "owners", "tags"]


class OpenMetadataBackend:
    def __init__(self, host: str, token: SecretStr, timeout: int = 10, verify_version: bool = True) -> None:
        self.host = host
        self._token = token
        self.timeout = timeout
        self.verify_version = verify_version
        self.label = f"OpenMetadata at {host}"
        self._om: Any = None
        self._lock = threading.Lock()

    # --- client and error mapping ----------------------------------------------------------------------------------

    def _client(self) -> Any:
        with self._lock:
            if self._om is None:
                m = sdk.load()
                from urllib3.util.retry import Retry

                conn = m.OpenMetadataConnection(
                    hostPort=self.host,
                    authProvider=m.AuthProvider.openmetadata,
                    securityConfig=m.OpenMetadataJWTClientConfig(jwtToken=self._token.get_secret_value()),
                    enableVersionValidation=False,
                )
                # retry=0: a 504 must not turn into minutes of SDK back-off while the model waits.
                om = m.OpenMetadata(
                    conn,
                    additional_client_config_arguments={"timeout": self.timeout, "retry": 0, "retry_wait": 0},
                )
                # The SDK's transport retry re-sends a timed-out read and backs off on refused connections, which
                # multiplies the wait on a slow or down server; keep one immediate reconnect (stale pooled socket).
                quick = m.KeepAliveRetryAdapter(
                    max_retries=Retry(total=1, connect=1, read=0, status=0, backoff_factor=0, raise_on_status=False)
                )
                om.client._session.mount("http://", quick)
                om.client._session.mount("https://", quick)
                if self.verify_version:
                    om.validate_versions()
                self._om = om
            return self._om

    def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        from requests import HTTPError, RequestException, Timeout

        m = sdk.load()
        try:
            return fn(self._client())
        except m.VersionMismatchException as exc:
            raise ToolError(self._mismatch(str(exc))) from None
        except m.VersionNotFoundException as exc:
            text = str(exc)
            if "HTTP 401" in text or "HTTP 403" in text:
                raise ToolError(self._auth_message(401 if "HTTP 401" in text else 403, what)) from None
            raise ToolError(f"{self.label} did not answer its version endpoint while {what}: {text}") from None
        except m.RestTransportError as exc:
            cause = exc.__cause__
            # a read timeout under urllib3's retry surfaces as ConnectionError(MaxRetryError(ReadTimeoutError))
            if isinstance(cause, Timeout) or "timed out" in str(cause).lower():
                raise ToolError(
                    f"{self.label} did not answer within {self.timeout}s while {what}; it may be overloaded. "
                    "Retry later, or raise OCM_OPENMETADATA_TIMEOUT_SECONDS"
                ) from None
            raise ToolError(
                f"cannot reach {self.label} while {what} (connection failed); check OCM_OPENMETADATA_HOST "
                "and that the server is up"
            ) from None
        except m.APIError as exc:
            raise self._http_error(exc.status_code or exc.code, str(exc), what) from None
        except HTTPError as exc:
            code = exc.response.status_code if exc.response is not None else 0
            raise self._http_error(code, "", what) from None
        except m.HtmlResponseError:
            raise ToolError(
                f"{self.host} answered an HTML page while {what}: it points at the UI, not the API; "
                "OCM_OPENMETADATA_HOST should be the API base (…/api)"
            ) from None
        except m.LimitsException:
            raise ToolError(f"{self.label} rate-limited the request (HTTP 429) while {what}; retry later") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ToolError(
                f"{self.label} answered an entity openmetadata-ingestion cannot parse while {what} "
                f"(field {'.'.join(str(p) for p in first['loc'])}: {first['msg']}); the server and SDK versions "
                "probably differ"
            ) from None
        except RequestException as exc:
            raise ToolError(f"request to {self.label} failed while {what}: {type(exc).__name__}") from None

    def _mismatch(self, text: str) -> str:
        return (
            f"{self.label}: server and client versions differ ({text.split('.  ')[0].split(' Major')[0]}); the SDK "
            "requires the same major.minor. Install the matching openmetadata-ingestion in this server's "
            "environment, or set OCM_OPENMETADATA_VERIFY_VERSION=false to skip the check at your own risk"
        )

    def _auth_message(self, code: int, what: str) -> str:
        if code == 401:
            return (
                f"{self.label} rejected the token (HTTP 401) while {what}: the bot JWT is invalid, expired or "
                "revoked. Set a fresh OCM_OPENMETADATA_TOKEN (Settings → Bots → the bot's token)"
            )
        return (
            f"{self.label} refused access (HTTP 403) while {what}: the bot lacks a view permission. Grant the "
            "role printed by `oncall-mcp policy openmetadata` (ViewBasic, ViewLineage on tables)"
        )

    def _http_error(self, code: int | None, detail: str, what: str) -> ToolError:
        if code in (401, 403):
            return ToolError(self._auth_message(code, what))
        if code == 404:
            return ToolError(f"{self.label} has no such object while {what} (HTTP 404)")
        suffix = f": {detail[:200]}" if detail else ""
        return ToolError(f"{self.label} answered HTTP {code} while {what}{suffix}")

    def raw_get(self, path: str, what: str) -> Any:
        """The API's own JSON for `GET /api/v1{path}` (used by the catalog exporter)."""
        return self._call(what, lambda om: om.client.get(path))

    # --- Backend ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _table_cls() -> Any:
        return sdk.load().Table

    def get_table(self, fqn: str) -> TableDoc | None:
        table = self._call(
            f"reading table {fqn}",
            lambda om: om.get_by_name(entity=self._table_cls(), fqn=fqn, fields=TABLE_FIELDS),
        )
        if table is None:
            return None
        return parse_table(table.model_dump(mode="json", exclude_none=True), f"table {fqn}")

    def _search_raw(self, query: str, size: int, offset: int) -> dict[str, Any]:
        include = "".join(f"&include_source_fields={f}" for f in SOURCE_FIELDS)
        # `q` is an Elasticsearch query_string: the model's words must not become query syntax (or a 400)
        query = " ".join(_ES_RESERVED.sub(" ", query).split())
        if not query:
            raise ToolError("the query has no searchable words; give part of a table, column or description")
        path = f"/search/query?q={quote(query)}&index={SEARCH_INDEX}&from={offset}&size={size}&deleted=false{include}"
        resp = self._call(f"searching for {query!r}", lambda om: om.client.get(path))
        if not isinstance(resp, dict) or "hits" not in resp:
            raise ToolError(f"{self.label}: the search endpoint answered an unexpected body; is search indexing up?")
        return resp

    @staticmethod
    def _summary(source: dict[str, Any]) -> TableSummary:
        tags = source.get("tags") or []
        return TableSummary(
            fqn=source.get("fullyQualifiedName") or source.get("name", "?"),
            name=source.get("name") or "",
            description=source.get("description"),
            columns=tuple(c.get("name", "") for c in source.get("columns") or [] if isinstance(c, dict)),
            owners=tuple(
                (o.get("displayName") or o.get("name") or "") if isinstance(o, dict) else str(o)
                for o in source.get("owners") or []
            ),
            tier=next(
                (t.get("tagFQN") for t in tags if isinstance(t, dict) and str(t.get("tagFQN", "")).startswith("Tier.")),
                None,
            ),
        )

    def search(self, query: str, limit: int, offset: int) -> SearchPage:
        resp = self._search_raw(query, limit, offset)
        hits = resp["hits"].get("hits") or []
        total = resp["hits"].get("total") or {}
        total_n = total.get("value", len(hits)) if isinstance(total, dict) else int(total)
        return SearchPage(hits=[self._summary(h.get("_source") or {}) for h in hits], total=total_n)

    def find_by_suffix(self, short: str) -> list[str]:
        name = short.rsplit(".", 1)[-1].strip('"')
        low = short.lower()
        page = self.search(name, 50, 0)
        return sorted({h.fqn for h in page.hits if h.fqn.lower() == low or h.fqn.lower().endswith("." + low)})

    def closest(self, name: str, limit: int) -> list[str]:
        return [h.fqn for h in self.search(name.rsplit(".", 1)[-1], limit, 0).hits]

    def versions(self, table: TableDoc) -> list[TableDoc]:
        if not table.id:
            return [table]
        history = self._call(
            f"listing versions of {table.fqn}",
            lambda om: om.get_list_entity_versions(entity_id=table.id, entity=self._table_cls()),
        )
        docs = []
        for item in history.versions:
            raw = json.loads(item) if isinstance(item, str) else item
            docs.append(parse_table(raw, f"version of {table.fqn}"))
        return docs or [table]

    def lineage(self, table: TableDoc, depth: int) -> dict[str, Any] | None:
        return self._call(
            f"reading lineage of {table.fqn}",
            lambda om: om.get_lineage_by_name(
                entity=self._table_cls(), fqn=table.fqn, up_depth=depth, down_depth=depth
            ),
        )
