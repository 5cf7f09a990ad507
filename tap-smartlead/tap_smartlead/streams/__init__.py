"""tap-smartlead streams, one module per Smartlead API object.

The tap syncs every stream class defined here with a ``name``: adding a stream is its class
and its schema file.
"""

import sys

from tap_core.registry import stream_types_in

STREAM_TYPES = stream_types_in(sys.modules[__name__])

__all__ = ["STREAM_TYPES"]
