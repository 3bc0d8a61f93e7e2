"""Key bindings whose descriptions follow the user's language.

The participant app's bindings use ``participant.…`` i18n keys; the
translation itself is shared with the host view (:mod:`kompsesjon.tui.keys`).
"""

from kompsesjon.tui.keys import N_, Translated, translate_bindings

__all__ = ["N_", "Translated", "translate_bindings"]
