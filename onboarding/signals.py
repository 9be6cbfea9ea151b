"""Signals that let a lower area tell a higher one that something happened.

Only where a higher area reacts to a lower one; where an area's event has one known next
step in an area below or beside it, it calls that step. Each receiver is connected in its
area's ``init_app``, and runs synchronously, inside the sender's transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the ``User`` whose account single sign-on has just linked to an identity at the
#: provider, with ``email`` (the address the provider gave, or the account's).
#: Received by audit.
account_linked = _signals.signal("account-linked")
#: sender: the ``Enrolment`` whose every module is now complete (learning).
#: Received by certificates: the programme is complete if the person also attended.
modules_completed = _signals.signal("modules-completed")
#: sender: the ``User`` just marked møtt or kom for sent at a session (attendance).
#: Received by certificates: the programme is complete if the modules are done.
session_attended = _signals.signal("session-attended")
#: sender: the ``CohortMember`` about to leave its place, with ``to_cohort``,
#: ``to_session`` (None: the waiting list) and ``by`` (cohorts). Received by attendance,
#: which voids the marks in the sessions left, or refuses (``CohortError``) when the
#: person attended.
place_leaving = _signals.signal("place-leaving")
