"""A person signed in to the desk: the identity provider's verified claims (see
:mod:`shared.identity`) turned into a :class:`~services.desk.domain.access.Person`.

The roles claim must hold ``supervisor``, ``compliance`` (a compliance officer, who decides
escalated sends) or ``agent`` (an authenticated person with none is 403), and an agent's token
must name their team.
"""

from __future__ import annotations

import hmac

import jwt

from services.desk.domain.access import NotAllowed, Person
from shared.identity import Claims, InvalidCredentials, TokenRules, verified_claims


def person_of(claims: Claims) -> Person:
    """The desk's person, role and team of verified claims.

    :raises NotAllowed: no desk role, or an agent without a team.
    """
    if "supervisor" in claims.roles:
        return Person(id=claims.subject, role="supervisor")
    if "compliance" in claims.roles:
        return Person(id=claims.subject, role="compliance")
    if "agent" not in claims.roles:
        raise NotAllowed("the token carries no desk role")
    if claims.team is None:
        raise NotAllowed("an agent's token must name their team")
    return Person(id=claims.subject, role="agent", team=claims.team)


def verify(token: str, key: jwt.PyJWK, rules: TokenRules) -> Person:
    """The person a token names, once its signature and claims hold.

    :raises shared.identity.InvalidCredentials: anything wrong with the token itself.
    :raises NotAllowed: a valid token without a desk role (or an agent without a team).
    """
    return person_of(verified_claims(token, key, rules))


def id_token_person(token: str, key: jwt.PyJWK, rules: TokenRules, nonce: str) -> Person:
    """The person an OIDC ID token names (the console's sign-in): verified as a bearer token
    is, and carrying the ``nonce`` this sign-in sent (so a token issued for another sign-in,
    replayed, does not hold).

    :raises shared.identity.InvalidCredentials: the token does not hold, or another nonce.
    :raises NotAllowed: a valid token without a desk role.
    """
    person = verify(token, key, rules)
    # The signature and claims hold (verify): reading the same token's nonce is safe now.
    presented = jwt.decode(token, options={"verify_signature": False}).get("nonce")
    if not isinstance(presented, str) or not hmac.compare_digest(presented, nonce):
        raise InvalidCredentials("the ID token's nonce is not this sign-in's")
    return person
