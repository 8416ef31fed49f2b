"""brikg: papers -> extraction -> graph -> reasoning -> validation -> store -> service.

The `kg` package is the pipeline; it never imports `service`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("brikg")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
