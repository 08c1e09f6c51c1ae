"""Steps the browser tests share."""

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password


def log_in(page, url: str, username: str) -> None:
    """Open `url` (a login page with ?next=...), sign in, and wait until the next page is usable."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit], main button[type=submit]").first.click()
    page.wait_for_load_state("load")
    if "/portal/" in page.url:
        wait_for_htmx(page)


def wait_for_htmx(page) -> None:
    """Autosave needs htmx initialised before the first keystroke; without it a form posts the old way."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
