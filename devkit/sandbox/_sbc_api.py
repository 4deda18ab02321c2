"""The SBC's REST face (`/sbc/v1`): per-number auth rules and reload."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devkit.sandbox._http import BadRequest, Call, Reply, Route, read_json
from devkit.sandbox._sbc_state import SbcRule

PREFIXES = ("/sbc",)


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    tag: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=128)
    protocol: str = Field(pattern=r"^(any|udp|tcp|tls|ws|wss|sctp)$")
    from_pattern: str = Field(max_length=255)
    ruri_pattern: str = Field(max_length=255)
    priority: int = Field(ge=0, le=1000)


def list_rules(call: Call) -> Reply:
    tag = call.request.args.get("tag")
    if not tag:
        return error(400, "invalid", "the tag parameter is required")
    return Reply(200, {"rules": [r.to_json() for r in call.world.sbc.rules_for(tag)]})


def put_rule(call: Call) -> Reply:
    rule_id = call.args["id"]
    try:
        body = RuleBody.model_validate(read_json(call.request))
    except BadRequest as exc:
        return error(400, "invalid", exc.message)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return error(400, "invalid", f"{where}: {first['msg']}")
    if body.id is not None and body.id != rule_id:
        return error(400, "invalid", f"body id {body.id!r} does not match the path")
    rule = SbcRule(
        id=rule_id,
        tag=body.tag,
        source=body.source,
        protocol=body.protocol,
        from_pattern=body.from_pattern,
        ruri_pattern=body.ruri_pattern,
        priority=body.priority,
    )
    call.world.sbc.put(rule)
    return Reply(200, rule.to_json())


def delete_rule(call: Call) -> Reply:
    rule = call.world.sbc.delete(call.args["id"])
    if rule is None:
        return error(404, "not_found", f"no rule {call.args['id']!r}")
    return Reply(200, rule.to_json())


def reload_rules(call: Call) -> Reply:
    call.world.sbc.reloads += 1
    return Reply(200, {"reloaded": True})


def routes() -> list[Route]:
    return [
        Route("/sbc/v1/rules", ("GET",), list_rules),
        Route("/sbc/v1/rules/<id>", ("PUT",), put_rule),
        Route("/sbc/v1/rules/<id>", ("DELETE",), delete_rule),
        Route("/sbc/v1/reload", ("POST",), reload_rules),
    ]


def fault_reply(kind: str, *, path: str, retry_after: int, coin: float, echo: str = "") -> Reply:
    if kind == "rate_limited":
        reply = error(429, "rate_limited", f"too many requests{echo}")
        reply.headers["Retry-After"] = str(retry_after)
        return reply
    if kind == "error" and coin < 0.5:
        return error(503, "unavailable", f"service unavailable{echo}")
    return error(500, "internal", f"internal server error{echo}")


def unauthorised() -> Reply:
    return error(401, "unauthorized", "a valid bearer token is required")
