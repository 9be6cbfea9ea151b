"""The certificates' world (a graduate with a certificate, leaders, HR) serves here too."""

from tests.certificates.conftest import world  # noqa: F401
