"""The one base class of every error a user can cause and correct.

The command line, the HTTP API and the pages catch :class:`UserError` (and only it) and show its
message plainly; anything else is a fault of the program, logged with its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """Something asked for that cannot be done as asked; the message says why and what to do."""
