"""Advice that the runtime and the inspector give alike, in one place.

Both sit above it: ``Module`` raises it (``_module.py``) and ``gowasm
inspect`` prints it (``_tools/inspect.py``); it imports nothing of gowasm.
"""

# Go 1.26's plain `go build` keeps //go:wasmexport functions in a command,
# but only _start initializes Go's runtime: calling one first traps
# ("wasmexport function called before runtime initialization"). Module
# refuses such calls with this advice; the inspector gives it for such a file.
GO_COMMAND_WITH_EXPORTS_ADVICE = (
    "this Go module was built as a command (go build without -buildmode=c-shared): its //go:wasmexport "
    "functions cannot be called, because only _start (main) initializes Go's runtime. Rebuild it with "
    "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, or run it as a program with gowasm.run()")
