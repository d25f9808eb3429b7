"""sitecustomize for `vramtop wrap`: starts the deep-mode reporter once the
program imports torch, with no change to the program. Any sitecustomize the
program would have had without us (later on sys.path) still runs."""


def _vramtop_wrap():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        try:
            from vramtop import _hook
        except ImportError:  # the package lives two levels up from here
            sys.path.append(os.path.dirname(os.path.dirname(here)))
            from vramtop import _hook
        _hook.install(interval=float(os.environ.get("VRAMTOP_INTERVAL", "1.0") or 1.0))
    except Exception as e:  # never into the host program
        try:
            sys.stderr.write("vramtop: deep mode not started: %s\n" % e)
        except Exception:
            pass
    # chain the sitecustomize this one shadows
    try:
        import importlib.machinery
        import importlib.util
        path = [p for p in sys.path if os.path.abspath(p or ".") != here]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
        if spec is not None and spec.loader is not None:
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
    except Exception as e:
        try:
            sys.stderr.write("vramtop: the program's own sitecustomize failed: %s\n" % e)
        except Exception:
            pass


_vramtop_wrap()
del _vramtop_wrap
