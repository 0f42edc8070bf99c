"""Protocol tests of the installed maskclean kernel (jupyter_client):
kernel_info, execute (counts, silent, store_history, user_expressions,
results, streams, errors), output ordering, completion, inspection,
is_complete, comms, display messages, input_request, stop_on_error.

Run: /usr/bin/python3 -m unittest discover -s tests/protocol
(MC_KERNEL_CMD=path runs them against another binary; see kernel_harness.py)."""
import os
import re
import unittest
import uuid

from kernel_harness import KernelTestCase, types, TIMEOUT

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def check_header(test, msg):
    h = msg["header"]
    test.assertEqual(h["version"], "5.3")
    # jupyter_client turns the date into a datetime; it must carry a timezone
    date = h["date"]
    if hasattr(date, "tzinfo"):
        test.assertIsNotNone(date.tzinfo, "date without timezone")
    else:
        test.assertRegex(date, DATE_RE)
    test.assertEqual(str(uuid.UUID(h["msg_id"])), h["msg_id"])
    test.assertTrue(h["session"])
    test.assertTrue(h["username"])


class TestKernelInfo(KernelTestCase):
    def test_kernel_info(self):
        reply, iopub = self.kernel.request("kernel_info_request")
        c = reply["content"]
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertEqual(c["status"], "ok")
        self.assertEqual(c["protocol_version"], "5.3")
        self.assertEqual(c["implementation"], "maskclean")
        li = c["language_info"]
        self.assertEqual(li["name"], "maskclean")
        self.assertEqual(li["file_extension"], ".mc")
        self.assertEqual(li["codemirror_mode"], "python")
        self.assertEqual(li["pygments_lexer"], "python")
        self.assertTrue(li["mimetype"])
        self.assertIn("maskclean", c["banner"])
        # A browser opens help links: no file:// path on the kernel's machine.
        for link in c["help_links"]:
            self.assertRegex(link["url"], r"^https?://")
        self.assertIn('help("language")', c["banner"])
        check_header(self, reply)
        # busy and idle around the request, with it as parent
        self.assertEqual(types(iopub), ["status", "status"])
        self.assertEqual([m["content"]["execution_state"] for m in iopub], ["busy", "idle"])
        for m in iopub:
            check_header(self, m)

    def test_started_through_the_launcher(self):
        # The kernelspec runs maskclean-launch, which binds the ports at once
        # and hands the listening sockets to the kernel it execs (same pid).
        with open("/proc/%d/cmdline" % self.kernel.process.pid, "rb") as f:
            argv = f.read().split(b"\0")
        self.assertTrue(any(a.startswith(b"--listen-fds=") for a in argv), argv)
        self.assertNotIn("listening sockets", self.kernel.stderr_text())

    def test_kernel_info_on_control(self):
        reply = self.kernel.control("kernel_info_request")
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertEqual(reply["content"]["protocol_version"], "5.3")

    def test_heartbeat_echoes(self):
        import zmq
        ctx = zmq.Context.instance()
        s = ctx.socket(zmq.REQ)
        s.linger = 0
        km = self.kernel.km
        s.connect("%s://%s:%d" % (km.transport, km.ip, km.hb_port))
        s.send(b"ping-\xff")
        self.assertTrue(s.poll(TIMEOUT * 1000), "no heartbeat echo")
        self.assertEqual(s.recv(), b"ping-\xff")
        s.close()


