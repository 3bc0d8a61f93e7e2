"""kompsesjon: terminal-first live sessions for municipal competence networks.

Future Workshops (framtidsverksted), dialogue conferences and case reflection,
run from a small websocket server with Textual clients. The method's rules live
in :mod:`kompsesjon.method`; everything else moves events around.
"""

__version__ = "0.1.0"
