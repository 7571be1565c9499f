"""Hand-written Python equivalents of the gatekeeper-library templates a typical Pod meets.

Each `<kind lower>(review, parameters)` returns the messages of the template's
`violation` set for `input = {"review": review, "parameters": parameters}`,
as Gatekeeper would report them (one per distinct violation object). They
follow the Rego, including its quirks: `not x` also holds for `x == false`,
a missing field is not the same as a `null` one, quantities parse as the
templates' `canonify_*` functions do (`replace` of every suffix occurrence
included), and `%v` prints arrays and sets as Rego text (`["a", "b"]`).

Assumed, as the API server and the constraints' CRD schemas guarantee:
container names and images are strings, parameters have their schema types.
`HANDWRITTEN` maps each constraint kind to its function.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal

_UNDEFINED = object()  # a field Rego would find undefined (absent, or looked up in a non-object)

_ALL = (("containers", "container"), ("initContainers", "initContainer"), ("ephemeralContainers", "ephemeralContainer"))
_NOT_EPHEMERAL = _ALL[:2]
_CONTAINERS = _ALL[:1]

_DIGEST = re.compile(r"@[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
# strconv.ParseFloat's decimal syntax; no group matches for an integer.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(\.[0-9]*)?|(\.[0-9]+))([eE][+-]?[0-9]+)?")
_HEX_NUMBER = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"

# Bytes per unit, in millibytes (the templates' mem_multiple / storage_multiple).
_MEMORY_MULTIPLE = {
    "E": 10**21, "P": 10**18, "T": 10**15, "G": 10**12, "M": 10**9, "k": 10**6, "": 1000, "m": 1,
    "Ki": 1000 * 2**10, "Mi": 1000 * 2**20, "Gi": 1000 * 2**30, "Ti": 1000 * 2**40, "Pi": 1000 * 2**50,
    "Ei": 1000 * 2**60,
}


# --- Rego values ---------------------------------------------------------------------


def _get(obj, key):
    """`obj[key]` as Rego sees it: `_UNDEFINED` unless `obj` is an object with that key."""
    return obj.get(key, _UNDEFINED) if isinstance(obj, dict) else _UNDEFINED


def _items(collection):
    """What `collection[_]` iterates: an array's elements, an object's values."""
    if isinstance(collection, list):
        return collection
    if isinstance(collection, dict):
        return collection.values()
    return ()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _v(value) -> str:
    """`value` as Rego's sprintf prints it with %v."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _go_float(value)
    return _text(value)


def _go_float(value: float) -> str:
    """Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e6 on."""
    d = Decimal(repr(value)).normalize()
    exponent = d.adjusted()
    if -4 <= exponent < 6:
        return f"{d:f}"
    return f"{d.scaleb(-exponent):f}e{exponent:+03d}"


def _text(value) -> str:
    """Rego's text for a value: JSON-like, object keys and set elements sorted."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_text, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_text(k)}: {_text(value[k])}" for k in sorted(value)) + "}"
    if not value:
        return "set()"
    return "{" + ", ".join(map(_text, sorted(value))) + "}"


def _to_number(value):
    """Rego's to_number, or None where it fails."""
    if isinstance(value, str):
        match = _NUMBER.fullmatch(value)
        if match is None:
            if not _HEX_NUMBER.fullmatch(value):
                return None
            try:
                return float.fromhex(value)
            except OverflowError:
                return None
        if match.lastindex is None:
            return int(value)
        number = float(value)
        return None if math.isinf(number) else number
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return 0
    return value if _is_number(value) else None


def _decimal(text: str):
    """The number a string of `[0-9]+(\\.[0-9]+)?` holds, or None for any other string."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return None
    return float(text) if match.group(1) else int(text)


def _regex_match(pattern, value) -> bool:
    """regex.match: False where Rego's call would be undefined (bad pattern, non-strings)."""
    try:
        return re.search(pattern, value) is not None
    except (re.error, TypeError):
        return False


# --- shared template pieces -----------------------------------------------------------


