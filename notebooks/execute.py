"""Executes a notebook headlessly, cell by cell; exits non-zero if any cell fails.

    CVPNSIM_RUN=results/two-az-workday python notebooks/execute.py notebooks/analysis.ipynb
"""
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(path: str) -> int:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}})
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    cells = [c for c in nb.cells if c.cell_type == "code"]
    print(f"{path}: {len(cells)} code cells executed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
