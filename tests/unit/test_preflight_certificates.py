"""The preflight on the spec's certificates (security_setup.authentication.certificates):
the keys the cert_manager role reads, each bad value named by its key path.

Every case starts from the production inventory's spec (which passes) and changes one
thing, so that the finding can only come from that change.
"""

import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import DELETE, change

CERTS = ("security_setup", "authentication", "certificates")
PATH = "security_setup.authentication.certificates"


# (id, changes, path of the expected error, part of its message)
BAD = [
    ("duration-in-minutes", [(CERTS + ("duration",), "129600m")], PATH + ".duration",
     "a duration in hours, days or weeks"),
    ("duration-a-number", [(CERTS + ("duration",), 90)], PATH + ".duration", "got the number 90"),
    ("duration-under-an-hour", [(CERTS + ("duration",), "0h")], PATH + ".duration", "longer than 0"),
    ("renew-before-as-long-as-duration", [(CERTS + ("renew_before",), "90d")], PATH + ".renew_before",
     "must be shorter than security_setup.authentication.certificates.duration"),
    ("renew-before-in-years", [(CERTS + ("renew_before",), "1y")], PATH + ".renew_before",
     "a duration in hours, days or weeks"),
    ("auto-renewal-off", [(CERTS + ("auto_renewal",), False)], PATH + ".auto_renewal", "cannot be told not to"),
    ("auto-renewal-a-string", [(CERTS + ("auto_renewal",), "yes")], PATH + ".auto_renewal", "expected true or false"),
    ("acme-server-plain-http", [(CERTS + ("acme", "server"), "http://acme.example.org/directory")], PATH + ".acme.server",
     "the https URL of an ACME directory"),
    ("acme-server-missing", [(CERTS + ("acme", "server"), DELETE)], PATH + ".acme.server", "required key is missing"),
    ("acme-email-not-an-address", [(CERTS + ("acme", "email"), "platform-team")], PATH + ".acme.email",
     "an e-mail address"),
    ("acme-typo", [(CERTS + ("acme", "mail"), "a@b.org")], PATH + ".acme.mail", "unknown key"),
    ("internal-issuer-not-a-dns-label", [(CERTS + ("internal", "issuer"), "Internal_CA")], PATH + ".internal.issuer",
     "a DNS label"),
    ("internal-issuer-same-as-public", [(CERTS + ("internal", "issuer"), "lets-encrypt")], PATH + ".internal.issuer",
     "names the same ClusterIssuer"),
    ("internal-service-unknown", [(CERTS + ("internal", "services"), ["consul", "postgres"])],
     PATH + ".internal.services[1]", "postgres is not a core service"),
    ("internal-services-a-string", [(CERTS + ("internal", "services"), "consul")], PATH + ".internal.services",
     "expected a list"),
]


@pytest.mark.parametrize("changes,path,message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_certificates_name_the_key(production_spec, changes, path, message):
    for change_path, value in changes:
        change(production_spec, change_path, value)
    report = run_preflight(production_spec)
    found = [f["message"] for f in report["errors"] if f["path"] == path]
    assert found, "no error at %s; errors: %s" % (path, json.dumps(report["errors"], indent=1))
    assert any(message in m for m in found), found


GOOD = [
    ("as-shipped", []),
    ("hours-and-weeks", [(CERTS + ("duration",), "2160h"), (CERTS + ("renew_before",), "4w")]),
    ("no-acme-email", [(CERTS + ("acme", "email"), DELETE)]),
    ("no-internal-services", [(CERTS + ("internal", "services"), [])]),
    ("seed-keys-only", [(CERTS + (key,), DELETE) for key in ("renew_before", "acme", "internal")]),
]


@pytest.mark.parametrize("changes", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_good_certificates_pass(production_spec, changes):
    for change_path, value in changes:
        change(production_spec, change_path, value)
    report = run_preflight(production_spec)
    assert report["errors"] == []
