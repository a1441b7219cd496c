"""What every test package shares, loaded as one pytest plugin (``tests.support.plugin``).

One home each: databases (``postgres``, ``databases``), the in-process app and its
browser clients (``asgi``), a real server on a port (``live``), the committee over
HTTP (``committee``), a mail inbox (``inbox``), the trustee tool as a process
(``trustees``) and Chromium with the checks every page passes (``browser``, its
fixtures in ``browser_fixtures``).  Tests import from here, never from each other's
modules.
"""
