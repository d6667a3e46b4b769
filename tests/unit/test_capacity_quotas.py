"""Quota resolution and the quantity limits added to module_utils/preflight/capacity.py."""

from decimal import Decimal

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight import capacity


def test_cluster_allocatable_sums_node_groups():
    total = capacity.cluster_allocatable([("c6i.8xlarge", 9), ("g5.12xlarge", 4)])
    assert total["cpu"] == Decimal("477.89")
    assert total["memory"] == (9 * 62431 + 4 * 193503) * capacity.MIB
    assert total["gpu"] == 16 and total["pods"] == 13 * 250


def test_quota_amounts_round_down_and_cap_requests_and_limits_alike():
    cluster = {"cpu": Decimal("10.0015"), "memory": Decimal(10 * capacity.GIB + 1), "gpu": 3, "pods": 110}
    amounts = capacity.quota_amounts({"cpu": Decimal(50), "memory": Decimal(50), "gpu": Decimal(50)}, cluster)
    assert amounts["requests.cpu"] == amounts["limits.cpu"] == Decimal("5.000")       # 5.00075 rounded down
    assert amounts["requests.memory"] == amounts["limits.memory"] == 5 * capacity.GIB  # to the MiB, down
    assert amounts["requests.nvidia.com/gpu"] == 1                                     # 1.5 GPUs -> 1


def test_no_gpu_share_means_no_gpus():
    cluster = capacity.cluster_allocatable([("g5.12xlarge", 2)])
    amounts = capacity.quota_amounts({"cpu": Decimal(10), "memory": Decimal(10)}, cluster)
    assert amounts["requests.nvidia.com/gpu"] == 0


def test_format_quota_gives_string_quantities():
    hard = capacity.format_quota(
        {"requests.cpu": Decimal("215.05"), "requests.memory": Decimal(801534) * capacity.MIB, "requests.nvidia.com/gpu": 0},
        {"pods": 100})
    assert hard == {"requests.cpu": "215050m", "requests.memory": "801534Mi", "requests.nvidia.com/gpu": "0", "pods": "100"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "1e999999999", "1E30Ei", 2 ** 64])
def test_parse_quantity_rejects_what_kubernetes_cannot_store(value):
    with pytest.raises(capacity.QuantityError):
        capacity.parse_quantity(value)


@pytest.mark.parametrize("value, shown", [(Decimal(16 * capacity.GIB), "16Gi"), (Decimal(512 * capacity.MIB), "512Mi"),
                                          (Decimal("65465696256"), "60.97Gi"), (0, "0")])
def test_describe_memory(value, shown):
    assert capacity.describe_memory(value) == shown
