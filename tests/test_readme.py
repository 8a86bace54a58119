"""The README's example runs as printed."""
import pathlib
import re


def test_readme_example_runs():
    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["loss"].item() < 0.1
    assert scope["g"].item() == 12.0 and scope["z"].grad.item() == 12.0
