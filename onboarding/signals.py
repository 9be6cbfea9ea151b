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
#: sender: a ``User`` just added as a new hire (by the import or by HR); the cohorts
#: area assigns them to a cohort.
new_hire_created = _signals.signal("new-hire-created")
#: sender: the ``Enrolment`` now complete: every module done and the session attended.
programme_completed = _signals.signal("programme-completed")
