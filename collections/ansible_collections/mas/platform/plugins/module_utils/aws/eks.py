# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS: clusters, add-ons and version upgrades.

Each resource has a *view*: the comparable part of what EKS reports, in the module's
own vocabulary. ``*_desired`` builds the same view from the module's options, and the
``*_changes`` functions compare the two and return the API updates to make, so that
the decisions are pure functions with unit tests; the ``ensure_*`` functions read,
compare, return early in check mode, write, wait and re-read.

A field that EKS does not report is not compared: EKS reports every field these
modules manage, so this only matters against API emulators, which report less (see
docs/aws.md), and it keeps a second run from "changing" what it cannot see."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mas.platform.plugins.module_utils.aws.common import (
    minor_version,
    tag_changes,
    version_key,
    wait_until_status,
    wait_update,
)
from ansible_collections.mas.platform.plugins.module_utils.aws.nodegroup import describe_nodegroup
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, diff_result

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


# ---------------------------------------------------------------------------
# Clusters

def cluster_desired(params):
    """The view of the cluster that the options ask for."""
    return dict(
        role_arn=params["role_arn"],
        subnet_ids=sorted(params["subnet_ids"] or []),
        security_group_ids=sorted(params["security_group_ids"] or []),
        endpoint_private_access=params["endpoint_private_access"],
        endpoint_public_access=params["endpoint_public_access"],
        public_access_cidrs=sorted(params["public_access_cidrs"]) if params["endpoint_public_access"] else None,
        logging=sorted(params["logging"] or []),
        authentication_mode=params["authentication_mode"],
        tags=params["tags"] or {},
    )


def cluster_view(cluster):
    """The comparable part of a DescribeCluster ``cluster`` (None when absent)."""
    if not cluster:
        return None
    vpc = cluster.get("resourcesVpcConfig") or {}
    enabled = set()
    for entry in (cluster.get("logging") or {}).get("clusterLogging") or []:
        if entry.get("enabled"):
            enabled.update(entry.get("types") or [])
    public = vpc.get("endpointPublicAccess")
    return dict(
        role_arn=cluster.get("roleArn"),
        subnet_ids=sorted(vpc.get("subnetIds") or []),
        security_group_ids=sorted(vpc.get("securityGroupIds") or []),
        endpoint_private_access=vpc.get("endpointPrivateAccess"),
        endpoint_public_access=public,
        public_access_cidrs=sorted(vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]) if public else None,
        logging=sorted(enabled),
        authentication_mode=(cluster.get("accessConfig") or {}).get("authenticationMode"),
        tags=cluster.get("tags") or {},
    )


def cluster_changes(current, desired, purge_tags=False):
    """The UpdateClusterConfig requests (in order) and tag changes from current to desired.

    Returns (updates, tags_to_set, tags_to_remove); each update is (what, request)."""
    if current["role_arn"] != desired["role_arn"]:
        raise PlatformError("role_arn: the IAM role of an existing cluster cannot change (it is %s, the spec "
                            "asks for %s); recreate the cluster to change it"
                            % (current["role_arn"], desired["role_arn"]))
    updates = []
    if (current["subnet_ids"], current["security_group_ids"]) != (desired["subnet_ids"],
                                                                  desired["security_group_ids"]):
        updates.append(("subnets", dict(resourcesVpcConfig=dict(subnetIds=desired["subnet_ids"],
                                                                securityGroupIds=desired["security_group_ids"]))))
    access_keys = ("endpoint_private_access", "endpoint_public_access", "public_access_cidrs")
    if any(current[k] != desired[k] for k in access_keys):
        vpc = dict(endpointPrivateAccess=desired["endpoint_private_access"],
                   endpointPublicAccess=desired["endpoint_public_access"])
        if desired["endpoint_public_access"]:
            vpc["publicAccessCidrs"] = desired["public_access_cidrs"]
        updates.append(("endpoint_access", dict(resourcesVpcConfig=vpc)))
    if current["logging"] != desired["logging"]:
        updates.append(("logging", dict(logging=logging_config(desired["logging"]))))
    mode = current["authentication_mode"]
    if mode is not None and mode != desired["authentication_mode"]:
        updates.append(("authentication_mode",
                        dict(accessConfig=dict(authenticationMode=desired["authentication_mode"]))))
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], purge_tags)
    return updates, to_set, to_remove