def _containers(review: dict, fields=_ALL):
    """(label, container) for each `input.review.object.spec[field][_]` that has a name
    (every message names its container, so the others never produce one)."""
    spec = _get(review["object"], "spec")
    if not isinstance(spec, dict):
        return
    for field, label in fields:
        for container in _items(spec.get(field)):
            if isinstance(container, dict) and "name" in container:
                yield label, container


def _exemptions(parameters: dict):
    """lib.exempt_container's list: `parameters.exemptImages`, default []."""
    return _items(parameters.get("exemptImages", ()))


def _is_exempt(container: dict, exemptions) -> bool:
    """lib.exempt_container.is_exempt: the image equals an entry or starts with one ending in `*`."""
    image = container.get("image")
    if not isinstance(image, str):
        return False
    for exemption in exemptions:
        if image.startswith(exemption[:-1]) if exemption.endswith("*") else exemption == image:
            return True
    return False


def _missing(value) -> bool:
    """The templates' `missing(obj, field)` for `value = obj[field]`."""
    return value is _UNDEFINED or value is False or value == ""


def _canonify_cpu(quantity):
    """canonify_cpu: millicores, or None if the template cannot parse it."""
    if isinstance(quantity, str):
        if quantity.endswith("m"):
            return _to_number(quantity.replace("m", ""))
        number = _decimal(quantity)
        return None if number is None else number * 1000
    return quantity * 1000 if _is_number(quantity) else None


def _canonify_memory(quantity):
    """canonify_mem / canonify_storage: millibytes, or None if the template cannot parse it."""
    if not isinstance(quantity, str):
        return quantity * 1000 if _is_number(quantity) else None
    suffix = quantity[-1:]
    if suffix not in _MEMORY_MULTIPLE:
        suffix = quantity[-2:] if quantity[-2:] in _MEMORY_MULTIPLE else ""
    number = _decimal(quantity.replace(suffix, "") if suffix else quantity)
    return None if number is None else number * _MEMORY_MULTIPLE[suffix]


_CANONIFY = {"cpu": _canonify_cpu, "memory": _canonify_memory, "ephemeral-storage": _canonify_memory}


def _quantities(msgs: set, name, resources, section: str, keys) -> dict:
    """Presence and parse checks of `resources[section][key]` (section: limits or requests);
    returns {key: (quantity, canonical number)} for the ones that parse."""
    noun = section[:-1]
    values = _get(resources, section)
    if values is _UNDEFINED or values is False:
        msgs.add(f"container <{name}> has no resource {section}")
        if values is _UNDEFINED:
            return {}
    parsed = {}
    for key in keys:
        quantity = _get(values, key)
        if _missing(quantity):
            msgs.add(f"container <{name}> has no {key} {noun}")
        if quantity is _UNDEFINED:
            continue
        number = _CANONIFY[key](quantity)
        if number is None:
            msgs.add(f"container <{name}> {key} {noun} <{_v(quantity)}> could not be parsed")
        else:
            parsed[key] = (quantity, number)
    return parsed


def _maximums(review: dict, parameters: dict, section: str, keys) -> list:
    """K8sContainerLimits / K8sContainerRequests / K8sContainerEphemeralStorageLimit:
    each of `keys` set in `resources[section]`, parseable and not above `parameters[key]`."""
    noun = section[:-1]
    maxima = {}
    for key in keys:
        if key in parameters:
            number = _CANONIFY[key](parameters[key])
            if number is not None:
                maxima[key] = (parameters[key], number)
    exemptions = _exemptions(parameters)
    msgs: set = set()
    for _, container in _containers(review, _NOT_EPHEMERAL):
        if exemptions and _is_exempt(container, exemptions):
            continue
        name = container["name"]
        parsed = _quantities(msgs, name, _get(container, "resources"), section, keys)
        for key, (quantity, number) in parsed.items():
            if key in maxima and number > maxima[key][1]:
                msgs.add(f"container <{name}> {key} {noun} <{_v(quantity)}> is higher than the maximum "
                         f"allowed of <{_v(maxima[key][0])}>")
    return list(msgs)


def _invalid_images(review: dict, allowed, noun: str, allowed_text: str) -> list[str]:
    """A message for each container whose string image `allowed(image)` refuses."""
    msgs = set()
    for label, container in _containers(review):
        image = container.get("image")
        if isinstance(image, str) and not allowed(image):
            msgs.add(f"{label} <{container['name']}> has an invalid {noun} <{image}>, {allowed_text}")
    return list(msgs)


