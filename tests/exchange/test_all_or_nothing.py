"""Operator verbs on a node refuse bad ids or keys as a whole and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from haiquan.errors import ConflictError, NotFoundError, ValidationError
from haiquan.exchange.tables import outbox

from . import samples
from .conftest import NodeFactory, link


def test_acknowledge_refuses_unknown_ids(make_node: NodeFactory) -> None:
    tha = make_node("THA")
    with pytest.raises(NotFoundError, match="NO-SUCH") as caught:
        tha.acknowledge(["NO-SUCH"])
    assert caught.value.details["unknown"] == ["NO-SUCH"]
    assert tha.acknowledge([]) == 0


def test_requeue_is_all_or_nothing(make_node: NodeFactory) -> None:
    vnm, tha = make_node("VNM"), make_node("THA")
    link(vnm, tha)
    failed = vnm.send("atiga-form-d", samples.form_d(), receiver="THA")
    pending = vnm.send("atiga-form-d", samples.form_d(ref="VN-2026-000124"), receiver="THA")
    with vnm.store.write() as conn:
        conn.execute(update(outbox).where(outbox.c.message_id == failed).values(state="failed"))
    with pytest.raises(NotFoundError, match="1 of 2 message id"):
        vnm.requeue([failed, "NO-SUCH"])
    with pytest.raises(ConflictError, match=f"{pending} \\(pending\\)"):
        vnm.requeue([failed, pending])
    assert vnm.message(failed).state == "failed"
    assert vnm.requeue([failed, failed]) == 1
    assert vnm.message(failed).state == "pending"


@pytest.mark.parametrize(
    ("jwks", "message"),
    [
        ({"keys": []}, "has no keys"),
        ([1, 2], "has no keys"),
        ({"keys": ["THA-1"]}, "lacks kid or exp"),
        ({"keys": [{"kid": "THA-1", "exp": 4102444800, "kty": "RSA"}]}, "cannot be used"),
        ({"keys": [{"kid": "THA-1", "exp": 4102444800, "kty": "OKP", "crv": "Ed25519"}]},
         "cannot be used"),
    ],
    ids=["empty", "not-a-mapping", "key-not-a-mapping", "rsa", "no-x"],
)
def test_a_bad_jwks_is_the_partners_input_and_trusts_nothing(
    make_node: NodeFactory, jwks: object, message: str
) -> None:
    vnm = make_node("VNM")
    with pytest.raises(ValidationError, match=message):
        vnm.add_partner("THA", "http://127.0.0.1:9", jwks=jwks)  # type: ignore[arg-type]
    assert vnm.trust.partners == {}