def logging_config(enabled):
    config = [dict(types=sorted(enabled), enabled=True)] if enabled else []
    disabled = sorted(set(LOG_TYPES) - set(enabled))
    if disabled:
        config.append(dict(types=disabled, enabled=False))
    return dict(clusterLogging=config)


def create_cluster_request(name, version, desired, secrets_kms_key_arn=None):
    vpc = dict(subnetIds=desired["subnet_ids"], securityGroupIds=desired["security_group_ids"],
               endpointPrivateAccess=desired["endpoint_private_access"],
               endpointPublicAccess=desired["endpoint_public_access"])
    if desired["endpoint_public_access"]:
        vpc["publicAccessCidrs"] = desired["public_access_cidrs"]
    request = dict(
        name=name, version=version, roleArn=desired["role_arn"], resourcesVpcConfig=vpc,
        logging=logging_config(desired["logging"]),
        accessConfig=dict(authenticationMode=desired["authentication_mode"],
                          bootstrapClusterCreatorAdminPermissions=True),
        tags=desired["tags"],
    )
    if secrets_kms_key_arn:
        request["encryptionConfig"] = [dict(resources=["secrets"], provider=dict(keyArn=secrets_kms_key_arn))]
    return request


def cluster_facts(cluster):
    """What later tasks need about a cluster (kubeconfig, OIDC provider, node groups)."""
    if not cluster:
        return {}
    vpc = cluster.get("resourcesVpcConfig") or {}
    return dict(
        name=cluster.get("name"),
        arn=cluster.get("arn"),
        status=cluster.get("status"),
        version=cluster.get("version"),
        platform_version=cluster.get("platformVersion"),
        endpoint=cluster.get("endpoint"),
        certificate_authority_data=(cluster.get("certificateAuthority") or {}).get("data"),
        oidc_issuer=((cluster.get("identity") or {}).get("oidc") or {}).get("issuer"),
        cluster_security_group_id=vpc.get("clusterSecurityGroupId"),
        vpc_id=vpc.get("vpcId"),
        subnet_ids=vpc.get("subnetIds") or [],
    )


def describe_cluster(api, name):
    found = api.find("eks", "describe_cluster", "EKS cluster %s" % name, name=name)
    return found["cluster"] if found else None


def wait_cluster(api, name, timeout, gone=False):
    description = "EKS cluster %s to be %s" % (name, "deleted" if gone else "ACTIVE")
    return wait_until_status(lambda: describe_cluster(api, name), (None,) if gone else ("ACTIVE",),
                             ("FAILED",), timeout, description)


def ensure_cluster(module, api):
    params = module.params
    name = params["name"]
    resource = "EKS cluster %s" % name
    current = describe_cluster(api, name)
    if params["state"] == "absent":
        return _delete_cluster(module, api, name, current)
    desired = cluster_desired(params)
    if current is None:
        if module.check_mode:
            return diff_result(True, {}, desired, actions=["create"], cluster={})
        api.call("eks", "create_cluster", resource,
                 **create_cluster_request(name, params["version"], desired, params["secrets_kms_key_arn"]))
        current = wait_cluster(api, name, params["wait_timeout"]) if params["wait"] else describe_cluster(api, name)
        return diff_result(True, {}, cluster_view(current), actions=["create"], cluster=cluster_facts(current))
    before = cluster_view(current)
    updates, to_set, to_remove = cluster_changes(before, desired, params["purge_tags"])
    actions = [what for what, _request in updates] + (["tags"] if to_set or to_remove else [])
    after = dict(desired, tags=_tags_after(before["tags"], to_set, to_remove))
    if before["authentication_mode"] is None:
        after["authentication_mode"] = None
    if not actions or module.check_mode:
        return diff_result(bool(actions), before, after if actions else before, actions=actions,
                           cluster=cluster_facts(current))
    if current.get("status") != "ACTIVE":
        current = wait_cluster(api, name, params["wait_timeout"])
    for what, request in updates:
        update = api.call("eks", "update_cluster_config", "%s (%s)" % (resource, what), name=name,
                          **request).get("update")
        wait_update(api, name, update, params["wait_timeout"], "update of %s of %s" % (what, resource))
    if to_set:
        api.call("eks", "tag_resource", resource, resourceArn=current["arn"], tags=to_set)
    if to_remove:
        api.call("eks", "untag_resource", resource, resourceArn=current["arn"], tagKeys=to_remove)
    current = describe_cluster(api, name)
    return diff_result(True, before, cluster_view(current), actions=actions, cluster=cluster_facts(current))


