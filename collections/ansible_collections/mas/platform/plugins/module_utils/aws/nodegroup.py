# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS managed node groups, in the shape of aws/eks.py: a view, the desired view from the
module's options, the changes between them, and ensure_nodegroup."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.aws.common import tag_changes, wait_update, wait_until_status
from ansible_collections.mas.platform.plugins.module_utils.base import (
    diff_result,
    PlatformError,
)

TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
}


# ---------------------------------------------------------------------------
# Managed node groups

NODEGROUP_IMMUTABLE = (
    ("node_role_arn", "the node IAM role"),
    ("subnet_ids", "the subnets"),
    ("instance_types", "the instance types"),
    ("ami_type", "the AMI type"),
    ("capacity_type", "the capacity type"),
    ("disk_size", "the disk size"),
)


def api_taints(taints):
    """Taints in the spec's Kubernetes vocabulary (NoSchedule) -> EKS's (NO_SCHEDULE), sorted."""
    result = []
    for index, taint in enumerate(taints or []):
        effect = taint.get("effect") or "NoSchedule"
        effect = TAINT_EFFECTS.get(effect, effect)
        if effect not in TAINT_EFFECTS.values():
            raise PlatformError("taints[%d].effect: %r is not one of %s" % (
                index, taint.get("effect"), ", ".join(sorted(TAINT_EFFECTS))))
        if not taint.get("key"):
            raise PlatformError("taints[%d].key: a taint needs a key" % index)
        item = dict(key=taint["key"], effect=effect)
        if taint.get("value") not in (None, ""):
            item["value"] = str(taint["value"])
        result.append(item)
    return sorted(result, key=lambda t: (t["key"], t["effect"]))


def nodegroup_desired(params):
    template = params.get("launch_template")
    view = dict(
        node_role_arn=params["node_role_arn"],
        subnet_ids=sorted(params["subnet_ids"] or []),
        instance_types=list(params["instance_types"] or []),
        ami_type=params["ami_type"],
        capacity_type=params["capacity_type"],
        disk_size=None if template else params["disk_size"],
        min_size=params["min_size"],
        max_size=params["max_size"],
        labels=dict((k, str(v)) for k, v in (params["labels"] or {}).items()),
        taints=api_taints(params["taints"]),
        update_config=_update_config(params.get("update_config")),
        launch_template=_template_ref(template),
        tags=params["tags"] or {},
    )
    if view["min_size"] > view["max_size"]:
        raise PlatformError("min_size: %s is larger than max_size %s" % (view["min_size"], view["max_size"]))
    return view


def _update_config(config):
    config = config or {}
    if config.get("max_unavailable_percentage"):
        return dict(maxUnavailablePercentage=config["max_unavailable_percentage"])
    if config.get("max_unavailable"):
        return dict(maxUnavailable=config["max_unavailable"])
    return None


def _template_ref(template):
    if not template:
        return None
    ref = dict((k, str(template[k])) for k in ("id", "name", "version") if template.get(k) not in (None, ""))
    return ref


def nodegroup_view(group):
    if not group:
        return None
    scaling = group.get("scalingConfig") or {}
    template = group.get("launchTemplate")
    return dict(
        node_role_arn=group.get("nodeRole"),
        subnet_ids=sorted(group.get("subnets") or []),
        instance_types=list(group.get("instanceTypes") or []),
        ami_type=group.get("amiType"),
        capacity_type=group.get("capacityType"),
        disk_size=None if template else group.get("diskSize"),
        min_size=scaling.get("minSize"),
        max_size=scaling.get("maxSize"),
        desired_size=scaling.get("desiredSize"),
        labels=group.get("labels") or {},
        taints=sorted(group.get("taints") or [], key=lambda t: (t["key"], t["effect"])),
        update_config=group.get("updateConfig"),
        launch_template=dict((k, str(v)) for k, v in template.items()) if template else None,
        tags=group.get("tags") or {},
        version=group.get("version"),
        release_version=group.get("releaseVersion"),
    )


