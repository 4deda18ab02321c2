"""Reading a typed order from raw input (a modal's fields, a command's text): the command model
built, or ``InvalidInput`` naming the first field that is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from commands.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def order(model: type[M], values: Mapping[str, Any]) -> M:
    """Build a command from raw input, or ``InvalidInput`` naming the first field that is wrong.

    Validators of the command models raise ``ValueError`` with a sentence a person can act on;
    that sentence is the message. Pydantic's own messages are the fallback.
    """
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "input"
        error = (first.get("ctx") or {}).get("error")
        message = str(error) if isinstance(error, ValueError) else first["msg"]
        raise InvalidInput(field, message) from None
