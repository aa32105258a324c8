"""The canary check: what a role must not see never appears in what it is sent.

`build_canary_world()` puts objects carrying unique marker strings
(`CANARY-<unit code>-<kind>`) in every unit of organisation A and in organisation B;
each app makes its own, declared as `CANARY` in its `testing.py`.
`check()` then fetches, as one principal (a role, an anonymous visitor or an API key),
every page, export and API operation, and searches every answer for markers:

* a marker the principal must not see (decided from `organisations.access`: the
  units its grants cover, and its organisation) is a leak;
* a marker the principal may see, of a kind some page lists under a permission it
  holds, must appear somewhere, or the check proves nothing;
* every id a page offers in a link, a filter or a form (Django forms' model choice
  fields, `?unit=`, hidden ids) is tried with other units' and the other
  organisation's objects, and POSTs with such ids may change nothing out of scope;
  the same form sent with its own, in-scope ids must succeed.
"""

from .check import Findings, Leak, check
from .markers import marker_text
from .world import CanaryWorld, build_canary_world

__all__ = ["CanaryWorld", "Findings", "Leak", "build_canary_world", "check", "marker_text"]
