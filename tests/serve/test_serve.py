"""``tfwatch serve`` in a real headless Chromium: the page loads, the app draws its runs
table, keys reach it, a token is enforced before any app process starts, the sessions
are capped, and closing the tab ends the app process."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cli_run import run_cli
from tests.serve.browser import headless_chromium, require_chromium, screen_text
from tests.serve.serve_process import running_serve
from tests.services.prometheus_server import wait_for


def write_runs(root: Path) -> Path:
    """Two finished tensorboardX runs with names to look for on screen."""
    import tensorboardX

    for name in ("alpha-run", "beta-run"):
        writer = tensorboardX.SummaryWriter(str(root / name))
        for step in range(30):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        writer.close()
    return root


def shows(driver: Any, check: Callable[[str], bool]) -> str | None:
    text = screen_text(driver)
    return text if check(text) else None


def type_keys(driver: Any, keys: str) -> None:
    """Type into the terminal (xterm.js reads keys from its hidden textarea)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(keys)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    require_chromium()
    return write_runs(tmp_path / "logs")


@pytest.mark.slow
def test_the_app_runs_in_a_browser_tab(logs: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    with (
        running_serve([logs], tmp_path / "serve.log", "--max-sessions", "1") as serve,
        headless_chromium() as driver,
    ):
        assert serve.app_processes() == []  # none before a tab opens
        driver.get(serve.url + "/")
        text = wait_for("the runs table", lambda: shows(driver, lambda t: "beta-run" in t))
        assert "alpha-run" in text and "2/2 runs" in text
        (app,) = serve.app_processes()
        assert "--readonly" in app.cmdline()
        # The one session allowed is taken: a second tab is refused before any process.
        status, body = serve.get("/")
        assert status == 503 and "all sessions in use" in body
        assert len(serve.app_processes()) == 1
        # Keys reach the app: "/" opens the filter, typing narrows the table.
        type_keys(driver, "/")
        type_keys(driver, "beta" + Keys.ENTER)
        wait_for("the filter to apply", lambda: shows(driver, lambda t: "1/2 runs" in t))
        assert "alpha-run" not in screen_text(driver)
        # Read-only always: K (stop the run's process) is refused.
        type_keys(driver, "K")
        wait_for("K to be refused", lambda: shows(driver, lambda t: "read-only" in t))
        driver.save_screenshot(str(tmp_path / "serve.png"))
        # Leaving the page ends its app process, although Chromium keeps the page in its
        # back-forward cache: the page closes its socket when hidden.
        driver.get("about:blank")
        wait_for("the app process to end", lambda: ended(app) or None)
        assert serve.app_processes() == []
        wait_for("the session count", lambda: "session closed (0 of 1)" in serve.log.read_text()
                 or None)  # fmt: skip
        assert serve.get("/")[0] == 200  # the session is free again
        # Back to the page: it opens a new session (a new app process) and draws again.
        driver.back()
        wait_for("a new session", lambda: serve.app_processes() or None)
        wait_for("the runs table again", lambda: shows(driver, lambda t: "2/2 runs" in t))


@pytest.mark.slow
def test_only_the_right_token_starts_an_app_and_sigterm_stops_it(
    logs: Path, tmp_path: Path
) -> None:
    with (
        running_serve([logs], tmp_path / "serve.log", "--token", "s3cret") as serve,
        headless_chromium() as driver,
    ):
        driver.get(serve.url + "/")
        assert "token needed" in driver.page_source
        driver.get(serve.url + "/?token=guess")
        assert "wrong token" in driver.page_source
        # The websocket, asked for directly, is refused the same way.
        assert serve.get("/ws?width=80&height=24")[0] == 401
        assert serve.get("/ws?token=guess")[0] == 403
        assert serve.app_processes() == []
        # The right token: a cookie, the address without the token, and the app.
        driver.get(serve.url + "/?token=s3cret")
        assert driver.current_url == serve.url + "/"
        wait_for("the runs table", lambda: shows(driver, lambda t: "alpha-run" in t))
        (app,) = serve.app_processes()
        # SIGTERM with a tab open: the server closes the tab's session, its app ends.
        serve.process.send_signal(signal.SIGTERM)
        assert serve.process.wait(60) == 0
        wait_for("the app process to end", lambda: ended(app) or None)
        assert "Traceback" not in serve.log.read_text()


def test_another_address_needs_a_token_or_no_auth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TFWATCH_SERVE_TOKEN", raising=False)
    result = run_cli(monkeypatch, "serve", str(tmp_path), "--host", "0.0.0.0")
    assert result.status == 2
    assert result.err.startswith("tfwatch: --host 0.0.0.0 is reachable from other machines")
    assert result.err.count("\n") == 1
    assert run_cli(monkeypatch, "serve", str(tmp_path), "--max-sessions", "0").status == 2


def test_no_auth_elsewhere_warns(logs: Path, tmp_path: Path) -> None:
    with running_serve([logs], tmp_path / "serve.log", "--host", "0.0.0.0", "--no-auth") as serve:
        assert "warning: no token" in serve.log.read_text()
        assert serve.get("/")[0] == 200


def test_the_token_may_come_from_the_environment(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TFWATCH_SERVE_TOKEN", "from-env")
    with running_serve([logs], tmp_path / "serve.log", "--host", "0.0.0.0") as serve:
        assert serve.get("/")[0] == 401
        assert serve.get("/?token=from-env")[0] == 200  # (redirected, with the cookie kept)


def ended(process: Any) -> bool:
    """Whether an app process has exited (a zombie not yet reaped by the server counts:
    psutil calls it running until its parent waits for it)."""
    import psutil

    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
