import pytest

from .workshop import Workshop


@pytest.fixture
def workshop() -> Workshop:
    """A named Future Workshop with the default rules and no one in it yet."""
    return Workshop()


@pytest.fixture
def anonymous() -> Workshop:
    """An anonymous Future Workshop."""
    return Workshop(anonymous=True)
