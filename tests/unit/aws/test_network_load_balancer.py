"""mas.platform.network_load_balancer: what changes on an existing load balancer (the
module also runs against moto's server in tests/integration/aws)."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.aws import elb as aws_elb
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mas-production-ext-443/0123456789abcdef"


def current(**changes):
    view = dict(scheme="internet-facing", subnet_ids=["subnet-1", "subnet-2"], security_group_ids=["sg-1"],
                cross_zone=True, tags={"Name": "x"},
                listeners=[dict(port=443, protocol="TCP", target_group="mas-production-ext-443")])
    view.update(changes)
    return view


def desired(**changes):
    params = dict(scheme="internet-facing", subnet_ids=["subnet-2", "subnet-1"], security_group_ids=["sg-1"],
                  cross_zone=True, tags={"Name": "x"},
                  listeners=[dict(port=443, protocol="TCP", target_group_name="mas-production-ext-443",
                                  target_port=None, target_type="ip")])
    params.update(changes)
    return aws_elb.nlb_desired(params)


def test_target_group_name_from_its_arn():
    assert aws_elb.target_group_name(TG) == "mas-production-ext-443"


def test_the_same_load_balancer_needs_nothing():
    view, groups = desired()
    assert aws_elb.nlb_changes(current(), view, "lb") == []
    assert groups == [dict(name="mas-production-ext-443", protocol="TCP", port=443, target_type="ip")]


def test_listeners_are_added_changed_and_removed():
    view, _groups = desired(listeners=[
        dict(port=80, protocol="TCP", target_group_name="mas-production-ext-80", target_port=None, target_type="ip"),
        dict(port=443, protocol="TCP", target_group_name="other", target_port=None, target_type="ip")])
    have = current(listeners=current()["listeners"] + [dict(port=8443, protocol="TCP", target_group="old")])
    assert [what for what, _detail in aws_elb.nlb_changes(have, view, "lb")] == [
        "add_listener", "modify_listener", "remove_listener"]


@pytest.mark.parametrize("changes, key", [
    (dict(scheme="internal"), "scheme:"),
    (dict(security_group_ids=[]), "security_group_ids:"),
])
def test_what_a_network_load_balancer_cannot_change_is_named(changes, key):
    view, _groups = desired(**changes)
    with pytest.raises(PlatformError) as raised:
        aws_elb.nlb_changes(current(), view, "lb")
    assert raised.value.msg.startswith(key)


def test_two_listeners_on_one_port_are_refused():
    listener = dict(port=443, protocol="TCP", target_group_name="a", target_port=None, target_type="ip")
    with pytest.raises(PlatformError) as raised:
        desired(listeners=[listener, dict(listener, target_group_name="b")])
    assert raised.value.msg.startswith("listeners:")


def test_a_target_group_of_another_kind_is_refused():
    found = dict(Protocol="TCP", Port=8443, TargetType="instance")
    assert aws_elb.target_group_changes(found, dict(protocol="TCP", port=443, target_type="ip")) == [
        "port", "target_type"]
