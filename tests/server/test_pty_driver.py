"""What of Textual the SSH seat host relies on is still there.

``server/pty_driver.py`` subclasses ``LinuxDriver`` without its ``__init__``
and calls some of its private methods; ``server/seat_host.py`` replaces an
app's print capture and driver class before it runs; ``server/parsed_css.py``
wraps ``Stylesheet._parse_rules`` and reads a stylesheet's ``_variables``. Textual is pinned
(pyproject.toml); this fails when an upgrade changes what we rely on.
"""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import textual
from textual._context import active_app
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

from server.pty_driver import LINUX_DRIVER_PARTS, PtyDriver

PINNED = "8.2.8"


def test_textual_is_the_pinned_version():
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert f"textual=={PINNED}" in project["project"]["dependencies"]
    assert textual.__version__ == PINNED, "read server/pty_driver.py against the new LinuxDriver, then re-pin"


def test_the_parts_of_linux_driver_we_call_are_there():
    for name in LINUX_DRIVER_PARTS:
        assert callable(getattr(LinuxDriver, name, None)), name
    assert issubclass(PtyDriver, LinuxDriver)
    # What the methods we call read of the driver, PtyDriver sets (LinuxDriver.__init__ is skipped).
    source = inspect.getsource(LinuxDriver)
    for attribute in ("self.fileno", "self.input_tty", "self._in_band_window_resize", "self._mouse_pixels"):
        assert attribute in source, attribute
    init = inspect.getsource(LinuxDriver.__init__)
    assert "signal.signal" in init, "LinuxDriver.__init__ still installs signal handlers: PtyDriver skips it"
    assert list(inspect.signature(Driver.__init__).parameters) == ["self", "app", "debug", "mouse", "size"]


def test_what_the_seat_host_sets_on_an_app_is_what_textual_uses():
    run = inspect.getsource(App._process_messages)
    assert "redirect_stdout(self._capture_stdout)" in run and "redirect_stderr(self._capture_stderr)" in run
    build = inspect.getsource(App._build_driver)
    assert "self.driver_class" in build and "driver_class(" in build
    assert "_exception" in inspect.getsource(App.__init__)
    assert active_app.name == "active_app"


def test_what_the_shared_css_wraps_is_where_every_stylesheet_parses():
    parameters = list(inspect.signature(Stylesheet._parse_rules).parameters)
    assert parameters == ["self", "css", "read_from", "is_default_rules", "tie_breaker", "scope"]
    # parse() (and reparse(), through a fresh stylesheet's parse()) parse each source there.
    assert "self._parse_rules(" in inspect.getsource(Stylesheet.parse)
    assert "stylesheet.parse()" in inspect.getsource(Stylesheet.reparse)
    # The variables (the theme) are substituted as it parses, so they are part of the key.
    assert "variable_tokens=self._variable_tokens" in inspect.getsource(Stylesheet._parse_rules)
    assert "tokenize_values(self._variables)" in inspect.getsource(Stylesheet)
    assert "self._variables = variables" in inspect.getsource(Stylesheet.set_variables)
