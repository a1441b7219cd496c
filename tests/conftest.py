"""Every fixture shared between test packages comes from one plugin: ``tests.support``."""

pytest_plugins = ["tests.support.plugin"]