def _delete_cluster(module, api, name, current):
    if current is None:
        return diff_result(False, {}, {}, actions=[], cluster={})
    before = cluster_view(current)
    if module.check_mode:
        return diff_result(True, before, {}, actions=["delete"], cluster=cluster_facts(current))
    if current.get("status") != "DELETING":
        groups = api.paginate("eks", "list_nodegroups", "nodegroups", "EKS cluster %s" % name, clusterName=name)
        if groups:
            raise PlatformError("EKS cluster %s still has node groups (%s); delete them first" % (
                name, ", ".join(sorted(groups))))
        api.call("eks", "delete_cluster", "EKS cluster %s" % name, name=name)
    if module.params["wait"]:
        wait_cluster(api, name, module.params["wait_timeout"], gone=True)
    return diff_result(True, before, {}, actions=["delete"], cluster=cluster_facts(current))


def _tags_after(current, to_set, to_remove):
    after = dict(current)
    after.update(to_set)
    for key in to_remove:
        after.pop(key, None)
    return after


# ---------------------------------------------------------------------------
# Add-ons

ADDON_FAILED = ("CREATE_FAILED", "DELETE_FAILED", "UPDATE_FAILED")


def addon_versions(api, name, kubernetes_version):
    """The versions of add-on ``name`` for a Kubernetes version, newest first, and the
    one EKS marks as default (None if none is)."""
    found = api.paginate("eks", "describe_addon_versions", "addons", "add-on %s" % name,
                         addonName=name, kubernetesVersion=kubernetes_version)
    versions, default = [], None
    for addon in found:
        for info in addon.get("addonVersions") or []:
            versions.append(info["addonVersion"])
            for compat in info.get("compatibilities") or []:
                if compat.get("defaultVersion") and compat.get("clusterVersion") in (None, kubernetes_version):
                    default = info["addonVersion"]
    versions.sort(key=version_key, reverse=True)
    return versions, default


def resolve_addon_version(requested, versions, default, name, kubernetes_version):
    """'default' (EKS's default for this Kubernetes version), 'latest', or an exact version."""
    if not versions:
        raise PlatformError("version: EKS offers no version of add-on %s for Kubernetes %s" % (
            name, kubernetes_version))
    if requested in (None, "", "default"):
        return default or versions[0]
    if requested == "latest":
        return versions[0]
    if requested not in versions:
        raise PlatformError("version: add-on %s has no version %s for Kubernetes %s (available: %s)" % (
            name, requested, kubernetes_version, ", ".join(versions[:5])))
    return requested


def addon_view(addon):
    if not addon:
        return None
    config = addon.get("configurationValues") or ""
    return dict(
        version=addon.get("addonVersion"),
        service_account_role_arn=addon.get("serviceAccountRoleArn"),
        configuration_values=_load_config(config),
        tags=addon.get("tags") or {},
    )


def _load_config(text):
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"_raw": text}


def describe_addon(api, cluster, name):
    found = api.find("eks", "describe_addon", "add-on %s of EKS cluster %s" % (name, cluster),
                     clusterName=cluster, addonName=name)
    return found["addon"] if found else None


def wait_addon(api, cluster, name, timeout, gone=False):
    description = "add-on %s of EKS cluster %s to be %s" % (name, cluster, "deleted" if gone else "ACTIVE")
    return wait_until_status(lambda: describe_addon(api, cluster, name), (None,) if gone else ("ACTIVE",),
                             ADDON_FAILED, timeout, description)


