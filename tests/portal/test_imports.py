"""The portal starts fast: Great Expectations (5–8 s to import), scikit-learn and Prefect stay out
of its import path; the upload check imports the intake only when a file arrives."""

import subprocess
import sys


def test_portal_import_path_leaves_out_the_heavy_libraries():
    code = (
        "import sys, portal.app; "
        "heavy = [m for m in ('great_expectations', 'sklearn', 'prefect') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
