# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network load balancers (ELBv2): security groups, TCP listeners, their target groups, tags.

Listeners are compared by port, protocol and the *name* of their target group (read
from the target group ARN), so that check mode can compare against target groups
that do not exist yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.aws.common import (
    tag_changes,
    tag_dict_to_list,
    tag_list_to_dict,
    wait_until_status,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, diff_result

CROSS_ZONE = "load_balancing.cross_zone.enabled"


def target_group_name(arn):
    """arn:aws:elasticloadbalancing:...:targetgroup/<name>/<id> -> <name>."""
    if not arn or ":targetgroup/" not in arn:
        return arn
    return arn.split(":targetgroup/", 1)[1].split("/")[0]


def describe_nlb(api, name):
    found = api.find("elbv2", "describe_load_balancers", "load balancer %s" % name,
                     not_found=("LoadBalancerNotFound",), Names=[name])
    balancers = (found or {}).get("LoadBalancers") or []
    return balancers[0] if balancers else None


def describe_target_group(api, name):
    found = api.find("elbv2", "describe_target_groups", "target group %s" % name,
                     not_found=("TargetGroupNotFound",), Names=[name])
    groups = (found or {}).get("TargetGroups") or []
    return groups[0] if groups else None


def nlb_view(api, balancer):
    """The comparable state of a load balancer, its listeners, attributes and tags."""
    if not balancer:
        return None
    arn = balancer["LoadBalancerArn"]
    resource = "load balancer %s" % balancer["LoadBalancerName"]
    listeners = api.paginate("elbv2", "describe_listeners", "Listeners", resource, LoadBalancerArn=arn)
    attributes = api.call("elbv2", "describe_load_balancer_attributes", resource, LoadBalancerArn=arn)
    attributes = dict((a["Key"], a["Value"]) for a in attributes.get("Attributes") or [])
    tags = api.call("elbv2", "describe_tags", resource, ResourceArns=[arn]).get("TagDescriptions") or []
    return dict(
        scheme=balancer.get("Scheme"),
        subnet_ids=sorted(z["SubnetId"] for z in balancer.get("AvailabilityZones") or []),
        security_group_ids=sorted(balancer.get("SecurityGroups") or []),
        cross_zone=attributes.get(CROSS_ZONE, "false") == "true",
        listeners=sorted((_listener_view(item) for item in listeners), key=lambda item: item["port"]),
        tags=tag_list_to_dict(tags[0].get("Tags") if tags else []),
        _listener_arns=dict((item["Port"], item["ListenerArn"]) for item in listeners),
    )


def _listener_view(listener):
    actions = listener.get("DefaultActions") or []
    target = actions[0].get("TargetGroupArn") if actions else None
    return dict(port=listener["Port"], protocol=listener["Protocol"], target_group=target_group_name(target))


def nlb_desired(params):
    listeners, groups = [], []
    for item in params["listeners"] or []:
        listeners.append(dict(port=item["port"], protocol=item["protocol"], target_group=item["target_group_name"]))
        groups.append(dict(name=item["target_group_name"], protocol=item["protocol"],
                           port=item["target_port"] or item["port"], target_type=item["target_type"]))
    ports = [item["port"] for item in listeners]
    if len(set(ports)) != len(ports):
        raise PlatformError("listeners: two listeners on the same port (%s)" % ", ".join(str(p) for p in ports))
    return dict(
        scheme=params["scheme"],
        subnet_ids=sorted(params["subnet_ids"] or []),
        security_group_ids=sorted(params["security_group_ids"] or []),
        cross_zone=params["cross_zone"],
        listeners=sorted(listeners, key=lambda item: item["port"]),
        tags=params["tags"] or {},
    ), groups


def target_group_changes(found, wanted):
    """Fields of an existing target group that differ from ``wanted`` (they cannot change)."""
    have = dict(protocol=found.get("Protocol"), port=found.get("Port"), target_type=found.get("TargetType"))
    want = dict(protocol=wanted["protocol"], port=wanted["port"], target_type=wanted["target_type"])
    return sorted(k for k in want if have[k] != want[k])


def nlb_changes(current, desired, name, purge_tags=False):
    """The changes as a list of (what, detail); raises for what cannot change."""
    if current["scheme"] != desired["scheme"]:
        raise PlatformError("scheme: load balancer %s is %s; the scheme cannot change (delete it first)" % (
            name, current["scheme"]))
    if bool(current["security_group_ids"]) != bool(desired["security_group_ids"]):
        raise PlatformError("security_group_ids: load balancer %s was created %s security groups; a network load "
                            "balancer cannot gain or lose them (delete it first)" % (
                                name, "with" if current["security_group_ids"] else "without"))
    changes = []
    if current["subnet_ids"] != desired["subnet_ids"]:
        changes.append(("subnets", desired["subnet_ids"]))
    if current["security_group_ids"] != desired["security_group_ids"]:
        changes.append(("security_groups", desired["security_group_ids"]))
    if current["cross_zone"] != desired["cross_zone"]:
        changes.append(("cross_zone", desired["cross_zone"]))
    have = dict((item["port"], item) for item in current["listeners"])
    want = dict((item["port"], item) for item in desired["listeners"])
    for port in sorted(want):
        if port not in have:
            changes.append(("add_listener", want[port]))
        elif have[port] != want[port]:
            changes.append(("modify_listener", want[port]))
    for port in sorted(set(have) - set(want)):
        changes.append(("remove_listener", have[port]))
    to_set, to_remove = tag_changes(current["tags"], desired["tags"], purge_tags)
    if to_set:
        changes.append(("add_tags", to_set))
    if to_remove:
        changes.append(("remove_tags", to_remove))
    return changes


def _public(view):
    return dict((k, v) for k, v in (view or {}).items() if not k.startswith("_"))


def _forward(arns, detail):
    return [dict(Type="forward", TargetGroupArn=arns[detail["target_group"]])]


def _apply(api, arn, name, view, arns, change):
    what, detail = change
    resource = "load balancer %s" % name
    if what == "subnets":
        api.call("elbv2", "set_subnets", resource, LoadBalancerArn=arn, Subnets=detail)
    elif what == "security_groups":
        api.call("elbv2", "set_security_groups", resource, LoadBalancerArn=arn, SecurityGroups=detail)
    elif what == "cross_zone":
        api.call("elbv2", "modify_load_balancer_attributes", resource, LoadBalancerArn=arn,
                 Attributes=[dict(Key=CROSS_ZONE, Value="true" if detail else "false")])
    elif what == "add_listener":
        api.call("elbv2", "create_listener", "%s listener %s" % (resource, detail["port"]), LoadBalancerArn=arn,
                 Port=detail["port"], Protocol=detail["protocol"], DefaultActions=_forward(arns, detail))
    elif what == "modify_listener":
        api.call("elbv2", "modify_listener", "%s listener %s" % (resource, detail["port"]),
                 ListenerArn=view["_listener_arns"][detail["port"]], Port=detail["port"], Protocol=detail["protocol"],
                 DefaultActions=_forward(arns, detail))
    elif what == "remove_listener":
        api.call("elbv2", "delete_listener", "%s listener %s" % (resource, detail["port"]),
                 ListenerArn=view["_listener_arns"][detail["port"]])
    elif what == "add_tags":
        api.call("elbv2", "add_tags", resource, ResourceArns=[arn], Tags=tag_dict_to_list(detail))
    elif what == "remove_tags":
        api.call("elbv2", "remove_tags", resource, ResourceArns=[arn], TagKeys=detail)


def ensure_target_groups(api, groups, subnet_ids, tags, check_mode):
    """Create the missing target groups (in the subnets' VPC); return ({name: arn}, [created names])."""
    arns, missing = {}, []
    for group in groups:
        found = describe_target_group(api, group["name"])
        if found is None:
            missing.append(group)
            continue
        wrong = target_group_changes(found, group)
        if wrong:
            raise PlatformError("listeners: target group %s has another %s than the listener asks for; delete it "
                                "(it cannot change)" % (group["name"], " and ".join(wrong)))
        arns[group["name"]] = found["TargetGroupArn"]
    if missing and not check_mode:
        subnets = api.call("ec2", "describe_subnets", "subnets %s" % ", ".join(subnet_ids), SubnetIds=subnet_ids[:1])
        vpc_id = subnets["Subnets"][0]["VpcId"]
        for group in missing:
            created = api.call("elbv2", "create_target_group", "target group %s" % group["name"],
                               Name=group["name"], Protocol=group["protocol"], Port=group["port"], VpcId=vpc_id,
                               TargetType=group["target_type"], HealthCheckProtocol="TCP",
                               HealthCheckPort="traffic-port",
                               Tags=tag_dict_to_list(dict(tags, Name=group["name"])))
            arns[group["name"]] = created["TargetGroups"][0]["TargetGroupArn"]
    return arns, [group["name"] for group in missing]


def _facts(balancer, arns=None):
    if not balancer:
        return {}
    return dict(arn=balancer["LoadBalancerArn"], dns_name=balancer.get("DNSName"),
                canonical_hosted_zone_id=balancer.get("CanonicalHostedZoneId"),
                state=(balancer.get("State") or {}).get("Code"), vpc_id=balancer.get("VpcId"),
                target_groups=arns or {})


def wait_nlb(api, name, timeout, gone=False):
    def read():
        found = describe_nlb(api, name)
        return dict(found, status=(found.get("State") or {}).get("Code")) if found else None

    return wait_until_status(read, (None,) if gone else ("active",), ("failed",), timeout,
                             "load balancer %s to be %s" % (name, "deleted" if gone else "active"))


def _delete(module, api, name, balancer, current):
    params = module.params
    groups = [item["target_group_name"] for item in params["listeners"] or []]
    if balancer is not None:
        groups.extend(item["target_group"] for item in current["listeners"])
    groups = sorted(set(g for g in groups if g)) if params["delete_target_groups"] else []
    existing = [g for g in groups if describe_target_group(api, g) is not None]
    if balancer is None and not existing:
        return diff_result(False, {}, {}, actions=[], load_balancer={})
    actions = (["delete"] if balancer else []) + ["delete_target_group %s" % g for g in existing]
    if not module.check_mode:
        if balancer is not None:
            api.call("elbv2", "delete_load_balancer", "load balancer %s" % name,
                     LoadBalancerArn=balancer["LoadBalancerArn"])
            # A target group can only go once no listener uses it any more.
            wait_nlb(api, name, params["wait_timeout"], gone=True)
        for group in existing:
            found = describe_target_group(api, group)
            if found:
                api.call("elbv2", "delete_target_group", "target group %s" % group,
                         TargetGroupArn=found["TargetGroupArn"])
    return diff_result(True, _public(current) or {}, {}, actions=actions, load_balancer=_facts(balancer))


def ensure_nlb(module, api):
    params = module.params
    name = params["name"]
    resource = "load balancer %s" % name
    balancer = describe_nlb(api, name)
    current = nlb_view(api, balancer)
    if params["state"] == "absent":
        return _delete(module, api, name, balancer, current)
    desired, groups = nlb_desired(params)
    arns, created = ensure_target_groups(api, groups, desired["subnet_ids"], desired["tags"], module.check_mode)
    group_actions = ["create_target_group %s" % g for g in created]
    if balancer is None:
        if module.check_mode:
            return diff_result(True, {}, desired, actions=group_actions + ["create"], load_balancer={})
        request = dict(Name=name, Subnets=desired["subnet_ids"], Scheme=desired["scheme"], Type="network",
                       IpAddressType="ipv4", Tags=tag_dict_to_list(desired["tags"]))
        if desired["security_group_ids"]:
            request["SecurityGroups"] = desired["security_group_ids"]
        balancer = api.call("elbv2", "create_load_balancer", resource, **request)["LoadBalancers"][0]
        current = nlb_view(api, balancer)
        for change in nlb_changes(current, desired, name):
            _apply(api, balancer["LoadBalancerArn"], name, current, arns, change)
        if params["wait"]:
            wait_nlb(api, name, params["wait_timeout"])
        balancer = describe_nlb(api, name)
        return diff_result(True, {}, _public(nlb_view(api, balancer)), actions=group_actions + ["create"],
                           load_balancer=_facts(balancer, arns))
    changes = nlb_changes(current, desired, name, params["purge_tags"])
    actions = group_actions + [what for what, _detail in changes]
    if not actions or module.check_mode:
        return diff_result(bool(actions), _public(current), desired if actions else _public(current),
                           actions=actions, load_balancer=_facts(balancer, arns))
    for change in changes:
        _apply(api, balancer["LoadBalancerArn"], name, current, arns, change)
    balancer = describe_nlb(api, name)
    return diff_result(True, _public(current), _public(nlb_view(api, balancer)), actions=actions,
                       load_balancer=_facts(balancer, arns))
