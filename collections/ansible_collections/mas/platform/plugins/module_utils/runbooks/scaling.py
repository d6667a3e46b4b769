# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scaling: the decision as a pure function, and the Kubernetes objects it acts on.

``decide()`` takes the seed's trigger (metric, comparison, threshold), its step and
cooldown, when the target was last scaled, the target's current value and its bounds, and
returns ``{action: scale|hold, reason, new_value, ...}``. It reads no clock and no API:
every case is a unit test.

``ScalingTarget`` reads and patches the value a trigger moves on a Kubernetes object:

- ``min_replicas`` of a HorizontalPodAutoscaler (the task executors: the runbook raises
  the HPA's floor and never writes replicas the HPA owns);
- ``replicas`` of a Deployment or StatefulSet that no HPA scales;
- ``memory_limit`` of one container of a Deployment or StatefulSet.

The time of the last scaling is recorded on the object itself, in the annotation
``mas.platform/last-scaled-<trigger>``, so that a cooldown survives between runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import math
import os
import re
import time
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import replicas_of
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    describe_memory,
    GIB,
    MIB,
    parse_quantity,
    QuantityError,
)

try:
    # The library's parts as the k8s package imports them (k8s/library.py); a name missing
    # here means the library is missing.
    from ansible_collections.mas.platform.plugins.module_utils.k8s.client import (
        ApiException,
        ConfigException,
        DynamicApiError,
        DynamicClient,
        k8s_client,
        k8s_config,
        NotFoundError,
        ResourceNotFoundError,
    )

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised only without the kubernetes library
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()


COMPARISONS = {
    ">": lambda value, threshold: value > threshold,
    ">=": lambda value, threshold: value >= threshold,
    "<": lambda value, threshold: value < threshold,
    "<=": lambda value, threshold: value <= threshold,
}

ANNOTATION_PREFIX = "mas.platform/last-scaled-"
_TRIGGER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class DecisionError(PlatformError):
    """An input of the decision that cannot be used; the message names it."""