def ensure_addon(module, api):
    params = module.params
    cluster, name = params["cluster_name"], params["name"]
    resource = "add-on %s of EKS cluster %s" % (name, cluster)
    current = describe_addon(api, cluster, name)
    if params["state"] == "absent":
        if current is None:
            return diff_result(False, {}, {}, actions=[], addon={})
        if not module.check_mode:
            if current.get("status") != "DELETING":
                api.call("eks", "delete_addon", resource, clusterName=cluster, addonName=name,
                         preserve=params["preserve_on_delete"])
            if params["wait"]:
                wait_addon(api, cluster, name, params["wait_timeout"], gone=True)
        return diff_result(True, addon_view(current), {}, actions=["delete"], addon=_addon_facts(current))
    kubernetes = describe_cluster(api, cluster)
    if kubernetes is None:
        raise PlatformError("cluster_name: EKS cluster %s does not exist" % cluster)
    versions, default = addon_versions(api, name, kubernetes["version"])
    desired = dict(
        version=resolve_addon_version(params["version"], versions, default, name, kubernetes["version"]),
        service_account_role_arn=params["service_account_role_arn"],
        configuration_values=params["configuration_values"] or {},
        tags=params["tags"] or {},
    )
    if current is None:
        if module.check_mode:
            return diff_result(True, {}, desired, actions=["create"], addon={})
        request = dict(clusterName=cluster, addonName=name, addonVersion=desired["version"],
                       resolveConflicts=params["resolve_conflicts"], tags=desired["tags"])
        if desired["service_account_role_arn"]:
            request["serviceAccountRoleArn"] = desired["service_account_role_arn"]
        if desired["configuration_values"]:
            request["configurationValues"] = json.dumps(desired["configuration_values"], sort_keys=True)
        api.call("eks", "create_addon", resource, **request)
        current = (wait_addon(api, cluster, name, params["wait_timeout"]) if params["wait"]
                   else describe_addon(api, cluster, name))
        return diff_result(True, {}, addon_view(current), actions=["create"], addon=_addon_facts(current))
    before = addon_view(current)
    update = {}
    # "default" does not move an add-on back: a newer version set by an upgrade stays.
    if before["version"] != desired["version"] and not (
            params["version"] in (None, "", "default") and version_key(before["version"]) > version_key(
                desired["version"]) and before["version"] in versions):
        update["addonVersion"] = desired["version"]
    else:
        desired["version"] = before["version"]
    if (before["service_account_role_arn"] or None) != (desired["service_account_role_arn"] or None):
        update["serviceAccountRoleArn"] = desired["service_account_role_arn"] or ""
    if before["configuration_values"] != desired["configuration_values"]:
        update["configurationValues"] = json.dumps(desired["configuration_values"], sort_keys=True)
    to_set, to_remove = tag_changes(before["tags"], desired["tags"], params["purge_tags"])
    actions = sorted(update) + (["tags"] if to_set or to_remove else [])
    desired["tags"] = _tags_after(before["tags"], to_set, to_remove)
    if not actions or module.check_mode:
        return diff_result(bool(actions), before, desired if actions else before, actions=actions,
                           addon=_addon_facts(current))
    if update:
        result = api.call("eks", "update_addon", resource, clusterName=cluster, addonName=name,
                          resolveConflicts=params["resolve_conflicts"], **update).get("update")
        wait_update(api, cluster, result, params["wait_timeout"], "update of %s" % resource, addon=name)
    if to_set:
        api.call("eks", "tag_resource", resource, resourceArn=current["addonArn"], tags=to_set)
    if to_remove:
        api.call("eks", "untag_resource", resource, resourceArn=current["addonArn"], tagKeys=to_remove)
    current = describe_addon(api, cluster, name)
    return diff_result(True, before, addon_view(current), actions=actions, addon=_addon_facts(current))


def _addon_facts(addon):
    if not addon:
        return {}
    facts = addon_view(addon)
    facts.update(name=addon.get("addonName"), arn=addon.get("addonArn"), status=addon.get("status"))
    return facts


# ---------------------------------------------------------------------------
# Version upgrades: one minor at a time; control plane, then add-ons, then node groups

