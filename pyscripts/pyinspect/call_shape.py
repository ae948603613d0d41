"""Does the target accept the call pyinspect will make? Checked from the signature before the first call, so a
function that needs arguments is a usage mistake with advice, not a TypeError blamed on the target."""


def mismatch(function, arguments, how, advice):
    """None if `function(*arguments)` binds; else one line saying how pyinspect calls it and what to do.

    Callables without a signature (some builtins) are not judged: the call itself will tell."""
    import inspect
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*arguments)
    except TypeError:
        pass
    else:
        return None
    name = (getattr(function, "__qualname__", None) or getattr(getattr(function, "func", None), "__qualname__", None)
            or type(function).__name__)
    parameters = list(signature.parameters.values())
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(arguments) > len(positional) and not any(p.kind == p.VAR_POSITIONAL for p in parameters):
        shape = f"takes {len(positional)}" if positional else "takes none"
    else:
        missing = [p.name for p in positional[len(arguments):] if p.default is p.empty]
        missing += [p.name for p in parameters if p.kind == p.KEYWORD_ONLY and p.default is p.empty]
        shape = "needs " + ", ".join(f"'{n}'" for n in missing)
    return f"{how.format(name=name)}, but {name}{signature} {shape}: {advice.format(name=name)}"
