"""Shared harness of the protocol tests: starts the installed "maskclean"
kernel through jupyter_client and collects the messages of a request.

The tests find the kernel through the INSTALLED kernelspec "maskclean"
(`make install` from a build directory, or ./run). To test another binary,
for instance an AddressSanitizer/UBSan build, set

    MC_KERNEL_CMD=/path/to/build-asan/maskclean-kernel

The harness then writes a temporary kernelspec with that argv (through the
maskclean-launch beside it, as the installed kernelspec runs it), puts its
directory first on JUPYTER_PATH, and after each kernel exits fails if the
kernel's stderr shows a sanitizer report or the exit status is non-zero.
With MC_KERNEL_VALGRIND=1 as well, the kernel runs under valgrind memcheck
(errors and definite leaks make the exit status 99, so the tests fail):

    MC_KERNEL_CMD=build/maskclean-kernel MC_KERNEL_VALGRIND=1 \
        /usr/bin/python3 -m unittest discover -s tests/protocol

Each kernel runs with XDG_DATA_HOME in a temporary directory, so the history
of the tests never mixes with the user's.
"""
import atexit
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import unittest

from jupyter_client.manager import KernelManager

TIMEOUT = 60  # seconds to wait for any one message (generous for ASan/valgrind)

_SPEC_DIR = None
SANITIZER_PATTERNS = re.compile(
    r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")
# valgrind -q writes only its reports, each line "==pid== ..."
VALGRIND_PATTERN = re.compile(r"^==\d+== ", re.M)


def _kernel_spec_dir():
    """With MC_KERNEL_CMD, a temporary JUPYTER_PATH entry holding a kernelspec
    "maskclean" that runs that binary; otherwise None (the installed one)."""
    global _SPEC_DIR
    cmd = os.environ.get("MC_KERNEL_CMD")
    if not cmd:
        return None
    if _SPEC_DIR is None:
        _SPEC_DIR = tempfile.mkdtemp(prefix="mc-kernelspec-")
        atexit.register(shutil.rmtree, _SPEC_DIR, True)
        kdir = os.path.join(_SPEC_DIR, "kernels", "maskclean")
        os.makedirs(kdir)
        launch = os.path.join(os.path.dirname(os.path.abspath(cmd)), "maskclean-launch")
        argv = [launch if os.path.exists(launch) else os.path.abspath(cmd),
                "-f", "{connection_file}"]
        if os.environ.get("MC_KERNEL_VALGRIND") == "1":
            top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            argv = ["valgrind", "-q", "--trace-children=yes", "--error-exitcode=99",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite",
                    "--suppressions=" + os.path.join(top, "tools", "valgrind.supp")] + argv
        with open(os.path.join(kdir, "kernel.json"), "w") as f:
            json.dump({"argv": argv,
                       "display_name": "maskclean (" + cmd + ")",
                       "language": "maskclean", "interrupt_mode": "signal"}, f)
        os.environ["JUPYTER_PATH"] = _SPEC_DIR + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    return _SPEC_DIR


class Kernel:
    """One kernel process and a blocking client."""

    def __init__(self, data_home=None):
        _kernel_spec_dir()
        self.own_data_home = data_home is None
        self.data_home = data_home or tempfile.mkdtemp(prefix="mc-xdg-")
        self.stderr_path = os.path.join(self.data_home, "kernel-stderr.log")
        self.km = KernelManager(kernel_name="maskclean")
        self.kc = None
        self.process = None

    def launch(self):
        """Starts the kernel process and the client's channels, without
        waiting for the kernel to answer."""
        env = dict(os.environ, XDG_DATA_HOME=self.data_home)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.stderr = open(self.stderr_path, "ab")
        self.km.start_kernel(env=env, stderr=self.stderr)
        self.process = self.km.provisioner.process
        self.kc = self.km.client()
        self.kc.start_channels()
        return self

    def start(self):
        self.launch()
        try:
            self.kc.wait_for_ready(timeout=TIMEOUT)
        except RuntimeError as e:
            # say why the kernel did not start (its log goes with its data home)
            raise RuntimeError("%s; kernel stderr:\n%s" % (e, self.stderr_text()[-4000:])) from e
        return self

    def restart(self):
        self.km.restart_kernel(now=False)
        self.process = self.km.provisioner.process
        self.kc.wait_for_ready(timeout=TIMEOUT)

    def stop(self):
        """Shuts the kernel down and returns its exit status."""
        if self.kc is not None:
            self.kc.stop_channels()
        process = self.process
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=False)
        status = process.wait(timeout=TIMEOUT) if process is not None else None
        self.stderr.close()
        return status

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check_clean_exit(self, test, status):
        """With a sanitizer build, fail on a report or a non-zero exit."""
        log = self.stderr_text()
        test.assertIsNone(SANITIZER_PATTERNS.search(log), "kernel stderr:\n" + log[-4000:])
        if os.environ.get("MC_KERNEL_VALGRIND") == "1":
            test.assertIsNone(VALGRIND_PATTERN.search(log), "kernel stderr:\n" + log[-4000:])
        if os.environ.get("MC_KERNEL_CMD") and status is not None:
            test.assertEqual(status, 0, "kernel exit status; stderr:\n" + log[-4000:])

    def cleanup(self):
        if self.own_data_home:
            shutil.rmtree(self.data_home, True)

    # ---- messages ----

    def iopub_for(self, msg_id):
        """The iopub messages whose parent is msg_id, up to and including
        status idle."""
        msgs = []
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            msgs.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return msgs

    def shell_reply(self, msg_id):
        while True:
            m = self.kc.get_shell_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id:
                return m

    def control_reply(self, msg_id):
        while True:
            m = self.kc.get_control_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id:
                return m

    def execute(self, code, **kw):
        """Runs code; returns (reply message, iopub messages up to idle)."""
        kw.setdefault("allow_stdin", False)
        msg_id = self.kc.execute(code, **kw)
        reply = self.shell_reply(msg_id)
        return reply, self.iopub_for(msg_id)

    def request(self, msg_type, content=None):
        """Sends a shell request; returns (reply, iopub messages up to idle)."""
        msg = self.kc.session.msg(msg_type, content or {})
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        return self.shell_reply(msg_id), self.iopub_for(msg_id)

    def control(self, msg_type, content=None):
        msg = self.kc.session.msg(msg_type, content or {})
        self.kc.control_channel.send(msg)
        return self.control_reply(msg["header"]["msg_id"])

    def eval_text(self, expr):
        """text/plain of expr's execute_result (fails the test if none)."""
        reply, iopub = self.execute(expr)
        results = [m for m in iopub if m["msg_type"] == "execute_result"]
        if reply["content"]["status"] != "ok" or not results:
            raise AssertionError("%r: %r %r" % (expr, reply["content"],
                                                [m["content"] for m in iopub]))
        return results[0]["content"]["data"]["text/plain"]


def types(msgs):
    return [m["msg_type"] for m in msgs]


class KernelTestCase(unittest.TestCase):
    """One kernel for the whole class."""

    @classmethod
    def setUpClass(cls):
        cls.kernel = Kernel().start()
        cls.kc = cls.kernel.kc

    @classmethod
    def tearDownClass(cls):
        status = cls.kernel.stop()
        try:
            cls.kernel.check_clean_exit(cls._probe(), status)
        finally:
            cls.kernel.cleanup()

    @classmethod
    def _probe(cls):
        # A TestCase instance only for its assert methods.
        return unittest.TestCase()