def nodegroup_changes(current, desired, name, purge_tags=False):
    """(config request, launch template request, tags to set, tags to remove)."""
    for key, what in NODEGROUP_IMMUTABLE:
        if desired[key] is not None and current[key] is not None and current[key] != desired[key]:
            raise PlatformError("%s: %s of node group %s cannot change (it is %s, the spec asks for %s); create "
                                "a node group with a new name and delete this one" % (
                                    key, what, name, current[key], desired[key]))
    config = {}
    if (current["min_size"], current["max_size"]) != (desired["min_size"], desired["max_size"]):
        # The desired size belongs to the autoscaler once the group exists: keep it,
        # only moved into the new bounds.
        size = min(max(current["desired_size"] or desired["min_size"], desired["min_size"]), desired["max_size"])
        config["scalingConfig"] = dict(minSize=desired["min_size"], maxSize=desired["max_size"], desiredSize=size)
    labels = {}
    add = dict((k, v) for k, v in desired["labels"].items() if current["labels"].get(k) != v)
    remove = sorted(k for k in current["labels"] if k not in desired["labels"])
    if add:
        labels["addOrUpdateLabels"] = add
    if remove:
        labels["removeLabels"] = remove
    if labels:
        config["labels"] = labels
    taints = {}
    wanted = dict(((t["key"], t["effect"]), t) for t in desired["taints"])
    have = dict(((t["key"], t["effect"]), t) for t in current["taints"])
    add = [t for k, t in sorted(wanted.items()) if have.get(k) != t]
    remove = [t for k, t in sorted(have.items()) if k not in wanted]
    if add:
        taints["addOrUpdateTaints"] = add
    if remove:
        taints["removeTaints"] = remove
    if taints:
        config["taints"] = taints
    if desired["update_config"] and current["update_config"] is not None:
        if _normal_update_config(current["update_config"]) != desired["update_config"]:
            config["updateConfig"] = desired["update_config"]
    template = None
    if desired["launch_template"] and current["launch_template"]:
        wanted_version = desired["launch_template"].get("version")
        if wanted_version and current["launch_template"].get("version") != wanted_version:
            template = dict((k, v) for k, v in current["launch_template"].items() if k in ("id", "name"))
            template["version"] = wanted_version
    elif bool(desired["launch_template"]) != bool(current["launch_template"]):
        raise PlatformError("launch_template: node group %s was created %s a launch template; create a node group "
                            "with a new name to change that" % (name, "with" if current["launch_template"]
                                                                else "without"))
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], purge_tags)
    return config, template, to_set, to_remove


def _normal_update_config(config):
    return dict((k, v) for k, v in (config or {}).items() if v)


def create_nodegroup_request(params, desired):
    request = dict(
        clusterName=params["cluster_name"], nodegroupName=params["name"],
        nodeRole=desired["node_role_arn"], subnets=desired["subnet_ids"],
        scalingConfig=dict(minSize=desired["min_size"], maxSize=desired["max_size"],
                           desiredSize=params["desired_size"] if params["desired_size"] is not None
                           else desired["min_size"]),
        labels=desired["labels"], taints=desired["taints"], tags=desired["tags"],
        capacityType=desired["capacity_type"],
    )
    for key, field in (("instance_types", "instanceTypes"), ("ami_type", "amiType"), ("disk_size", "diskSize"),
                       ("update_config", "updateConfig"), ("launch_template", "launchTemplate")):
        if desired[key]:
            request[field] = desired[key]
    if params.get("version"):
        request["version"] = params["version"]
    return request


def describe_nodegroup(api, cluster, name):
    found = api.find("eks", "describe_nodegroup", "node group %s of EKS cluster %s" % (name, cluster),
                     clusterName=cluster, nodegroupName=name)
    return found["nodegroup"] if found else None


