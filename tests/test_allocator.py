"""The glibc tuning at import: applied on Linux/glibc, skippable by environment variable."""
import subprocess
import sys

from flambeau import _allocator


def test_tune_malloc_applies_on_glibc():
    assert _allocator.tune_malloc() is sys.platform.startswith("linux")


def test_opt_out_by_environment():
    code = "import flambeau._allocator as a; print(a.tune_malloc())"
    out = subprocess.run([sys.executable, "-c", code], env={"FLAMBEAU_SYSTEM_MALLOC": "1", "PATH": ""},
                         capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