# --- the templates ----------------------------------------------------------------------


def k8sallowedrepos(review: dict, parameters: dict) -> list[str]:
    """Images must start with one of `repos`."""
    repos = parameters.get("repos", _UNDEFINED)
    if repos is _UNDEFINED:
        return []
    prefixes = tuple(_items(repos))
    return _invalid_images(review, lambda image: image.startswith(prefixes),
                           "image repo", f"allowed repos are {_v(repos)}")


def k8sallowedreposv2(review: dict, parameters: dict) -> list[str]:
    """Images must equal an `allowedImages` entry, or start with one ending in `*`."""
    allowed = parameters.get("allowedImages", _UNDEFINED)
    if allowed is _UNDEFINED:
        return []
    exact = {image for image in _items(allowed) if not image.endswith("*")}
    prefixes = tuple(image[:-1] for image in _items(allowed) if image.endswith("*"))
    return _invalid_images(review, lambda image: image in exact or image.startswith(prefixes),
                           "image", f"allowed images are {_v(allowed)}")


def k8scontainerephemeralstoragelimit(review: dict, parameters: dict) -> list[str]:
    """An ephemeral-storage limit, parseable and not above `ephemeral-storage` (not on UPDATE)."""
    if review.get("operation") == "UPDATE":
        return []
    return _maximums(review, parameters, "limits", ("ephemeral-storage",))


def k8scontainerlimits(review: dict, parameters: dict) -> list[str]:
    """cpu and memory limits, parseable and not above `cpu`/`memory` (cpu unchecked unless
    `cpu` is set and not "-1")."""
    cpu = parameters.get("cpu", _UNDEFINED)
    keys = ("cpu", "memory") if cpu is not _UNDEFINED and cpu != "-1" else ("memory",)
    return _maximums(review, parameters, "limits", keys)


def k8scontainerrequests(review: dict, parameters: dict) -> list[str]:
    """cpu and memory requests, parseable and not above `cpu`/`memory`."""
    return _maximums(review, parameters, "requests", ("cpu", "memory"))


def k8scontainerratios(review: dict, parameters: dict) -> list[str]:
    """cpu and memory limits and requests, with limit <= ratio * request
    (`cpuRatio` for cpu, defaulting to `ratio`)."""
    ratio = parameters.get("ratio", _UNDEFINED)
    factors = {}
    if ratio is not _UNDEFINED:
        factors["memory"] = (ratio, _to_number(ratio))
        cpu_ratio = parameters.get("cpuRatio", ratio)
        factors["cpu"] = (cpu_ratio, _to_number(cpu_ratio))
    exemptions = _exemptions(parameters)
    msgs: set = set()
    for _, container in _containers(review, _NOT_EPHEMERAL):
        if exemptions and _is_exempt(container, exemptions):
            continue
        name = container["name"]
        resources = _get(container, "resources")
        limits = _quantities(msgs, name, resources, "limits", ("cpu", "memory"))
        requests = _quantities(msgs, name, resources, "requests", ("cpu", "memory"))
        for key, (factor_text, factor) in factors.items():
            if key in limits and key in requests and factor is not None \
                    and limits[key][1] > factor * requests[key][1]:
                msgs.add(f"container <{name}> {key} limit <{_v(limits[key][0])}> is higher than the "
                         f"maximum allowed ratio of <{_v(factor_text)}>")
    return list(msgs)


def k8sdisallowinteractivetty(review: dict, parameters: dict) -> list[str]:
    """No container may set `stdin` or `tty` (to anything but false)."""
    exemptions = _exemptions(parameters)
    msgs = set()
    for _, container in _containers(review):
        image = container.get("image")
        if not isinstance(image, str) or (exemptions and _is_exempt(container, exemptions)):
            continue
        if container.get("stdin", False) is not False or container.get("tty", False) is not False:
            msgs.add(f"Containers using tty or stdin ({container['name']}) are not allowed running image: {image}")
    return list(msgs)


