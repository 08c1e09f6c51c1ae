"""Playwright driving Debian's Chromium against pytest-django's live server (fixtures `chromium` and
`page` are in tests/conftest.py, shared with the full-chain test in tests/stack/)."""
