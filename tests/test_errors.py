"""The errors survqa raises: one base class, none of them a ValueError or TypeError (which
are bad input: exit status 2 in the CLI, where survqa's own errors give 1)."""

from __future__ import annotations

import inspect

import pytest

import survqa
from survqa import errors

CLASSES = [
    errors.CorpusError,
    errors.IndexMissingError,
    errors.IndexMismatchError,
    errors.IndexDamagedError,
    errors.EmbedderError,
    errors.IngestError,
    errors.BackendError,
]


def test_every_error_of_the_module_is_listed() -> None:
    defined = {obj for _, obj in inspect.getmembers(errors, inspect.isclass)
               if obj.__module__ == errors.__name__}  # fmt: skip
    assert defined == {errors.SurvqaError, *CLASSES}


@pytest.mark.parametrize("cls", CLASSES)
def test_hierarchy(cls: type[Exception]) -> None:
    assert issubclass(cls, errors.SurvqaError) and issubclass(cls, Exception)
    assert not issubclass(cls, (ValueError, TypeError, OSError))
    assert cls.__doc__  # says when it is raised
    with pytest.raises(survqa.SurvqaError, match="what to do"):
        raise cls("what to do")


def test_the_errors_are_distinct() -> None:
    for a in CLASSES:
        for b in CLASSES:
            assert (a is b) == issubclass(a, b)
    assert survqa.SurvqaError is errors.SurvqaError and issubclass(errors.SurvqaError, Exception)
