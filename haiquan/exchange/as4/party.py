"""This node's own AS4 party: the ``eb:PartyId`` and type it sends as ``From`` and accepts as
``To``. By default the node's ISO 3166 alpha-3 code under haiquan's ebCore type; a node joining
a network that names its members otherwise (an ISO 6523 scheme, say) sets its id there, in
``<home>/as4/party.yaml``, and tells its partners."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from haiquan._files import write_atomically
from haiquan.errors import ConfigurationError
from haiquan.exchange._util import parse_setting_yaml
from haiquan.exchange.as4.pmode import DEFAULT_PARTY_TYPE

__all__ = ["NodeParty", "node_party", "set_node_party"]

PARTY_FILE = "party.yaml"


class _PartyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party_id: str = Field(min_length=1, max_length=255)
    party_type: str = Field(min_length=1, max_length=255)


@dataclass(frozen=True)
class NodeParty:
    """The node's AS4 party id and its type."""

    party_id: str
    party_type: str


def node_party(home: Path, country: str) -> NodeParty:
    """The party this node speaks as (``party.yaml``, else its country code).

    Raises:
        ConfigurationError: ``party.yaml`` is not valid.
    """
    path = Path(home) / "as4" / PARTY_FILE
    if not path.exists():
        return NodeParty(country, DEFAULT_PARTY_TYPE)
    raw = parse_setting_yaml(path.read_text(encoding="utf-8"), path, "AS4 party",
                             expected="party_id: ... and party_type: urn:...",
                             fix="or write it again with `haiquan gateway as4 set-party "
                             "--party-id ID --party-type TYPE`")
    try:
        data = _PartyFile.model_validate(raw)
    except ValidationError as error:
        raise ConfigurationError(
            f"{path} is not valid", expected="party_id: ... and party_type: urn:...",
            got=str(error).splitlines()[0],
            fix="haiquan gateway as4 set-party --party-id ID --party-type TYPE") from error
    return NodeParty(data.party_id, data.party_type)


def set_node_party(home: Path, party_id: str, party_type: str = DEFAULT_PARTY_TYPE
                   ) -> NodeParty:
    """Write ``party.yaml`` (validated first; nothing written when it is not valid)."""
    try:
        data = _PartyFile(party_id=party_id, party_type=party_type)
    except ValidationError as error:
        raise ConfigurationError(
            "the AS4 party is not valid", expected="a party id and a type of 1-255 characters",
            got=f"{party_id!r} / {party_type!r}", fix="give both") from error
    folder = Path(home) / "as4"
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data.model_dump(), sort_keys=True)
    write_atomically(folder / PARTY_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return NodeParty(data.party_id, data.party_type)
