"""tap: the one TAP runner of the Python test scripts (stdlib only).

A script registers its cases with @case and ends with sys.exit(run_cases()):

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
    from tap import case, run_cases

    @case("what it checks")
    def _():
        ...                    # raise (assert) to fail
        return "SKIP why"      # optional: printed as the directive, " # SKIP why"

Output: the plan "1..N", then "ok N - name [# directive]" per case, or
"not ok N - name" followed by "# "-prefixed lines of the exception and the
frames of the failing script it went through. A case's return value, when
not None, is printed after " # " (SKIP ..., TODO ..., or a note);
case(name, todo="why") marks a known failure ("not ok ... # TODO why" does
not fail the run). TEST_ONLY=substring runs only the cases whose name holds
it; the others are "ok ... # SKIP not selected". run_cases(skip_all="why") prints
"1..0 # SKIP why" and runs nothing; cleanup is called after every case that
ran, pass or fail. run_cases() returns the exit status: 1 if any case failed.
"""
import os
import sys
import traceback

_cases = []


def case(name, todo=None):
    def wrap(fn):
        _cases.append((name, fn, todo))
        return fn
    return wrap


def _report(e, fn, max_lines):
    lines = (f"{type(e).__name__}: {e}" if str(e) else type(e).__name__).splitlines()
    for line in lines[:max_lines] if max_lines else lines:
        print(f"# {line}")
    script = fn.__code__.co_filename
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == script]
    if frames:
        print("# at " + " -> ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"
                                    for f in frames))


def run_cases(skip_all=None, cleanup=None, max_lines=None):
    """Runs the registered cases, prints TAP, returns the exit status.
    max_lines: keep at most this many lines of an exception's message."""
    if skip_all:
        print(f"1..0 # SKIP {skip_all}")
        return 0
    print(f"1..{len(_cases)}")
    sys.stdout.flush()
    only = os.environ.get("TEST_ONLY")
    failed = 0
    for i, (name, fn, todo) in enumerate(_cases, 1):
        if only and only not in name:
            print(f"ok {i} - {name} # SKIP not selected")
            continue
        try:
            note = fn()
            if todo and not note:
                note = f"TODO {todo}"
            print(f"ok {i} - {name}" + (f" # {note}" if note else ""))
        except Exception as e:  # noqa: BLE001 -- every failure is reported as TAP
            failed += not todo
            print(f"not ok {i} - {name}" + (f" # TODO {todo}" if todo else ""))
            _report(e, fn, max_lines)
        finally:
            if cleanup:
                cleanup()
            sys.stdout.flush()
    return 1 if failed else 0
