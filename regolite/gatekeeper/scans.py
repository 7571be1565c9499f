"""Image scan reports as inventory objects, so templates can gate on vulnerabilities.

Templates may read only `data.inventory` and `data.lib` (GATEKEEPER-SEMANTICS.md
§1.7, §5), so scan results reach them as Kubernetes-style objects, the way a
cluster that syncs such objects would show them. Each scanned image becomes
one cluster-scoped object:

    apiVersion: scans.regolite.dev/v1
    kind: ImageScanReport
    metadata:
      name: <report_name(image)>
      annotations: {scans.regolite.dev/image: <image>, scans.regolite.dev/digest: <sha256:...>}
      labels: {scans.regolite.dev/digest: sha256-<first 56 hex digits>}   # only when the digest is known
    spec:
      image: <the scanned reference, exactly as given to the scanner>
      digest: <sha256:... of the image manifest, "" when unknown>
      imageID: <sha256:... of the image config, "" when unknown>
      repoDigests: [<repo@sha256:...>...]
      scanner: {name: trivy, version: <"" when the report does not say>}
      scannedAt: <the report's CreatedAt, "" when absent>
      summary: {CRITICAL: n, HIGH: n, MEDIUM: n, LOW: n, UNKNOWN: n}
      vulnerabilities:
      - {id, severity, package, installedVersion, fixedVersion, title, target}

and lands at `data.inventory.cluster["scans.regolite.dev/v1"].ImageScanReport[<name>]`.
Templates iterate that collection and match `spec.image` against a
container's image exactly, or `spec.digest` against the `@sha256:...` a
container image pins (see examples/gatekeeper/vulnerable-images).

`read_trivy_report` converts Trivy JSON (SchemaVersion 2: one report, a JSON
array of reports, or a directory of `*.json` reports); `load_scan_reports`
also accepts ImageScanReport objects already converted (YAML or JSON), which
is what `--scan-report PATH` loads. Every malformed input is a
`ScanReportError` naming the file and the place in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable, Union

from regolite.documents import (
    DocumentError,
    NotJsonNumber,
    decode_text,
    files_under,
    json_type,
    read_file_bytes,
    reject_json_constant,
)
from regolite.errors import RegoError
from regolite.gatekeeper.documents import parse_documents

SCAN_REPORT_ERROR = "scan_report_error"
GROUP = "scans.regolite.dev"
API_VERSION = f"{GROUP}/v1"
KIND = "ImageScanReport"
IMAGE_ANNOTATION = f"{GROUP}/image"
DIGEST_ANNOTATION = f"{GROUP}/digest"
DIGEST_LABEL = f"{GROUP}/digest"
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
TRIVY_SCHEMA_VERSION = 2
NAME_MAX = 63  # also a valid DNS-1123 label length, so the name fits anywhere a name does
NAME_HASH_LENGTH = 10
REPORT_SUFFIXES = (".json", ".yaml", ".yml")

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NOT_NAME_CHAR = re.compile(r"[^a-z0-9.-]+")
_SEPARATOR_RUN = re.compile(r"[.-]{2,}")

PathOrText = Union[str, os.PathLike, dict, list]


class ScanReportError(RegoError):
    """A scan report that cannot be read: `file:line:col: scan_report_error: message`
    (`file: scan_report_error: message` when no line is known)."""

    def __init__(self, message: str, *, source: str = "<input>", line: int = 0, col: int = 0) -> None:
        super().__init__(SCAN_REPORT_ERROR, message, None)
        self.source = source
        self.line = line
        self.col = col

    def __str__(self) -> str:
        if self.line:
            return f"{self.source}:{self.line}:{self.col}: {self.code}: {self.message}"
        return f"{self.source}: {self.code}: {self.message}"


# --- public API ----------------------------------------------------------------------


def read_trivy_report(path_or_text: PathOrText) -> list[dict]:
    """ImageScanReport objects from Trivy JSON (SchemaVersion 2).

    `path_or_text` is a file, a directory (its `*.json` files, recursively, in
    name order: one report per image), JSON text (a string starting with `{` or
    `[`), or an already decoded report or list of reports.
    """
    if isinstance(path_or_text, (dict, list)):
        return _from_trivy_value(path_or_text, "<input>")
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith(("{", "[")):
        return _from_trivy_value(_decode_json(path_or_text, "<input>"), "<input>")
    path = Path(path_or_text)
    if path.is_dir():
        out: list[dict] = []
        for file in files_under(path, (".json",)):
            out.extend(_from_trivy_value(_decode_json(_read_text(file), str(file)), str(file)))
        return out
    return _from_trivy_value(_decode_json(_read_text(path), str(path)), str(path))


def load_scan_reports(paths: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]]) -> list[dict]:
    """ImageScanReport objects for `Gatekeeper.add_inventory`, from files and directories.

    A `.json` file is a Trivy report (or a list of them) or ImageScanReport
    object(s); a `.yaml`/`.yml` file holds ImageScanReport objects (or a List
    of them). Directories are walked recursively, files in name order. When two
    reports describe the same image the later one wins, as it would in the
    inventory.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    by_name: dict[str, dict] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = files_under(path, REPORT_SUFFIXES)
        elif os.path.lexists(path):  # a symlink loop exists too: reading it names the problem
            if path.suffix not in REPORT_SUFFIXES:
                raise ScanReportError("a scan report must be a .json, .yaml or .yml file", source=str(path))
            files = [path]
        else:
            raise ScanReportError("no such file or directory", source=str(path))
        for file in files:
            for report in _read_report_file(file):
                by_name.pop(report["metadata"]["name"], None)
                by_name[report["metadata"]["name"]] = report
    return list(by_name.values())


