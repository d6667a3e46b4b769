# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The template lookup the roles render with: ansible.builtin.template without its deep copy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: template
short_description: Renders a template file with the task's variables, without copying them
version_added: 0.1.0
description:
  - The same as the lookup P(ansible.builtin.template#lookup) (the same search path, options and
    result), which the roles used before, except for one thing - it does not deep-copy
    every variable of the play before it renders.
  - Why not the built-in lookup - ansible-core's lookup starts each template with
    C(deepcopy(variables)) (its own comment there asks why this is not a ChainMap). The
    variables hold the compiled platform, the inventory's spec and the preflight's plan, so
    each template cost about 0.1 s of copying before it rendered a line; the deploy renders
    about 40 templates. The copy only gives the template a mapping to which the lookup adds
    its own variables (C(template_path), C(ansible_managed), O(template_vars)); a shallow
    copy does that as well, and what a template does to a variable cannot outlive the task,
    whose process ends with it.
options:
  _terms:
    description: The template files, found as P(ansible.builtin.template#lookup) finds them (the role's C(templates) directory first).
    required: true
  template_vars:
    description: A dictionary, the keys become additional variables available for templating.
    type: dict
    default: {}
  variable_start_string:
    description: The string marking the beginning of a print statement.
    type: str
    default: "{{"
  variable_end_string:
    description: The string marking the end of a print statement.
    type: str
    default: "}}"
  comment_start_string:
    description: The string marking the beginning of a comment statement.
    type: str
    default: "{#"
  comment_end_string:
    description: The string marking the end of a comment statement.
    type: str
    default: "#}"
  trim_blocks:
    description: Whether the first newline after a block (not a variable tag) is removed.
    type: bool
    default: true
seealso:
  - plugin: ansible.builtin.template
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Render the RabbitMQ configuration
  ansible.builtin.set_fact:
    _rabbitmq_conf: "{{ lookup('mas.platform.template', 'rabbitmq.conf.j2') }}"
"""

RETURN = r"""
_raw:
  description: Each file's content after templating.
  type: list
  elements: raw
"""

from ansible.plugins.lookup.template import LookupModule as TemplateLookup


class _ShallowCopied(dict):
    """The task's variables as the built-in lookup receives them: its deepcopy() of them
    becomes a copy of the top-level mapping, which is all the lookup changes."""

    def __deepcopy__(self, memo):
        return dict(self)


class LookupModule(TemplateLookup):
    """ansible.builtin.template, given variables that copy shallowly."""

    def run(self, terms, variables=None, **kwargs):
        return super(LookupModule, self).run(terms, variables=_ShallowCopied(variables or {}), **kwargs)
