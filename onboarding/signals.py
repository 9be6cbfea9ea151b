"""Signals that let a lower area tell a higher one that something happened.

Receivers run synchronously, inside the sender's transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the submitted ``QuizAttempt``.
attempt_submitted = _signals.signal("attempt-submitted")
#: sender: the ``Enrolment`` whose every module is now complete.
modules_completed = _signals.signal("modules-completed")
#: sender: the ``CohortMember`` about to leave its place, with ``to_cohort``,
#: ``to_session`` (None: the waiting list) and ``by``. The attendance area voids the marks
#: in the sessions left, or refuses (``CohortError``) when the person attended.
place_leaving = _signals.signal("place-leaving")
#: sender: the ``Enrolment`` now complete: every module done and the session attended.
programme_completed = _signals.signal("programme-completed")
