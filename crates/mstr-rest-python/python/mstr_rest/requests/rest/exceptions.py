"""The seed's exception module path: ``from mstr_rest.requests.rest.exceptions import
LoginFailureException``. The classes are those of :mod:`mstr_rest.exceptions`."""

from ...exceptions import *  # noqa: F401,F403
from ...exceptions import __all__  # noqa: F401
