"""module_utils/render/core_service.py: the options a service role passes to the
core_service role are refused, naming the option, when they cannot work; the shipped
roles' options render."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.render.core_service import OptionsError, core_service_objects

DATA = "/var/lib/rabbitmq"


@pytest.fixture(scope="module")
def rabbitmq(_production_spec):
    return run_preflight(_production_spec)["platform"]["core_services"]["rabbitmq"]


def options(**changes):
    base = dict(image="rabbitmq:4.1", security={"run_as_user": 999, "run_as_group": 999, "fs_group": 999}, data_path=DATA, config_path="/etc/rabbitmq",
                config_files={"rabbitmq.conf": "x", "verify-cluster.sh": "true"},
                secret_files={"erlang-cookie": "{{ cookie }}"},
                private_files=[{"source": "erlang-cookie", "dest": DATA + "/.erlang.cookie", "mode": "0400"}],
                formation={"purpose": "verify-cluster", "script": "verify-cluster.sh"})
    base.update(changes)
    return base


def test_consistent_options_render_the_statefulset_and_the_formation_job(rabbitmq):
    kinds = [o["kind"] for o in core_service_objects(rabbitmq, options())]
    assert "StatefulSet" in kinds and kinds[-1] == "Job"


@pytest.mark.parametrize("changes, message", [
    ({"private_files": [{"source": "cookie", "dest": DATA + "/.erlang.cookie", "mode": "0400"}]},
     "rabbitmq: private file cookie (core_service_private_files) must be one of the service's configuration or "
     "secret files (erlang-cookie, rabbitmq.conf, verify-cluster.sh)"),
    ({"private_files": [{"source": "erlang-cookie", "dest": "/etc/rabbitmq/.erlang.cookie", "mode": "0400"}]},
     "rabbitmq: private file erlang-cookie goes to /etc/rabbitmq/.erlang.cookie (core_service_private_files), "
     "which is not in the data volume /var/lib/rabbitmq"),
    # A path that only starts like the data volume is not in it.
    ({"private_files": [{"source": "erlang-cookie", "dest": DATA + "-old/.erlang.cookie", "mode": "0400"}]},
     "rabbitmq: private file erlang-cookie goes to /var/lib/rabbitmq-old/.erlang.cookie"),
    ({"formation": {"purpose": "verify-cluster", "script": "form.sh"}},
     "rabbitmq: the formation Job runs form.sh (core_service_formation.script), which is not among the "
     "configuration files (rabbitmq.conf, verify-cluster.sh)"),
    # A secret file is not mounted where the Job runs its script from.
    ({"formation": {"purpose": "verify-cluster", "script": "erlang-cookie"}},
     "rabbitmq: the formation Job runs erlang-cookie (core_service_formation.script)"),
], ids=["private-file-unknown", "private-file-outside-data", "private-file-prefix-only", "formation-script-unknown",
        "formation-script-secret"])
def test_options_that_cannot_work_are_refused_naming_the_option(rabbitmq, changes, message):
    with pytest.raises(OptionsError) as error:
        core_service_objects(rabbitmq, options(**changes))
    assert str(error.value).startswith(message)
