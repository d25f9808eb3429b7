"""Starts the reporter when torch has been imported (for `vramtop wrap`):
at once if it already is, else from an import hook that runs after the
module named torch finished loading."""
import importlib.abc
import sys


class _AfterTorch(importlib.abc.MetaPathFinder):
    def __init__(self, start):
        self._start = start
        self._busy = False

    def find_spec(self, name, path=None, target=None):
        if name != "torch" or self._busy:
            return None
        self._busy = True
        try:
            import importlib.util
            spec = importlib.util.find_spec(name)
        except Exception:
            spec = None
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        inner = spec.loader
        start = self._start
        finder = self

        class _Loader(importlib.abc.Loader):
            def create_module(self, s):
                return inner.create_module(s)

            def __getattr__(self, name):  # anything else is the real loader's
                return getattr(inner, name)

            def exec_module(self, module):
                # torch sees its real loader (importlib.resources asks it)
                module.__loader__ = inner
                if getattr(module, "__spec__", None) is not None:
                    module.__spec__.loader = inner
                inner.exec_module(module)
                try:
                    sys.meta_path.remove(finder)
                except ValueError:
                    pass
                start()

        spec.loader = _Loader()
        return spec


def install(interval=1.0):
    from vramtop import report

    def start():
        report(interval=interval)

    if "torch" in sys.modules:
        start()
    else:
        sys.meta_path.insert(0, _AfterTorch(start))
