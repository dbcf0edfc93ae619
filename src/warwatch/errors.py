"""One exception hierarchy; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class WarwatchError(Exception):
    """Base class of every error warwatch raises on purpose."""

    exit_code = 1


class InputError(WarwatchError):
    """A file, line or argument that cannot be read as an article."""

    exit_code = 2


class StoreError(WarwatchError):
    """The database cannot be opened, migrated or written."""

    exit_code = 3


class GazetteerError(WarwatchError):
    """The packaged gazetteer cannot be loaded or indexed."""

    exit_code = 4


class RendererMissing(WarwatchError):
    """A report format needs a package or program that is not installed; the message says which."""

    exit_code = 5
