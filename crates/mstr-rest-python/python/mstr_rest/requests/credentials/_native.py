from ... import _core


def native(name: str, cloud: str):
    """A cloud source function of the core, or an ImportError naming the missing feature."""
    try:
        return getattr(_core, name)
    except AttributeError:
        raise ImportError(
            f"this mstr_rest build has no {cloud} support (built without the '{cloud}' feature)"
        ) from None
