"""Protocol tests of message security and framing against the installed
kernel: wrong, missing and replayed signatures and malformed frames are
dropped (and logged), and the kernel keeps serving.

The raw messages go out on a socket of their own, which the kernel serves
beside the client's shell socket: nothing orders the two. So every test
ends its raw messages with sync() (a valid request on the raw socket, and
its reply): the kernel reads one socket's messages in order, so by then it
has read, and dropped or answered, everything sent before.

See kernel_harness.py for MC_KERNEL_CMD (sanitizer builds)."""
import json
import os
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
        self.log_start = os.path.getsize(self.kernel.stderr_path)

    def tearDown(self):
        self.sock.close()

    def frames(self, code, key=None, msg_type="execute_request"):
        """Signed frames of an execute_request for code (with key, or the
        session's key); with msg_type, of that request with empty content."""
        content = {} if msg_type != "execute_request" else {
            "code": code, "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
        msg = self.session.msg(msg_type, content)
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
        """(header, content) of the next reply on the raw socket."""
        header, _, content = self.raw_reply_with_parent()
        return header, content

    def raw_reply_with_parent(self):
        self.assertTrue(self.sock.poll(TIMEOUT * 1000), "no reply on the raw socket")
        frames = self.sock.recv_multipart()
        i = frames.index(DELIM)
        return json.loads(frames[i + 2]), json.loads(frames[i + 3]), json.loads(frames[i + 5])

    def sync(self):
        """Returns once the kernel has read every message sent before on the
        raw socket: a kernel_info_request there, whose reply must be the
        next message on it (an answer to a rejected message would come
        first)."""
        msg_id, frames = self.frames(None, msg_type="kernel_info_request")
        self.send_raw(frames)
        header, parent, content = self.raw_reply_with_parent()
        self.assertEqual((header["msg_type"], parent.get("msg_id")),
                         ("kernel_info_reply", msg_id), "a rejected message was answered")
        self.assertEqual(content["status"], "ok")

    def log_lines(self):
        """The kernel's stderr lines written since the test began."""
        with open(self.kernel.stderr_path, "rb") as f:
            f.seek(self.log_start)
            return f.read().decode("utf-8", "replace").splitlines()

    def drops(self):
        """The reasons of the messages the kernel dropped on shell since
        the test began, in order."""
        prefix = "maskclean-kernel: shell: dropped a message: "
        return [line[len(prefix):] for line in self.log_lines() if line.startswith(prefix)]

    def assert_logged(self, *reasons):
        """The kernel dropped exactly these messages on shell since the
        test began, for these reasons, in this order."""
        self.assertEqual(self.drops(), list(reasons), "\n".join(self.log_lines()))

    def assert_logged_prefixes(self, *starts):
        """As assert_logged, each reason only by its beginning."""
        drops = self.drops()
        self.assertEqual(len(drops), len(starts), "\n".join(self.log_lines()))
        for drop, start in zip(drops, starts):
            self.assertTrue(drop.startswith(start), "%r does not start with %r" % (drop, start))

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
        self.sync()
        self.assert_logged("bad signature", "bad signature")
        self.assert_serving()
        self.assert_not_run("bad_sig_1")
        self.assert_not_run("bad_sig_2")

    def test_missing_and_short_signature(self):
        _, frames = self.frames("no_sig = 1")
        frames[1] = b""
        self.send_raw(frames)
        _, frames = self.frames("short_sig = 1")
        frames[1] = frames[1][:32]
        self.send_raw(frames)
        self.sync()
        self.assert_logged("missing signature", "bad signature: 32 characters, expected 64")
        self.assert_serving()
        self.assert_not_run("no_sig")
        self.assert_not_run("short_sig")

    def test_replayed_signature(self):
        _, frames = self.frames("replayed = 1")
        self.send_raw(frames)
        self.assertEqual(self.raw_reply()[1]["status"], "ok")
        self.kernel.execute("replayed = 2")
        self.send_raw(frames)           # the same signed message again
        self.sync()
        self.assert_logged("replayed signature")
        self.assert_serving()
        self.assertEqual(self.kernel.eval_text("replayed"), "2")
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
        self.sync()
        self.assert_logged_prefixes(
            "content: malformed JSON at line 1",
            "message has no <IDS|MSG> delimiter",
            "message has 3 frames after the delimiter, expected at least 5",
            "header: expected msg_id and msg_type",
            "message has no <IDS|MSG> delimiter")
        self.assert_serving()
        for name in ("malformed", "nodelim", "short", "nomsgtype"):
            self.assert_not_run(name)
        self.assertFalse(self.sock.poll(0), "a malformed message was answered")


if __name__ == "__main__":
    unittest.main()
