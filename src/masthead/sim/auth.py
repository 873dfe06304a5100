"""Authentication: bearer tokens mapped to users, anonymous access, impersonation headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from masthead.sim.errors import ApiError
from masthead.sim.rbac import UserInfo

ANONYMOUS = UserInfo(name="system:anonymous", groups=("system:unauthenticated",))


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


@dataclass
class TokenAuthenticator:
    """Static token file semantics: token -> user. Tokens can be revoked at run time."""

    tokens: dict[str, UserInfo] = field(default_factory=dict)
    anonymous_enabled: bool = True

    def add(self, token: str, user: UserInfo) -> None:
        self.tokens[token] = user

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def authenticate(self, headers: Mapping[str, str]) -> UserInfo:
        auth = headers.get("Authorization", "")
        if not auth:
            if self.anonymous_enabled:
                return ANONYMOUS
            raise unauthorized()
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized()
        user = self.tokens.get(token.strip())
        if user is None:
            raise unauthorized()
        if "system:authenticated" not in user.groups:
            user = UserInfo(
                name=user.name,
                uid=user.uid,
                groups=(*user.groups, "system:authenticated"),
                extra=user.extra,
            )
        return user


def impersonation(headers: Mapping[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """The Impersonate-User / Impersonate-Group headers, if any."""
    user = headers.get("Impersonate-User")
    if not user:
        return None
    groups: list[str] = []
    for k, v in headers.items():
        if k.lower() == "impersonate-group":
            groups.append(v)
    return user, tuple(groups)
