"""The dispatcher's circuit breaker: one per worker, one circuit per partner.

A partner's circuit is in one of three states:

- **closed** (no :class:`PartnerOutage` for it): its messages go out as they fall due.
- **open** (an outage, not answering): nothing is signed or posted for it; its pending messages
  are held until ``until``, when it is probed with a cheap ``GET /exchange/v1/node`` rather
  than by re-signing every queued message. Each failed probe puts the next one further off
  (the dispatcher's exponential backoff with jitter).
- **half-open** (an outage whose probe answered): its messages go out again; the circuit closes
  once one of them is delivered, or, if none waits for it (another worker delivered them), when
  ``until`` comes — a partner answering its probe but refusing messages must not be recorded up.

The circuits live in this worker's memory, but every change is written to the store's
``gw_partner_state`` table (``down`` when a partner becomes unreachable and at each failed
probe, ``up`` when it closes) so that ``gateway status`` and the dashboard in other processes
show it, and a worker that starts takes up the partners recorded down there, probing each
before signing anything for it. A partner removed from trust is forgotten there and its pending
messages fail, as a message to any untrusted partner does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from haiquan.errors import HaiquanError
from haiquan.exchange.config import NodeConfig
from haiquan.exchange.dispatcher import backoff_delay
from haiquan.exchange.logs import log_fields
from haiquan.exchange.monitoring import partner_reachability
from haiquan.exchange.store import GatewayStore
from haiquan.exchange.trust import TrustStore

__all__ = ["PartnerCircuit", "PartnerOutage"]

#: Asks a partner's node route whether it answers: ``None`` when it does, else why not.
Probe = Callable[[str], str | None]


@dataclass
class PartnerOutage:
    """A partner this worker found unreachable: when it is next probed, how many times in a
    row it failed, since when, the last reason, and whether its last probe answered (then its
    messages go out again and it counts as back once one is delivered, or once none waits for
    it; ``until`` is then when to look for that)."""

    until: float
    failures: int
    since: float
    reason: str
    answering: bool = False


class PartnerCircuit:
    """This worker's circuits for all its partners, and the only code that changes them.

    Args:
        store: where states are recorded for other processes and messages are held.
        trust: the partners this node trusts (read at each :meth:`check`, as it reloads).
        config: the node's retry settings (``retry_base_seconds``, ``retry_max_seconds``).
        worker_id: the claim the held messages are released from.
        log: where state changes are logged.
        probe: asks a partner whether it answers (``None``) or why not.
    """

    def __init__(
        self,
        *,
        store: GatewayStore,
        trust: TrustStore,
        config: NodeConfig,
        worker_id: str,
        log: logging.Logger,
        probe: Probe,
    ) -> None:
        self.store = store
        self.trust = trust
        self.config = config
        self.worker_id = worker_id
        self.log = log
        self.probe = probe
        #: the open and half-open circuits, by partner; a closed one has no entry.
        self.outages: dict[str, PartnerOutage] = {}
        #: the ``trust.generation`` the recorded states were last read against (``None``: not
        #: read yet, done on the first :meth:`check`).
        self.trust_generation: int | None = None

    def is_open(self, partner: str) -> bool:
        """Whether ``partner`` has an outage (open or half-open circuit)."""
        return partner in self.outages

    def check(self) -> list[str]:
        """Before a dispatcher pass: take up recorded states, forget partners gone from trust,
        probe the open circuits whose probe is due, and close the half-open ones with nothing
        left waiting.

        Returns:
            The partners whose messages this pass must not claim: open circuits whose probe is
            not due (as of the start of the check, so none slips through unprobed).
        """
        if self.trust_generation != self.trust.generation:
            # First pass, or partners may have gone from trust: read the recorded states again,
            # so one found up (or down) and then removed is forgotten, not listed by `gateway
            # status` for ever. Compared by generation, not by whether this pass reloaded: the
            # receiver (an incoming request) may have taken the change of trust.yaml first.
            self._resume()
        now = time.time()
        for country in [c for c in self.outages if c not in self.trust.partners]:
            # Removed from trust while down: it will never be probed back, and a message to it
            # fails as one to any untrusted partner does.
            self.forget(country)
        back: list[str] = []
        for country, outage in self.outages.items():
            if outage.until > now:
                continue
            if outage.answering:
                # It answered its probe and its messages go out; when none is left waiting
                # (another worker delivered them) it is back, rather than recorded down for ever.
                if self.store.pending_count(country) == 0:
                    back.append(country)
                else:
                    outage.until = now + self.config.retry_max_seconds
                continue
            # A partner found down is probed with a cheap GET before anything is signed for it.
            problem = self.probe(country)
            if problem is None:
                if self.store.pending_count(country) == 0:
                    back.append(country)
                    continue
                outage.answering = True
                outage.until = now + self.config.retry_max_seconds
                # "Back" is logged once a message is delivered: a partner answering GET but
                # refusing POSTs must not log a state change on every probe.
                self.log.debug(
                    "partner %s answers its probe; sending its messages",
                    country,
                    extra=log_fields("partner_answers_probe", partner=country),
                )
                continue
            outage.failures += 1
            outage.reason = problem
            outage.until = now + self._backoff(outage.failures)
            self.log.debug(
                "partner %s still unreachable (%s); next probe in %.1f s",
                country,
                problem,
                outage.until - now,
                extra=log_fields("partner_still_unreachable", partner=country),
            )
            self.store.record_partner_state(
                country, "down", since=outage.since, error=problem, checked_at=now
            )
            self._hold(country, outage)
        for country in back:
            self.close(country, "it answers and no message waits for it")
        return [
            country
            for country, outage in self.outages.items()
            if outage.until > now and not outage.answering
        ]

    def open(self, partner: str, reason: str) -> None:
        """Open (or keep open) the circuit for ``partner`` and hold its messages until the
        probe: it could not take the messages just sent."""
        now = time.time()
        outage = self.outages.get(partner)
        if outage is None:
            self.store.record_partner_state(
                partner, "down", since=now, error=reason, checked_at=now
            )
            outage = self.outages[partner] = PartnerOutage(now, 0, now, reason)
            self.log.warning(
                "partner %s cannot take messages: %s; its messages stay pending "
                "and it is probed with backoff",
                partner,
                reason,
                extra=log_fields("partner_unreachable", partner=partner),
            )
        else:
            self.store.record_partner_state(
                partner, "down", since=outage.since, error=reason, checked_at=now
            )
            self.log.debug(
                "partner %s failed again after its probe answered: %s",
                partner,
                reason,
                extra=log_fields("partner_failed_after_probe", partner=partner),
            )
        outage.failures += 1
        outage.answering = False
        outage.reason = reason
        outage.until = now + self._backoff(outage.failures)
        self._hold(partner, outage)

    def close(self, partner: str, how: str) -> None:
        """Close the circuit for ``partner``: record it ``up`` in the store, then forget the
        outage (recorded first, so a failed write is tried again on the next pass)."""
        outage = self.outages[partner]
        now = time.time()
        self.store.record_partner_state(partner, "up", since=now, checked_at=now)
        del self.outages[partner]
        self.log.info(
            "partner %s is reachable again after %.0f s; %s",
            partner,
            now - outage.since,
            how,
            extra=log_fields("partner_reachable", partner=partner),
        )

    def forget(self, country: str) -> None:
        """``country`` is no longer a trusted partner: forget its reachability (in the store
        and this worker) and fail its pending messages with the reason, instead of holding
        them for a probe that can never succeed."""
        try:
            self.trust.partner(country)
            return  # trusted again meanwhile
        except HaiquanError as error:
            reason = str(error)
        failed = self.store.forget_partner(country, reason)
        self.outages.pop(country, None)
        self.log.warning(
            "partner %s is no longer trusted: its reachability is forgotten and "
            "its %d pending message(s) failed (%s)",
            country,
            failed,
            reason,
            extra=log_fields("partner_no_longer_trusted", partner=country),
        )

    def _resume(self) -> None:
        """Take up the partners the store records down (found by an earlier run or another
        worker): each is probed before anything is signed for it."""
        generation = self.trust.generation  # a change from now on is looked at again next pass
        for found in partner_reachability(self.store):
            if found.partner not in self.trust.partners:
                self.forget(found.partner)
            elif found.state == "down" and found.partner not in self.outages:
                self.outages[found.partner] = PartnerOutage(
                    until=0.0,
                    failures=1,
                    since=found.since.timestamp(),
                    reason=found.last_error or "recorded down",
                    answering=False,
                )
                self.log.info(
                    "partner %s was found down at %s (%s); probing it before sending",
                    found.partner,
                    f"{found.since:%Y-%m-%d %H:%M:%S}Z",
                    found.last_error or "no reason recorded",
                    extra=log_fields("partner_found_down", partner=found.partner),
                )
        self.trust_generation = generation

    def _backoff(self, failures: int) -> float:
        return backoff_delay(
            failures - 1, self.config.retry_base_seconds, self.config.retry_max_seconds
        )

    def _hold(self, partner: str, outage: PartnerOutage) -> None:
        """One UPDATE per partner per probe: its pending messages become due at the next probe,
        and say why, so ``gateway show`` and ``messages`` tell the operator the truth."""
        since = datetime.fromtimestamp(outage.since, UTC)
        probe = datetime.fromtimestamp(outage.until, UTC)
        self.store.postpone_partner(
            partner,
            outage.until,
            f"{partner} unreachable since {since:%Y-%m-%d %H:%M:%S}Z ({outage.reason}); "
            f"held until it answers, next probe {probe:%H:%M:%S}Z",
            self.worker_id,
        )