def k8sdisallowedrepos(review: dict, parameters: dict) -> list[str]:
    """Images must not start with any of `repos`."""
    repos = parameters.get("repos", _UNDEFINED)
    prefixes = tuple(_items(repos))
    if not prefixes:
        return []
    return _invalid_images(review, lambda image: not image.startswith(prefixes),
                           "image repo", f"disallowed repos are {_v(repos)}")


def k8sdisallowedtags(review: dict, parameters: dict) -> list[str]:
    """Images must name a tag, and not one of `tags`."""
    tags = parameters.get("tags", _UNDEFINED)
    suffixes = tuple(":" + tag for tag in _items(tags))
    exemptions = _exemptions(parameters)
    msgs = set()
    for _, container in _containers(review):
        image = container.get("image")
        if not isinstance(image, str) or (exemptions and _is_exempt(container, exemptions)):
            continue
        name = container["name"]
        if suffixes and image.endswith(suffixes):
            msgs.add(f"container <{name}> uses a disallowed tag <{image}>; disallowed tags are {_v(tags)}")
        if ":" not in image.rsplit("/", 1)[-1]:
            msgs.add(f"container <{name}> didn't specify an image tag <{image}>")
    return list(msgs)


def k8simagedigests(review: dict, parameters: dict) -> list[str]:
    """Images must carry a digest (`@algorithm:hex`)."""
    exemptions = _exemptions(parameters)
    msgs = set()
    for label, container in _containers(review):
        image = container.get("image")
        if not isinstance(image, str) or (exemptions and _is_exempt(container, exemptions)):
            continue
        if not _DIGEST.search(image):
            msgs.add(f"{label} <{container['name']}> uses an image without a digest <{image}>")
    return list(msgs)


def k8spspautomountserviceaccounttokenpod(review: dict, parameters: dict) -> list[str]:
    """`automountServiceAccountToken: true`, or unset with a container mounting the token
    path (not on UPDATE)."""
    if review.get("operation") == "UPDATE":
        return []
    obj = review["object"]
    spec = _get(obj, "spec")
    name = _get(_get(obj, "metadata"), "name")
    if not isinstance(spec, dict) or name is _UNDEFINED:
        return []
    automount = spec.get("automountServiceAccountToken", _UNDEFINED)
    if automount is True or (automount is _UNDEFINED and any(
        _get(mount, "mountPath") == _SERVICE_ACCOUNT_PATH
        for field in ("containers", "initContainers")
        for container in _items(spec.get(field))
        for mount in _items(_get(container, "volumeMounts"))
    )):
        return [f"Automounting service account token is disallowed, pod: {_v(name)}"]
    return []


def k8srequiredlabels(review: dict, parameters: dict) -> list[str]:
    """Every `labels[].key` is set, its value matching `allowedRegex` when one is given;
    `message` replaces the default messages."""
    labels = _get(_get(review["object"], "metadata"), "labels")
    if not isinstance(labels, dict):
        labels = {}
    expected = [e for e in _items(parameters.get("labels", ())) if isinstance(e, dict)]
    custom = parameters.get("message", False)

    msgs = []
    provided = {key for key, value in labels.items() if value is not False}
    missing = {e["key"] for e in expected if "key" in e} - provided
    if missing:
        msgs.append(f"you must provide labels: {_text(missing)}" if custom is False else custom)
    mismatches = set()
    for e in expected:
        key, pattern = e.get("key"), e.get("allowedRegex", "")
        if isinstance(key, str) and key in labels and pattern != "" and not _regex_match(pattern, labels[key]):
            mismatches.add(f"Label <{key}: {_v(labels[key])}> does not satisfy allowed regex: {_v(pattern)}"
                           if custom is False else custom)
    return msgs + list(mismatches)  # the first has `details`: a distinct violation even if the text repeats


def k8srequiredprobes(review: dict, parameters: dict) -> list[str]:
    """Each container has each of `probes`, with at least one of `probeTypes` set (not on UPDATE)."""
    if review.get("operation") == "UPDATE":
        return []
    pod = _get(_get(review["object"], "metadata"), "name")
    if pod is _UNDEFINED:
        return []
    kind = review["kind"]["kind"]
    probe_types = set(_items(parameters.get("probeTypes", ())))
    probes = list(_items(parameters.get("probes", ())))
    msgs = set()
    for _, container in _containers(review, _CONTAINERS):
        for probe in probes:
            handler = container.get(probe, False)
            if handler is False or not (
                isinstance(handler, dict) and any(handler.get(t, False) is not False for t in probe_types)
            ):
                msgs.add(f"Container <{container['name']}> in your <{kind}> <{_v(pod)}> has no <{probe}>")
    return list(msgs)