def upgrade_steps(current, target):
    """['1.30', '1.31'] to go from current '1.29' to target '1.31'."""
    have, want = minor_version(current, "the cluster's version"), minor_version(target, "version")
    if want < have:
        raise PlatformError("version: the cluster runs Kubernetes %s; EKS cannot downgrade it to %s" % (
            current, target))
    if want[0] != have[0]:
        raise PlatformError("version: no upgrade path from %s to %s" % (current, target))
    return ["%d.%d" % (have[0], minor) for minor in range(have[1] + 1, want[1] + 1)]


def addon_target(current_version, versions, default):
    """The version an add-on moves to for a new Kubernetes minor: EKS's default for it,
    or nothing when the add-on already runs that version or a newer compatible one."""
    target = default or (versions[0] if versions else None)
    if target is None:
        return None
    if current_version in versions and version_key(current_version) >= version_key(target):
        return None
    return target


def ensure_cluster_version(module, api):
    params = module.params
    name, target = params["cluster_name"], params["version"]
    cluster = describe_cluster(api, name)
    if cluster is None:
        raise PlatformError("cluster_name: EKS cluster %s does not exist" % name)
    resource = "EKS cluster %s" % name
    addons = params["addons"]
    if addons is None:
        addons = api.paginate("eks", "list_addons", "addons", resource, clusterName=name)
    groups = params["nodegroups"]
    if groups is None:
        groups = api.paginate("eks", "list_nodegroups", "nodegroups", resource, clusterName=name)
    steps = upgrade_steps(cluster["version"], target)
    lagging = _lagging_nodegroups(api, name, groups, target)
    before = dict(version=cluster["version"], nodegroups=dict(lagging))
    plan = [dict(version=v, control_plane=True, addons=list(addons), nodegroups=list(groups)) for v in steps]
    if not steps and lagging:
        plan = [dict(version=target, control_plane=False, addons=[], nodegroups=[g for g, _v in lagging])]
    after = dict(version=target, nodegroups=dict((g, target) for g, _v in lagging))
    if not plan or module.check_mode:
        return diff_result(bool(plan), before, after if plan else before, plan=plan, steps=[])
    done = []
    for step in plan:
        if step["control_plane"]:
            update = api.call("eks", "update_cluster_version", "%s (to %s)" % (resource, step["version"]),
                              name=name, version=step["version"]).get("update")
            wait_update(api, name, update, params["wait_timeout"], "upgrade of %s to %s" % (resource, step["version"]))
            done.append(dict(version=step["version"], what="control plane"))
        for addon in step["addons"]:
            current = describe_addon(api, name, addon)
            if current is None:
                continue
            versions, default = addon_versions(api, addon, step["version"])
            wanted = addon_target(current["addonVersion"], versions, default)
            if wanted:
                update = api.call("eks", "update_addon", "add-on %s of %s" % (addon, resource), clusterName=name,
                                  addonName=addon, addonVersion=wanted, resolveConflicts="PRESERVE").get("update")
                wait_update(api, name, update, params["wait_timeout"], "update of add-on %s to %s" % (addon, wanted),
                            addon=addon)
                done.append(dict(version=step["version"], what="add-on %s" % addon, to=wanted))
        for group in step["nodegroups"]:
            current = describe_nodegroup(api, name, group)
            if current is None or minor_version(current.get("version")) >= minor_version(step["version"]):
                continue
            update = api.call("eks", "update_nodegroup_version", "node group %s of %s" % (group, resource),
                              clusterName=name, nodegroupName=group, version=step["version"]).get("update")
            wait_update(api, name, update, params["nodegroup_wait_timeout"],
                        "upgrade of node group %s to %s" % (group, step["version"]), nodegroup=group)
            done.append(dict(version=step["version"], what="node group %s" % group))
    cluster = describe_cluster(api, name)
    after = dict(version=cluster["version"], nodegroups=dict(_lagging_nodegroups(api, name, groups, target)))
    return diff_result(True, before, after, plan=plan, steps=done)


def _lagging_nodegroups(api, cluster, groups, target):
    lagging = {}
    for group in groups:
        found = describe_nodegroup(api, cluster, group)
        if found and found.get("version") and minor_version(found["version"]) < minor_version(target):
            lagging[group] = found["version"]
    return sorted(lagging.items())