def report_name(image: str) -> str:
    """The object name for an image reference: DNS-safe, at most 63 characters, unique per reference.

    The reference is lower-cased; every run of characters outside `[a-z0-9.-]`
    becomes `-`; a run of dots and dashes becomes one `-` (one `.` if only dots);
    leading and trailing dots and dashes go; the result is cut to 52 characters
    and followed by `-` and the first 10 hex digits of the SHA-256 of the exact
    reference. So `registry.example.com/shop/api:1.4.2` becomes
    `registry.example.com-shop-api-1.4.2-<hash>`, and references that read
    alike after the mapping (`Nginx:1` and `nginx:1`, `a/b` and `a-b`) still differ.
    """
    digest = hashlib.sha256(image.encode("utf-8")).hexdigest()[:NAME_HASH_LENGTH]
    base = _NOT_NAME_CHAR.sub("-", image.lower())
    base = _SEPARATOR_RUN.sub(lambda m: "." if set(m.group()) == {"."} else "-", base).strip(".-")
    base = base[: NAME_MAX - NAME_HASH_LENGTH - 1].rstrip(".-")
    return f"{base}-{digest}" if base else f"image-{digest}"


def image_scan_report(image: str, *, digest: str = "", image_id: str = "", repo_digests: Iterable[str] = (),
                      scanner: str = "trivy", scanner_version: str = "", scanned_at: str = "",
                      vulnerabilities: Iterable[dict] = ()) -> dict:
    """One ImageScanReport object; `vulnerabilities` already in the object's shape."""
    vulns = list(vulnerabilities)
    summary = {s: 0 for s in SEVERITIES}
    for v in vulns:
        summary[v["severity"]] += 1
    metadata: dict = {"name": report_name(image), "annotations": {IMAGE_ANNOTATION: image}}
    if digest:
        metadata["annotations"][DIGEST_ANNOTATION] = digest
        metadata["labels"] = {DIGEST_LABEL: digest_label(digest)}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata,
        "spec": {
            "image": image,
            "digest": digest,
            "imageID": image_id,
            "repoDigests": list(repo_digests),
            "scanner": {"name": scanner, "version": scanner_version},
            "scannedAt": scanned_at,
            "summary": summary,
            "vulnerabilities": vulns,
        },
    }


def digest_label(digest: str) -> str:
    """A label value for `sha256:<hex>`: `sha256-<first 56 hex digits>` (label values stop at 63)."""
    algorithm, _, hex_digits = digest.partition(":")
    return f"{algorithm}-{hex_digits}"[:63]


def image_digest(image: str) -> str:
    """The `sha256:...` an image reference pins with `@`, or ""."""
    _, at, pinned = image.rpartition("@")
    return pinned if at and _DIGEST.fullmatch(pinned) else ""


