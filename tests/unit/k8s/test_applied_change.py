"""k8s/objects.applied_change: what k8s_apply reports as changed after a server-side apply."""

import copy

from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import applied_change

MANAGER = "mas-platform"


def deployment(resource_version, replicas=2, owned='{"f:spec":{"f:replicas":{}}}', status=None, time="t1"):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "executor", "namespace": "agents", "resourceVersion": resource_version,
                     "managedFields": [
                         {"manager": MANAGER, "operation": "Apply", "apiVersion": "apps/v1", "time": time,
                          "fieldsType": "FieldsV1", "fieldsV1": owned},
                         {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
                          "time": time, "fieldsType": "FieldsV1", "fieldsV1": '{"f:status":{}}'}]},
        "spec": {"replicas": replicas},
        "status": status or {"replicas": replicas},
    }


def test_a_created_object_is_a_change():
    assert applied_change(None, deployment("2"), MANAGER)


def test_the_same_resource_version_is_no_change():
    assert not applied_change(deployment("2"), deployment("2"), MANAGER)


def test_a_status_written_by_a_controller_between_read_and_apply_is_not_ours():
    before = deployment("2", status={"replicas": 2})
    after = deployment("3", status={"replicas": 4, "observedGeneration": 2}, time="t1")
    after["metadata"]["managedFields"][1]["time"] = "t2"
    assert not applied_change(before, after, MANAGER)


def test_a_changed_field_is_a_change():
    assert applied_change(deployment("2", replicas=2), deployment("3", replicas=3), MANAGER)


def test_ownership_taken_by_the_apply_is_a_change_even_with_the_same_content():
    # An atomic struct re-applied in another form (a fieldRef without apiVersion) moves
    # the manager's fields and the resourceVersion, and nothing else.
    before = deployment("2")
    after = copy.deepcopy(before)
    after["metadata"]["resourceVersion"] = "3"
    after["metadata"]["managedFields"][0]["fieldsV1"] = '{"f:spec":{"f:replicas":{},"f:template":{}}}'
    assert applied_change(before, after, MANAGER)
    # Another manager's entries are not ours.
    assert not applied_change(before, after, "someone-else")
