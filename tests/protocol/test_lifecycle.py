"""Protocol tests of the kernel's life cycle against the installed kernel:
interrupts (SIGINT and interrupt_request) during a long command, control and
heartbeat while a cell runs, shutdown, restart, and history kept across
restarts.

See kernel_harness.py for MC_KERNEL_CMD (sanitizer builds)."""
import shutil
import tempfile
import unittest

from kernel_harness import Kernel, KernelTestCase, types, TIMEOUT


class TestInterrupt(KernelTestCase):
    def start_long_cell(self):
        """Starts sleep(30) and returns once it is running (its progress
        bar is shown)."""
        msg_id = self.kc.execute("sleep(30)", allow_stdin=False)
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