def is_scan_report(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("apiVersion") == API_VERSION and obj.get("kind") == KIND


# --- Trivy ---------------------------------------------------------------------------


def _from_trivy_value(value: Any, source: str) -> list[dict]:
    if isinstance(value, list):
        return [_from_trivy(item, source, f"[{i}]") for i, item in enumerate(value)]
    return [_from_trivy(value, source, "")]


def _from_trivy(report: Any, source: str, where: str) -> dict:
    """One Trivy report (SchemaVersion 2) as an ImageScanReport."""
    at = f"{where}: " if where else ""
    if not isinstance(report, dict):
        raise ScanReportError(f"{at}expected a Trivy report (a JSON object), got {_json_type(report)}", source=source)
    if "apiVersion" in report or "kind" in report:
        raise ScanReportError(f"{at}expected a Trivy report, got a Kubernetes object "
                              f"({report.get('apiVersion')}/{report.get('kind')})", source=source)
    version = report.get("SchemaVersion", TRIVY_SCHEMA_VERSION)
    if version != TRIVY_SCHEMA_VERSION or isinstance(version, bool):
        raise ScanReportError(f"{at}SchemaVersion {json.dumps(version)} is not supported, expected 2 "
                              "(trivy image --format json)", source=source)
    artifact_type = report.get("ArtifactType", "container_image")
    if artifact_type != "container_image":
        raise ScanReportError(f"{at}ArtifactType {json.dumps(artifact_type)}: only container image scans "
                              "(container_image) can gate images", source=source)
    image = report.get("ArtifactName")
    if not isinstance(image, str) or not image:
        raise ScanReportError(f"{at}ArtifactName: expected the scanned image reference (a non-empty string), "
                              f"got {_describe(image)}", source=source)
    metadata = _optional(report, "Metadata", dict, {}, source, at)
    repo_digests = _optional(metadata, "RepoDigests", list, [], source, f"{at}Metadata.")
    for i, d in enumerate(repo_digests):
        if not isinstance(d, str):
            raise ScanReportError(f"{at}Metadata.RepoDigests[{i}]: expected a string, got {_json_type(d)}",
                                  source=source)
    image_id = _optional(metadata, "ImageID", str, "", source, f"{at}Metadata.")
    trivy = _optional(report, "Trivy", dict, {}, source, at)
    results = _optional(report, "Results", list, [], source, at)
    vulns: list[dict] = []
    for i, result in enumerate(results):
        rat = f"{at}Results[{i}]"
        if not isinstance(result, dict):
            raise ScanReportError(f"{rat}: expected an object, got {_json_type(result)}", source=source)
        target = _optional(result, "Target", str, "", source, f"{rat}.")
        for j, v in enumerate(_optional(result, "Vulnerabilities", list, [], source, f"{rat}.")):
            vulns.append(_vulnerability(v, target, source, f"{rat}.Vulnerabilities[{j}]"))
    return image_scan_report(
        image,
        digest=_manifest_digest(image, repo_digests),
        image_id=image_id,
        repo_digests=repo_digests,
        scanner_version=_optional(trivy, "Version", str, "", source, f"{at}Trivy."),
        scanned_at=_optional(report, "CreatedAt", str, "", source, at),
        vulnerabilities=vulns,
    )


def _vulnerability(v: Any, target: str, source: str, where: str) -> dict:
    if not isinstance(v, dict):
        raise ScanReportError(f"{where}: expected an object, got {_json_type(v)}", source=source)
    for key in ("VulnerabilityID", "PkgName"):
        if not isinstance(v.get(key), str) or not v.get(key):
            raise ScanReportError(f"{where}.{key}: expected a non-empty string, got {_describe(v.get(key))}",
                                  source=source)
    severity = _optional(v, "Severity", str, "UNKNOWN", source, f"{where}.").upper()
    return {
        "id": v["VulnerabilityID"],
        "severity": severity if severity in SEVERITIES else "UNKNOWN",
        "package": v["PkgName"],
        "installedVersion": _optional(v, "InstalledVersion", str, "", source, f"{where}."),
        "fixedVersion": _optional(v, "FixedVersion", str, "", source, f"{where}."),
        "title": _optional(v, "Title", str, "", source, f"{where}."),
        "target": target,
    }


def _manifest_digest(image: str, repo_digests: list) -> str:
    """The manifest digest a Pod would pin: the image's own `@sha256:`, else the
    RepoDigest of the same repository, else the first RepoDigest."""
    pinned = image_digest(image)
    if pinned:
        return pinned
    repository = _repository(image)
    candidates = [d for d in repo_digests if d.rpartition("@")[0] == repository] + list(repo_digests)
    for d in candidates:
        found = image_digest(d)
        if found:
            return found
    return ""


def _repository(image: str) -> str:
    """`registry:5000/a/b:tag@sha256:...` -> `registry:5000/a/b`."""
    name = image.partition("@")[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _optional(obj: dict, key: str, kind: type, default: Any, source: str, where: str) -> Any:
    value = obj.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise ScanReportError(f"{where}{key}: expected {_TYPE_WORDS[kind]}, got {_json_type(value)}", source=source)
    return value


_TYPE_WORDS = {dict: "an object", list: "a list", str: "a string"}


# --- files ---------------------------------------------------------------------------


def _read_report_file(file: Path) -> list[dict]:
    source = str(file)
    text = _read_text(file)
    if file.suffix == ".json":
        value = _decode_json(text, source)
        items = value if isinstance(value, list) else [value]
        if items and all(isinstance(item, dict) and ("apiVersion" in item or "kind" in item) for item in items):
            return [_checked_object(item, source, f"[{i}]" if isinstance(value, list) else "")
                    for i, item in enumerate(items)]
        return _from_trivy_value(value, source)
    try:
        docs = parse_documents(text, source=source)
    except DocumentError as e:
        raise ScanReportError(e.message, source=source, line=e.line, col=e.location.col if e.line else 0) from None
    return [_checked_object(d.obj, source, f"document {d.index}" + (f" items[{d.item}]" if d.item is not None else ""))
            for d in docs]


def _checked_object(obj: dict, source: str, where: str) -> dict:
    """An ImageScanReport object read from a file, checked for what templates rely on."""
    at = f"{where}: " if where else ""
    if not is_scan_report(obj):
        raise ScanReportError(f"{at}expected an {KIND} ({API_VERSION}) or a Trivy report, got "
                              f"{obj.get('apiVersion')}/{obj.get('kind')}", source=source)
    metadata = obj.get("metadata")
    spec = obj.get("spec")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise ScanReportError(f"{at}metadata.name: expected a non-empty string", source=source)
    if not isinstance(spec, dict) or not isinstance(spec.get("image"), str) or not spec["image"]:
        raise ScanReportError(f"{at}spec.image: expected the image reference (a non-empty string)", source=source)
    if not isinstance(spec.get("vulnerabilities", []), list):
        raise ScanReportError(f"{at}spec.vulnerabilities: expected a list", source=source)
    return obj


def _read_text(path: Path) -> str:
    """A report file's text, read as every document is (bounded, UTF-8)."""
    if not os.path.lexists(path):
        raise ScanReportError("no such file or directory", source=str(path))
    try:
        return decode_text(read_file_bytes(path), str(path))
    except DocumentError as e:
        raise ScanReportError(e.message, source=str(path)) from None


def _decode_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_constant=reject_json_constant)
    except json.JSONDecodeError as e:
        raise ScanReportError(f"invalid JSON: {e.msg}", source=source, line=e.lineno, col=e.colno) from None
    except NotJsonNumber as e:
        raise ScanReportError(f"invalid JSON: {e}", source=source) from None


def _json_type(value: Any) -> str:
    """A JSON value's type with its article ("a list", "an object"), for messages."""
    if value is None:
        return "null"
    name = json_type(value, integer="number", array="list")
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _describe(value: Any) -> str:
    return "nothing" if value is None else f"{_json_type(value)} ({json.dumps(value)[:40]})"


__all__ = [
    "ScanReportError", "read_trivy_report", "load_scan_reports", "report_name", "image_scan_report",
    "image_digest", "digest_label", "is_scan_report", "API_VERSION", "KIND", "SEVERITIES",
]
