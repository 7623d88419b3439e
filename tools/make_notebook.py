"""Write notebooks/skeleton.ipynb from its cells (kept as code so diffs stay readable)."""

from pathlib import Path

import nbformat as nbf

CELLS = [
    (
        "md",
        "# The walking skeleton\n\nOne month of a small synthetic Ningbo: two policies "
        "matched on imperfect libraries and paid through the treasury, gas detectors watched by "
        "the alerting engine, grid workers answering. Change the parameters below and run all.",
    ),
    (
        "params",
        'scenario_file = "../scenarios/skeleton.yaml"\nscale = 0.001\ndays = 30\nseed = 20220618',
    ),
    (
        "code",
        "import twin\n\nscenario = twin.load_scenario(\n    scenario_file,\n"
        '    {"city.scale": scale, "duration": f"{days}d", "seed": seed},\n)\n'
        "result = twin.run(scenario)\nprint(result.summary_table())",
    ),
    ("md", "Money paid over time, how long it took, and what the sensors caught:"),
    ("code", "result.figure();"),
    ("md", "The daily table (also written as `daily.parquet` by `twin run`):"),
    ("code", "result.daily.to_pandas().head(10)"),
    ("md", "Coverage by policy - the share of truly eligible entities that received money:"),
    ("code", "{pid: result.metric('coverage', pid) for pid in result.summary['policies']}"),
    (
        "md",
        "The synthetic people behind the numbers: a sample of residents (the truth the "
        "platform never sees whole), also available as Mesa agents:",
    ),
    ("code", "model = twin.build_model(scenario)\nmodel.sample('person', 5)"),
    (
        "code",
        "agent = model.sample_agents('enterprise', 1)[0]\n"
        "agent.industry, agent.employees, agent.uses_platform",
    ),
]


def main() -> None:
    nb = nbf.v4.new_notebook()
    for kind, text in CELLS:
        if kind == "md":
            nb.cells.append(nbf.v4.new_markdown_cell(text))
        else:
            cell = nbf.v4.new_code_cell(text)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = Path(__file__).resolve().parent.parent / "notebooks" / "skeleton.ipynb"
    nbf.write(nb, path)


if __name__ == "__main__":
    main()