def k8srequiredresources(review: dict, parameters: dict) -> list[str]:
    """Each container sets the resource `limits` and `requests` listed in the parameters."""
    required = {section: set(_items(parameters.get(section, ()))) for section in ("limits", "requests")}
    if not (required["limits"] or required["requests"]):
        return []
    exemptions = _exemptions(parameters)
    msgs = set()
    for _, container in _containers(review, _NOT_EPHEMERAL):
        if exemptions and _is_exempt(container, exemptions):
            continue
        resources = _get(container, "resources")
        for section, keys in required.items():
            values = _get(resources, section)
            if not isinstance(values, dict):
                values = {}
            missing = {key for key in keys if values.get(key, False) is False}
            if missing:
                msgs.add(f"container <{container['name']}> does not have <{_text(missing)}> {section} defined")
    return list(msgs)


def k8suniqueserviceselector(review: dict, parameters: dict, inventory: dict | None = None) -> list[str]:
    """A v1 Service's selector must differ from every other Service's in `data.inventory`
    (`inventory`, empty by default as in a client without one)."""
    kind = review["kind"]
    if kind.get("kind") != "Service" or kind.get("version") != "v1" or kind.get("group") != "":
        return []
    selector = _flat_selector(review["object"])
    namespaces = _get(inventory, "namespace")
    msgs = set()
    for namespace, by_version in (namespaces.items() if isinstance(namespaces, dict) else ()):
        for by_kind in _items(by_version):
            services = _get(by_kind, "Service")
            for name, other in (services.items() if isinstance(services, dict) else ()):
                if not _same_object(other, review) and _flat_selector(other) == selector:
                    msgs.add(f"same selector as service <{name}> in namespace <{namespace}>")
    return list(msgs)


def _flat_selector(obj) -> str:
    """flatten_selector: the sorted `key:value` pairs of `spec.selector`, comma-joined."""
    selector = _get(_get(obj, "spec"), "selector")
    pairs = selector.items() if isinstance(selector, dict) else ()
    return ",".join(sorted(f"{key}:{value}" for key, value in pairs))


def _same_object(obj, review: dict) -> bool:
    """identical(obj, review): same namespace, name, kind and apiVersion (false when the
    review has no namespace or name, as Rego's comparison is then undefined)."""
    kind = review["kind"]
    api_version = f"{kind['group']}/{kind['version']}" if kind["group"] != "" else kind["version"]
    metadata = _get(obj, "metadata")
    return (
        "namespace" in review and _get(metadata, "namespace") == review["namespace"]
        and "name" in review and _get(metadata, "name") == review["name"]
        and _get(obj, "kind") == kind["kind"]
        and _get(obj, "apiVersion") == api_version
    )


HANDWRITTEN = {
    "K8sAllowedRepos": k8sallowedrepos,
    "K8sAllowedReposv2": k8sallowedreposv2,
    "K8sContainerEphemeralStorageLimit": k8scontainerephemeralstoragelimit,
    "K8sContainerLimits": k8scontainerlimits,
    "K8sContainerRatios": k8scontainerratios,
    "K8sContainerRequests": k8scontainerrequests,
    "K8sDisallowInteractiveTTY": k8sdisallowinteractivetty,
    "K8sDisallowedRepos": k8sdisallowedrepos,
    "K8sDisallowedTags": k8sdisallowedtags,
    "K8sImageDigests": k8simagedigests,
    "K8sPSPAutomountServiceAccountTokenPod": k8spspautomountserviceaccounttokenpod,
    "K8sRequiredLabels": k8srequiredlabels,
    "K8sRequiredProbes": k8srequiredprobes,
    "K8sRequiredResources": k8srequiredresources,
    "K8sUniqueServiceSelector": k8suniqueserviceselector,
}
