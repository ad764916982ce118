"""Executes a notebook headlessly, cell by cell; exits non-zero if any cell fails, if it
produced no figure (an image/png output), or if a cell tagged `figure` produced none (those cells
always plot when the notebook is given a run with a connection log and a sweep).

    CVPNSIM_RUN=results/two-az-workday CVPNSIM_SWEEP=results/two-az-workday-sweep \
        python notebooks/execute.py notebooks/analysis.ipynb
"""
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(path: str) -> int:
    # The kernel draws with the inline backend, which renders each figure as a PNG output
    # without a display; a non-interactive backend such as Agg would record no figure at all.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}})
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    cells = [c for c in nb.cells if c.cell_type == "code"]
    figures = sum(
        1 for c in cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    )
    print(f"{path}: {len(cells)} code cells executed, {figures} figures")
    if figures == 0:
        print(f"{path}: no figure was produced (is a plot hidden?)", file=sys.stderr)
        return 1
    missing = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        and "figure" in c.get("metadata", {}).get("tags", [])
        and not any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
    ]
    if missing:
        print(f"{path}: cells {missing} are tagged `figure` but drew none", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
