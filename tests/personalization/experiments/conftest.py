import pytest

from tests.helpers.experiments import hero_experiment


@pytest.fixture
def experiment():
    """Four visitors in two arms with conversions and purchases before and after their first exposure."""
    hero_experiment()
