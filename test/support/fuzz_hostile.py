"""Schemathesis hooks: every string of a generated request may become hostile text.

Loaded by test/support/fuzzer.ts (SCHEMATHESIS_HOOKS=fuzz_hostile) for the hostile runs: each
string of a body, a query or a path parameter is kept, replaced by, or suffixed with one of the
texts below, as hypothesis draws it (so a run stays reproducible by its seed). The generator alone
never produces a lone surrogate; these are the characters a copy-paste brings.
"""

import schemathesis
from hypothesis import strategies as st

IN_A_URL = [
    "x\u0000y",  # NUL
    "\ufffe\uffff",  # noncharacters
    "\u202eevil\u202c",  # a bidirectional override
    "\U00020000\U0002a6a5",  # CJK Extension B, whole pairs
]
# In a body only: a URL carries UTF-8, which has no lone surrogate (its percent-encoding of one's
# bytes is tested by test/e2e/bad-input.test.ts), and one this long is refused by HTTP itself (431).
HOSTILE = IN_A_URL + [
    "a\ud800b",  # a lone high surrogate
    "\udc00",  # a lone low surrogate
    "x" * 100_000,  # far over any field's length
]


def hostile(value, texts, keys):
    """A strategy of `value` with some of its strings (and, with `keys`, its keys) made hostile."""
    if isinstance(value, str):
        return st.one_of(st.just(value), st.sampled_from(texts), st.sampled_from(texts).map(lambda text: value + text))
    if isinstance(value, dict):
        key = (lambda name: st.one_of(st.just(name), st.sampled_from(texts))) if keys else st.just
        return st.tuples(*[st.tuples(key(name), hostile(item, texts, keys)) for name, item in value.items()]).map(dict)
    if isinstance(value, list):
        return st.tuples(*[hostile(item, texts, keys) for item in value]).map(list)
    return st.just(value)


@schemathesis.hook
def flatmap_body(context, body):
    return hostile(body, HOSTILE, keys=True)


@schemathesis.hook
def flatmap_query(context, query):
    return hostile(query, IN_A_URL, keys=True) if query else st.just(query)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    # The names are the route's: only their values may be hostile.
    return hostile(path_parameters, IN_A_URL, keys=False) if path_parameters else st.just(path_parameters)
