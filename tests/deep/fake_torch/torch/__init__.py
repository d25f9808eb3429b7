"""A stand-in for the parts of torch that vramtop's reporter touches, for
tests without PyTorch or a GPU: torch.cuda.is_initialized, device_count,
memory_stats (keys as PyTorch names them), and torch._C's out-of-memory
observer hook. Tests drive it through torch.cuda._fake_*."""
__version__ = "0.0-fake"

from . import cuda  # noqa: E402,F401
from . import _C  # noqa: E402,F401