class TestExecute(KernelTestCase):
    def test_result_and_counts(self):
        reply, iopub = self.kernel.execute("x = 41")
        self.assertEqual(reply["content"]["status"], "ok")
        n = reply["content"]["execution_count"]
        self.assertNotIn("execute_result", types(iopub))
        inp = [m for m in iopub if m["msg_type"] == "execute_input"]
        self.assertEqual(len(inp), 1)
        self.assertEqual(inp[0]["content"]["code"], "x = 41")
        self.assertEqual(inp[0]["content"]["execution_count"], n)

        reply, iopub = self.kernel.execute("x")
        self.assertEqual(reply["content"]["execution_count"], n + 1)
        res = [m for m in iopub if m["msg_type"] == "execute_result"]
        self.assertEqual(len(res), 1)
        self.assertEqual(res[0]["content"]["data"]["text/plain"], "41")
        self.assertEqual(res[0]["content"]["execution_count"], n + 1)

        # silent: no count, no execute_input, no result, but it runs
        reply, iopub = self.kernel.execute("x = 42\nx", silent=True)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["execution_count"], n + 1)
        self.assertEqual(types(iopub), ["status", "status"])
        # store_history=False: runs and shows, count unchanged
        reply, iopub = self.kernel.execute("x", store_history=False)
        self.assertEqual(reply["content"]["execution_count"], n + 1)
        res = [m for m in iopub if m["msg_type"] == "execute_result"]
        self.assertEqual(res[0]["content"]["data"]["text/plain"], "42")
        reply, _ = self.kernel.execute("x")
        self.assertEqual(reply["content"]["execution_count"], n + 2)

    def test_stream_and_ordering(self):
        code = 'print("h\u00e9llo")\nprint("w\u00f6rld")\n"done"'
        msg_id = self.kc.execute(code, allow_stdin=False)
        reply = self.kernel.shell_reply(msg_id)
        iopub = self.kernel.iopub_for(msg_id)
        t = types(iopub)
        self.assertEqual(t[0], "status")
        self.assertEqual(iopub[0]["content"]["execution_state"], "busy")
        self.assertEqual(t[1], "execute_input")
        self.assertEqual(t[-1], "status")
        self.assertEqual(iopub[-1]["content"]["execution_state"], "idle")
        text = "".join(m["content"]["text"] for m in iopub if m["msg_type"] == "stream")
        self.assertEqual(text, "h\u00e9llo\nw\u00f6rld\n")
        self.assertTrue(all(m["content"]["name"] == "stdout"
                            for m in iopub if m["msg_type"] == "stream"))
        # the result comes after the prints, and idle after the reply and all output
        self.assertLess(t.index("stream"), t.index("execute_result"))
        idle_date = iopub[-1]["header"]["date"]
        self.assertLessEqual(reply["header"]["date"], idle_date)
        for m in iopub[:-1]:
            self.assertLessEqual(m["header"]["date"], idle_date)
        # nothing else arrives for that request: the next request's busy comes first
        reply2, iopub2 = self.kernel.request("kernel_info_request")
        self.assertEqual(types(iopub2), ["status", "status"])

    def test_error(self):
        reply, iopub = self.kernel.execute("undefined_name_q7")
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertTrue(c["ename"])
        self.assertIn("undefined_name_q7", c["evalue"])
        self.assertIsInstance(c["traceback"], list)
        self.assertTrue(all(isinstance(line, str) for line in c["traceback"]))
        err = [m for m in iopub if m["msg_type"] == "error"]
        self.assertEqual(len(err), 1)
        self.assertEqual(err[0]["content"]["ename"], c["ename"])
        self.assertEqual(err[0]["content"]["evalue"], c["evalue"])
        self.assertEqual(types(iopub)[-1], "status")

    def test_user_expressions(self):
        self.kernel.execute("ue = [1, 2]")
        reply, iopub = self.kernel.execute(
            "ue2 = 5", user_expressions={"a": "ue", "b": "no_such_name_q8", "c": "ue2"})
        ue = reply["content"]["user_expressions"]
        self.assertEqual(ue["a"]["status"], "ok")
        self.assertEqual(ue["a"]["data"]["text/plain"], "[1, 2]")
        self.assertEqual(ue["c"]["data"]["text/plain"], "5")
        self.assertEqual(ue["b"]["status"], "error")
        self.assertIn("no_such_name_q8", ue["b"]["evalue"])
        self.assertNotIn("execute_result", types(iopub))

    def test_stop_on_error(self):
        # The failing cell runs long enough for the next two to queue behind it.
        first = self.kc.execute("sleep(1)\nnot_defined_q9", allow_stdin=False)
        queued = [self.kc.execute("soe = 1", allow_stdin=False),
                  self.kc.execute("soe", allow_stdin=False)]
        r = self.kernel.shell_reply(first)
        self.assertEqual(r["content"]["status"], "error")
        for mid in queued:
            # as ipykernel: aborted, with no execution count of its own
            self.assertEqual(self.kernel.shell_reply(mid)["content"], {"status": "aborted"})
        self.kernel.iopub_for(first)
        # they did not run: soe was never assigned
        reply, _ = self.kernel.execute("soe")
        self.assertEqual(reply["content"]["status"], "error")
        # without stop_on_error the queued cell runs
        first = self.kc.execute("sleep(1)\nnot_defined_q9", allow_stdin=False,
                                stop_on_error=False)
        second = self.kc.execute("soe = 2", allow_stdin=False)
        self.assertEqual(self.kernel.shell_reply(first)["content"]["status"], "error")
        self.assertEqual(self.kernel.shell_reply(second)["content"]["status"], "ok")
        self.assertEqual(self.kernel.eval_text("soe"), "2")

    def burst(self, codes):
        """Sends the execute_requests for codes back to back on the shell
        socket, serialised first (as a Run-All through a front end's
        websocket arrives); returns their msg_ids."""
        session, sock = self.kc.session, self.kc.shell_channel.socket
        msgs = [session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True}) for code in codes]
        frames = [session.serialize(m) for m in msgs]
        for f in frames:
            sock.send_multipart(f)
        return [m["header"]["msg_id"] for m in msgs]

    def test_stop_on_error_burst(self):
        # 20 cells sent without waiting, the first failing at once: every
        # queued cell is aborted, every time (20 times).
        counts = []
        for rep in range(20):
            ids = self.burst(["burst_undefined_%d" % rep] +
                             ["burst_ran_%d_%d = 1" % (rep, i) for i in range(19)])
            replies = {}
            while len(replies) < len(ids):
                m = self.kc.get_shell_msg(timeout=TIMEOUT)
                if m["parent_header"].get("msg_id") in ids:
                    replies[m["parent_header"]["msg_id"]] = m["content"]
            first = replies[ids[0]]
            self.assertEqual(first["status"], "error", first)
            self.assertEqual(first["ename"], "NameError")
            counts.append(first["execution_count"])
            for i, mid in enumerate(ids[1:]):
                self.assertEqual(replies[mid], {"status": "aborted"},
                                 "repetition %d, cell %d" % (rep, i + 2))
            # the failed cell's idle: the kernel has stopped aborting
            self.kernel.iopub_for(ids[0])
        # only the failing cells counted, one each
        self.assertEqual(counts, list(range(counts[0], counts[0] + 20)))
        self.assertNotIn("burst_ran", self.kernel.eval_text("dir()"))

    def test_failing_silent_cell_aborts_nothing(self):
        silent = self.kc.execute("silent_undefined_q1", silent=True, allow_stdin=False)
        after = self.kc.execute("after_silent = 1", allow_stdin=False)
        self.assertEqual(self.kernel.shell_reply(silent)["content"]["status"], "error")
        self.assertEqual(self.kernel.shell_reply(after)["content"]["status"], "ok")
        self.assertEqual(self.kernel.eval_text("after_silent"), "1")

    def test_nul_in_code(self):
        # Every request gets a reply: code holding U+0000 is an error, and
        # nothing of it runs.
        reply, iopub = self.kernel.execute("nul_ran = 1\nx = '\0'")
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "SyntaxError")
        self.assertIn("null bytes", c["evalue"])
        self.assertIn("line 2", c["evalue"])
        self.assertIn("error", types(iopub))
        reply, _ = self.kernel.execute("nul_ran")
        self.assertEqual(reply["content"]["status"], "error")
        reply, _ = self.kernel.request("is_complete_request", {"code": "a\0"})
        self.assertEqual(reply["content"]["status"], "invalid")
        reply, _ = self.kernel.request("complete_request", {"code": "pri\0", "cursor_pos": 3})
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(self.kernel.eval_text("1 + 1"), "2")

    def test_stderr(self):
        reply, iopub = self.kernel.execute('print("to err", 2, file=stderr)\nprint("to out")')
        self.assertEqual(reply["content"]["status"], "ok")
        streams = [(m["content"]["name"], m["content"]["text"])
                   for m in iopub if m["msg_type"] == "stream"]
        self.assertEqual(streams, [("stderr", "to err 2\n"), ("stdout", "to out\n")])

    def test_pager(self):
        # Long help goes to the pager payload, which Notebook, Lab and
        # console show; it is not printed in the cell as well.
        reply, iopub = self.kernel.execute("help()")
        pages = reply["content"]["payload"]
        self.assertEqual(len(pages), 1)
        self.assertEqual(pages[0]["source"], "page")
        self.assertIn("load_coco", pages[0]["data"]["text/plain"])
        self.assertEqual(pages[0]["start"], 0)
        self.assertNotIn("stream", types(iopub))
        # the language reference is reachable from inside the kernel
        reply, _ = self.kernel.execute('help("language")')
        page = reply["content"]["payload"][0]["data"]
        self.assertTrue(page["text/markdown"].startswith("# "))
        self.assertIn("language", page["text/plain"])
        # short help stays in the cell
        reply, iopub = self.kernel.execute("help(len)")
        self.assertEqual(reply["content"]["payload"], [])
        self.assertIn("stream", types(iopub))

    def test_quit_keep_kernel(self):
        reply, _ = self.kernel.execute("quit(keep_kernel=true)")
        self.assertEqual(reply["content"]["payload"],
                         [{"source": "ask_exit", "keepkernel": True}])
        self.assertEqual(self.kernel.eval_text("1"), "1")   # still running

    def test_progress_display_updates_in_place(self):
        reply, iopub = self.kernel.execute("sleep(1)")
        self.assertEqual(reply["content"]["status"], "ok")
        shown = [m for m in iopub if m["msg_type"] == "display_data"]
        self.assertTrue(shown, types(iopub))
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(display_id)
        updates = [m for m in iopub if m["msg_type"] == "update_display_data"]
        self.assertTrue(updates, types(iopub))
        for m in updates:
            self.assertEqual(m["content"]["transient"]["display_id"], display_id)
            self.assertIn("text/plain", m["content"]["data"])

    def test_display(self):
        reply, iopub = self.kernel.execute('display([1, 2, 3])')
        self.assertEqual(reply["content"]["status"], "ok")
        shown = [m for m in iopub if m["msg_type"] == "display_data"]
        self.assertEqual(len(shown), 1)
        self.assertEqual(shown[0]["content"]["data"]["text/plain"], "[1, 2, 3]")

    def test_clear_output(self):
        reply, iopub = self.kernel.execute('print("a"); clear_output(wait=true); print("b")')
        self.assertEqual(reply["content"]["status"], "ok")
        kinds = [m["msg_type"] for m in iopub if m["msg_type"] in ("stream", "clear_output")]
        self.assertEqual(kinds, ["stream", "clear_output", "stream"])
        cleared = [m for m in iopub if m["msg_type"] == "clear_output"][0]
        self.assertIs(cleared["content"]["wait"], True)


