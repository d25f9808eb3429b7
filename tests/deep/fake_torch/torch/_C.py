"""torch._C's out-of-memory observer hook, as PyTorch 2.x has it."""
_observers = []


def _cuda_attach_out_of_memory_observer(fn):
    _observers.append(fn)