def wait_nodegroup(api, cluster, name, timeout, gone=False):
    description = "node group %s of EKS cluster %s to be %s" % (name, cluster, "deleted" if gone else "ACTIVE")
    return wait_until_status(lambda: describe_nodegroup(api, cluster, name), (None,) if gone else ("ACTIVE",),
                             ("CREATE_FAILED", "DELETE_FAILED", "DEGRADED"), timeout, description)


def nodegroup_facts(group):
    if not group:
        return {}
    facts = nodegroup_view(group)
    facts.update(name=group.get("nodegroupName"), arn=group.get("nodegroupArn"), status=group.get("status"),
                 autoscaling_groups=[g.get("name") for g in (group.get("resources") or {}).get("autoScalingGroups")
                                     or []])
    return facts


def ensure_nodegroup(module, api):
    params = module.params
    cluster, name = params["cluster_name"], params["name"]
    resource = "node group %s of EKS cluster %s" % (name, cluster)
    current = describe_nodegroup(api, cluster, name)
    if params["state"] == "absent":
        if current is None:
            return diff_result(False, {}, {}, actions=[], nodegroup={})
        if not module.check_mode:
            if current.get("status") != "DELETING":
                api.call("eks", "delete_nodegroup", resource, clusterName=cluster, nodegroupName=name)
            if params["wait"]:
                wait_nodegroup(api, cluster, name, params["wait_timeout"], gone=True)
        return diff_result(True, _comparable(nodegroup_view(current)), {}, actions=["delete"],
                           nodegroup=nodegroup_facts(current))
    desired = nodegroup_desired(params)
    if current is None:
        if module.check_mode:
            return diff_result(True, {}, desired, actions=["create"], nodegroup={})
        api.call("eks", "create_nodegroup", resource, **create_nodegroup_request(params, desired))
        current = (wait_nodegroup(api, cluster, name, params["wait_timeout"]) if params["wait"]
                   else describe_nodegroup(api, cluster, name))
        return diff_result(True, {}, _comparable(nodegroup_view(current)), actions=["create"],
                           nodegroup=nodegroup_facts(current))
    before = nodegroup_view(current)
    config, template, to_set, to_remove = nodegroup_changes(before, desired, name, params["purge_tags"])
    actions = sorted(config) + (["launch_template"] if template else []) + (["tags"] if to_set or to_remove else [])
    if not actions or module.check_mode:
        after = _comparable(before)
        if actions:
            after = _comparable(dict(before, **dict((k, desired[k]) for k in desired if k != "update_config")))
        return diff_result(bool(actions), _comparable(before), after, actions=actions,
                           nodegroup=nodegroup_facts(current))
    if current.get("status") != "ACTIVE":
        wait_nodegroup(api, cluster, name, params["wait_timeout"])
    if config:
        update = api.call("eks", "update_nodegroup_config", resource, clusterName=cluster, nodegroupName=name,
                          **config).get("update")
        wait_update(api, cluster, update, params["wait_timeout"], "configuration update of %s" % resource,
                    nodegroup=name)
    if template:
        update = api.call("eks", "update_nodegroup_version", resource, clusterName=cluster, nodegroupName=name,
                          launchTemplate=template).get("update")
        wait_update(api, cluster, update, params["wait_timeout"], "launch template update of %s" % resource,
                    nodegroup=name)
    if to_set:
        api.call("eks", "tag_resource", resource, resourceArn=current["nodegroupArn"], tags=to_set)
    if to_remove:
        api.call("eks", "untag_resource", resource, resourceArn=current["nodegroupArn"], tagKeys=to_remove)
    current = describe_nodegroup(api, cluster, name)
    return diff_result(True, _comparable(before), _comparable(nodegroup_view(current)), actions=actions,
                       nodegroup=nodegroup_facts(current))


def _comparable(view):
    """A view without the fields that the autoscaler and EKS move on their own."""
    return dict((k, v) for k, v in (view or {}).items() if k not in ("desired_size", "release_version"))
