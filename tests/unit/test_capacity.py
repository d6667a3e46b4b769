"""Instance shapes, allocatable and quantities: the numbers every other check builds on."""

from decimal import Decimal

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight import capacity


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2", Decimal(2)),
        (4, Decimal(4)),
        (0.5, Decimal("0.5")),
        ("500m", Decimal("0.5")),
        ("16Gi", Decimal(16 * 2**30)),
        ("1G", Decimal(10**9)),
        ("128974848", Decimal(128974848)),
        ("1.5Ki", Decimal(1536)),
    ],
)
def test_parse_quantity(value, expected):
    assert capacity.parse_quantity(value) == expected


@pytest.mark.parametrize("value", ["", "16GB", "abc", None, True, "1..2", [], {}])
def test_parse_quantity_rejects_with_a_message(value):
    with pytest.raises(capacity.QuantityError, match="Kubernetes quantity"):
        capacity.parse_quantity(value)


@pytest.mark.parametrize(
    "instance_type, vcpu, gib, gpus",
    [
        ("c6i.4xlarge", 16, 32, 0),
        ("c6i.8xlarge", 32, 64, 0),
        ("m6i.2xlarge", 8, 32, 0),
        ("r6i.large", 2, 16, 0),
        ("c5.9xlarge", 36, 72, 0),
        ("g5.8xlarge", 32, 128, 1),
        ("g5.12xlarge", 48, 192, 4),
        ("g5.48xlarge", 192, 768, 8),
        ("p4d.24xlarge", 96, 1152, 8),
    ],
)
def test_instance_table_matches_ec2(instance_type, vcpu, gib, gpus):
    assert capacity.INSTANCE_TYPES[instance_type] == (vcpu, gib, gpus)


def test_c5_has_no_sizes_that_ec2_does_not_sell():
    assert "c5.8xlarge" not in capacity.INSTANCE_TYPES
    assert "c5.16xlarge" not in capacity.INSTANCE_TYPES


def test_allocatable_follows_the_eks_reservation_formula():
    # c6i.8xlarge: 32 vCPU -> 250 pods; CPU reserved 60+10+2*5+28*2.5 = 150m;
    # memory reserved 255Mi + 11Mi*250 + 100Mi eviction = 3105Mi.
    shape = capacity.node_shape("c6i.8xlarge")
    assert shape["allocatable"]["cpu"] == Decimal("31.85")
    assert shape["allocatable"]["memory"] == (65536 - 3105) * capacity.MIB
    assert shape["allocatable"]["pods"] == 250
    # c6i.4xlarge: 16 vCPU -> 110 pods; 60+10+10+12*2.5 = 110m; 255+1210+100 = 1565Mi.
    small = capacity.node_shape("c6i.4xlarge")
    assert small["allocatable"]["cpu"] == Decimal("15.89")
    assert small["allocatable"]["memory"] == (32768 - 1565) * capacity.MIB
    assert small["allocatable"]["pods"] == 110


def test_node_status_resources_carry_gpus_only_on_gpu_types():
    gpu = capacity.node_status_resources("g5.12xlarge")
    cpu_only = capacity.node_status_resources("c6i.8xlarge")
    assert gpu["allocatable"][capacity.GPU_RESOURCE] == "4"
    assert gpu["capacity"][capacity.GPU_RESOURCE] == "4"
    assert capacity.GPU_RESOURCE not in cpu_only["allocatable"]
    assert cpu_only["allocatable"]["cpu"] == "31850m"
    assert cpu_only["capacity"]["memory"] == "65536Mi"


def test_unknown_instance_type_raises_keyerror():
    with pytest.raises(KeyError):
        capacity.node_shape("z9.huge")