def _number(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DecisionError("%s: expected a number, got %r" % (name, value))
    if math.isnan(value) or math.isinf(value):
        raise DecisionError("%s: expected a finite number, got %r" % (name, value))
    return value


def decide(metric_value, threshold, comparison, step, cooldown, last_scaled, now, current,
           ceilings=None, floor=None, describe=str):
    """The scaling decision of one trigger.

    metric_value, threshold: the trigger fires when ``metric_value <comparison> threshold``.
    step: added to ``current`` (negative to scale down).
    cooldown: seconds after ``last_scaled`` (epoch seconds, None when never) during which
      nothing changes.
    ceilings: {name: value} upper bounds (None values are ignored); the lowest binds.
    floor: the lower bound for a negative step.
    describe: formats values for the reason (memory reads better as "40Gi").

    Returns {action: "scale"|"hold", reason, current_value, new_value, cooldown_remaining,
    bound}: ``new_value`` equals ``current_value`` when holding. Raises DecisionError for
    an input it cannot use.
    """
    metric_value = _number("metric_value", metric_value)
    threshold = _number("threshold", threshold)
    if comparison not in COMPARISONS:
        raise DecisionError("comparison: expected one of %s, got %r" % (", ".join(sorted(COMPARISONS)), comparison))
    step = _number("step", step)
    if step == 0:
        raise DecisionError("step: must not be 0")
    cooldown = _number("cooldown", cooldown)
    if cooldown < 0:
        raise DecisionError("cooldown: must not be negative, got %r" % (cooldown,))
    last_scaled = _number("last_scaled", last_scaled, allow_none=True)
    now = _number("now", now)
    current = _number("current", current)
    bounds = {}
    for name, value in sorted((ceilings or {}).items()):
        if value is not None:
            bounds[name] = _number("ceiling %s" % name, value)
    floor = _number("floor", floor, allow_none=True)
    if step > 0 and not bounds:
        raise DecisionError("ceilings: scaling up needs at least one ceiling (the capacity the preflight allows)")

    result = dict(action="hold", current_value=current, new_value=current, cooldown_remaining=0, bound=None)
    trigger = "%s %s %s" % (_show(metric_value), comparison, _show(threshold))
    if not COMPARISONS[comparison](metric_value, threshold):
        result["reason"] = "not triggered: %s is false" % trigger
        return result
    if last_scaled is not None:
        remaining = last_scaled + cooldown - now
        if remaining > 0:
            result["cooldown_remaining"] = int(math.ceil(remaining))
            result["reason"] = ("in cooldown: last scaled %ds ago, cooldown %ds, %ds left (%s)"
                                % (max(now - last_scaled, 0), cooldown, result["cooldown_remaining"], trigger))
            return result
    if step > 0:
        name, limit = min(bounds.items(), key=lambda item: (item[1], item[0]))
        result["bound"] = name
        if current >= limit:
            result["reason"] = ("at ceiling: %s is at or above %s %s; not scaling past it (%s)"
                                % (describe(current), name, describe(limit), trigger))
            return result
        wanted = current + step
        new_value = min(wanted, limit)
        clipped = " (step clipped to %s %s)" % (name, describe(limit)) if new_value < wanted else ""
    else:
        if floor is not None and current <= floor:
            result["bound"] = "floor"
            result["reason"] = ("at floor: %s is at or below the floor %s (%s)"
                                % (describe(current), describe(floor), trigger))
            return result
        wanted = current + step
        new_value = wanted if floor is None else max(wanted, floor)
        clipped = " (step clipped to the floor %s)" % describe(floor) if new_value != wanted else ""
        result["bound"] = "floor" if clipped else None
    result.update(action="scale", new_value=new_value,
                  reason="%s: %s -> %s%s" % (trigger, describe(current), describe(new_value), clipped))
    return result


def _show(value):
    return ("%d" % value) if float(value).is_integer() else ("%.4g" % value)


# -- the cooldown annotation -------------------------------------------------------------

def annotation_key(trigger):
    if not isinstance(trigger, str) or not _TRIGGER_NAME.match(trigger) or len(trigger) > 51:
        raise PlatformError("trigger: %r must be lower-case letters, digits and '-' (at most 51 characters), "
                            "as it names the annotation %s<trigger>" % (trigger, ANNOTATION_PREFIX))
    return ANNOTATION_PREFIX + trigger


def format_timestamp(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def parse_timestamp(text, key):
    """The annotation's value: RFC 3339 UTC as written by format_timestamp."""
    if text is None:
        return None
    try:
        return calendar.timegm(time.strptime(text.strip(), "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, AttributeError):
        raise PlatformError("annotation %s: %r is not a time like 2026-01-31T12:00:00Z; fix or remove it"
                            % (key, text))


# -- values of the fields ----------------------------------------------------------------

def parse_field_value(field, value, key):
    """An input (step, max_value) in the unit of the field: replicas are integers,
    memory is bytes (a Kubernetes quantity such as 8Gi)."""
    if field == "memory_limit":
        try:
            return int(parse_quantity(value))
        except QuantityError as exc:
            raise PlatformError("%s: %s" % (key, exc))
    if isinstance(value, bool):
        raise PlatformError("%s: expected a whole number of replicas, got %r" % (key, value))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PlatformError("%s: expected a whole number of replicas, got %r" % (key, value))
    return number


def format_memory_quantity(num_bytes):
    """Bytes as the quantity written to the limit: Gi or Mi when whole, else bytes."""
    num_bytes = int(num_bytes)
    if num_bytes % GIB == 0:
        return "%dGi" % (num_bytes // GIB)
    if num_bytes % MIB == 0:
        return "%dMi" % (num_bytes // MIB)
    return str(num_bytes)


def describer(field):
    return describe_memory if field == "memory_limit" else _show


# -- Kubernetes ------------------------------------------------------------------------------

KUBERNETES_ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG", "KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
)

TARGET_SPEC = dict(
    kind=dict(type="str", required=True, choices=["HorizontalPodAutoscaler", "Deployment", "StatefulSet"]),
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    field=dict(type="str", choices=["min_replicas", "replicas", "memory_limit"]),
    container=dict(type="str"),
)

_API_VERSIONS = {"HorizontalPodAutoscaler": "autoscaling/v2", "Deployment": "apps/v1", "StatefulSet": "apps/v1"}


def target_field(target):
    """The field a target moves: the HPA's floor, or replicas / a container's memory limit."""
    kind, field = target["kind"], target.get("field")
    if kind == "HorizontalPodAutoscaler":
        field = field or "min_replicas"
        if field != "min_replicas":
            raise PlatformError("target.field: a HorizontalPodAutoscaler scales through min_replicas, not %s" % field)
        return field
    field = field or ("memory_limit" if target.get("container") else "replicas")
    if field == "min_replicas":
        raise PlatformError("target.field: min_replicas belongs to a HorizontalPodAutoscaler, not a %s" % kind)
    if field == "memory_limit" and not target.get("container"):
        raise PlatformError("target.container: required to scale the memory limit of %s %s" % (kind, target["name"]))
    return field


def kubernetes_client(params):
    """A dynamic client from the kubeconfig; errors name the file or the API server."""
    path = params.get("kubeconfig")
    if path and not os.path.isfile(path):
        raise PlatformError("kubeconfig: %s does not exist (is the cluster up?)" % path)
    try:
        configuration = k8s_client.Configuration()
        k8s_config.load_kube_config(config_file=path, context=params.get("context"),
                                    client_configuration=configuration)
        api = k8s_client.ApiClient(configuration)
        return DynamicClient(api), configuration.host
    except (ConfigException, OSError, TypeError) as exc:
        raise PlatformError("kubeconfig: cannot load %s: %s" % (path or "the default kubeconfig", exc))
    except Exception as exc:  # pylint: disable=broad-except
        # DynamicClient reads the API's discovery document at once: connection errors land here.
        host = getattr(locals().get("configuration"), "host", None) or "the Kubernetes API"
        raise EndpointError(host, "unreachable (%s)" % _short(exc))


def _short(exc):
    text = " ".join(str(exc).split())
    return text[:300]


class ScalingTarget:
    """The object a trigger scales: read its value, bounds and cooldown; patch it."""

    def __init__(self, dynamic, host, target, trigger):
        self.dynamic = dynamic
        self.host = host
        self.kind = target["kind"]
        self.name = target["name"]
        self.namespace = target["namespace"]
        self.container = target.get("container")
        self.field = target_field(target)
        self.annotation = annotation_key(trigger)
        self.resource = self._call("find the %s API" % self.kind,
                                   lambda: dynamic.resources.get(api_version=_API_VERSIONS[self.kind], kind=self.kind))
        self.obj = None

    @property
    def ref(self):
        return "%s %s/%s" % (self.kind, self.namespace, self.name)

    def _call(self, operation, call):
        try:
            return call()
        except NotFoundError:
            raise PlatformError("%s not found (cannot %s)" % (self.ref, operation), endpoint=self.host)
        except ResourceNotFoundError:
            served = "%s %s" % (_API_VERSIONS[self.kind], self.kind)
            raise PlatformError("the Kubernetes API at %s does not serve %s" % (self.host, served), endpoint=self.host)
        except (DynamicApiError, ApiException) as exc:
            status = getattr(exc, "status", None)
            reason = _short(getattr(exc, "summary", lambda: None)() or getattr(exc, "reason", exc))
            if status == 401:
                raise PlatformError("bad credentials for the Kubernetes API at %s" % self.host, endpoint=self.host)
            if status == 403:
                raise PlatformError("permission denied: cannot %s %s at %s: %s" % (operation, self.ref, self.host, reason),
                                    endpoint=self.host)
            if status == 409:
                raise PlatformError("%s changed while it was being scaled; run again" % self.ref, endpoint=self.host)
            raise EndpointError(self.host, "cannot %s %s: HTTP %s: %s" % (operation, self.ref, status, reason))
        except Exception as exc:  # pylint: disable=broad-except
            raise EndpointError(self.host, "unreachable while trying to %s %s (%s)" % (operation, self.ref, _short(exc)))

    def read(self):
        self.obj = self._call("read", lambda: self.resource.get(name=self.name, namespace=self.namespace)).to_dict()
        return self.obj

    def current_value(self):
        spec = self.obj.get("spec") or {}
        if self.field == "min_replicas":
            return int(spec.get("minReplicas") or 1)
        if self.field == "replicas":
            return replicas_of(self.obj)
        container = self._container()
        limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
        if limit is None:
            raise PlatformError("%s: container %s has no memory limit to raise" % (self.ref, self.container))
        try:
            return int(parse_quantity(limit))
        except QuantityError as exc:
            raise PlatformError("%s: container %s memory limit: %s" % (self.ref, self.container, exc))

    def object_ceilings(self):
        """Bounds the object itself sets: an HPA's floor may not pass its maxReplicas."""
        if self.field == "min_replicas":
            return {"the HPA's maxReplicas": int((self.obj.get("spec") or {}).get("maxReplicas"))}
        return {}

    def last_scaled(self):
        annotations = (self.obj.get("metadata") or {}).get("annotations") or {}
        return parse_timestamp(annotations.get(self.annotation), self.annotation)

    def _container(self):
        containers = ((((self.obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or [])
        for container in containers:
            if container.get("name") == self.container:
                return container
        raise PlatformError("target.container: %s has no container %r (it has: %s)"
                            % (self.ref, self.container, ", ".join(c.get("name", "?") for c in containers) or "none"))

    def hpa_owner(self, dynamic):
        """The HPA that scales this Deployment/StatefulSet, if any (its replicas are not ours)."""
        if self.field != "replicas":
            return None
        hpas = self._call("list the HorizontalPodAutoscalers of the namespace of", lambda: dynamic.resources.get(
            api_version="autoscaling/v2", kind="HorizontalPodAutoscaler").get(namespace=self.namespace)).to_dict()
        for hpa in hpas.get("items") or []:
            ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            if ref.get("kind") == self.kind and ref.get("name") == self.name:
                return hpa["metadata"]["name"]
        return None

    def formatted(self, value):
        return format_memory_quantity(value) if self.field == "memory_limit" else int(value)

    def patch(self, new_value, now):
        """Write the new value and the cooldown annotation in one patch; the resourceVersion
        makes it fail rather than overwrite a change made since the read."""
        metadata = {"annotations": {self.annotation: format_timestamp(now)},
                    "resourceVersion": self.obj["metadata"]["resourceVersion"]}
        if self.field == "min_replicas":
            body, content_type = {"metadata": metadata, "spec": {"minReplicas": int(new_value)}}, \
                "application/merge-patch+json"
        elif self.field == "replicas":
            body, content_type = {"metadata": metadata, "spec": {"replicas": int(new_value)}}, \
                "application/merge-patch+json"
        else:
            container = {"name": self.container, "resources": {"limits": {"memory": self.formatted(new_value)}}}
            body, content_type = {"metadata": metadata, "spec": {"template": {"spec": {"containers": [container]}}}}, \
                "application/strategic-merge-patch+json"
        self._call("patch", lambda: self.resource.patch(body=body, name=self.name, namespace=self.namespace,
                                                        content_type=content_type))
        return self.read()
