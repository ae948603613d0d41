"""JSON through CPython's `_json` accelerator alone: `import json` pulls in `re` and costs ~10 ms of start-up."""
import _json


class _DecodeContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = None

    @staticmethod
    def parse_constant(name):
        return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


_scan = _json.make_scanner(_DecodeContext())


def _default(value):
    return repr(value)


def loads(text):
    value, end = _scan(text, 0)
    if text[end:].strip():
        raise ValueError("extra data after JSON value")
    return value


def dumps(value):
    """Compact ASCII JSON; values JSON has no form for become their repr(); inf and nan become null."""
    encoder = _json.make_encoder({}, _default, _json.encode_basestring_ascii, None, ":", ",", False, True, True)
    text = "".join(encoder(value, 0))
    if "Infinity" in text or "NaN" in text:
        return "".join(encoder(_finite(value), 0))
    return text


def _finite(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