class TestIntrospection(KernelTestCase):
    def test_complete_counts_code_points(self):
        code = 's = "h\u00e9llo w\u00f6rld \U0001F600"; pri'
        reply, iopub = self.kernel.request("complete_request",
                                           {"code": code, "cursor_pos": len(code)})
        c = reply["content"]
        self.assertEqual(c["status"], "ok")
        self.assertIn("print", c["matches"])
        self.assertEqual(c["cursor_end"], len(code))          # code points, not bytes
        self.assertEqual(c["cursor_start"], len(code) - 3)
        self.assertEqual([m["content"]["execution_state"] for m in iopub], ["busy", "idle"])

    def test_complete_variable_after_non_ascii(self):
        self.kernel.execute("cvar_long = 1")
        code = '"\u00e9\u00e9\u00e9"\ncvar_lo'
        reply, _ = self.kernel.request("complete_request", {"code": code, "cursor_pos": len(code)})
        self.assertIn("cvar_long", reply["content"]["matches"])
        self.assertEqual(reply["content"]["cursor_start"], len(code) - len("cvar_lo"))

    def test_inspect(self):
        reply, _ = self.kernel.request("inspect_request",
                                       {"code": "print", "cursor_pos": 5, "detail_level": 0})
        c = reply["content"]
        self.assertEqual(c["status"], "ok")
        self.assertTrue(c["found"])
        self.assertIn("print", c["data"]["text/plain"])
        reply, _ = self.kernel.request("inspect_request",
                                       {"code": "nothing_here_q1", "cursor_pos": 3,
                                        "detail_level": 0})
        self.assertFalse(reply["content"]["found"])

    def test_is_complete(self):
        def status(code):
            reply, _ = self.kernel.request("is_complete_request", {"code": code})
            return reply["content"]
        self.assertEqual(status("x = 1")["status"], "complete")
        inc = status("f(1,")
        self.assertEqual(inc["status"], "incomplete")
        self.assertIn("indent", inc)
        self.assertEqual(status("x = )")["status"], "invalid")

    def test_comms(self):
        reply, _ = self.kernel.request("comm_info_request", {})
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(reply["content"]["comms"], {})
        comm_id = str(uuid.uuid4())
        msg = self.kc.session.msg("comm_open", {"comm_id": comm_id,
                                                "target_name": "no.such.target", "data": {}})
        self.kc.shell_channel.send(msg)
        iopub = self.kernel.iopub_for(msg["header"]["msg_id"])
        closes = [m for m in iopub if m["msg_type"] == "comm_close"]
        self.assertEqual(len(closes), 1)
        self.assertEqual(closes[0]["content"]["comm_id"], comm_id)


class TestInput(KernelTestCase):
    def test_input_request(self):
        msg_id = self.kc.execute('name = input("Name? ")', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["content"]["prompt"], "Name? ")
        self.assertFalse(req["content"]["password"])
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.kc.input("Ada L\u00f6velace")
        reply = self.kernel.shell_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.kernel.iopub_for(msg_id)
        self.assertEqual(self.kernel.eval_text("name"), "'Ada L\u00f6velace'")

    def test_input_not_allowed(self):
        reply, iopub = self.kernel.execute('name2 = input("x")', allow_stdin=False)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertTrue(reply["content"]["evalue"])


if __name__ == "__main__":
    unittest.main()
