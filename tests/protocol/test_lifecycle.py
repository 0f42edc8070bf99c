"""Protocol tests of the kernel's life cycle against the installed kernel:
interrupts (SIGINT and interrupt_request) during a long command, control and
heartbeat while a cell runs, the iopub welcome, shutdown, restart, exit,
the death of the process that started the kernel, and the history: kept
across restarts, and written by two kernels at once.

See kernel_harness.py for MC_KERNEL_CMD (sanitizer builds)."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import zmq

import kernel_harness
from kernel_harness import Kernel, KernelTestCase, types, TIMEOUT

HERE = os.path.dirname(os.path.abspath(__file__))


class TestInterrupt(KernelTestCase):
    def start_long_cell(self):
        """Starts a cell that only an interrupt ends (sleep's longest) and
        returns once it is running (its progress bar is shown)."""
        msg_id = self.kc.execute("sleep(86400)", allow_stdin=False)
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if (m["parent_header"].get("msg_id") == msg_id and
                    m["msg_type"] in ("display_data", "update_display_data")):
                return msg_id

    def check_interrupted(self, msg_id):
        reply = self.kernel.shell_reply(msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "KeyboardInterrupt")
        iopub = self.kernel.iopub_for(msg_id)
        self.assertIn("error", types(iopub))
        # earlier variables are intact and the kernel keeps serving
        self.assertEqual(self.kernel.eval_text("kept"), "'still here'")

    def test_sigint(self):
        self.kernel.execute('kept = "still here"')
        msg_id = self.start_long_cell()
        self.kernel.km.interrupt_kernel()   # interrupt_mode "signal": SIGINT
        self.check_interrupted(msg_id)

    def test_interrupt_request(self):
        self.kernel.execute('kept = "still here"')
        msg_id = self.start_long_cell()
        # control answers while the cell runs
        info = self.kernel.control("kernel_info_request")
        self.assertEqual(info["content"]["status"], "ok")
        reply = self.kernel.control("interrupt_request")
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["content"]["status"], "ok")
        self.check_interrupted(msg_id)

    def test_interrupt_while_waiting_for_input(self):
        self.kernel.execute('kept = "still here"')
        msg_id = self.kc.execute('answer = input("never answered? ")', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.kernel.control("interrupt_request")
        c = self.kernel.shell_reply(msg_id)["content"]
        # The wait for input_reply stops and the cell fails as interrupted.
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "KeyboardInterrupt")
        self.kernel.iopub_for(msg_id)
        reply, _ = self.kernel.execute("answer")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(self.kernel.eval_text("kept"), "'still here'")


class TestWelcome(KernelTestCase):
    def test_welcome_on_subscription(self):
        # A client that subscribes to iopub gets iopub_welcome and the
        # kernel's status without asking anything, so it knows that its
        # subscription is live (jupyter_client's readiness check needs one
        # iopub message).
        km = self.kernel.km
        sock = zmq.Context.instance().socket(zmq.SUB)
        sock.linger = 0
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect("%s://%s:%d" % (km.transport, km.ip, km.iopub_port))
        session = self.kc.session
        msgs = []
        try:
            for _ in range(2):
                self.assertTrue(sock.poll(TIMEOUT * 1000), "no welcome")
                _, frames = session.feed_identities(sock.recv_multipart())
                msgs.append(session.deserialize(frames))
        finally:
            sock.close()
        self.assertEqual(msgs[0]["msg_type"], "iopub_welcome")
        self.assertEqual(msgs[0]["content"], {"subscription": ""})
        self.assertEqual(msgs[0]["parent_header"], {})
        self.assertEqual(msgs[1]["msg_type"], "status")
        self.assertEqual(msgs[1]["content"]["execution_state"], "idle")


# Run by the parent-death test: starts a kernel through jupyter_client, runs
# a cell, prints the kernel's pid, then waits to be killed.
PARENT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from kernel_harness import Kernel
k = Kernel(sys.argv[2]).start()
reply, _ = k.execute("orphan_cell = 1")
assert reply["content"]["status"] == "ok", reply
print(k.process.pid, flush=True)
time.sleep(3600)
"""


def _gone(pid):
    """Whether process pid has exited (a zombie waiting to be reaped counts)."""
    try:
        os.kill(pid, 0)
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (ProcessLookupError, FileNotFoundError):
        return True


class TestParentDeath(unittest.TestCase):
    def test_kill_9_of_the_launching_process(self):
        data_home = tempfile.mkdtemp(prefix="mc-xdg-")
        try:
            kernel_harness._kernel_spec_dir()   # JUPYTER_PATH for MC_KERNEL_CMD
            env = dict(os.environ)
            env.pop("MC_KERNEL_CMD", None)      # the spec is already on JUPYTER_PATH
            parent = subprocess.Popen([sys.executable, "-c", PARENT, HERE, data_home],
                                      stdout=subprocess.PIPE, env=env)
            line = parent.stdout.readline()
            self.assertTrue(line, "the launching process did not start a kernel")
            pid = int(line)
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            parent.stdout.close()
            deadline = time.monotonic() + TIMEOUT
            while not _gone(pid):
                self.assertLess(time.monotonic(), deadline, "the orphaned kernel kept running")
                time.sleep(0.05)
            log = Kernel(data_home)
            log.own_data_home = False
            self.assertIn("is gone; shutting down", log.stderr_text())
            log.check_clean_exit(self, None)    # its exit status is init's to see
            # it exited cleanly: the cell is in the history and the session ended
            db = sqlite3.connect(os.path.join(data_home, "maskclean", "history.sqlite"))
            rows = db.execute("SELECT history.session, sessions.end FROM history "
                              "JOIN sessions USING (session) "
                              "WHERE source = 'orphan_cell = 1'").fetchall()
            db.close()
            self.assertEqual(len(rows), 1)
            self.assertIsNotNone(rows[0][1], "the session was not ended")
        finally:
            shutil.rmtree(data_home, True)


class TestHistoryTwoKernels(unittest.TestCase):
    def test_two_kernels_write_history_at_once(self):
        data_home = tempfile.mkdtemp(prefix="mc-xdg-")
        kernels = [Kernel(data_home), Kernel(data_home)]
        statuses = []
        try:
            for k in kernels:       # started together
                k.launch()
            for k in kernels:
                k.kc.wait_for_ready(timeout=TIMEOUT)
            sent = []
            for j in range(30):     # interleaved, without waiting
                for n, k in enumerate(kernels):
                    sent.append((k, k.kc.execute("two_%d_%d = %d" % (n, j, j),
                                                 allow_stdin=False)))
            for k, msg_id in sent:
                self.assertEqual(k.shell_reply(msg_id)["content"]["status"], "ok")
            sessions = []
            for n, k in enumerate(kernels):
                reply, _ = k.request("history_request", {
                    "output": False, "raw": True, "hist_access_type": "range",
                    "session": 0, "start": 1, "stop": 0})
                hist = reply["content"]["history"]
                self.assertEqual([src for _, _, src in hist],
                                 ["two_%d_%d = %d" % (n, j, j) for j in range(30)])
                self.assertEqual([line for _, line, _ in hist], list(range(1, 31)))
                sessions.append(hist[0][0])
            self.assertNotEqual(sessions[0], sessions[1])
            # one history: each kernel sees the other's cells
            reply, _ = kernels[0].request("history_request", {
                "output": False, "raw": True, "hist_access_type": "tail", "n": 0})
            self.assertEqual(len([h for h in reply["content"]["history"]
                                  if h[0] in sessions]), 60)
        finally:
            for k in kernels:
                if k.kc is not None:
                    statuses.append(k.stop())
        for k, status in zip(kernels, statuses):
            k.check_clean_exit(self, status)
        shutil.rmtree(data_home, True)


class TestShutdownRestart(unittest.TestCase):
    def setUp(self):
        self.data_home = tempfile.mkdtemp(prefix="mc-xdg-")

    def tearDown(self):
        shutil.rmtree(self.data_home, True)

    def history(self, kernel, **content):
        reply, _ = kernel.request("history_request", dict(
            {"output": False, "raw": True}, **content))
        self.assertEqual(reply["content"]["status"], "ok")
        return [tuple(h) for h in reply["content"]["history"]]

    def test_shutdown_request(self):
        k = Kernel(self.data_home).start()
        msg = k.kc.session.msg("shutdown_request", {"restart": False})
        k.kc.control_channel.send(msg)
        reply = k.control_reply(msg["header"]["msg_id"])
        self.assertEqual(reply["msg_type"], "shutdown_reply")
        self.assertEqual(reply["content"], {"status": "ok", "restart": False})
        status = k.process.wait(timeout=TIMEOUT)   # the kernel exits by itself
        self.assertEqual(status, 0)
        k.stop()
        k.check_clean_exit(self, status)

    def test_exit_ends_console_and_kernel(self):
        # exit alone on a line sends ask_exit (jupyter console ends), then
        # the kernel shuts down by itself.
        k = Kernel(self.data_home).start()
        reply, _ = k.execute("exit")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["payload"],
                         [{"source": "ask_exit", "keepkernel": False}])
        status = k.process.wait(timeout=TIMEOUT)
        self.assertEqual(status, 0)
        k.stop()
        k.check_clean_exit(self, status)

    def test_restart_and_history(self):
        k = Kernel(self.data_home).start()
        try:
            k.execute("h1 = 1")
            k.execute("h2 = 2")
            k.execute("h1")
            k.execute("h1", silent=True)             # not stored
            k.execute("h3 = 3", store_history=False)  # not stored
            tail = self.history(k, hist_access_type="tail", n=10)
            self.assertEqual([src for _, _, src in tail], ["h1 = 1", "h2 = 2", "h1"])
            session1 = tail[0][0]
            self.assertEqual([line for _, line, _ in tail], [1, 2, 3])

            k.restart()
            # variables are gone, history is kept, counts start again
            reply, _ = k.execute("h1")
            self.assertEqual(reply["content"]["status"], "error")
            self.assertEqual(reply["content"]["execution_count"], 1)
            k.execute("h4 = 4")
            tail = self.history(k, hist_access_type="tail", n=3)
            self.assertEqual(tail, [(session1, 3, "h1"), (session1 + 1, 1, "h1"),
                                    (session1 + 1, 2, "h4 = 4")])
            rng = self.history(k, hist_access_type="range", session=-1, start=2, stop=4)
            self.assertEqual(rng, [(session1, 2, "h2 = 2"), (session1, 3, "h1")])
            rng = self.history(k, hist_access_type="range", session=0, start=1, stop=0)
            self.assertEqual([src for _, _, src in rng], ["h1", "h4 = 4"])
            found = self.history(k, hist_access_type="search", pattern="h1*", n=0, unique=False)
            self.assertEqual([src for _, _, src in found], ["h1 = 1", "h1", "h1"])
            found = self.history(k, hist_access_type="search", pattern="h1*", n=0, unique=True)
            self.assertEqual([src for _, _, src in found], ["h1 = 1", "h1"])
            found = self.history(k, hist_access_type="search", pattern="h?", n=1, unique=False)
            self.assertEqual(found, [(session1 + 1, 1, "h1")])
            reply, _ = k.request("history_request", {"output": True, "raw": True,
                                                     "hist_access_type": "tail", "n": 1})
            self.assertEqual(reply["content"]["history"][0][2], ["h4 = 4", None])
        finally:
            status = k.stop()
        k.check_clean_exit(self, status)


if __name__ == "__main__":
    unittest.main()
