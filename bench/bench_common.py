# bench_common.py: what the side-by-side runners share (stylegan2_vs_pytorch.py,
# fastgan_vs_pytorch.py, fid_vs_pytorch.py): the thread environment both sides get, timing a child
# process (wall and CPU seconds), and the JSON report (printed, and written with --json).
import json
import os
import resource
import subprocess
import time


def thread_env(threads):
    """The environment for lfgen: OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = threads (OPENBLAS_CORETYPE
    and everything else passed through untouched)."""
    return dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_timed(cmd, env, stderr=None):
    """Runs cmd to completion (stdout discarded); returns (wall seconds, CPU seconds user + sys)."""
    c0, t0 = child_cpu(), time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=stderr)
    return time.perf_counter() - t0, child_cpu() - c0


def write_report(doc, json_path):
    """Prints the report as JSON and, with a path, writes it there too."""
    print(json.dumps(doc, indent=1))
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
