"""Protocol tests of message security and framing against the installed
kernel: wrong, missing and replayed signatures and malformed frames are
dropped (and logged), and the kernel keeps serving.

See kernel_harness.py for MC_KERNEL_CMD (sanitizer builds)."""
import json
import unittest

import zmq

from kernel_harness import KernelTestCase, TIMEOUT

DELIM = b"<IDS|MSG>"


class TestWireSecurity(KernelTestCase):
    def setUp(self):
        km = self.kernel.km
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.linger = 0
        self.sock.connect("%s://%s:%d" % (km.transport, km.ip, km.shell_port))
        self.session = self.kc.session

    def tearDown(self):
        self.sock.close()

    def frames(self, code, key=None):
        """Signed frames of an execute_request for code (with key, or the
        session's key)."""
        msg = self.session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        parts = self.session.serialize(msg)[2:6]
        if key is None:
            sig = self.session.sign(parts)
        else:
            import hmac, hashlib
            h = hmac.new(key, digestmod=hashlib.sha256)
            for p in parts:
                h.update(p)
            sig = h.hexdigest().encode()
        return msg["header"]["msg_id"], [DELIM, sig] + parts

    def send_raw(self, frames):
        self.sock.send_multipart(frames)

    def raw_reply(self):
        self.assertTrue(self.sock.poll(TIMEOUT * 1000), "no reply on the raw socket")
        frames = self.sock.recv_multipart()
        i = frames.index(DELIM)
        return json.loads(frames[i + 2]), json.loads(frames[i + 5])

    def assert_serving(self):
        """The kernel still answers; returns nothing."""
        reply, iopub = self.kernel.request("kernel_info_request")
        self.assertEqual(reply["content"]["status"], "ok")

    def assert_not_run(self, name):
        reply, _ = self.kernel.execute(name)
        self.assertEqual(reply["content"]["status"], "error",
                         "%s exists: a rejected message was executed" % name)

    def test_valid_raw_message_runs(self):
        # The raw path itself works, so the rejections below mean something.
        msg_id, frames = self.frames("raw_ok = 7")
        self.send_raw(frames)
        header, content = self.raw_reply()
        self.assertEqual(header["msg_type"], "execute_reply")
        self.assertEqual(content["status"], "ok")
        self.assertEqual(self.kernel.eval_text("raw_ok"), "7")

    def test_wrong_signature(self):
        _, frames = self.frames("bad_sig_1 = 1")
        sig = bytearray(frames[1])
        sig[5] = ord("0") if sig[5] != ord("0") else ord("1")
        frames[1] = bytes(sig)
        self.send_raw(frames)
        _, frames = self.frames("bad_sig_2 = 1", key=b"not the key")
        self.send_raw(frames)
        self.assert_serving()
        self.assert_not_run("bad_sig_1")
        self.assert_not_run("bad_sig_2")
        self.assertIn("bad signature", self.kernel.stderr_text())

    def test_missing_and_short_signature(self):
        _, frames = self.frames("no_sig = 1")
        frames[1] = b""
        self.send_raw(frames)
        _, frames = self.frames("short_sig = 1")
        frames[1] = frames[1][:32]
        self.send_raw(frames)
        self.assert_serving()
        self.assert_not_run("no_sig")
        self.assert_not_run("short_sig")
        self.assertIn("missing signature", self.kernel.stderr_text())

    def test_replayed_signature(self):
        _, frames = self.frames("replayed = 1")
        self.send_raw(frames)
        self.assertEqual(self.raw_reply()[1]["status"], "ok")
        self.kernel.execute("replayed = 2")
        self.send_raw(frames)           # the same signed message again
        self.assert_serving()
        self.assertEqual(self.kernel.eval_text("replayed"), "2")
        self.assertIn("replayed signature", self.kernel.stderr_text())
        self.assertFalse(self.sock.poll(0), "a replayed message was answered")

    def test_malformed_frames(self):
        # signed, but the content is not JSON
        _, frames = self.frames("x = 1")
        frames[5] = b'{"code": "malformed = 1", '
        frames[1] = self.session.sign(frames[2:6])
        self.send_raw(frames)
        # no delimiter
        _, frames = self.frames("nodelim = 1")
        self.send_raw(frames[1:])
        # too few frames
        _, frames = self.frames("short = 1")
        self.send_raw(frames[:4])
        # header without msg_type
        _, frames = self.frames("nomsgtype = 1")
        header = json.loads(frames[2])
        del header["msg_type"]
        frames[2] = json.dumps(header).encode()
        frames[1] = self.session.sign(frames[2:6])
        self.send_raw(frames)
        # a single empty frame
        self.send_raw([b""])
        self.assert_serving()
        for name in ("malformed", "nodelim", "short", "nomsgtype"):
            self.assert_not_run(name)
        log = self.kernel.stderr_text()
        self.assertIn("malformed JSON", log)
        self.assertIn("delimiter", log)
        self.assertFalse(self.sock.poll(0), "a malformed message was answered")


if __name__ == "__main__":
    unittest.main()
