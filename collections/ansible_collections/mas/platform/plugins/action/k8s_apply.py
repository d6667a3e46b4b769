# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of every mas.platform module that talks to the Kubernetes API.

It gives the module the inventory's connection settings, once for all of them: when a
task sets neither ``kubeconfig`` nor ``host`` (nor a play's module_defaults), the
inventory's ``mas_kubeconfig`` becomes ``kubeconfig``, and ``mas_kube_context`` becomes
``context``; without those variables the module falls back to K8S_AUTH_KUBECONFIG and
K8S_AUTH_CONTEXT. So the playbooks carry no copy of the connection settings. Everything
else is the module's own work, run as usual.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

# module option -> the inventory variable that supplies it
CONNECTION_VARIABLES = (("kubeconfig", "mas_kubeconfig"), ("context", "mas_kube_context"))


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        if not args.get("host"):
            for option, variable in CONNECTION_VARIABLES:
                if args.get(option) is None and task_vars.get(variable) is not None:
                    args[option] = self._templar.template(task_vars[variable])
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(module_name=self._task.resolved_action or self._task.action,
                                           module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        return result
