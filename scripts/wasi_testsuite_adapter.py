"""gowasm's runtime adapter for the WebAssembly/wasi-testsuite runner.

The runner (``run-tests -r scripts/wasi_testsuite_adapter.py`` in a checkout
of the suite's ``prod/testsuite-base`` branch) imports this file and asks it
for the command line that runs one test: ``gowasm run`` with the test's
environment, its directory mounted at ``/``, and its arguments.
``scripts/wasi-testsuite.sh`` sets it up and runs it.
"""

import os
import sys
from typing import Dict, List, Optional, Tuple

# The Python that has gowasm installed (the runner itself may be another one).
PYTHON = os.environ.get("GOWASM_PYTHON", sys.executable)


def get_name() -> str:
    return "gowasm"


def get_version() -> str:
    return "0.1.0"


def get_wasi_versions() -> List[str]:
    return ["wasm32-wasip1"]


def get_wasi_worlds() -> List[str]:
    return ["wasi:cli/command"]


def compute_argv(test_path: str, args_env_root: Tuple[List[str], Dict[str, str], Optional[str]],
                 proposals: List[str], wasi_world: str, wasi_version: str) -> List[str]:
    args, env, root = args_env_root
    argv = [PYTHON, "-m", "gowasm", "run"]
    for key, value in env.items():
        argv += ["--env", "%s=%s" % (key, value)]
    if root:
        argv += ["--mount", "%s:/" % root]
    return argv + [test_path, "--"] + list(args)
